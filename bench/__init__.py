"""Benchmarks (`make bench`): they print figures and write the same figures as JSON under `bench/out/`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def write_figures(figures: dict, name: str) -> Path:
    """`figures` as JSON in `bench/out/NAME`; says where on stderr."""
    OUT.mkdir(exist_ok=True)
    target = OUT / name
    target.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {target}", file=sys.stderr)
    return target

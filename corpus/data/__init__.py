"""data: what the code knows that is not code, shipped as package data, and the two readers of it.

Files:
- `entities_*.txt`: the entity recogniser's gazetteers (people, organisations, places, other names,
  given names) and its rule word lists (`entities_lexicon.txt`);
- `words.txt`: the other word lists of extraction (stop words by language, month names, chrome marks);
- `date_evidence.toml`: how far each kind of evidence for a publication date is trusted;
- `profiles/*.toml`: the site profiles of the bundled sample sites;
- `samples/*.html`: the bundled sample corpus (`polsearch demo`, the golden tests).

Word-list files are plain UTF-8: a line `[name]` starts a section, every other line that is not blank
and does not start with `#` is one entry. `lines(name)` and `sections(name)` read a file once per
process (cached), and `table(name)` a TOML file; the modules that use a list build their sets and
patterns from it once, when they are first imported (which is when the first page is normalised).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FOLDER = Path(__file__).resolve().parent
PROFILES = FOLDER / "profiles"
SAMPLES = FOLDER / "samples"


@functools.cache
def lines(filename: str) -> tuple[str, ...]:
    """The entries of a word-list file, in file order: blank lines and `#` comments left out."""
    with open(FOLDER / filename, encoding="utf-8") as f:
        stripped = (line.strip() for line in f)
        return tuple(line for line in stripped if line and not line.startswith("#"))


@functools.cache
def sections(filename: str) -> Mapping[str, tuple[str, ...]]:
    """The `[name]` sections of a word-list file, each with its entries in file order."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines(filename):
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1], [])
        else:
            current.append(line)
    return MappingProxyType({name: tuple(entries) for name, entries in found.items()})


@functools.cache
def table(filename: str) -> Mapping[str, Any]:
    """A TOML file of this folder, read once."""
    with open(FOLDER / filename, "rb") as f:
        return MappingProxyType(tomllib.load(f))

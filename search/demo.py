"""The demo: where the bundled sample corpus lives, and the example searches `polsearch demo` runs."""

from __future__ import annotations

from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterator

# (query, search options): each shows one part of the query language.
EXAMPLE_QUERIES: list[tuple[str, dict[str, object]]] = [
    ('"debt of Lon Nol"', {"limit": 3}),
    ('"food security" date:2010..2022', {"limit": 3}),
    ("Mekong AND (dam OR dams)", {"limit": 3}),
    ("author:\"Clara Bianchi\" OR title:sahel", {"limit": 3, "sort": "-date"}),
    ("sanction*", {"limit": 3}),
]


@contextmanager
def sample_folder() -> Iterator[Path]:
    """The bundled sample pages as a folder on disk (package data)."""
    with resources.as_file(resources.files("corpus.data") / "samples") as path:
        yield Path(path)

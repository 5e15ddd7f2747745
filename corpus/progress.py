"""Progress reporting for long work (a crawl, an ingest run, an export), without knowing how it is shown.

Moving parts:
- `Progress`: the one protocol every long-running library function takes. The library calls
  `start(phase, total)`, `advance(n)`, `resize(total)` and `finish()`; its methods do nothing by default,
  so a caller implements only what it shows. Any object with these four methods will do (it is a
  `typing.Protocol`); subclassing it gives the do-nothing defaults. The CLI passes one that draws a
  progress bar on a terminal.
- `SILENT`: the default, which shows nothing.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, phase: str, total: int | None) -> None:
        """A phase begins ("reading", "indexing", "scraping"); `total` is the number of steps, if known."""

    def advance(self, n: int = 1) -> None:
        """`n` more steps are done."""

    def resize(self, total: int) -> None:
        """The phase turned out to have `total` steps (a crawl's queue grows as it goes)."""

    def finish(self) -> None:
        """The current phase is over."""


class _Silent(Progress):
    pass


SILENT: Progress = _Silent()

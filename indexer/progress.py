"""Progress reporting for long work, without knowing how it is shown.

The library calls `start(phase, total)`, `advance(n)`, `resize(total)` and `finish()`; the CLI passes a subclass that
draws a progress bar on a terminal. The default does nothing.
"""

from __future__ import annotations


class Progress:
    def start(self, phase: str, total: int | None) -> None:
        """A phase begins ("reading", "indexing"); `total` is the number of steps, if known."""

    def advance(self, n: int = 1) -> None:
        """`n` more steps are done."""

    def resize(self, total: int) -> None:
        """The phase turned out to have `total` steps (a crawl's queue grows as it goes)."""

    def finish(self) -> None:
        """The current phase is over."""


SILENT = Progress()

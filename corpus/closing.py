"""`Closing`: the base of what is opened with `X.open(...)` and used in a `with` block that closes it (the
document store, a scrape archive). Subclasses give `close()`."""

from __future__ import annotations

from typing import Any


class Closing:
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The raw page records that the input readers (`files.py`, `warc.py`) yield and the indexer reads.

Moving parts:
- `RawPage`: one page not read yet: its incremental-indexing key, its size and mtime, how to read its
  bytes, and the provenance a `Document` will carry;
- `RawContainer`: a file holding many raw pages (a WARC file), which a caller that has seen the same
  size and mtime before need not open at all;
- `InputProblem`: an input that could not be listed or read, with the reason;
- `HTML_TYPES`: the media types that are HTML pages (for WARC records and for the fetcher).

Both readers import this module and nothing of each other's, so they do not depend on each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..errors import InputError

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass
class RawPage:
    key: str                       # identity for incremental work (absolute path, WARC file + offset)
    label: str                     # how messages name it
    size: int | None = None
    mtime_ns: int | None = None
    url: str | None = None         # the address it was fetched from, if any
    fallback_key: str | None = None  # id key when the page has no URL: path relative to what was indexed
    fallback_url: str | None = None
    http_charset: str | None = None
    fetched_at: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    reader: Callable[[], bytes] | None = None
    data: bytes | None = None
    kind: str = "html"             # "html": a page to normalise; "jsonl": a clean document as JSON

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.reader is None:
            raise InputError(f"{self.label}: nothing to read")
        return self.reader()


@dataclass
class RawContainer:
    """A file holding many raw pages (a WARC file). `pages()` reads it; `passed_over` counts, by kind,
    the records it held that are not pages (filled while `pages()` runs)."""
    key: str                       # identity of the file for incremental work
    label: str
    size: int
    mtime_ns: int
    page_prefix: str               # every page key in it starts with this
    reader: Callable[[], Iterator[RawPage | InputProblem]] | None = None
    passed_over: Counter = field(default_factory=Counter)

    def pages(self) -> Iterator[RawPage | InputProblem]:
        if self.reader is None:
            raise InputError(f"{self.label}: nothing to read")
        return self.reader()


@dataclass(frozen=True)
class InputProblem:
    """An input that could not be listed or read (an unreadable folder, a broken link, a malformed WARC
    record)."""
    label: str
    reason: str


def file_container(path: Path, kind: str, pages: Callable[[RawContainer], Iterator[RawPage | InputProblem]],
                   ) -> Iterator[RawContainer | InputProblem]:
    """A file of many records (kind "warc", "jsonl") as one container, keyed by its absolute path; its
    records' keys start with `<kind>:<path>#`. `pages(container)` reads them. A file that cannot be
    stat'ed is an `InputProblem`."""
    try:
        st = path.stat()
    except OSError as exc:
        return iter([InputProblem(str(path), f"cannot read: {exc.strerror or exc}")])
    absolute = str(path.absolute())
    container = RawContainer(key=f"{kind}file:{absolute}", label=str(path), size=st.st_size,
                             mtime_ns=st.st_mtime_ns, page_prefix=f"{kind}:{absolute}#")
    container.reader = lambda: pages(container)
    return iter([container])

"""Where raw pages come from: HTML files and folders (walked recursively), and WARC files.

`iter_sources(paths)` yields one `RawPage` per candidate page, in a stable order, without reading page
contents (so an unchanged file costs one `stat`). A `RawPage` knows its incremental-indexing key, its
size and mtime, how to read its bytes, and the provenance a `Document` will carry. A file that holds
many pages (a `.warc` or `.warc.gz` file, alone or in a folder such as a `scrape` archive) comes as one
`RawContainer`: a caller that has seen the same size and mtime before need not open it at all, and
`container.pages()` yields its pages otherwise (`corpus.warc`).

Folder walks take files that look like HTML (by extension, or by their first bytes when they have none),
skip hidden files and folders, and do not follow a symlink out of the folder unless asked. A file named
explicitly is always tried, so a wrong file gets a reason rather than silence.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from .errors import SourceError

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp", ".cfm"})
_SNIFF_BYTES = 1024


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

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.reader is None:
            raise SourceError(f"{self.label}: nothing to read")
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
    reader: Callable[[], Iterator[RawPage | SourceProblem]] | None = None
    passed_over: Counter = field(default_factory=Counter)

    def pages(self) -> Iterator[RawPage | SourceProblem]:
        if self.reader is None:
            raise SourceError(f"{self.label}: nothing to read")
        return self.reader()


@dataclass(frozen=True)
class SourceProblem:
    """A source that could not be listed (an unreadable folder, a broken link)."""
    label: str
    reason: str


def _file_page(path: Path, relkey: str, st: os.stat_result) -> RawPage:
    absolute = str(path.absolute())
    mtime = dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
    return RawPage(
        key=f"file:{absolute}",
        label=str(path),
        size=st.st_size,
        mtime_ns=st.st_mtime_ns,
        fallback_key=relkey,
        fallback_url=absolute,
        fetched_at=mtime,
        provenance={"kind": "file", "path": absolute, "mtime": mtime, "size": st.st_size},
        reader=path.read_bytes,
    )


def _looks_html(path: Path) -> bool:
    if path.suffix.lower() in HTML_SUFFIXES:
        return True
    if path.suffix:
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES).lower()
    except OSError:
        return False
    return b"<html" in head or b"<!doctype html" in head


def check_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The named sources as paths; `SourceError` for the first that does not exist."""
    result = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SourceError(f"no such file or folder: {raw}")
        result.append(path)
    return result


Claim = Callable[[Path], "Iterator[RawPage | RawContainer | SourceProblem] | None"]


def _claim(path: Path, extra: Claim | None) -> Iterator[RawPage | RawContainer | SourceProblem] | None:
    claimed = extra(path) if extra else None
    if claimed is None:
        from . import warc

        claimed = warc.claim(path)
    return claimed


def iter_sources(paths: Sequence[str | Path], *, follow_symlinks: bool = False, extra: Claim | None = None,
                 ) -> Iterator[RawPage | RawContainer | SourceProblem]:
    """Raw pages under `paths`: HTML files, and WARC files as containers. `extra(path)` may claim a
    file or folder for another reader by returning an iterator, or decline with None."""
    for path in check_paths(paths):
        claimed = _claim(path, extra)
        if claimed is not None:
            yield from claimed
        elif path.is_dir():
            yield from _walk_folder(path, follow_symlinks, extra)
        else:
            try:
                st = path.stat()
            except OSError as exc:
                yield SourceProblem(str(path), f"cannot read: {exc.strerror or exc}")
                continue
            yield _file_page(path, path.name, st)


def _walk_folder(root: Path, follow_symlinks: bool, extra: Claim | None,
                 ) -> Iterator[RawPage | RawContainer | SourceProblem]:
    real_root = os.path.realpath(root)
    problems: list[SourceProblem] = []

    def onerror(exc: OSError) -> None:
        problems.append(SourceProblem(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    seen_folders: set[str] = set()
    for folder, dirs, files in os.walk(root, onerror=onerror, followlinks=follow_symlinks):
        yield from problems
        problems.clear()
        if follow_symlinks:
            # A link back up the tree would be walked again and again (each loop multiplies the walk
            # until the kernel's limit on nested links); each real folder is walked once.
            real_folder = os.path.realpath(folder)
            if real_folder in seen_folders:
                dirs[:] = []
                continue
            seen_folders.add(real_folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_symlink() and not follow_symlinks:
                real = os.path.realpath(path)
                if os.path.commonpath([real, real_root]) != real_root:
                    continue  # a link out of the folder: not followed unless asked
            claimed = _claim(path, extra)
            if claimed is not None:
                yield from claimed
                continue
            if not _looks_html(path):
                continue
            try:
                st = path.stat()
            except OSError as exc:
                yield SourceProblem(str(path), f"cannot read: {exc.strerror or exc}")
                continue
            relkey = (Path(os.path.basename(real_root)) / path.relative_to(root)).as_posix()
            yield _file_page(path, relkey, st)
    yield from problems

"""The inputs a user names: HTML files and folders (walked recursively), and WARC and JSON Lines files.

Moving parts:
- `iter_inputs(paths)` yields one `RawPage` per candidate page, in a stable order, without reading page
  contents (so an unchanged file costs one `stat`); a file that holds many pages (a `.warc` or
  `.warc.gz` file, alone or in a folder such as a `scrape` archive, or a `.jsonl` file of clean
  documents) comes as one `RawContainer`, from `warc.claim()` or `jsonl.claim()`; what cannot be listed comes as an `InputProblem` (the records are in `records.py`);
- `check_paths()`: the named inputs as paths, or an `InputError` for the first that does not exist.

Folder walks take files that look like HTML (by extension, or by their first bytes when they have none),
skip hidden files and folders, and do not follow a symlink out of the folder unless asked. A file named
explicitly is always tried, so a wrong file gets a reason rather than silence.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Iterator, Sequence

from ..errors import InputError
from . import jsonl, warc
from .records import InputProblem, RawContainer, RawPage

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp", ".cfm"})
_SNIFF_BYTES = 1024


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
    """The named inputs as paths; `InputError` for the first that does not exist."""
    result = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"no such file or folder: {raw}")
        result.append(path)
    return result


def iter_inputs(paths: Sequence[str | Path], *, follow_symlinks: bool = False,
                ) -> Iterator[RawPage | RawContainer | InputProblem]:
    """Raw pages under `paths`: HTML files, and WARC files as containers."""
    for path in check_paths(paths):
        claimed = _claim(path)
        if claimed is not None:
            yield from claimed
        elif path.is_dir():
            yield from _walk_folder(path, follow_symlinks)
        else:
            try:
                st = path.stat()
            except OSError as exc:
                yield InputProblem(str(path), f"cannot read: {exc.strerror or exc}")
                continue
            yield _file_page(path, path.name, st)


def _claim(path: Path):
    """A file that holds many pages or documents (WARC, JSON Lines) as a container; None otherwise."""
    return warc.claim(path) or jsonl.claim(path)


def _walk_folder(root: Path, follow_symlinks: bool) -> Iterator[RawPage | RawContainer | InputProblem]:
    real_root = os.path.realpath(root)
    problems: list[InputProblem] = []

    def onerror(exc: OSError) -> None:
        problems.append(InputProblem(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

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
            claimed = _claim(path)
            if claimed is not None:
                yield from claimed
                continue
            if not _looks_html(path):
                continue
            try:
                st = path.stat()
            except OSError as exc:
                yield InputProblem(str(path), f"cannot read: {exc.strerror or exc}")
                continue
            relkey = (Path(os.path.basename(real_root)) / path.relative_to(root)).as_posix()
            yield _file_page(path, relkey, st)
    yield from problems

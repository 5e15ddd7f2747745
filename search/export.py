"""Exports: every document a query matches, streamed to CSV, JSON Lines, RIS or BibTeX, with a manifest.

Moving parts (the formats themselves are in `formats.py`):
- `stream()`: the matching documents in order, read from the store in batches (the index gives the ids;
  no more than one batch of documents is held at a time);
- `export()`: runs the query, writes the file (to a temporary name, renamed when complete, so an
  interrupted export leaves no half file behind) and the manifest that lets the search be re-run and
  reported: the query as typed and as understood, filters, the index's state, the time, the count;
- `kwic_csv()`: `search --kwic-csv`'s lines, written as CSV exports are.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from corpus.progress import SILENT, Progress
from indexer.index import IndexFolder, open_reader

from . import ranking
from .errors import SearchError
from .formats import DEFAULT_FIELDS, WRITERS, CsvTable, Record, check_fields, format_for
from .searcher import NO_FILTERS, Filters, KwicLine, Query, execute, stored

SORTS = ("date", "-date", "relevance")
BATCH = 200


# -- reading the hits ------------------------------------------------------------------------------------
def stream(reader, query: Query, sort: str, progress: Progress = SILENT, batch: int = BATCH,
           warnings: list[str] | None = None) -> Iterator[Record]:
    """Every document matching `query`, in `sort` order. The index gives the ids (and scores); the
    documents are read from the store `batch` at a time."""
    run = execute(reader, query, limit=None, sort=sort)
    if warnings is not None:
        warnings.extend(run.warnings)
    progress.start("exporting", run.total)
    try:
        for rank, (doc, score) in enumerate(stored(reader, run.ranked, batch), 1):
            yield Record(doc, rank, score if sort == "relevance" else None)
            progress.advance()
    finally:
        progress.finish()


# -- the manifest -----------------------------------------------------------------------------------------
def index_state(reader) -> dict[str, Any]:
    """What a methods section needs to say which collection was searched."""
    folder: IndexFolder = reader.folder
    state: dict[str, Any] = {"path": str(folder.path.resolve()), "documents": 0, "first_date": None,
                             "last_date": None, "store_seq": 0, "index_generation": None,
                             "index_synced_seq": None, "index_schema": None}
    store = reader.store
    if store is not None:
        figures = store.stats()
        state.update(documents=figures["documents"], first_date=figures["first_date"],
                     last_date=figures["last_date"], store_seq=store.seq,
                     index_generation=store.get_state("index_generation") or None,
                     index_synced_seq=int(store.get_state("index_synced_seq", "0") or 0),
                     index_schema=store.get_state("index_schema") or None)
    return state


def manifest_path_for(path: str) -> str | None:
    return None if path == "-" else path + ".manifest.json"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("polsearch")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


# -- the export -------------------------------------------------------------------------------------------
@dataclass
class ExportReport:
    file: str
    manifest: str | None
    format: str
    count: int
    manifest_data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "manifest": self.manifest, "format": self.format, "count": self.count}


def _open_target(path: str, bom: bool, stdout: IO[str] | None) -> tuple[IO[str], str | None]:
    """A text stream to write to, and the temporary file behind it (renamed into place at the end).
    An unwritable target fails here, before the query runs."""
    if path == "-":
        return (stdout if stdout is not None else sys.stdout), None
    target = Path(path)
    if target.is_dir():
        raise SearchError(f"cannot write {path}: it is a folder")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise SearchError(f"cannot write {path}: {exc.strerror or exc}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file would be (mkstemp makes it private)
    out = open(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")
    return out, tmp


def export(index_path: str | os.PathLike[str], query: str, path: str, *, fmt: str | None = None,
           fields: tuple[str, ...] | None = None, sort: str = "date", filters: Filters = NO_FILTERS,
           match: str = "all", manifest: str | None = None, command: str = "",
           progress: Progress = SILENT, stdout: IO[str] | None = None, batch: int = BATCH) -> ExportReport:
    """Write every document matching `query` to `path` (`-`: `stdout`) in `fmt`, and a manifest to
    `manifest` (default `PATH.manifest.json`; none for stdout unless given). Documents are read from
    the store `batch` at a time."""
    fmt = format_for(path, fmt)
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    writer_class = WRITERS[fmt]
    if fields is not None and not writer_class.fields_apply:
        raise SearchError(f"--fields chooses the columns of csv and jsonl exports; {fmt} has its own fields")
    chosen = check_fields(fields) if fields is not None else DEFAULT_FIELDS
    parsed = Query.parse(query, filters, match)  # a bad query fails before any file is touched
    manifest = manifest or manifest_path_for(path)
    if manifest:
        _check_writable(manifest, "the manifest")
    folder = IndexFolder(index_path)
    folder.require()
    out, tmp = _open_target(path, writer_class.bom, stdout)
    count = 0
    warnings: list[str] = []
    try:
        with _records(index_path, query, parsed, match, sort, progress, batch, warnings) as (state, records):
            started = dt.datetime.now(dt.timezone.utc)
            writer = writer_class(out, chosen)
            writer.begin()
            for record in records:
                writer.write(record)
                count += 1
            writer.end()
        out.flush()
        if tmp is not None:
            out.close()
            os.replace(tmp, path)
            tmp = None
    finally:
        if tmp is not None:
            out.close()
            os.unlink(tmp)
    data = {
        "polsearch": _version(),
        "command": command,
        "query": query,
        "parsed_query": parsed.describe(),
        "match": match,
        "filters": _filters_json(filters),
        "sort": sort,
        "format": fmt,
        "fields": list(chosen) if writer_class.fields_apply else None,
        "file": None if path == "-" else str(Path(path).resolve()),
        "count": count,
        "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "index": state,
    }
    if warnings:
        data["warnings"] = warnings
    if manifest:
        _write_json(manifest, data)
    return ExportReport(path, manifest, fmt, count, data, warnings)


@contextmanager
def _records(index_path, text: str, parsed: Query, match: str, sort: str, progress: Progress, batch: int,
             warnings: list[str]) -> Iterator[tuple[dict[str, Any], Iterator[Record]]]:
    """(the collection's state as this search saw it, every hit as a `Record`), of one index or of a
    sharded one (merged from its shards as they are read)."""
    from indexer.shards import is_sharded

    if is_sharded(index_path):
        from . import merged

        with merged.stream(index_path, text, parsed.filters, match, sort, progress, batch, warnings) as found:
            yield found
        return
    with open_reader(IndexFolder(index_path), ranking.weighting()) as reader:
        yield index_state(reader), stream(reader, parsed, sort, progress, batch, warnings)


def _filters_json(filters: Filters) -> dict[str, Any]:
    return {"from": filters.date_from.isoformat() if filters.date_from else None,
            "to": filters.date_to.isoformat() if filters.date_to else None,
            "sources": list(filters.sources), "authors": list(filters.authors),
            "entities": list(filters.entities), "tags": list(filters.tags),
            "dedupe": bool(getattr(filters, "dedupe", False))}


def _check_writable(path: str, what: str) -> None:
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise SearchError(f"cannot write {what} {path}: it is a folder")
    if not folder.is_dir():
        raise SearchError(f"cannot write {what} {path}: no folder {folder}")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise SearchError(f"cannot write {what} {path}: permission denied")


def _write_json(path: str, data: dict[str, Any]) -> None:
    try:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise SearchError(f"cannot write the manifest {path}: {exc.strerror or exc}") from None


# -- keyword in context -----------------------------------------------------------------------------------
KWIC_FIELDS = ("id", "date", "source", "title", "url", "left", "match", "right")


def kwic_csv(lines: list[KwicLine], target: str) -> int:
    """KWIC lines as CSV, written as exports write CSV (`CsvTable`); `target` is a path or - for stdout.
    Returns the rows written."""
    handle = sys.stdout if target == "-" else open(target, "w", encoding="utf-8-sig", newline="")
    try:
        table = CsvTable(handle, KWIC_FIELDS)
        for line in lines:
            data = line.to_json()
            table.row(data[f] for f in KWIC_FIELDS)
    finally:
        if handle is not sys.stdout:
            handle.close()
    return len(lines)

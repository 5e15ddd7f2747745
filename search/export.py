"""Exports: every document a query matches, streamed to CSV, JSON Lines, RIS or BibTeX, with a manifest.

Moving parts:
- `FIELDS`/`DEFAULT_FIELDS`: the columns a CSV or JSONL export can have, provenance included;
- `Writer`s, one per format: `CsvWriter` (one header row, RFC 4180 quoting, UTF-8 with a BOM so Excel
  reads it as UTF-8), `JsonlWriter` (one object per hit), `RisWriter` (`TY  - ELEC`, which Zotero
  imports as "Web Page") and `BibtexWriter` (`@online`, biblatex's type for web pages, which Zotero also
  imports as "Web Page" and classic BibTeX styles print as `@misc`);
- `stream()`: the matching documents in order, read from the store in batches (the index gives the ids;
  no more than one batch of documents is held at a time);
- `export()`: runs the query, writes the file (to a temporary name, renamed when complete, so an
  interrupted export leaves no half file behind) and the manifest that lets the search be re-run and
  reported: the query as typed and as understood, filters, the index's state, the time, the count.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator

from corpus.document import Document
from corpus.progress import SILENT, Progress
from indexer.index import IndexFolder, open_reader

from . import ranking
from .errors import SearchError
from .searcher import NO_FILTERS, Filters, Query, execute, stored

FORMATS = ("csv", "jsonl", "ris", "bibtex")
EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".ris": "ris", ".bib": "bibtex",
              ".bibtex": "bibtex"}
SORTS = ("date", "-date", "relevance")

# Every column a CSV or JSONL export can have, in their default order; `body` and the ranking columns
# only on request.
FIELDS = ("id", "url", "title", "date", "updated", "authors", "source", "tags", "entities", "summary",
          "content_hash", "fetched_at", "provenance", "language", "body", "rank", "score")
DEFAULT_FIELDS = FIELDS[:13]
MULTI_SEPARATOR = "; "
BATCH = 200


# -- records ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Record:
    """One exported hit: the document, its place in the order, its score (relevance order only)."""
    doc: Document
    rank: int
    score: float | None = None


def json_value(record: Record, name: str) -> Any:
    """A field's value as JSON would hold it (lists stay lists, provenance an object)."""
    d = record.doc
    if name == "rank":
        return record.rank
    if name == "score":
        return None if record.score is None else round(record.score, 4)
    if name in ("authors", "tags"):
        return list(getattr(d, name))
    if name == "entities":
        return [e.to_json() for e in d.entities]
    if name == "provenance":
        return dict(d.provenance)
    value = getattr(d, name)
    return value if value != "" or name not in ("date", "updated") else None


def text_value(record: Record, name: str) -> str:
    """A field's value as one spreadsheet cell: several values joined with "; ", entities as
    "Name (TYPE)", provenance as compact JSON (lossless: it is a small nested record)."""
    d = record.doc
    if name in ("authors", "tags"):
        return MULTI_SEPARATOR.join(getattr(d, name))
    if name == "entities":
        return MULTI_SEPARATOR.join(f"{e.text} ({e.type})" for e in d.entities)
    if name == "provenance":
        return json.dumps(d.provenance, ensure_ascii=False, sort_keys=True) if d.provenance else ""
    value = json_value(record, name)
    return "" if value is None else str(value)


def check_fields(fields: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    unknown = [f for f in fields if f not in FIELDS]
    if unknown:
        raise SearchError(f"unknown field {unknown[0]!r} for --fields; choose from {', '.join(FIELDS)}")
    if not fields:
        raise SearchError("--fields names no field; choose from " + ", ".join(FIELDS))
    seen: list[str] = []
    for f in fields:
        if f not in seen:
            seen.append(f)
    return tuple(seen)


# -- writers --------------------------------------------------------------------------------------------
class Writer:
    """Writes records of one format to a text stream."""
    fields_apply = False  # whether --fields chooses what is written
    bom = False

    def __init__(self, out: IO[str], fields: tuple[str, ...]) -> None:
        self.out = out
        self.fields = fields

    def begin(self) -> None:
        pass

    def write(self, record: Record) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass


# A cell starting with one of these is run as a formula by Excel and LibreOffice ("CSV injection"); a
# hostile page could put one in its title. Such cells get a leading apostrophe, which those programs
# hide and treat as "this is text". JSONL keeps every value exactly as stored.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


class CsvWriter(Writer):
    fields_apply = True
    bom = True

    def begin(self) -> None:
        self.csv = csv.writer(self.out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        self.csv.writerow(self.fields)

    def write(self, record: Record) -> None:
        self.csv.writerow([_cell(text_value(record, f)) for f in self.fields])


class JsonlWriter(Writer):
    fields_apply = True

    def write(self, record: Record) -> None:
        self.out.write(json.dumps({f: json_value(record, f) for f in self.fields}, ensure_ascii=False))
        self.out.write("\n")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _inverted(name: str) -> str:
    """'Jane Q. Smith' -> 'Smith, Jane Q.' (RIS and BibTeX name order); a single word stays as it is."""
    name = _one_line(name)
    if "," in name or " " not in name:
        return name
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}"


def _slash_date(iso: str) -> str:
    return iso[:10].replace("-", "/") if iso else ""


class RisWriter(Writer):
    """RIS as Zotero's RIS translator reads it: `ELEC` is a Web Page, `T2` its website title, `AU` one
    line per author ("Last, First"), `DA` the date (YYYY/MM/DD), `Y2` the access date, `KW` one line per
    tag, `N1` a note (the polsearch id and content hash, for provenance)."""

    def write(self, record: Record) -> None:
        d = record.doc
        lines = [("TY", "ELEC"), ("ID", d.id), ("TI", d.title)]
        lines += [("AU", _inverted(a)) for a in d.authors]
        if d.date:
            lines += [("PY", d.date[:4]), ("DA", _slash_date(d.date))]
        lines += [("T2", d.source), ("UR", d.url), ("Y2", _slash_date(d.fetched_at)), ("LA", d.language),
                  ("AB", d.summary)]
        lines += [("KW", t) for t in d.tags]
        lines.append(("N1", f"polsearch id {d.id}; content hash {d.content_hash}"
                            + (f"; updated {d.updated}" if d.updated else "")))
        for tag, value in lines:
            value = _one_line(value)
            if value:
                self.out.write(f"{tag}  - {value}\r\n")
        self.out.write("ER  - \r\n\r\n")


# BibTeX's special characters, written so that LaTeX prints them and bibliography programs read them
# back (bibtexparser's LaTeX decoding, Zotero).
_BIB_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
                "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
_BIB_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _BIB_SPECIAL))
# Words (letters and digits, joined by hyphens or apostrophes) whose capitals BibTeX styles must keep.
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_KEY_STOP = frozenset("a an the of on in at to for and or but is are was were be why how what when "
                      "who with from by as it its this that after before".split())


def bib_escape(text: str) -> str:
    return _BIB_SPECIAL_RE.sub(lambda m: _BIB_SPECIAL[m.group(0)], _one_line(text))


def _bib_title(text: str) -> str:
    def protect(m: re.Match[str]) -> str:
        word = m.group(0)
        # Only words with a capital past their first letter: styles that lower-case titles would
        # otherwise turn "ASEAN" into "asean"; ordinary capitalised words stay free for the style.
        return "{" + word + "}" if any(c.isupper() for c in word[1:]) else word
    return _WORD.sub(protect, bib_escape(text))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def citation_key(doc: Document) -> str:
    """author-year-word: the first author's family name, the year, the title's first significant word
    (`ellison2010cambodia`); the source stands in for a missing author."""
    who = doc.authors[0] if doc.authors else (doc.source or "anon")
    family = _ascii_word(_inverted(who).split(",")[0]) if doc.authors else _ascii_word(who.split()[0] if
                                                                                        who.split() else "")
    words = [_ascii_word(w) for w in doc.title.split()]
    word = next((w for w in words if w and w not in _KEY_STOP), "")
    return f"{family or 'anon'}{doc.date[:4] if doc.date else 'nd'}{word}"


class BibtexWriter(Writer):
    """`@online` entries (biblatex's type for web pages; Zotero imports it as a Web Page; classic
    BibTeX styles treat it as `@misc`, and `howpublished` carries the URL for them). Text is escaped for
    LaTeX and kept in UTF-8; the polsearch id and content hash go in `annote`, which styles do not
    print."""

    def begin(self) -> None:
        self.keys: dict[str, int] = {}

    def _unique(self, key: str) -> str:
        n = self.keys.get(key, 0)
        self.keys[key] = n + 1
        if n == 0:
            return key
        suffix, i = "", n  # the second is key-b, then -c, ... -z, -ba, ...
        while True:
            suffix = chr(ord("a") + i % 26) + suffix
            i //= 26
            if i == 0:
                break
        candidate = f"{key}{suffix}"
        return self._unique(candidate) if candidate in self.keys else candidate

    def write(self, record: Record) -> None:
        d = record.doc
        key = self._unique(citation_key(d))
        entries: list[tuple[str, str]] = [("title", _bib_title(d.title))]
        if d.authors:
            entries.append(("author", " and ".join("{" + bib_escape(a) + "}" if " " not in _one_line(a)
                                                   else bib_escape(_inverted(a)) for a in d.authors)))
        if d.date:
            entries += [("date", d.date), ("year", d.date[:4])]
        if d.source:
            entries.append(("organization", bib_escape(d.source)))
        if d.url:
            entries += [("url", _bib_url(d.url)), ("howpublished", "\\url{" + _bib_url(d.url) + "}")]
        if d.fetched_at:
            entries.append(("urldate", d.fetched_at[:10]))
        if d.language:
            entries.append(("langid", bib_escape(d.language)))
        if d.summary:
            entries.append(("abstract", bib_escape(d.summary)))
        if d.tags:
            entries.append(("keywords", ", ".join(bib_escape(t) for t in d.tags)))
        entries.append(("annote", bib_escape(f"polsearch id {d.id}; content hash {d.content_hash}")))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in entries)
        self.out.write(f"@online{{{key},\n{body}\n}}\n\n")


def _bib_url(url: str) -> str:
    # URLs go in verbatim (the url package and biber read them raw); only what would unbalance the
    # braces or start a comment is percent-encoded.
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C").replace(" ", "%20")


WRITERS: dict[str, type[Writer]] = {"csv": CsvWriter, "jsonl": JsonlWriter, "ris": RisWriter,
                                    "bibtex": BibtexWriter}


def format_for(path: str, given: str | None) -> str:
    """The export format: as given, else from the file's extension."""
    if given:
        if given not in FORMATS:
            raise SearchError(f"unknown format {given!r}; use one of {', '.join(FORMATS)}")
        return given
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    where = "stdout" if path == "-" else f"{path!r}"
    raise SearchError(f"cannot tell the format of {where} from its name; give --format "
                      f"{'|'.join(FORMATS)}")


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
           progress: Progress = SILENT, stdout: IO[str] | None = None) -> ExportReport:
    """Write every document matching `query` to `path` (`-`: `stdout`) in `fmt`, and a manifest to
    `manifest` (default `PATH.manifest.json`; none for stdout unless given)."""
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
        with open_reader(folder, ranking.weighting()) as reader:
            started = dt.datetime.now(dt.timezone.utc)
            state = index_state(reader)  # the collection as this search saw it
            writer = writer_class(out, chosen)
            writer.begin()
            for record in stream(reader, parsed, sort, progress, warnings=warnings):
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

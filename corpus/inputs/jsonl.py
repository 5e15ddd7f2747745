"""JSON Lines files of documents that are clean already: `.jsonl`, `.jsonl.gz`, `.ndjson`, `.ndjson.gz`.

One `Document` as a JSON object a line: `title` and `body` required; `id`, `url`, `date`, `authors`,
`source`, `tags`, `entities`, `summary`, `language` optional. Researchers hold many corpora as text
already (debates, speeches, another tool's export); this is how they search them.

Moving parts:
- `claim(path)`: a JSON Lines file as one `RawContainer` (as `warc.claim` does for a WARC file), so an
  unchanged file is not opened again; its lines are raw pages keyed by file and line number, whose data
  is the line itself;
- `to_document(line, ...)`: one line to a `Document`, or a `PageError` naming what is wrong with it (the
  line is reported and skipped; the rest are indexed). Entities are found in the text when the line
  gives none.

A line without `id` takes its id from its `url`, or, with neither, from the file's name and the line's
number (as an HTML file without a URL takes its id from its path).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zlib
from pathlib import Path
from typing import Any, Iterator

from ..errors import PageError
from .records import InputProblem, RawContainer, RawPage, file_container

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")
_FIELDS = frozenset({"id", "url", "title", "body", "date", "updated", "authors", "source", "tags", "entities",
                     "summary", "language"})
_ENTITY_TYPES = frozenset({"PER", "ORG", "LOC", "MISC"})


def is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def claim(path: Path) -> Iterator[RawContainer | InputProblem] | None:
    """For `files.iter_inputs`: a JSON Lines file as one container; None for anything else."""
    if not is_jsonl(path) or path.is_dir():
        return None
    return file_container(path, "jsonl", lambda _container: lines(path))


def lines(path: Path) -> Iterator[RawPage | InputProblem]:
    """Each non-blank line of the file as a raw page (kind "jsonl"), in file order."""
    absolute = str(path.absolute())
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                yield RawPage(key=f"jsonl:{absolute}#{number}", label=f"{path}:{number}", size=len(line),
                              data=line, kind="jsonl", fallback_key=f"{path.name}#{number}",
                              provenance={"kind": "jsonl", "file": absolute, "line": number})
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        yield InputProblem(str(path), f"cannot read: {getattr(exc, 'strerror', None) or exc}")


def _text(record: dict, name: str, required: bool = False) -> str:
    value = record.get(name)
    if value is None:
        if required:
            raise PageError(f"no {name!r}: every line needs a title and a body")
        return ""
    if not isinstance(value, str):
        raise PageError(f"{name!r} must be a string, not {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise PageError(f"empty {name!r}: every line needs a title and a body")
    return value


def _strings(record: dict, name: str) -> tuple[str, ...]:
    value = record.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PageError(f"{name!r} must be a list of strings")
    return tuple(dict.fromkeys(v.strip() for v in value if v.strip()))


def _date(record: dict, name: str) -> str:
    value = _text(record, name)
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise PageError(f"{name!r} is not a date (YYYY-MM-DD): {value[:40]!r}") from None


def to_document(data: bytes, *, fallback_key: str, provenance: dict[str, Any]):
    """One JSON line to a `Document`; `PageError` with a one-line reason for a line that is not one."""
    from ..document import Document, Entity, make_id

    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageError(f"not JSON: {str(exc).splitlines()[0]}") from None
    if not isinstance(record, dict):
        raise PageError(f"a line must be a JSON object, not {type(record).__name__}")
    unknown = sorted(set(record) - _FIELDS)
    title, body = _text(record, "title", True), _text(record, "body", True)
    url = _text(record, "url")
    doc_id = _text(record, "id") or make_id(url or f"jsonl:{fallback_key}")
    entities_given = record.get("entities")
    if entities_given is None:
        from ..extract.entities import find_entities

        entities = tuple(find_entities(title, [p for p in body.split("\n\n") if p.strip()]))
    else:
        if not isinstance(entities_given, list):
            raise PageError("'entities' must be a list")
        found = []
        for item in entities_given:
            if isinstance(item, str):
                found.append(Entity(item.strip(), "MISC"))
            elif isinstance(item, dict) and isinstance(item.get("text"), str):
                kind = str(item.get("type", "MISC")).upper()
                found.append(Entity(item["text"].strip(), kind if kind in _ENTITY_TYPES else "MISC"))
            else:
                raise PageError("'entities' must hold strings or {\"text\": ..., \"type\": ...} objects")
        entities = tuple(e for e in dict.fromkeys(found) if e.text)
    extraction = {"input": "jsonl", "entities_source": "given" if entities_given is not None else "found"}
    if unknown:
        extraction["ignored_fields"] = unknown
    return Document(id=doc_id, url=url, title=title, body=body, source=_text(record, "source"),
                    date=_date(record, "date"), updated=_date(record, "updated"), authors=_strings(record, "authors"),
                    summary=_text(record, "summary"), entities=entities, tags=_strings(record, "tags"),
                    language=_text(record, "language").lower(), provenance=provenance, extraction=extraction)

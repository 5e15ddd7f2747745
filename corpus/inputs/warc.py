"""Reading WARC files for indexing: the HTML pages they hold, as `RawPage`s with their provenance.

`claim(path)` recognises a `.warc` or `.warc.gz` file (any producer, WARC/0.17 to 1.1, gzip per record or
not compressed) and returns it as one `RawContainer`, so that an indexer can skip a file whose size and
mtime it has seen before without opening it. `pages(path)` walks the records with warcio:
- a `response` (or `resource`) record of an HTML page with a 2xx status becomes a `RawPage`: its URL is
  the record's WARC-Target-URI, its time the WARC-Date, its key `warc:<absolute path>#<offset>`, and its
  provenance names the file, offset, record id, capture time, URI and status. Its bytes are read only
  when asked for (`read_payload`, reopening the file at the record): chunked transfer coding and gzip,
  deflate or (with the `brotli` package) br content coding undone, never more than `MAX_PAYLOAD` bytes
  (a decompression bomb is skipped, not swallowed);
- every other record is passed over and counted by kind in the container's `passed_over`: `revisit`
  (same content as an earlier capture, which is indexed from that one), `request`, `warcinfo`,
  `metadata`, `not-html`, `redirect`, `not-modified`, `http-error`, `truncated`;
- a malformed record is reported as an `InputProblem` and reading goes on at the next record that
  parses (the next gzip member, or the next `WARC/` line of an uncompressed file).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from pathlib import Path
from typing import Iterator

from ..extract.decode import charset_of
from ..errors import SkipPage
from .records import HTML_TYPES, InputProblem, RawContainer, RawPage, file_container

log = logging.getLogger(__name__)

WARC_SUFFIXES = (".warc", ".warc.gz")
# The normaliser skips larger pages anyway; reading stops here so a gzip bomb costs nothing.
MAX_PAYLOAD = 16 * 1024 * 1024
_RESYNC_WINDOW = 64 * 1024 * 1024  # how far past a broken record to look for the next good one


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def claim(path: Path) -> Iterator[RawContainer | InputProblem] | None:
    """For `files.iter_inputs`: a WARC file as one container; None for anything else."""
    if not is_warc(path) or path.is_dir():
        return None
    return file_container(path, "warc", lambda container: pages(path, container.passed_over))


def pages(path: Path, passed_over: Counter | None = None, start: int = 0) -> Iterator[RawPage | InputProblem]:
    """The HTML pages in the WARC file at `path`, in file order; from the record at offset `start` on
    (a page's offset plus its length is where the next record starts)."""
    from warcio.archiveiterator import ArchiveIterator

    tally = passed_over if passed_over is not None else Counter()
    absolute = str(path.absolute())
    try:
        fh = path.open("rb")
    except OSError as exc:
        yield InputProblem(str(path), f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        compressed = fh.read(2) == b"\x1f\x8b"
        at: int | None = start
        while at is not None:
            start = at
            fh.seek(start)
            records = ArchiveIterator(fh)
            position = start
            try:
                for record in records:
                    position = records.offset
                    page = _page(record, absolute, path, tally)
                    records.read_to_end()
                    offset, length = records.get_record_offset(), records.get_record_length()
                    position = offset + length
                    if page is not None:
                        page.key = f"warc:{absolute}#{offset}"
                        page.label = f"{path}#{offset} ({page.url})"
                        page.size = length
                        page.provenance.update(offset=offset, length=length)
                        yield page
                at = None
            except Exception as exc:  # noqa: BLE001 - warcio raises many kinds; the file goes on
                tally["malformed"] += 1
                yield InputProblem(f"{path}#{position}", f"malformed WARC record: {_describe(exc)}")
                at = _next_record(fh, position + 1, compressed)
                if at is not None:
                    log.warning("%s: going on at offset %d after a malformed record at %d", path, at, position)
    if tally:
        log.info("%s: passed over %s", path, ", ".join(f"{n} {kind}" for kind, n in sorted(tally.items())))


def _page(record, absolute: str, path: Path, tally: Counter) -> RawPage | None:
    rec_type = record.rec_type
    if rec_type not in ("response", "resource"):
        tally[rec_type] += 1
        return None
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    http = record.http_headers
    if rec_type == "response" and http is not None and http.protocol.upper().startswith("HTTP"):
        status = int(http.get_statuscode() or 0)
        content_type = http.get_header("Content-Type") or ""
    elif rec_type == "resource" or http is None:
        status = 200
        content_type = record.rec_headers.get_header("Content-Type") or ""
    else:
        tally["not-http"] += 1
        return None
    mime = content_type.split(";")[0].strip().lower()
    if status == 304:
        tally["not-modified"] += 1
    elif 300 <= status < 400:
        tally["redirect"] += 1
    elif not 200 <= status < 300:
        tally["http-error"] += 1
    elif mime not in HTML_TYPES:
        tally["not-html"] += 1
    elif record.rec_headers.get_header("WARC-Truncated"):
        tally["truncated"] += 1
    else:
        date = record.rec_headers.get_header("WARC-Date") or ""
        record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
        page = RawPage(key="", label="", url=uri or None, mtime_ns=0, http_charset=charset_of(content_type),
                       fetched_at=_iso(date),
                       provenance={"kind": "warc", "file": absolute, "record_id": record_id,
                                   "captured_at": date, "target_uri": uri, "status": status,
                                   "content_type": mime})
        page.reader = lambda: read_payload(path, page.provenance["offset"], MAX_PAYLOAD)
        return page
    return None


def read_payload(path: Path, offset: int, limit: int = MAX_PAYLOAD) -> bytes:
    """The content of the record at `offset`: HTTP headers stripped, transfer and content coding
    undone. Raises `SkipPage` past `limit` bytes or for a content coding that cannot be undone."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import BufferedReader

    with Path(path).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        if record.http_headers is not None:
            coding = (record.http_headers.get_header("Content-Encoding") or "").strip().lower()
            if coding not in ("", "identity") and coding not in BufferedReader.get_supported_decompressors():
                hint = " (install the brotli package)" if coding == "br" else ""
                raise SkipPage("encoding", f"content coding {coding!r} is not supported{hint}")
        data = record.content_stream().read(limit + 1)
    if len(data) > limit:
        raise SkipPage("too-large", f"larger than {limit // (1024 * 1024)} MB once decoded")
    return data


def _next_record(fh, start: int, compressed: bool) -> int | None:
    """The offset of the next record that parses, at or after `start`; None if there is none."""
    from warcio.archiveiterator import ArchiveIterator

    marker = b"\x1f\x8b\x08" if compressed else b"WARC/"
    size = os.fstat(fh.fileno()).st_size
    position = start
    while position < min(size, start + _RESYNC_WINDOW):
        fh.seek(position)
        window = fh.read(1024 * 1024)
        found = window.find(marker)
        if found < 0:
            position += max(1, len(window) - len(marker))
            continue
        candidate = position + found
        fh.seek(candidate)
        try:
            next(iter(ArchiveIterator(fh)))
        except Exception:  # noqa: BLE001 - not a record start: look further
            position = candidate + 1
            continue
        return candidate
    return None


def _iso(warc_date: str) -> str:
    """A WARC-Date as the ISO form documents use (`2014-03-25T12:12:25+00:00`), or "" if unreadable."""
    text = warc_date.strip()
    if not text:
        return ""
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:  # WARC/0.17 writes 14 digits
            moment = dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
        except ValueError:
            return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__

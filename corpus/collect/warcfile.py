"""Writing one WARC file of a `scrape` archive: WARC/1.1 records, byte for byte what went over the wire.

Moving parts:
- `WarcFile`: the file being written, one gzip member per record. `begin()` writes its `warcinfo`
  record; `record()` appends a record whose block is given exactly (never re-serialised: warcio's
  writer would re-serialise the HTTP headers it parses, and writes no block for a revisit built from
  raw bytes); `pair()` appends a response-like record and the request that got it, linked by
  `WARC-Concurrent-To`; `not_modified()` appends what a 304 answer leaves (see its docstring);
  `cut_back()` truncates it to its committed length;
- `Written`: where a record went (file, offset, length, record id, date);
- `file_name()`, `sha1_digest()` (the `sha1:BASE32` digests WARC headers hold), `warc_date()`, and the
  revisit profiles.

The archive (`archive.py`) decides which file is current, when it is committed and when it is closed.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from .wire import Exchange

WARC_PREFIX = "polsearch"
WARC_SUFFIX = ".warc.gz"
WARC_VERSION = "WARC/1.1"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class Written:
    """Where a record went."""
    file: str
    offset: int
    length: int
    record_id: str
    date: str


def file_name(now: dt.datetime, serial: int) -> str:
    """`polsearch-<UTC time to the millisecond>-<serial>.warc.gz`."""
    return f"{WARC_PREFIX}-{now.strftime('%Y%m%d%H%M%S')}{now.microsecond // 1000:03d}-{serial:05d}{WARC_SUFFIX}"


def sha1_digest(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _one_line(value: str) -> str:
    """WARC header values are one line: no CR or LF from a URL or a user's --contact."""
    return " ".join(str(value).split())


class WarcFile:
    """One WARC file being written: each record one gzip member, its block written as given."""

    def __init__(self, path: Path, committed: int) -> None:
        self.path = path
        self.fh = path.open("ab")
        self.committed = committed
        self.warcinfo_id = ""

    def size(self) -> int:
        return self.fh.tell()

    def write(self, fields: list[tuple[str, str]], block: bytes) -> tuple[int, int]:
        """Append a record; (offset, length) of its gzip member."""
        head = [WARC_VERSION] + [f"{name}: {_one_line(value)}" for name, value in fields]
        head.append(f"Content-Length: {len(block)}")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + block + b"\r\n\r\n"
        offset = self.fh.tell()
        self.fh.write(gzip.compress(data, compresslevel=6, mtime=0))
        return offset, self.fh.tell() - offset

    def cut_back(self) -> None:
        self.fh.flush()
        self.fh.truncate(self.committed)
        self.fh.seek(self.committed)

    def begin(self, now: dt.datetime, warcinfo: dict[str, str]) -> None:
        """The `warcinfo` record that opens the file; every later record points at it."""
        info = dict(warcinfo)
        info.setdefault("format", "WARC File Format 1.1")
        info.setdefault("conformsTo",
                        "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/")
        block = "".join(f"{key}: {_one_line(value)}\r\n" for key, value in info.items() if value).encode("utf-8")
        self.warcinfo_id = _record_id()
        self.write([("WARC-Type", "warcinfo"), ("WARC-Record-ID", self.warcinfo_id),
                    ("WARC-Date", warc_date(now)), ("WARC-Filename", self.path.name),
                    ("WARC-Block-Digest", sha1_digest(block)), ("Content-Type", "application/warc-fields")],
                   block)

    def record(self, rec_type: str, uri: str, block: bytes, headers: list[tuple[str, str]],
               content_type: str | None, payload: bytes | None) -> Written:
        """A record whose block is `block` exactly (the bytes on the wire; never re-serialised)."""
        record_id = _record_id()
        fields = [("WARC-Type", rec_type), ("WARC-Record-ID", record_id)] + headers
        fields += [("WARC-Target-URI", uri), ("WARC-Warcinfo-ID", self.warcinfo_id),
                   ("WARC-Block-Digest", sha1_digest(block))]
        if payload is not None:
            fields.append(("WARC-Payload-Digest", sha1_digest(payload)))
        if content_type is not None:  # None: an empty block, which has no type
            fields.append(("Content-Type", content_type))
        offset, length = self.write(fields, block)
        return Written(self.path.name, offset, length, record_id, dict(headers).get("WARC-Date", ""))

    def pair(self, ex: Exchange, response: tuple[str, bytes, list[tuple[str, str]], bytes | None]) -> Written:
        """A response-like record and the request that got it, linked by WARC-Concurrent-To."""
        rec_type, block, headers, payload = response
        common = [("WARC-Date", warc_date(ex.started))]
        if ex.ip:
            common.append(("WARC-IP-Address", ex.ip))
        written = self.record(rec_type, ex.url, block, common + headers, "application/http; msgtype=response",
                              payload)
        self.record("request", ex.url, ex.request, common + [("WARC-Concurrent-To", written.record_id)],
                    "application/http; msgtype=request", b"")
        return written

    def not_modified(self, ex: Exchange, refers_to: list[tuple[str, str]], payload_digest: str) -> Written:
        """A 304 to a conditional request: three records, so that the archive says what the server
        answered and every replay tool shows the page as it was (docs/archiving.md, "Revisits").

        - a `revisit` (profile server-not-modified) with an empty block and the referred capture's
          `WARC-Payload-Digest`: pywb and wabac.js replay a revisit with the HTTP headers of its own block
          when it has them, else with the original's; a block holding the 304's headers replays as an
          empty 304, an empty block replays as the archived 200;
        - a `metadata` record (`application/warc-fields`, `WARC-Concurrent-To` the revisit) holding the
          304 as received: its status line and every header line in order, and the SHA-1 of those bytes.
          Replay indexes leave warc-fields metadata out, so it never stands in for the page;
        - the `request` record, with the conditional headers that were sent.
        """
        common = [("WARC-Date", warc_date(ex.started))]
        if ex.ip:
            common.append(("WARC-IP-Address", ex.ip))
        revisit = self.record("revisit", ex.url, b"", common + [("WARC-Profile", PROFILE_NOT_MODIFIED)]
                              + refers_to + [("WARC-Payload-Digest", payload_digest)], None, None)
        concurrent = [("WARC-Concurrent-To", revisit.record_id)]
        self.record("metadata", ex.url, not_modified_fields(ex.head), common + concurrent,
                    "application/warc-fields", None)
        self.record("request", ex.url, ex.request, common + concurrent, "application/http; msgtype=request", b"")
        return revisit


def not_modified_fields(head: bytes) -> bytes:
    """The 304's status line and header lines as warc-fields, one line each, in the order received."""
    lines = head.decode("latin-1").split("\r\n")
    status, headers = lines[0], [line for line in lines[1:] if line]
    fields = [("http-status", status.split(" ", 2)[1] if status.count(" ") else ""),
              ("http-response-line", status)]
    fields += [("http-response-header", line) for line in headers]
    fields.append(("http-response-head-digest", sha1_digest(head)))
    return "".join(f"{name}: {_one_line(value)}\r\n" for name, value in fields).encode("latin-1")

"""What goes over the wire for `scrape`: one HTTP exchange as sent and received, and reading it.

Moving parts:
- `Exchange`: one request and its response as they went over the wire (the raw bytes become a WARC
  request/response pair), with what was made of them: status, headers, the entity body, and why a
  response was cut short or not read; `Fetched`: the final exchange for a URL and the attempts before it;
- header and body readers: `parse_retry_after()`, `decode_content()` (undo gzip/deflate, with a cap
  against decompression bombs) and `gunzip()`;
- recording connections: `http.client` connections whose socket file is teed, so that the request and
  the response are kept byte for byte (status line, header order, chunked framing, content coding
  intact) without monkey-patching anything. The fetcher (`fetch.py`) opens and reuses them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import zlib
from dataclasses import dataclass, field

from ..extract.decode import charset_of


@dataclass
class Exchange:
    """One HTTP request and what came back. `error` set means no usable response; `skipped` means the
    response's headers were read but not its body (a type we do not collect)."""
    url: str
    started: dt.datetime
    request: bytes = b""
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    head: bytes = b""        # status line and header block, as received
    raw_body: bytes = b""    # the body as received (chunked framing and content coding intact)
    body: bytes = b""        # the entity body: transfer coding removed, content coding kept
    ip: str | None = None
    truncated: str | None = None   # "length": cut at max_size (WARC-Truncated)
    error: str | None = None
    retryable: bool = False
    skipped: str | None = None
    seconds: float = 0.0

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        return charset_of(self.header("Content-Type"))

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.header("Retry-After"), self.started)

    def content(self, limit: int) -> bytes:
        """The body with its content coding undone, at most `limit` bytes (`ValueError` beyond)."""
        return decode_content(self.body, self.header("Content-Encoding"), limit)


@dataclass
class Fetched:
    """The final exchange for a URL, and the earlier attempts that got a response (a 503 before the
    200): those are archived too."""
    final: Exchange
    earlier: list[Exchange] = field(default_factory=list)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def decode_content(data: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo a Content-Encoding (gzip, x-gzip, deflate; several in order), never producing more than
    `limit` bytes: `ValueError` if the result would be larger, or the coding is unknown or broken."""
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        if coding in ("gzip", "x-gzip"):
            data = _inflate(data, zlib.MAX_WBITS | 16, limit)
        elif coding == "deflate":
            try:
                data = _inflate(data, zlib.MAX_WBITS, limit)
            except ValueError:
                data = _inflate(data, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send
        else:
            raise ValueError(f"unsupported content coding {coding!r}")
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def gunzip(data: bytes, limit: int) -> bytes:
    return _inflate(data, zlib.MAX_WBITS | 16, limit)


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError(f"broken compressed data: {exc}") from exc
    if len(out) > limit:
        raise ValueError(f"larger than {limit} bytes once decompressed")
    return out


# -- recording connections -------------------------------------------------------------------------------
class _Tee:
    """Wraps http.client's socket file: every byte http.client reads is also appended to `sink`."""

    def __init__(self, fp, sink: bytearray) -> None:
        self.fp = fp
        self.sink = sink

    def readline(self, limit: int = -1) -> bytes:
        line = self.fp.readline(limit)
        self.sink += line
        return line

    def read(self, n: int | None = -1) -> bytes:
        data = self.fp.read(n)
        self.sink += data
        return data

    def readinto(self, buffer) -> int:
        n = self.fp.readinto(buffer)
        if n:
            self.sink += memoryview(buffer)[:n]
        return n

    def close(self) -> None:
        self.fp.close()

    def __getattr__(self, name: str):
        return getattr(self.fp, name)


class _RecordingResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        self.wire = bytearray()
        self.fp = _Tee(self.fp, self.wire)


class _Recording:
    """Mixin for http.client connections: keeps the bytes sent for the current request."""
    response_class = _RecordingResponse

    def start_request(self) -> None:
        self.sent = bytearray()

    def send(self, data) -> None:
        self.sent += data
        super().send(data)  # type: ignore[misc]

    def peer_ip(self) -> str | None:
        try:
            return self.sock.getpeername()[0]  # type: ignore[attr-defined]
        except (OSError, AttributeError):
            return None


class RecordingHTTPConnection(_Recording, http.client.HTTPConnection):
    pass


class RecordingHTTPSConnection(_Recording, http.client.HTTPSConnection):
    pass


class StaleConnection(Exception):
    """A kept-alive connection that the server had closed: reconnect and send again."""

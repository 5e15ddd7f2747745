"""Polite HTTP for `scrape`: one GET at a time per host, recorded byte for byte for the WARC files.

Moving parts:
- `FetchSettings`: the politeness and safety defaults (delay, timeouts, retries, sizes, User-Agent);
- `Exchange`: one request and its response as they went over the wire (the raw bytes become a WARC
  request/response pair), with what was made of them: status, headers, the entity body, and why a
  response was cut short or not read;
- `Fetcher.fetch(url, headers, accept)`: waits for the host's turn, sends one GET on a kept-alive
  connection, reads the answer within the size and time limits, and retries 429, 5xx and connection
  errors with exponential backoff, honouring `Retry-After`. It never follows a redirect: the crawler
  checks each hop's scope and robots.txt and queues it like any other URL;
- `normalise_url()` (a requestable spelling of a URL) and `decode_content()` (undo gzip/deflate, with a
  cap against decompression bombs).

Built on the standard library's `http.client`, not requests or urllib3: a WARC record must hold the
request and the response exactly as sent and received (status line, header order, chunked framing,
content coding intact). A tee on http.client's socket file gives that without monkey-patching anything,
and what the HTTP libraries add on top — redirects, retries, decompression — is what a polite crawler
has to do itself, per hop and per host.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import logging
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import quote, urlsplit, urlunsplit

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# What a seed, sitemap or feed may be served as (besides HTML): XML of any flavour, or gzip (.xml.gz).
XML_TYPES = frozenset({"text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
                       "application/rdf+xml", "application/gzip", "application/x-gzip",
                       "application/octet-stream", "text/plain"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_CHUNK = 64 * 1024
# The least unit of retry backoff, so that a --delay of 0 does not mean hammering a failing server.
_MIN_BACKOFF = 0.25


@dataclass(frozen=True)
class FetchSettings:
    """Politeness and safety defaults; `scrape`'s options set them."""
    user_agent: str = "polsearch"
    contact: str = ""                 # a URL or e-mail address for site operators; e-mail also goes in From:
    delay: float = 1.0                # seconds between requests to one host (robots.txt may ask for more)
    timeout: float = 30.0             # seconds for connecting and for each read
    max_time: float = 120.0           # seconds for a whole response (stops trickling servers)
    retries: int = 3                  # further attempts after a 429, a 5xx or a connection error
    max_retry_after: float = 300.0    # a longer Retry-After gives up on the URL for this run
    max_size: int = 10 * 1024 * 1024  # bytes of body; a larger response is cut here and marked truncated


def user_agent(version: str, contact: str = "") -> str:
    """`polsearch/<version> (+<contact>)`: names the crawler and how to reach whoever runs it."""
    return f"polsearch/{version} (+{contact})" if contact else f"polsearch/{version}"


class FetchError(Exception):
    """A URL that cannot be requested at all (not http/https, no host)."""


def normalise_url(url: str) -> str:
    """A requestable, comparable spelling: lowercase scheme and host, no default port, no fragment,
    unsafe characters percent-encoded (existing escapes kept), IDN hosts in punycode."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"not an http(s) URL: {url}")
    host = parts.hostname
    if not host:
        raise FetchError(f"no host in URL: {url}")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(f"bad host name in URL: {url}") from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"bad port in URL: {url}") from exc
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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


def charset_of(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("'\"")
    return None


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


class _HTTPConnection(_Recording, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Recording, http.client.HTTPSConnection):
    pass


class _Stale(Exception):
    """A kept-alive connection that the server had closed: reconnect and send again."""


# -- the fetcher -----------------------------------------------------------------------------------------
class Fetcher:
    """Sends GETs politely: per host, one at a time, `delay(host)` seconds apart (from the end of one
    response to the start of the next), with retries. Use as a context manager to close connections."""

    def __init__(self, settings: FetchSettings, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._sleep = sleep
        self._clock = clock
        self._connections: dict[str, http.client.HTTPConnection] = {}
        self._delays: dict[str, float] = {}
        self._last_end: dict[str, float] = {}    # when the host's last response ended
        self._not_before: dict[str, float] = {}  # backoff and Retry-After
        self._tls = ssl.create_default_context()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for conn in self._connections.values():
            conn.close()
        self._connections.clear()

    # -- politeness --------------------------------------------------------------------------------------
    def set_delay(self, host: str, seconds: float | None) -> None:
        """The host's own wish (robots.txt Crawl-delay): the larger of it and the settings' delay holds."""
        self._delays[host] = max(self.settings.delay, seconds or 0.0)

    def delay(self, host: str) -> float:
        return self._delays.get(host, self.settings.delay)

    def ready_at(self, host: str) -> float:
        """The clock time at which `host` may be sent its next request."""
        last = self._last_end.get(host)
        polite = last + self.delay(host) if last is not None else 0.0
        return max(polite, self._not_before.get(host, 0.0))

    def _wait_turn(self, host: str) -> None:
        wait = self.ready_at(host) - self._clock()
        if wait > 0:
            self._sleep(wait)

    # -- fetching ----------------------------------------------------------------------------------------
    def fetch(self, url: str, headers: Iterable[tuple[str, str]] = (),
              accept: frozenset[str] | None = HTML_TYPES) -> Fetched:
        """GET `url` with retries. `accept`: the content types whose bodies are read (None: any); other
        responses come back with `skipped` set and no body."""
        url = normalise_url(url)
        host = host_of(url)
        earlier: list[Exchange] = []
        attempt = 0
        while True:
            self._wait_turn(host)
            exchange = self._once(url, list(headers), accept)
            self._last_end[host] = self._clock()
            retry = exchange.retryable or exchange.status in RETRY_STATUSES
            if not retry or attempt >= self.settings.retries:
                return Fetched(exchange, earlier)
            wait = max(self.delay(host), _MIN_BACKOFF) * 2 ** (attempt + 1)
            asked = exchange.retry_after
            if asked is not None:
                if asked > self.settings.max_retry_after:
                    exchange.error = (f"HTTP {exchange.status}: the server asks to retry after {asked:.0f} s, "
                                      f"more than the {self.settings.max_retry_after:.0f} s limit")
                    self._not_before[host] = self._clock() + self.settings.max_retry_after
                    return Fetched(exchange, earlier)
                wait = max(wait, asked)
            log.info("%s: %s; retrying in %.1f s", url, exchange.error or f"HTTP {exchange.status}", wait)
            self._not_before[host] = self._clock() + wait
            if exchange.status:
                earlier.append(exchange)
            attempt += 1

    def _request_headers(self, extra: list[tuple[str, str]], accept: frozenset[str] | None) -> list[tuple[str, str]]:
        if accept is None or accept - HTML_TYPES:
            accept_value = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        else:
            accept_value = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
        headers = [("User-Agent", self.settings.user_agent), ("Accept", accept_value),
                   ("Accept-Encoding", "gzip")]
        if "@" in self.settings.contact and "://" not in self.settings.contact:
            headers.append(("From", self.settings.contact.removeprefix("mailto:")))
        return headers + extra

    def _connection(self, url: str) -> tuple[http.client.HTTPConnection, bool]:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        conn = self._connections.get(key)
        if conn is not None and conn.sock is not None:
            return conn, True
        if conn is not None:
            conn.close()
        if parts.scheme == "https":
            conn = _HTTPSConnection(parts.hostname, parts.port, timeout=self.settings.timeout,
                                    context=self._tls)
        else:
            conn = _HTTPConnection(parts.hostname, parts.port, timeout=self.settings.timeout)
        self._connections[key] = conn
        return conn, False

    def _drop(self, url: str) -> None:
        parts = urlsplit(url)
        conn = self._connections.pop(f"{parts.scheme}://{parts.netloc}", None)
        if conn is not None:
            conn.close()

    def _once(self, url: str, headers: list[tuple[str, str]], accept: frozenset[str] | None) -> Exchange:
        started = dt.datetime.now(dt.timezone.utc)
        t0 = self._clock()
        for _ in range(2):  # a second time only when a kept-alive connection turned out closed
            try:
                exchange = self._exchange(url, started, self._request_headers(headers, accept), accept)
            except _Stale:
                self._drop(url)
                continue
            exchange.seconds = self._clock() - t0
            return exchange
        exchange = Exchange(url, started, error="connection closed by the server", retryable=True)
        exchange.seconds = self._clock() - t0
        return exchange

    def _exchange(self, url: str, started: dt.datetime, headers: list[tuple[str, str]],
                  accept: frozenset[str] | None) -> Exchange:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        conn, reused = self._connection(url)
        exchange = Exchange(url, started)
        deadline = self._clock() + self.settings.max_time
        conn.start_request()  # type: ignore[attr-defined]
        try:
            conn.putrequest("GET", target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders()
            exchange.ip = conn.peer_ip()  # type: ignore[attr-defined]
            response = conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
            if reused:
                raise _Stale() from exc
            self._drop(url)
            exchange.error, exchange.retryable = _describe(exc), True
            return exchange
        except (OSError, http.client.HTTPException) as exc:
            self._drop(url)
            exchange.error, exchange.retryable = _describe(exc), _transient(exc)
            return exchange
        finally:
            exchange.request = bytes(conn.sent)  # type: ignore[attr-defined]
        exchange.status, exchange.reason = response.status, response.reason
        exchange.headers = list(response.msg.items())
        exchange.head = bytes(response.wire)  # type: ignore[attr-defined]
        try:
            self._read_body(response, exchange, accept, deadline)
        except (OSError, http.client.HTTPException) as exc:
            exchange.error, exchange.retryable = _describe(exc), _transient(exc)
        finally:
            if exchange.error or exchange.skipped or exchange.truncated or not response.isclosed():
                self._drop(url)  # a body left unread makes the connection unusable
        exchange.raw_body = bytes(response.wire)[len(exchange.head):]  # type: ignore[attr-defined]
        return exchange

    def _read_body(self, response: http.client.HTTPResponse, exchange: Exchange,
                   accept: frozenset[str] | None, deadline: float) -> None:
        limit = self.settings.max_size
        if 200 <= exchange.status < 300 and accept is not None and exchange.content_type \
                and exchange.content_type not in accept:
            exchange.skipped = f"not HTML ({exchange.content_type})"
            return
        length = exchange.header("Content-Length")
        if length and length.strip().isdigit() and int(length) > limit:
            exchange.truncated = "length"
            return
        body = bytearray()
        while True:
            if self._clock() > deadline:
                exchange.error = f"took longer than {self.settings.max_time:.0f} s"
                return
            chunk = response.read(_READ_CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                exchange.truncated = "length"
                del body[limit:]
                break
        exchange.body = bytes(body)


def _transient(exc: BaseException) -> bool:
    """Worth another attempt: timeouts, refused or reset connections, name lookups, cut-off bodies.
    Not: certificate errors, malformed responses."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False
    if isinstance(exc, (TimeoutError, socket.timeout, ConnectionError, socket.gaierror,
                        http.client.IncompleteRead, http.client.RemoteDisconnected)):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, ssl.SSLError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not valid: {exc.verify_message or exc}"
    if isinstance(exc, socket.gaierror):
        return f"host name not found: {exc.strerror or exc}"
    if isinstance(exc, http.client.IncompleteRead):
        return "connection closed before the whole body arrived"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__

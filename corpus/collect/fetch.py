"""Polite HTTP for `scrape`: one GET at a time per host, recorded byte for byte for the WARC files.

Moving parts:
- `Fetcher.fetch(url, headers, accept)`: waits for the host's turn, sends one GET on a kept-alive
  connection, reads the answer within the size and time limits, and retries 429, 5xx and connection
  errors with exponential backoff, honouring `Retry-After`. It never follows a redirect: the crawler
  checks each hop's scope and robots.txt and queues it like any other URL;
- `normalise_url()` (a requestable spelling of a URL), `host_of()`, `origin_of()`, and `user_agent()`;
- what it sends and gets back, `Exchange` and `Fetched`, and the recording connections are in `wire.py`;
  its settings (`FetchSettings`) are in `settings.py`.

Built on the standard library's `http.client`, not requests or urllib3: a WARC record must hold the
request and the response exactly as sent and received (status line, header order, chunked framing,
content coding intact). A tee on http.client's socket file gives that without monkey-patching anything,
and what the HTTP libraries add on top — redirects, retries, decompression — is what a polite crawler
has to do itself, per hop and per host.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import socket
import ssl
import time
from typing import Callable, Iterable
from urllib.parse import quote, urlsplit, urlunsplit

from ..inputs.records import HTML_TYPES
from .settings import FetchSettings
from .wire import Exchange, Fetched, RecordingHTTPConnection, RecordingHTTPSConnection, StaleConnection

log = logging.getLogger(__name__)

# What a seed, sitemap or feed may be served as (besides HTML): XML of any flavour, or gzip (.xml.gz).
XML_TYPES = frozenset({"text/xml", "application/xml", "application/rss+xml", "application/atom+xml",
                       "application/rdf+xml", "application/gzip", "application/x-gzip",
                       "application/octet-stream", "text/plain"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_READ_CHUNK = 64 * 1024
# The least unit of retry backoff, so that a --delay of 0 does not mean hammering a failing server.
_MIN_BACKOFF = 0.25


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
            conn = RecordingHTTPSConnection(parts.hostname, parts.port, timeout=self.settings.timeout,
                                    context=self._tls)
        else:
            conn = RecordingHTTPConnection(parts.hostname, parts.port, timeout=self.settings.timeout)
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
            except StaleConnection:
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
                raise StaleConnection() from exc
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

"""A real HTTP server on 127.0.0.1 serving a generated mini-site of commentaries, for `scrape` tests.

`MiniSite()` builds the site; `with site:` serves it on a free port of 127.0.0.1 (HTTP/1.1, keep-alive,
one thread per connection) and `site.url(path)` names a page. Every request is logged in
`site.requests` (method, path, headers, arrival time, status answered), so tests can check what was
fetched, which conditional headers came with it, and how far apart requests were.

The site (paths under `/commentary/` are the listing's scope):
- `/robots.txt`: disallows `/commentary/private/`, asks for a small Crawl-delay;
- `/commentary/` and `/commentary/?page=2`: a paginated listing (JSON-LD CollectionPage, teaser links);
- `/commentary/a1` … `/commentary/a8`: articles (more with `articles=N`, paged by `per_page`). a1–a3
  send ETag and Last-Modified, a4–a5 only an ETag, a6 only Last-Modified, a7–a8 no validators, the
  rest both; a2 is gzip-encoded (when asked), a3 chunked;
- `/commentary/moved` → 301 → `/commentary/relocated`; `/commentary/away` → 302 → `/elsewhere/page`
  (out of scope); `/commentary/missing` is a 404; `/commentary/flaky` answers 500 once, then 200;
  `/commentary/slow` answers after `slow_seconds`; `/commentary/huge` streams more than 300 KB
  (chunked, no length); `/commentary/report.pdf` is a PDF; `/commentary/private/secret` is disallowed;
- `/sitemap.xml`, `/sitemap_index.xml` → `/sitemap-articles.xml.gz`, `/feed.xml` (RSS), `/atom.xml`.
`add_article()` and `edit_article()` change the site between runs.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import html
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_BASE_TIME = 1_700_000_000  # Last-Modified dates: fixed, so runs are repeatable


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    modified: int | None = _BASE_TIME      # Last-Modified, as a Unix time; None: not sent
    gzip: bool = False
    chunked: bool = False
    wait: float = 0.0
    fail_times: int = 0                    # answer 500 this many times first
    fail_headers: dict[str, str] = field(default_factory=dict)
    fail_status: int = 500


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    at: float        # time.monotonic() at arrival
    status: int


PARAGRAPHS = [
    "Cambodia still carries the debt of Lon Nol, a loan from the early 1970s that Washington wants repaid.",
    "Officials in Phnom Penh argue that a population that endured so much should not bear that burden.",
    "A settlement would need both governments to accept that the past cannot simply be invoiced.",
]


def article(slug: str, title: str, extra: str = "", author: str = "Dara Kim") -> bytes:
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in PARAGRAPHS + ([extra] if extra else []))
    page = (f"<!doctype html><html lang='en'><head><title>{html.escape(title)} | Mini Institute</title>"
            f"<meta name='author' content='{author}'>"
            f"<meta property='article:published_time' content='2024-05-0{len(slug) % 9 + 1}'></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>{paras}"
            f"<p>Article code {slug}unique about the Mekong basin and the debt question.</p></article>"
            f"<footer>Mini Institute</footer></body></html>")
    return page.encode("utf-8")


def listing(items: list[tuple[str, str]], pager: str) -> bytes:
    teasers = "".join(f"<div class='teaser'><h2><a href='/commentary/{slug}'>{html.escape(title)}</a></h2>"
                      f"<p>A short teaser.</p></div>" for slug, title in items)
    return (f"<!doctype html><html><head><title>Commentary | Mini Institute</title>"
            f"<script type='application/ld+json'>{{\"@context\": \"https://schema.org\", "
            f"\"@type\": \"CollectionPage\"}}</script></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About</a></nav><main><h1>Commentary</h1>{teasers}"
            f"<nav class='pagination'>{pager}</nav></main></body></html>").encode("utf-8")


def _page_path(n: int) -> str:
    return "/commentary/" if n == 1 else f"/commentary/?page={n}"


class MiniSite:
    def __init__(self, *, crawl_delay: float = 0.02, slow_seconds: float = 1.0, articles: int = 8,
                 per_page: int = 6) -> None:
        self.crawl_delay = crawl_delay
        self.per_page = per_page
        self.resources: dict[str, Resource] = {}
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.articles: list[tuple[str, str]] = [(f"a{i}", f"Commentary number {i} on the Mekong")
                                                for i in range(1, articles + 1)]
        self.extra_articles: list[tuple[str, str]] = []
        self.server: ThreadingHTTPServer | None = None
        self._build(slow_seconds)

    # -- content -------------------------------------------------------------------------------------
    def _build(self, slow_seconds: float) -> None:
        r = self.resources
        r["/robots.txt"] = Resource(
            f"User-agent: *\nDisallow: /commentary/private/\nCrawl-delay: {self.crawl_delay}\n"
            f"Sitemap: /sitemap.xml\n".encode(), content_type="text/plain", etag=False, modified=None)
        for i, (slug, title) in enumerate(self.articles, start=1):
            r[f"/commentary/{slug}"] = Resource(article(slug, title), etag=i <= 5 or i > 8,
                                                modified=_BASE_TIME if i <= 3 or i == 6 or i > 8 else None,
                                                gzip=i == 2, chunked=i == 3)
        self._listings()
        r["/commentary/moved"] = Resource(b"", status=301, headers={"Location": "/commentary/relocated"})
        r["/commentary/relocated"] = Resource(article("relocated", "A commentary that moved house"))
        r["/commentary/away"] = Resource(b"", status=302, headers={"Location": "/elsewhere/page"})
        r["/elsewhere/page"] = Resource(article("elsewhere", "Out of scope"))
        r["/about"] = Resource(article("about", "About us"))
        r["/commentary/missing"] = Resource(b"<html><body><h1>Not found</h1></body></html>", status=404)
        r["/commentary/flaky"] = Resource(article("flaky", "A commentary behind a flaky server"), etag=False,
                                          modified=None, fail_times=1)
        r["/commentary/slow"] = Resource(article("slow", "A slow commentary"), wait=slow_seconds)
        r["/commentary/huge"] = Resource(article("huge", "A huge commentary", extra="word " * 80_000),
                                         chunked=True, etag=False, modified=None)
        r["/commentary/report.pdf"] = Resource(b"%PDF-1.4\n" + bytes(2000), content_type="application/pdf")
        r["/commentary/private/secret"] = Resource(article("secret", "Private"))

    def _listings(self) -> None:
        """Pages of `per_page` articles (new ones on top of the first); the special links on the last."""
        specials = [("private/secret", "A private commentary"), ("moved", "A commentary that moved"),
                    ("away", "A commentary elsewhere"), ("missing", "A missing commentary"),
                    ("flaky", "A flaky commentary"), ("slow", "A slow commentary"),
                    ("huge", "A huge commentary"), ("report.pdf", "The annual report (PDF)")]
        chunks = [self.articles[i:i + self.per_page] for i in range(0, len(self.articles), self.per_page)]
        chunks[0] = self.extra_articles + chunks[0]
        chunks[-1] = chunks[-1] + specials
        for n, items in enumerate(chunks, start=1):
            pager = []
            if n > 1:
                pager.append(f"<a href='{_page_path(n - 1)}'>Previous</a>")
            if n < len(chunks):
                pager.append(f"<a href='{_page_path(n + 1)}'>Next</a>")
            self.resources[_page_path(n)] = Resource(listing(items, " ".join(pager)))

    def _feeds(self) -> None:
        base = self.url("")
        locs = "".join(f"<url><loc>{base}/commentary/{slug}</loc></url>" for slug, _ in self.articles)
        sitemap = (f"<?xml version='1.0' encoding='UTF-8'?><urlset "
                   f"xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{locs}</urlset>").encode()
        self.resources["/sitemap.xml"] = Resource(sitemap, content_type="application/xml")
        self.resources["/sitemap-articles.xml.gz"] = Resource(gzip.compress(sitemap),
                                                              content_type="application/gzip")
        self.resources["/sitemap_index.xml"] = Resource(
            (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
             f"<sitemap><loc>{base}/sitemap-articles.xml.gz</loc></sitemap></sitemapindex>").encode(),
            content_type="application/xml")
        items = "".join(f"<item><title>{t}</title><link>{base}/commentary/{s}</link></item>"
                        for s, t in self.articles[:3])
        self.resources["/feed.xml"] = Resource(
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>Mini</title>{items}</channel></rss>".encode(),
            content_type="application/rss+xml")
        entries = "".join(f"<entry><title>{t}</title><link rel='alternate' href='{base}/commentary/{s}'/>"
                          f"<link rel='edit' href='{base}/edit/{s}'/></entry>" for s, t in self.articles[3:5])
        self.resources["/atom.xml"] = Resource(
            f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>{entries}</feed>".encode(),
            content_type="application/atom+xml")

    def add_article(self, slug: str, title: str) -> None:
        self.extra_articles.insert(0, (slug, title))
        self.resources[f"/commentary/{slug}"] = Resource(article(slug, title), modified=_BASE_TIME + 86400)
        self._listings()

    def edit_article(self, slug: str, extra: str) -> None:
        res = self.resources[f"/commentary/{slug}"]
        title = dict(self.articles + self.extra_articles)[slug]
        res.body = article(slug, title, extra=extra)
        if res.modified is not None:
            res.modified += 86400

    # -- serving -------------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        assert self.server is not None, "start the site first"
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> MiniSite:
        site = self

        class Handler(_Handler):
            pass

        Handler.site = site
        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._feeds()  # they name the port
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    def fetched(self, path: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    def paths(self) -> list[str]:
        return [r.path for r in self.fetched()]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        pass  # a client that hung up (the crawler's timeout) is not an error here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms stall between
    site: MiniSite

    def log_message(self, format: str, *args) -> None:
        pass

    def do_GET(self) -> None:
        arrived = time.monotonic()
        site = self.site
        parts = urlsplit(self.path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        res = site.resources.get(path)
        status = self._answer(res)
        with site.lock:
            site.requests.append(Request("GET", path, dict(self.headers.items()), arrived, status))

    def _answer(self, res: Resource | None) -> int:
        if res is None:
            return self._send(404, b"<html><body><h1>Not found</h1></body></html>", {})
        if res.wait:
            time.sleep(res.wait)
        if res.fail_times > 0:
            res.fail_times -= 1
            return self._send(res.fail_status, b"<html><body>Server error</body></html>", dict(res.fail_headers))
        headers = dict(res.headers)
        headers["Content-Type"] = res.content_type
        etag = f'"{hashlib.sha1(res.body).hexdigest()[:16]}"' if res.etag else None
        if etag:
            headers["ETag"] = etag
        if res.modified is not None:
            headers["Last-Modified"] = email.utils.formatdate(res.modified, usegmt=True)
        if res.status == 200 and self._not_modified(etag, res.modified):
            return self._send(304, b"", {k: v for k, v in headers.items() if k in ("ETag", "Last-Modified")})
        body = res.body
        if res.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        return self._send(res.status, body, headers, chunked=res.chunked)

    def _not_modified(self, etag: str | None, modified: int | None) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag is not None and etag in [t.strip() for t in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since and modified is not None:
            return modified <= email.utils.parsedate_to_datetime(since).timestamp()
        return False

    def _send(self, status: int, body: bytes, headers: dict[str, str], chunked: bool = False) -> int:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for start in range(0, len(body), 8192):
                    piece = body[start:start + 8192]
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        return status

"""Focused tests of the dense parts of `scrape`: scope rules, link discovery, robots.txt semantics, URL
spelling, Retry-After, content decoding limits, and the archive's crash repair."""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
import zlib

import pytest

from corpus.collect.archive import Archive
from corpus.collect.discover import discover
from corpus.collect.fetch import FetchError, normalise_url
from corpus.collect.robots import RobotsRules
from corpus.collect.scope import Scope, seed_prefix
from corpus.collect.wire import Exchange, decode_content, parse_retry_after


def test_scope_is_the_seed_site_and_folder_with_includes_and_excludes():
    scope = Scope([{"url": "https://www.think.example/commentary/", "prefix": "/commentary/"}],
                  include=["/20*/*"], exclude=["*/tag/*", "*?print=*"])
    assert scope.why_not("https://www.think.example/commentary/a") is None
    assert scope.why_not("http://think.example:8080/commentary/a") is None  # www., scheme, port aside
    assert scope.why_not("https://www.think.example/2024/05/a") is None  # --include
    assert "out of scope" in scope.why_not("https://www.think.example/about")
    assert "out of scope" in scope.why_not("https://other.example/commentary/a")
    assert "excluded by */tag/*" in scope.why_not("https://www.think.example/commentary/tag/asia")
    assert "excluded" in scope.why_not("https://www.think.example/commentary/a?print=1")
    assert "not http(s)" in scope.why_not("mailto:someone@think.example")
    assert seed_prefix("https://x.example/commentary/index.html") == "/commentary/"
    assert seed_prefix("https://x.example/commentary") == "/"


def test_listing_links_are_pages_and_pagination():
    html = b"""<html><head><link rel="next" href="/c/?page=2"></head><body>
      <a href="/c/one">A first commentary</a> <a href="/c/two#comments">Second</a>
      <a href="/c/?page=3">3</a> <a href="/c/older" rel="next">Older</a>
      <div class="pagination"><ul><li><a href="/c/p/9">Last page</a></li></ul></div>
      <a href="mailto:x@y.example">mail</a> <a href="javascript:void(0)">js</a></body></html>"""
    found = discover(html, "https://x.example/c/", "text/html")
    assert found.kind == "listing"
    assert found.pages == ["https://x.example/c/one", "https://x.example/c/two"]
    assert found.listings == ["https://x.example/c/?page=2", "https://x.example/c/?page=3",
                              "https://x.example/c/older", "https://x.example/c/p/9"]
    nofollow = b"<html><head><meta name='robots' content='noindex, nofollow'></head><a href='/a'>a</a></html>"
    assert discover(nofollow, "https://x.example/", "text/html").pages == []


def test_sitemaps_feeds_and_hostile_xml():
    urlset = (b"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
              b"<url><loc> https://x.example/a </loc></url><url><loc>/b</loc></url></urlset>")
    assert discover(urlset, "https://x.example/sitemap.xml").pages == ["https://x.example/a", "https://x.example/b"]
    gz = discover(gzip.compress(urlset), "https://x.example/sitemap.xml.gz", "application/gzip")
    assert gz.kind == "sitemap" and len(gz.pages) == 2
    index = b"<sitemapindex><sitemap><loc>https://x.example/s1.xml</loc></sitemap></sitemapindex>"
    assert discover(index, "https://x.example/i.xml", "application/xml").sitemaps == ["https://x.example/s1.xml"]
    rdf = (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#' xmlns='http://purl.org/rss/1.0/'>"
           b"<item><link>https://x.example/r</link></item></rdf:RDF>")
    assert discover(rdf, "https://x.example/feed.rdf").pages == ["https://x.example/r"]
    # No entity expansion, no external entities, no network.
    bomb = (b"<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;'>"
            b"<!ENTITY ext SYSTEM 'file:///etc/passwd'>]><urlset><url><loc>https://x.example/&b;&ext;</loc>"
            b"</url></urlset>")
    found = discover(bomb, "https://x.example/sitemap.xml")
    assert all("aaaa" not in u and "root" not in u for u in found.pages)


def test_robots_rules_follow_rfc_9309():
    rules = RobotsRules.parse("User-agent: *\nDisallow: /private/\nAllow: /private/open\nCrawl-delay: 2\n\n"
                              "User-agent: polsearch\nDisallow: /no-polsearch/\nCrawl-delay: 3\n")
    assert not rules.allows("https://x.example/no-polsearch/a")  # our own group wins over *
    assert rules.allows("https://x.example/private/a") and rules.delay == 3.0
    rate = RobotsRules.parse("User-agent: *\nRequest-rate: 1/10\nDisallow: /*.pdf$\n")
    assert rate.delay == 10.0 and not rate.allows("https://x.example/a.pdf") and rate.allows("https://x.example/a.pdfx")

    def answer(status: int, body: bytes = b"", error: str | None = None) -> RobotsRules:
        return RobotsRules.from_exchange(Exchange("https://x.example/robots.txt", dt.datetime.now(dt.timezone.utc),
                                                  status=status, body=body, error=error))

    assert answer(404).allows("https://x.example/a") and answer(403).allows("https://x.example/a")
    assert not answer(503).allows("https://x.example/a") and not answer(429).allows("https://x.example/a")
    unreachable = answer(0, error="timed out")
    assert not unreachable.allows("https://x.example/a") and "unreachable" in unreachable.why_not("x")


def test_urls_are_spelt_to_be_requested():
    assert normalise_url("HTTP://Think.Example:80/a b/ü?q=1 2#frag") == "http://think.example/a%20b/%C3%BC?q=1%202"
    assert normalise_url("https://bücher.example/") == "https://xn--bcher-kva.example/"
    assert normalise_url("https://x.example") == "https://x.example/"
    assert normalise_url("https://x.example/a%2Fb") == "https://x.example/a%2Fb"  # escapes kept
    for bad in ("ftp://x.example/", "file:///etc/passwd", "javascript:alert(1)", "http://"):
        with pytest.raises(FetchError):
            normalise_url(bad)


def test_retry_after_and_content_decoding_limits():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now) == 60.0
    assert parse_retry_after("soon", now) is None
    text = b"<p>hello</p>" * 1000
    assert decode_content(gzip.compress(text), "gzip", 1_000_000) == text
    assert decode_content(zlib.compress(text), "deflate", 1_000_000) == text
    raw = zlib.compressobj(wbits=-15)
    assert decode_content(raw.compress(text) + raw.flush(), "deflate", 1_000_000) == text
    with pytest.raises(ValueError, match="larger than"):
        decode_content(gzip.compress(bytes(10_000_000)), "gzip", 100_000)  # a bomb stops at the limit
    with pytest.raises(ValueError, match="unsupported"):
        decode_content(text, "compress", 1_000_000)


def test_the_archive_cuts_a_torn_tail_and_a_rolled_back_write(tmp_path):
    now = dt.datetime.now(dt.timezone.utc)
    exchange = Exchange("https://x.example/a", now, request=b"GET /a HTTP/1.1\r\nHost: x.example\r\n\r\n",
                        status=200, head=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                        raw_body=b"<html>a</html>", body=b"<html>a</html>",
                        headers=[("Content-Type", "text/html")])
    with Archive.open(tmp_path) as archive:
        with archive.transaction():
            assert archive.capture(exchange, "page") == "new"
        name = archive.files_written[0]
        committed = (tmp_path / name).stat().st_size
        with pytest.raises(RuntimeError):
            with archive.transaction():
                archive.capture(Exchange("https://x.example/b", now, status=200, head=exchange.head,
                                         raw_body=b"b", body=b"b"), "page")
                raise RuntimeError("stopped mid-way")
        assert (tmp_path / name).stat().st_size == committed  # the rolled-back record is gone
        assert archive.state("https://x.example/b") is None
        with archive.transaction():
            assert archive.capture(exchange, "page") == "unchanged"  # same digest: a revisit
        committed = (tmp_path / name).stat().st_size
        archive.conn.execute("UPDATE warc_files SET closed = 0")
        archive._current.fh.close()  # as if the process had died here
        archive._current = None
    with (tmp_path / name).open("ab") as fh:
        fh.write(b"\x1f\x8b\x08 a torn record")
    with Archive.open(tmp_path):
        pass
    assert (tmp_path / name).stat().st_size == committed


class _InterruptedAfterCommit(sqlite3.Connection):
    """A real SQLite connection on which Ctrl-C arrives the moment a COMMIT has gone through, as it can
    when the signal lands between the commit and the next Python instruction."""
    armed = False

    def execute(self, sql, *args):
        result = super().execute(sql, *args)
        if sql == "COMMIT" and type(self).armed:
            type(self).armed = False
            raise KeyboardInterrupt
        return result


def test_ctrl_c_just_after_a_commit_keeps_the_committed_record(tmp_path, monkeypatch):
    """The interrupt propagates as itself (the scrape exits 130, "interrupted"), not as a failed rollback
    of a transaction already committed, and the WARC record that transaction committed is kept: the state
    says the page was captured, so it is never fetched again, and its record must be there to read."""
    from corpus.collect import archive as archive_module

    connect = sqlite3.connect
    monkeypatch.setattr(archive_module.sqlite3, "connect",
                        lambda *a, **k: connect(*a, factory=_InterruptedAfterCommit, **k))
    now = dt.datetime.now(dt.timezone.utc)
    exchange = Exchange("https://x.example/a", now, request=b"GET /a HTTP/1.1\r\nHost: x.example\r\n\r\n",
                        status=200, head=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                        raw_body=b"<html>a</html>", body=b"<html>a</html>",
                        headers=[("Content-Type", "text/html")])
    with pytest.raises(KeyboardInterrupt):
        with Archive.open(tmp_path) as archive:
            _InterruptedAfterCommit.armed = True
            with archive.transaction():
                archive.capture(exchange, "page")
    with Archive.open(tmp_path) as archive:
        state = archive.state("https://x.example/a")
        assert state is not None and state.captured
        name = archive.files_written[0] if archive.files_written else sorted(tmp_path.glob("*.warc.gz"))[0].name
    with gzip.open(tmp_path / name, "rb") as fh:
        assert b"<html>a</html>" in fh.read()

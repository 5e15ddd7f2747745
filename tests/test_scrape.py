"""`polsearch scrape` against a real HTTP server on 127.0.0.1 (tests/mockserver.py), end to end.

What was fetched and what was not (scope, robots.txt, redirects, types, sizes, retries, timeouts), the
WARC records read back with warcio, politeness (delays, Crawl-delay, Retry-After, User-Agent), the
second run after the site changed (conditional requests, revisits, exactly the changes indexed), and
resuming after Ctrl-C, a crash or --max-pages. Nothing here reaches any address but 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from .conftest import ROOT
from .mockserver import MiniSite

# Fast and small, so the suite stays quick: the politeness logic is the same at any scale.
FAST = ("--delay", "0.01", "--timeout", "0.4", "--retries", "1", "--max-size", "100K",
        "--contact", "archivist@example.org")
ARTICLES = [f"/commentary/a{i}" for i in range(1, 9)]


@pytest.fixture
def site():
    with MiniSite() as s:
        yield s


def scrape(cli, site: MiniSite, archive: Path, *args: str, seeds=("/commentary/",), fast=FAST,
           slow: bool = False) -> dict:
    """`polsearch scrape --json`; the slow page (a timeout and its retry: a second) only when asked."""
    skip_slow = () if slow else ("--exclude", "*/slow")
    result = cli("scrape", *[site.url(s) for s in seeds], "--archive", archive, *fast, *skip_slow, *args,
                 "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


class FirstCrawl:
    """One crawl of the whole mini-site, shared by the tests that only read what it left."""

    def __init__(self, site: MiniSite, archive: Path, report: dict) -> None:
        self.site, self.archive, self.report = site, archive, report


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory):
    from .conftest import Cli

    with MiniSite() as site:
        archive = tmp_path_factory.mktemp("first") / "arch"
        yield FirstCrawl(site, archive, scrape(Cli(), site, archive, slow=True))


def warc_records(archive: Path) -> list:
    """Every record of every WARC file in `archive`, with its file and offset, content read."""
    out = []
    for path in sorted(archive.glob("*.warc.gz")):
        with path.open("rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                content = record.content_stream().read() if record.http_headers else record.raw_stream.read()
                out.append((path.name, records.get_record_offset(), record, content))
    return out


def state(archive: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(archive / "scrape.sqlite") as conn:
        return conn.execute(sql, args).fetchall()


def b32sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


# -- a first collection ----------------------------------------------------------------------------------
def test_first_collection_fetches_what_is_in_scope_and_allowed(first_crawl):
    site, report = first_crawl.site, first_crawl.report
    assert list(report)[:6] == ["fetched", "unchanged", "new", "changed", "skipped", "failed"]
    # 8 articles, 2 listing pages, the flaky page (on retry) and the redirect's target.
    assert (report["fetched"], report["new"], report["changed"], report["unchanged"]) == (12, 12, 0, 0)
    assert report["robots"] == 1 and report["redirects"] == 2 and report["complete"] is True
    assert sorted(e["url"].rsplit("/", 1)[1] for e in report["errors"]) == ["missing", "slow"]
    reasons = {s["url"].rsplit("/", 1)[1]: s["reason"] for s in report["skips"]}
    assert reasons.keys() == {"secret", "away", "huge", "report.pdf"} and report["skipped"] == 4
    assert "robots.txt disallows" in reasons["secret"]
    assert "out of scope" in reasons["away"] and "larger than 102400 bytes" in reasons["huge"]
    assert reasons["report.pdf"] == "not HTML (application/pdf)"
    assert any("timed out" in e["error"] for e in report["errors"])

    paths = site.paths()
    assert paths[0] == "/robots.txt" and paths.count("/robots.txt") == 1
    for path in ARTICLES + ["/commentary/", "/commentary/?page=2", "/commentary/relocated"]:
        assert paths.count(path) == 1, path
    for never in ("/commentary/private/secret", "/elsewhere/page", "/about", "/"):
        assert never not in paths, never  # robots.txt, a redirect out of scope, links out of scope
    assert [r.status for r in site.fetched("/commentary/flaky")] == [500, 200]  # retried

    for request in site.fetched():
        assert request.headers["User-Agent"].startswith("polsearch/")
        assert "(+archivist@example.org)" in request.headers["User-Agent"]
        assert request.headers["From"] == "archivist@example.org"


def test_the_state_file_records_each_url(first_crawl):
    site, archive = first_crawl.site, first_crawl.archive
    rows = {url.split("/", 3)[3]: rest for url, *rest in state(
        archive, "SELECT url, status, outcome, etag, last_modified, digest, warc_file, warc_offset FROM urls")}
    status, outcome, etag, modified, digest, warc_file, offset = rows["commentary/a1"]
    assert (status, outcome) == (200, "new") and etag.startswith('"') and modified.endswith("GMT")
    assert digest.startswith("sha1:") and warc_file.endswith(".warc.gz") and offset > 0
    assert rows["commentary/a7"][2:4] == [None, None]  # served without validators
    assert rows["commentary/missing"][:2] == [404, "failed"]
    assert rows["commentary/private/secret"][1] == "skipped"
    assert rows["commentary/moved"][:2] == [301, "redirect"]
    # The offset in the state file is the URL's response record.
    with (archive / warc_file).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
    assert record.rec_type == "response" and record.rec_headers.get_header("WARC-Target-URI") == site.url(
        "/commentary/a1")


def test_warc_records_read_back_with_warcio(first_crawl):
    archive = first_crawl.archive
    records = warc_records(archive)
    assert len({name for name, *_ in records}) == 1
    first = records[0][2]
    assert first.rec_type == "warcinfo" and first.rec_headers.protocol == "WARC/1.1"
    info = records[0][3].decode()
    assert "software: polsearch/" in info and "robots: obey" in info and "archivist@example.org" in info
    warcinfo_id = first.rec_headers.get_header("WARC-Record-ID")

    by_id = {r.rec_headers.get_header("WARC-Record-ID"): r for _, _, r, _ in records}
    responses = [(r, c) for _, _, r, c in records if r.rec_type == "response"]
    requests = [r for _, _, r, _ in records if r.rec_type == "request"]
    assert len(requests) == len(responses)  # one request for every response, no revisits yet
    for request in requests:
        response = by_id[request.rec_headers.get_header("WARC-Concurrent-To")]
        assert response.rec_headers.get_header("WARC-Target-URI") == request.rec_headers.get_header(
            "WARC-Target-URI")
        assert response.rec_headers.get_header("WARC-Date") == request.rec_headers.get_header("WARC-Date")
    for _, _, record, _ in records[1:]:
        assert record.rec_headers.get_header("WARC-Warcinfo-ID") == warcinfo_id
    for record, _ in responses:
        assert record.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"

    uri = {r.rec_headers.get_header("WARC-Target-URI").split("/", 3)[3]: (r, c) for r, c in responses}
    assert uri["robots.txt"][0].http_headers.get_statuscode() == "200"
    assert uri["commentary/missing"][0].http_headers.get_statuscode() == "404"
    assert uri["commentary/moved"][0].http_headers.get_header("Location") == "/commentary/relocated"
    assert "commentary/report.pdf" not in uri and "commentary/private/secret" not in uri
    gz, gz_text = uri["commentary/a2"]
    assert gz.http_headers.get_header("Content-Encoding") == "gzip" and b"a2unique" in gz_text  # kept coded
    chunked, chunked_text = uri["commentary/a3"]
    assert chunked.http_headers.get_header("Transfer-Encoding") == "chunked" and b"a3unique" in chunked_text
    huge = uri["commentary/huge"][0]
    assert huge.rec_headers.get_header("WARC-Truncated") == "length"


def test_warc_blocks_are_the_bytes_on_the_wire_with_correct_digests(first_crawl):
    archive = first_crawl.archive
    checked = 0
    for path in archive.glob("*.warc.gz"):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, no_record_parse=True):
                if record.rec_type not in ("response", "request"):
                    continue
                block = record.raw_stream.read()
                assert b32sha1(block) == record.rec_headers.get_header("WARC-Block-Digest")
                payload = block.split(b"\r\n\r\n", 1)[1]
                assert b32sha1(payload) == record.rec_headers.get_header("WARC-Payload-Digest")
                if record.rec_type == "request":
                    assert block.startswith(b"GET /") and b"\r\nUser-Agent: polsearch/" in block
                checked += 1
    assert checked > 20


# -- politeness --------------------------------------------------------------------------------------------
def _gaps(site: MiniSite) -> list[float]:
    times = sorted(r.at for r in site.fetched())
    return [b - a for a, b in zip(times, times[1:])]


def test_crawl_delay_from_robots_is_honoured_when_longer_than_delay(cli, tmp_path):
    with MiniSite(crawl_delay=0.25) as site:
        scrape(cli, site, tmp_path / "arch", "--max-pages", "4")
        assert len(site.fetched()) == 5  # robots.txt and four pages
        assert min(_gaps(site)) >= 0.24


def test_delay_is_honoured_when_longer_than_crawl_delay(cli, tmp_path):
    with MiniSite(crawl_delay=0.01) as site:
        fast = ("--delay", "0.25") + FAST[2:]
        scrape(cli, site, tmp_path / "arch", "--max-pages", "3", fast=fast)
        assert min(_gaps(site)) >= 0.24


def test_retry_after_is_honoured(cli, site, tmp_path):
    res = site.resources["/commentary/a1"]
    res.fail_times, res.fail_status, res.fail_headers = 1, 429, {"Retry-After": "1"}
    report = scrape(cli, site, tmp_path / "arch", seeds=("/commentary/a1",))
    attempts = site.fetched("/commentary/a1")
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95
    assert report["new"] == 1 and report["failed"] == 0


def test_server_errors_that_persist_fail_after_the_retries(cli, site, tmp_path):
    site.resources["/commentary/a1"].fail_times = 10
    report = scrape(cli, site, tmp_path / "arch")
    assert [r.status for r in site.fetched("/commentary/a1")] == [500, 500]  # --retries 1
    errors = {e["url"]: e["error"] for e in report["errors"]}
    assert errors[site.url("/commentary/a1")] == "HTTP 500 Internal Server Error"
    # When nothing at all could be collected, that is an error (exit 1) with the first reason.
    result = cli("scrape", site.url("/commentary/a1"), "--archive", tmp_path / "other", *FAST)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].endswith("/commentary/a1: HTTP 500 Internal Server Error")


# -- sitemaps and feeds ------------------------------------------------------------------------------------
def test_sitemap_index_gzipped_sitemap_and_feeds(cli, site, tmp_path):
    report = scrape(cli, site, tmp_path / "arch", seeds=("/sitemap_index.xml", "/feed.xml", "/atom.xml"))
    paths = site.paths()
    assert "/sitemap-articles.xml.gz" in paths
    for path in ARTICLES:
        assert paths.count(path) == 1, path
    assert not any(p.startswith("/edit/") for p in paths)  # Atom rel=edit links are not pages
    assert report["new"] == 4 + 8 and report["failed"] == 0  # 4 XML documents and 8 articles


# -- the second run -----------------------------------------------------------------------------------------
def test_second_run_fetches_and_indexes_exactly_what_changed(cli, site, tmp_path):
    archive, index = tmp_path / "arch", tmp_path / "idx"
    scrape(cli, site, archive)
    first = cli.json("index", "--index", index, archive)
    assert (first["added"], first["failed"]) == (10, 0)
    old_a1 = state(archive, "SELECT record_id FROM urls WHERE url = ?", site.url("/commentary/a7"))[0][0]

    site.add_article("fresh", "A fresh commentary on river diplomacy")
    site.edit_article("a1", "Edited: a new paragraph about hydropower quotas.")
    before = len(site.fetched())
    report = scrape(cli, site, archive)
    second = {r.path: r for r in site.fetched()[before:]}

    validated = [p for p in ARTICLES if p not in ("/commentary/a7", "/commentary/a8")] + ["/commentary/relocated"]
    for path in validated:  # everything captured before with validators is asked conditionally
        headers = second[path].headers
        assert "If-None-Match" in headers or "If-Modified-Since" in headers, path
    assert {p for p in validated if second[p].status == 200} == {"/commentary/a1"}
    assert all(second[p].status == 304 for p in validated if p != "/commentary/a1")
    assert second["/commentary/fresh"].status == 200 and "If-None-Match" not in second["/commentary/fresh"].headers
    assert report["new"] == 1 and report["changed"] == 2  # a1, and the listing page that now shows "fresh"
    outcomes = dict(state(archive, "SELECT url, outcome FROM urls"))
    assert outcomes[site.url("/commentary/fresh")] == "new"
    assert outcomes[site.url("/commentary/a1")] == "changed"
    assert outcomes[site.url("/commentary/a7")] == "unchanged"  # same bytes again, no validators

    # 304s and same-content downloads are revisit records pointing at the first capture.
    newest = sorted(archive.glob("*.warc.gz"))[-1]
    revisits = {r.rec_headers.get_header("WARC-Target-URI"): r
                for name, _, r, _ in warc_records(archive) if name == newest.name and r.rec_type == "revisit"}
    a7 = revisits[site.url("/commentary/a7")]
    assert a7.rec_headers.get_header("WARC-Profile").endswith("/revisit/identical-payload-digest")
    assert a7.rec_headers.get_header("WARC-Refers-To") == old_a1
    a2 = revisits[site.url("/commentary/a2")]
    assert a2.rec_headers.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    # Its block is empty (so replay tools serve the archived 200); the 304 itself is in a metadata record.
    assert a2.http_headers is None and a2.length == 0
    assert a2.rec_headers.get_header("WARC-Payload-Digest") == state(
        archive, "SELECT payload_digest FROM urls WHERE url = ?", site.url("/commentary/a2"))[0][0]
    meta = [(r, content) for name, _, r, content in warc_records(archive) if r.rec_type == "metadata"
            and r.rec_headers.get_header("WARC-Concurrent-To") == a2.rec_headers.get_header("WARC-Record-ID")]
    assert len(meta) == 1 and meta[0][0].rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = meta[0][1].decode("latin-1").splitlines()
    assert fields[0] == "http-status: 304" and fields[1].startswith("http-response-line: HTTP/1.1 304")
    assert any(f.startswith("http-response-header: ETag: ") for f in fields)
    request = [r for name, _, r, _ in warc_records(archive) if r.rec_type == "request"
               and r.rec_headers.get_header("WARC-Concurrent-To") == a2.rec_headers.get_header("WARC-Record-ID")]
    assert len(request) == 1 and request[0].http_headers.get_header("If-None-Match")

    for path in archive.glob("*.warc.gz"):  # what `warcio check` does: every digest verified
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh, check_digests=True):
                record.content_stream().read()
                assert record.digest_checker.passed is not False, record.digest_checker.problems

    again = cli.json("index", "--index", index, archive)
    assert (again["added"], again["updated"], again["failed"]) == (1, 1, 0)
    hit = cli.json("search", "--index", index, "hydropower")["hits"]
    assert len(hit) == 1 and hit[0]["url"] == site.url("/commentary/a1")
    shown = cli.json("show", "--index", index, hit[0]["id"], "--versions")
    assert shown["provenance"]["file"] == str(newest.absolute()) and len(shown["versions"]) == 1


def test_an_unchanged_rerun_costs_304s_and_reindexing_it_reads_only_the_new_file(cli, site, tmp_path,
                                                                                    monkeypatch):
    archive, index = tmp_path / "arch", tmp_path / "idx"
    scrape(cli, site, archive)
    cli.json("index", "--index", index, archive)
    before = len(site.fetched())
    report = scrape(cli, site, archive)
    assert report["new"] == report["changed"] == 0 and report["failed"] == 1  # the 404 stays a 404
    bodies = [r for r in site.fetched()[before:] if r.status == 200 and r.path != "/robots.txt"]
    # Only what the server sends without validators comes again (a7, a8, flaky: stored as revisits; huge:
    # cut off again), and the PDF, never captured, whose headers are read again but not its body.
    assert sorted(r.path for r in bodies) == ["/commentary/a7", "/commentary/a8", "/commentary/flaky",
                                              "/commentary/huge", "/commentary/report.pdf"]

    import corpus.inputs.warc

    opened = []
    real = corpus.inputs.warc.pages
    monkeypatch.setattr(corpus.inputs.warc, "pages", lambda path, tally=None: opened.append(path.name) or real(path, tally))
    again = cli.json("index", "--index", index, archive)
    assert (again["added"], again["updated"]) == (0, 0) and again["unchanged"] == 10
    assert opened == [sorted(archive.glob("*.warc.gz"))[-1].name]  # the first file is not even opened
    assert again["passed_over"]["revisit"] >= 8
    third = cli.json("index", "--index", index, archive)
    assert opened == [sorted(archive.glob("*.warc.gz"))[-1].name] and third["unchanged"] == 10


# -- resuming ------------------------------------------------------------------------------------------------
def _done(archive: Path) -> set[str]:
    return {u for (u,) in state(archive, "SELECT url FROM queue WHERE done = 1")}


def _spawn(site: MiniSite, archive: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "search.cli", "scrape", site.url("/commentary/"), "--archive", str(archive),
         "--delay", "0.1", "--timeout", "0.4", "--retries", "1", "--max-size", "100K", "--exclude", "*/slow"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # Ctrl-C as a terminal delivers it: a suite started in the background of a shell would otherwise
        # pass SIGINT on ignored, and the scrape would never see it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_requests(site: MiniSite, n: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while len(site.fetched()) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize("how", ["ctrl-c", "crash"])
def test_an_interrupted_run_resumes_without_fetching_again(cli, site, tmp_path, how):
    archive = tmp_path / "arch"
    proc = _spawn(site, archive)
    _wait_for_requests(site, 6, proc)
    if how == "ctrl-c":
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    else:
        proc.kill()
        proc.communicate(timeout=20)
        newest = sorted(archive.glob("*.warc.gz"))[-1]
        with newest.open("ab") as fh:
            fh.write(b"\x1f\x8b\x08\x00half a record, as a crash mid-write leaves it")
    done = _done(archive)
    assert 3 <= len(done) < 20
    first_run = len(site.fetched())

    report = scrape(cli, site, archive)
    assert report["resumed"] is True and report["complete"] is True
    again = {r.path for r in site.fetched()[first_run:]} - {"/robots.txt"}
    assert not {site.url(p) for p in again} & done  # nothing the first run finished is fetched again
    for path in ARTICLES:
        assert site.paths().count(path) <= 2  # at most the one in flight when it stopped
        assert path in site.paths()
    records = warc_records(archive)  # every file reads cleanly: a torn tail was cut off
    assert sum(1 for *_, r, _ in records if r.rec_type == "warcinfo") == len(list(archive.glob("*.warc.gz")))
    captured = state(archive, "SELECT COUNT(*) FROM urls WHERE record_id IS NOT NULL")[0][0]
    assert captured == 12


def test_max_pages_stops_and_the_next_run_goes_on(cli, site, tmp_path):
    archive = tmp_path / "arch"
    args = ("--exclude", "*/flaky")
    first = scrape(cli, site, archive, "--max-pages", "3", *args)
    assert first["complete"] is False and first["fetched"] == 3
    assert len(site.fetched()) == 4  # robots.txt and three pages
    second = scrape(cli, site, archive, *args)
    assert second["resumed"] is True and second["complete"] is True and second["fetched"] == 8
    counts = Counter(p for p in site.paths() if p != "/robots.txt")
    assert set(counts.values()) == {1}  # no page twice
    third = scrape(cli, site, archive, *args)
    assert third["resumed"] is False and third["new"] == 0  # a finished crawl: the next run starts anew
    assert scrape(cli, site, archive, "--max-pages", "1", *args)["complete"] is False
    assert scrape(cli, site, archive, "--max-pages", "1", "--fresh", *args)["resumed"] is False


# -- errors the user sees -----------------------------------------------------------------------------------
def test_bad_seed_urls_are_usage_errors(cli, tmp_path):
    for url in ("ftp://example.org/x", "not a url", "http:///nohost"):
        result = cli("scrape", url, "--archive", tmp_path / "arch")
        assert result.exit_code == 2, url
        assert "not an http(s) URL" in result.stderr or "no host" in result.stderr


def test_an_unreachable_site_is_a_one_line_error(cli, tmp_path):
    import socket

    with socket.socket() as s:  # a port on 127.0.0.1 that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = cli("scrape", f"http://127.0.0.1:{port}/commentary/", "--archive", tmp_path / "arch", *FAST)
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: nothing collected:") and "robots.txt unreachable" in last
    assert "Traceback" not in result.stderr


def test_a_locked_archive_names_the_writer(cli, site, tmp_path):
    from corpus.collect.archive import Archive

    with Archive.open(tmp_path / "arch"):
        result = cli("scrape", site.url("/commentary/"), "--archive", tmp_path / "arch", *FAST)
    assert result.exit_code == 1 and f"being written by process {os.getpid()}" in result.stderr
    assert result.stderr.count("\n") == 1

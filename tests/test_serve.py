"""`polsearch serve` over HTTP: a real `polsearch serve` process on a free 127.0.0.1 port, over the bundled
samples and a hostile page. What a browser would get: pages, links, errors in place, downloads, and
the safety rules (escaping, read-only, no file outside the index, limits, serving while indexing)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import time
from urllib.parse import quote

import pytest

from .serving import HOSTILE_TITLE, Server, build_index, polsearch


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("serve"))


@pytest.fixture(scope="module")
def server(index):
    running = Server(index)
    yield running
    running.stop()


def hits(page: str) -> list[str]:
    return re.findall(r'<a class="hit-title" href="(/doc/[0-9a-f]+[^"]*)"', page)


def test_listens_on_loopback_only_by_default(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert not any("warning" in line for line in server.lines)


def test_another_host_prints_a_warning(index):
    other = Server(index, "--host", "0.0.0.0")
    try:
        assert any("warning" in line and "read the index" in line for line in other.lines)
        status, _, _ = other.get("/")
        assert status == 200
    finally:
        other.stop()


def test_a_missing_index_is_a_one_line_error(tmp_path):
    done = subprocess.run(polsearch("serve", "--index", tmp_path / "nothing", "--port", "0"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_results_have_the_exact_total_facets_and_a_timeline(server, cli, index):
    page = server.text("/?q=debt")
    expected = cli.json("search", "--index", index, "debt")["total"]
    assert f"{expected} documents match" in page
    assert len(hits(page)) == min(expected, 10)
    assert "<mark>" in page
    for facet in ("year", "source", "author", "entity", "tag"):
        assert f'data-facet="{facet}"' in page
    bars = re.findall(r'<a href="([^"]+)"><rect ', page)
    assert bars and all("from=" in b and "to=" in b for b in bars)


def test_the_query_errors_show_in_place_as_the_cli_says_them(server, cli, index):
    page = server.text("/?q=" + quote('debt AND'))
    result = cli("search", "--index", index, "debt AND")
    message = result.stderr.strip().removeprefix("Error: ")
    assert result.exit_code == 1
    assert html.escape(message, quote=False) in page.replace("&#34;", '"').replace("&#39;", "'")


def test_a_facet_link_narrows_and_the_chip_removes_it(server, cli, index):
    page = server.text("/?q=debt")
    link = re.search(r'data-facet="source">.*?<a href="([^"]+)">([^<]+)</a>', page, re.S)
    href, name = html.unescape(link.group(1)), html.unescape(link.group(2))
    narrowed = server.text(href)
    total = cli.json("search", "--index", index, "debt", "--source", name)["total"]
    assert f"{total} document" in narrowed
    remove = html.unescape(re.search(r'<a class="remove" href="([^"]+)"', narrowed).group(1))
    assert "source=" not in remove
    assert server.text(remove).count('class="hit"') == page.count('class="hit"')


def test_paging_and_sort_are_in_the_url(server, cli, index):
    everything = cli.json("search", "--index", index, "--limit", "100", "--sort", "-date", "the")
    first = server.text("/?q=the&n=5&sort=-date")
    second = server.text("/?q=the&n=5&sort=-date&page=2")
    ids = [h.split("?")[0].removeprefix("/doc/") for h in hits(first) + hits(second)]
    assert ids == [h["id"] for h in everything["hits"][:10]]
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_kwic_lines_align_on_the_match(server):
    page = server.text("/?q=Mekong&view=kwic")
    assert page.count('<td class="match"><mark>') >= 3
    assert "match" in page and "in " in page


def test_the_document_page_has_fields_provenance_and_marks(server, index, cli):
    found = [h for h in cli.json("search", "--index", index, '"Lon Nol"')["hits"] if h["url"].startswith("http")][0]
    page = server.text(f"/doc/{found['id']}?q=%22Lon+Nol%22")
    assert "<mark>Lon Nol</mark>" in page
    assert "where they came from" in page and "file " in page   # the raw capture
    assert f'href="{html.escape(found["url"])}"' in page
    assert "Similar documents" in page
    assert 'href="/?q=%22Lon+Nol%22"' in page  # back to the same results


def test_downloads_are_the_export_files(server, cli, index, tmp_path):
    status, headers, body = server.get("/export/csv?q=debt&sort=date")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    cli("export", "--index", index, "debt", "-o", tmp_path / "cli.csv")
    with open(tmp_path / "cli.csv", encoding="utf-8-sig", newline="") as handle:
        assert [r["id"] for r in rows] == [r["id"] for r in csv.DictReader(handle)]
    _, _, jsonl = server.get("/export/jsonl?q=debt")
    assert len([json.loads(line) for line in jsonl.decode().splitlines()]) == len(rows)
    _, _, manifest = server.get("/export/manifest?q=debt")
    data = json.loads(manifest)
    assert data["query"] == "debt" and data["count"] == len(rows)
    status, _, _ = server.get("/export/exe?q=debt")
    assert status == 404


def test_hostile_text_is_escaped_everywhere(server, index):
    pages = [server.text("/?q=hostile"), server.text("/?q=hostile&view=kwic"),
             server.text("/?q=" + quote("<script>")), server.text("/?q=Mekong")]
    doc_id = re.search(r"/doc/([0-9a-f]+)", pages[0]).group(1)
    pages.append(server.text(f"/doc/{doc_id}?q=hostile"))
    for page in pages:
        assert "<script>window" not in page and "<img src=x" not in page and "<svg onload" not in page
        assert not re.search(r"<[a-z][^<>]*=\s*[\"']?\s*javascript:", page, re.I)
        assert "\x1b" not in page and "\x07" not in page
        assert "pwned=8" not in page or "&lt;a href=" in page
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts == ['<script src="/static/app.js" defer>']
    assert html.escape(HOSTILE_TITLE, quote=False).split(" Hostile")[0] in pages[-1].replace("&#34;", '"')
    assert "&lt;svg onload=window.pwned=4&gt;Evil Site" in pages[0]  # the source facet, as text


def test_security_headers(server):
    _, headers, _ = server.get("/?q=debt")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/setup.cfg",
                                  "/static/..%2f..%2fviews.py", "/doc/..%2f..%2fetc%2fpasswd",
                                  "/doc/../documents.sqlite", "/documents.sqlite", "/whoosh/",
                                  "/export/..%2fcsv", "/static/" + "a" * 300])
def test_no_route_reads_a_file_outside_the_page(server, path):
    status, _, body = server.get(path)
    assert status == 404 and b"root:" not in body and b"[metadata]" not in body and b"SQLite" not in body


def test_only_the_page_files_are_served(server):
    assert server.get("/static/style.css")[0] == 200
    assert server.get("/static/app.js")[0] == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_read_only(server, index, method):
    before = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in index.rglob("*") if p.is_file()
                    and not p.name.endswith(("-shm", "-wal")))
    for path in ("/", "/?q=debt", "/export/csv?q=debt"):
        assert server.get(path, method)[0] == 405
    after = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in index.rglob("*") if p.is_file()
                   and not p.name.endswith(("-shm", "-wal")))
    assert before == after


def test_query_and_page_size_limits(server):
    long_page = server.text("/?q=" + "a" * 2001)
    assert "the query is too long" in long_page and 'class="hit"' not in long_page
    many = server.text("/?q=" + quote(" ".join(["debt"] * 300)))
    assert "too many words" in many
    assert "n must be from 1 to 100" in server.text("/?q=debt&n=100000")
    assert "page must be from 1 to 1000" in server.text("/?q=debt&page=99999")
    assert "sort must be one of" in server.text("/?q=debt&sort=evil")
    assert "bad date" in server.text("/?q=debt&from=zz")


def test_an_unknown_document_is_a_404_page(server):
    status, _, body = server.get("/doc/" + "0" * 16)
    assert status == 404 and b"no document" in body


def test_an_index_being_written_keeps_being_served(index, tmp_path):
    from .conftest import make_page

    extra = tmp_path / "more"
    extra.mkdir()
    for i in range(40):
        (extra / f"p{i}.html").write_text(make_page(f"Zanzibar note {i}", [f"Zanzibar harbour policy {i}. " * 30],
                                                    date=f"2020-01-{i % 28 + 1:02d}"), encoding="utf-8")
    running = Server(index)
    try:
        writer = subprocess.Popen(polsearch("index", "--index", index, extra), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        statuses = []
        while writer.poll() is None:
            statuses.append(running.get("/?q=Zanzibar")[0])
            statuses.append(running.get("/?q=debt")[0])
            time.sleep(0.05)
        assert writer.wait() == 0, writer.stderr.read()
        writer.stderr.close()
        assert statuses and set(statuses) == {200}
        assert "40 documents match" in running.text("/?q=Zanzibar")
    finally:
        running.stop()

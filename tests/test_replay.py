"""What `scrape` writes, opened with the web-archive field's own clients, run as programs.

A two-pass scrape of the mini-site (tests/mockserver.py, on 127.0.0.1), the second pass a second later
and conditional (most pages answer 304, a7/a8 come again whole and unchanged, a1 was edited), then:
`warcio check` on every WARC file; `cdxj-indexer` over them (every record replay looks up is indexed,
and `pack`'s own CDXJ lines are the same); pywb on a free 127.0.0.1 port replaying every archived page
at every capture's timestamp in `id_` mode, with status 200 and the archived body, from the WARC files
indexed by `cdxj-indexer` and from the WACZ with its own index (`wb-manager add --unpack-wacz`); `polsearch pack`
and `scrape --wacz`, each WACZ checked by `wacz validate`. pywb is stopped by its PID.

The clients live in their own venv (`.venv-tools`, from tests/replay-tools.txt; `make test` builds it
and names it in POLSEARCH_REPLAY_TOOLS): pywb is GPL-3 and cdxj-indexer needs surt (AGPL), so neither
is a dependency of polsearch. Without that variable and without `.venv-tools`, these tests skip.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from .conftest import ROOT, Cli
from .mockserver import MiniSite
from .test_scrape import FAST


def _tools() -> Path:
    named = os.environ.get("POLSEARCH_REPLAY_TOOLS")
    tools = Path(named) if named else ROOT / ".venv-tools" / "bin"
    missing = [p for p in ("warcio", "cdxj-indexer", "wayback", "wb-manager", "wacz") if not (tools / p).exists()]
    if missing and named:
        pytest.fail(f"POLSEARCH_REPLAY_TOOLS={named} lacks {missing}: run `make test`")
    if missing:
        pytest.skip("the replay clients are not installed (`make test` builds .venv-tools)")
    return tools


@pytest.fixture(scope="module")
def tools() -> Path:
    return _tools()


def run(tool: Path, *args: object, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True, timeout=timeout)


class TwoPasses:
    def __init__(self, site: MiniSite, archive: Path, wacz: Path, reports: list[dict]) -> None:
        self.site, self.archive, self.wacz, self.reports = site, archive, wacz, reports
        self.files = sorted(archive.glob("*.warc.gz"))


@pytest.fixture(scope="module")
def two_passes(tmp_path_factory, tools):
    cli = Cli()
    root = tmp_path_factory.mktemp("replay")
    archive, wacz = root / "arch", root / "scraped.wacz"
    with MiniSite() as site:
        reports = []
        for n in range(2):
            if n:
                time.sleep(1.1)  # CDXJ timestamps are to the second: the two captures must differ
                site.edit_article("a1", "Edited: a new paragraph about hydropower quotas.")
            extra = ("--wacz", wacz) if n else ()
            result = cli("scrape", site.url("/commentary/"), "--archive", archive, *FAST, "--exclude", "*/slow",
                         *extra, "--json")
            assert result.exit_code == 0, result.stderr
            reports.append(json.loads(result.stdout))
        yield TwoPasses(site, archive, wacz, reports)


def captures(files: list[Path]) -> dict[str, dict[str, bytes]]:
    """{url: {14-digit timestamp: the body a replay must show}} for every 200 capture of a page: a
    response's own body, and for a revisit the body of the capture it refers to."""
    by_id: dict[str, bytes] = {}
    revisits: list[tuple[str, str, str]] = []
    out: dict[str, dict[str, bytes]] = {}
    for path in files:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                rec = record.rec_headers
                url, ts = rec.get_header("WARC-Target-URI"), "".join(c for c in rec.get_header("WARC-Date") if c.isdigit())[:14]
                if record.rec_type == "response" and record.http_headers.get_statuscode() == "200" \
                        and not rec.get_header("WARC-Truncated"):
                    body = record.content_stream().read()
                    by_id[rec.get_header("WARC-Record-ID")] = body
                    out.setdefault(url, {})[ts] = body
                elif record.rec_type == "revisit":
                    revisits.append((url, ts, rec.get_header("WARC-Refers-To")))
    for url, ts, refers_to in revisits:
        out.setdefault(url, {})[ts] = by_id[refers_to]
    return out


def test_the_second_pass_was_conditional(two_passes):
    first, second = two_passes.reports
    assert first["new"] == 12 and second["unchanged"] >= 8 and second["changed"] == 1
    statuses = [r.status for r in two_passes.site.fetched()]
    assert statuses.count(304) >= 8


def test_warcio_check_passes_every_file(two_passes, tools):
    assert len(two_passes.files) == 2
    for path in two_passes.files:
        result = run(tools / "warcio", "check", "-v", path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "digest pass" in result.stdout and "fail" not in result.stdout, result.stdout


def test_cdxj_indexer_indexes_every_capture_and_pack_writes_the_same_lines(two_passes, tools, tmp_path):
    result = run(tools / "cdxj-indexer", *two_passes.files)
    assert result.returncode == 0, result.stderr
    theirs = sorted(result.stdout.splitlines())
    indexed = {(json.loads(line.split(" ", 2)[2])["url"], line.split(" ", 2)[1]) for line in theirs}
    expected = {(url, ts) for url, by_ts in captures(two_passes.files).items() for ts in by_ts}
    assert expected <= indexed
    assert not any('"mime": "warc/metadata"' in line or "application/warc-fields" in line for line in theirs)

    with zipfile.ZipFile(two_passes.wacz) as wacz:
        ours = wacz.read("indexes/index.cdx").decode().splitlines()
    assert ours == theirs  # byte for byte, once sorted: our SURT keys and fields are the tool's


def test_pywb_replays_every_page_at_every_capture(two_passes, tools, tmp_path):
    collection = tmp_path / "collections" / "arch"
    (collection / "archive").mkdir(parents=True)
    (collection / "indexes").mkdir()
    for path in two_passes.files:
        shutil.copy(path, collection / "archive" / path.name)
    index = run(tools / "cdxj-indexer", "--sort", *two_passes.files)
    assert index.returncode == 0, index.stderr
    (collection / "indexes" / "index.cdxj").write_text(index.stdout)
    # A second collection from the WACZ that `scrape --wacz` wrote, indexed by its own CDXJ (pywb
    # takes the package's index as it is).
    for args in (("init", "wacz"), ("add", "--unpack-wacz", "wacz", two_passes.wacz)):
        added = subprocess.run([str(tools / "wb-manager"), *map(str, args)], cwd=tmp_path, capture_output=True,
                               text=True, timeout=120)
        assert added.returncode == 0, added.stderr

    port = _free_port()
    pywb = subprocess.Popen([str(tools / "wayback"), "--port", str(port), "--bind", "127.0.0.1"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(pywb, f"http://127.0.0.1:{port}/")
        matrix = []
        expected = captures(two_passes.files)
        for coll in ("arch", "wacz"):
            for url, by_ts in sorted(expected.items()):
                for ts, body in sorted(by_ts.items()):
                    status, got = _get(f"http://127.0.0.1:{port}/{coll}/{ts}id_/{url}")
                    matrix.append((coll, url.split("/", 3)[3], ts, status, got == body))
        print("\nreplay matrix (collection, path, capture, status, body = archived):")
        for row in matrix:
            print("  ", *row)
        assert len(matrix) >= 2 * 2 * 11  # both collections; every page twice: a1–a8, the listings, ...
        assert all(len(by_ts) == 2 for by_ts in expected.values())
        bad = [row for row in matrix if row[3] != 200 or not row[4]]
        assert not bad, bad
    finally:
        os.kill(pywb.pid, signal.SIGTERM)
        try:
            pywb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(pywb.pid, signal.SIGKILL)
            pywb.wait()
        pywb.stderr.close()
    assert pywb.returncode is not None


def test_wacz_validate_accepts_both_packages(two_passes, tools, cli, tmp_path):
    packed = tmp_path / "packed.wacz"
    result = cli("pack", two_passes.archive, "-o", packed)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Packed {packed}: 2 WARC files, ")
    for wacz in (packed, two_passes.wacz):
        check = run(tools / "wacz", "validate", "-f", wacz)
        print(f"\n$ wacz validate -f {wacz.name}\n{check.stdout.strip()}")
        assert check.returncode == 0 and "Validation succeeded, the passed WACZ is valid" in check.stdout, \
            check.stdout + check.stderr
    assert two_passes.reports[1]["wacz"]["records"] > 0

    with zipfile.ZipFile(packed) as wacz:
        names = wacz.namelist()
        stored = {i.filename: i.compress_type for i in wacz.infolist()}
        package = json.loads(wacz.read("datapackage.json"))
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()]
    assert sorted(n for n in names if n.startswith("archive/")) == [f"archive/{p.name}" for p in two_passes.files]
    assert all(stored[n] == zipfile.ZIP_STORED for n in names if n.startswith("archive/"))
    assert package["wacz_version"] == "1.1.1" and {r["path"] for r in package["resources"]} == \
        set(names) - {"datapackage.json", "datapackage-digest.json"}
    assert pages[0]["format"] == "json-pages-1.0"
    assert {p["url"] for p in pages[1:]} >= {two_passes.site.url(f"/commentary/a{i}") for i in range(1, 9)}


def test_pack_refuses_what_it_cannot_package(cli, tmp_path):
    result = cli("pack", tmp_path / "nowhere", "-o", tmp_path / "x.wacz")
    assert result.exit_code == 1 and result.stderr == f"Error: {tmp_path / 'nowhere'} is not an archive folder\n"
    (tmp_path / "empty").mkdir()
    result = cli("pack", tmp_path / "empty", "-o", tmp_path / "x.wacz")
    assert result.exit_code == 1 and "holds no WARC files" in result.stderr
    (tmp_path / "empty" / "broken.warc.gz").write_bytes(b"<html><body>not a WARC file</body></html>\n")
    result = cli("pack", tmp_path / "empty", "-o", tmp_path / "x.wacz")
    assert result.exit_code == 1 and "broken.warc.gz: not a readable WARC file" in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.wacz").exists() and not list(tmp_path.glob("*.part"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(proc: subprocess.Popen, url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"pywb exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise AssertionError(f"pywb did not answer on {url} in {seconds} s")


def _get(url: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            return response.status, body
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A replay that redirects to another capture's time is not a replay of this one."""

    def redirect_request(self, *args, **kwargs):
        return None


# -- the CDXJ writer on its own ----------------------------------------------------------------------------
@pytest.mark.parametrize("url, key", [
    ("http://127.0.0.1:8080/commentary/", "1,0,0,127:8080)/commentary"),
    ("http://127.0.0.1:80/", "1,0,0,127)/"),
    ("https://www.Example.com:443/A/b/?z=1&a=2#frag", "com,example)/a/b?a=2&z=1"),
    ("https://example.com", "com,example)/"),
    ("http://www2.example.org/x?", "org,example)/x"),
    ("http://example.com/path;jsessionid=ABC?b=2&a=1&a=0", "com,example)/path;jsessionid=abc?a=0&a=1&b=2"),
    ("http://EXAMPLE.com/%7Euser/a%20b", "com,example)/~user/a%20b"),
    ("http://example.com/a/../b/./c", "com,example)/b/c"),
    ("http://sub.example.co.uk:8443/index.html?Q=A", "uk,co,example,sub:8443)/index.html?q=a"),
    ("https://[::1]:8080/x", "::1:8080)/x"),
    ("http://example.com//double//slash", "com,example)/double/slash"),
    ("http://e.com/%2541b?x=%7c%3a", "com,e)/ab?x=|:"),
    ("http://e.com/caf%C3%A9", "com,e)/caf%c3%a9"),
])
def test_surt_keys_are_those_of_the_replay_tools(url, key):
    """Expected keys as the `surt` package (which cdxj-indexer and pywb use) writes them."""
    from corpus.collect.wacz import surt

    assert surt(url) == key


SAMPLES = ROOT.parent / "shared" / "data" / "warc-samples"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="needs ../shared/data/warc-samples")
def test_our_cdxj_lines_are_cdxj_indexers_on_other_producers_files(tools):
    from corpus.collect.wacz import cdxj_lines

    files = sorted(p for p in SAMPLES.iterdir() if ".warc" in p.name)
    assert len(files) >= 9
    for path in files:
        theirs = run(tools / "cdxj-indexer", path)
        assert theirs.returncode == 0, theirs.stderr
        ours = [f"{key} {json.dumps(fields)}" for key, fields, _ in cdxj_lines(path, path.name)]
        assert sorted(ours) == sorted(theirs.stdout.splitlines()), path.name


def test_archives_with_the_earlier_304_layout_still_index(cli, tmp_path):
    """Files written before the change (a 304's status line and headers in its revisit) are never
    rewritten; `index` reads them as before: the page once, the revisit passed over."""
    import datetime as dt

    from corpus.collect.warcfile import PROFILE_NOT_MODIFIED, WarcFile, warc_date
    from .mockserver import article

    folder = tmp_path / "old"
    folder.mkdir()
    warc = WarcFile(folder / "polsearch-20251101000000000-00001.warc.gz", committed=0)
    warc.begin(dt.datetime(2025, 11, 1, tzinfo=dt.timezone.utc), {"software": "polsearch/0.1.0"})
    url, body = "http://127.0.0.1:9/commentary/a1", article("a1", "An older commentary on the Mekong")
    head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
    first = warc.record("response", url, head.encode() + body, [("WARC-Date", "2025-11-01T00:00:00.000000Z")],
                        "application/http; msgtype=response", body)
    warc.record("revisit", url, b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
                [("WARC-Date", warc_date(dt.datetime(2025, 11, 8, tzinfo=dt.timezone.utc))),
                 ("WARC-Profile", PROFILE_NOT_MODIFIED), ("WARC-Refers-To", first.record_id),
                 ("WARC-Refers-To-Target-URI", url), ("WARC-Refers-To-Date", first.date)],
                "application/http; msgtype=response", None)
    warc.fh.close()
    report = cli.json("index", "--index", tmp_path / "idx", folder)
    assert (report["added"], report["failed"]) == (1, 0) and report["passed_over"]["revisit"] == 1

"""Reliability: what `polsearch` promises when things go wrong around it, checked as a user meets it.

- Locks: one writer at a time, a clear message naming the writer, a killed writer's lock recovered, a
  live writer's lock never taken over (a real second process holds it).
- Concurrent use: searches never fail and always see a whole state (the old count or the new one)
  while `index`, `reindex` and a direct store write run in other processes.
- Hostile input: huge and deeply nested pages, an HTTP gzip bomb, control characters in page text,
  adversarial queries, a wildcard matching thousands of words, symlinks out of the folder, a full disk
  and a read-only index folder.
- Scraper scope: only http(s) seeds.

Elsewhere: SIGKILL at seeded points (test_crash.py); normalising arbitrary bytes and damaged pages
(test_normalise_props.py); robots.txt, redirects out of scope and per-host delays (test_scrape.py);
decompression bombs inside WARC files (test_warc.py). Nothing here reaches any address but 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import Document
from indexer.index import LOCK_FILE
from indexer.ingest import ingest_documents
from search.query import compile as query_compile
from search.searcher import search

from .conftest import ROOT, Cli, make_page
from .mockserver import MiniSite, Resource

POLSEARCH = [sys.executable, "-m", "search.cli"]
WORDS = ("harbour treaty tariff coalition budget reform ministry envoy summit border trade energy climate "
         "security alliance grain port fishery pension inflation").split()


def _run(*args: object, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`polsearch ARGS` as a real process."""
    return subprocess.run([*POLSEARCH, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def _spawn(*args: object) -> subprocess.Popen:
    return subprocess.Popen([*POLSEARCH, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _one_line_error(stderr: str) -> str:
    """The error message of a command that failed as promised: one line, no traceback."""
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert stderr.startswith("Error: ") and stderr.count("\n") == 1, stderr
    return stderr.strip()


def _commentary(i: int, *, extra: str = "") -> str:
    """A commentary of its own words (no two are copies), with a canonical URL so its id is stable."""
    rnd = random.Random(i)
    paragraphs = [" ".join(rnd.choice(WORDS) for _ in range(40)).capitalize() + f" marker{i:03d}."
                  for _ in range(3)]
    if extra:
        paragraphs.append(extra)
    return make_page(f"Commentary {i} on the {rnd.choice(WORDS)} question", paragraphs,
                     date=f"2021-05-{i % 28 + 1:02d}", author="Ann Lee",
                     url=f"https://institute.example/commentary/{i}")


def _write(folder: Path, numbers, **kwargs) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in numbers:
        (folder / f"c{i:03d}.html").write_text(_commentary(i, **kwargs), encoding="utf-8")
    return folder


def _total(index: Path, text: str) -> int:
    return search(index, text, limit=3).total


# -- locks ---------------------------------------------------------------------------------------------------
HOLDER = """
import sys
from indexer.index import IndexFolder, writing
folder = IndexFolder(sys.argv[1])
folder.create()
with writing(folder):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes stdin, or kills this process
"""


@pytest.fixture
def lock_holder():
    """Starts a real process holding an index folder's writer lock; returns it once it holds it."""
    started: list[subprocess.Popen] = []

    def start(index: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(index)], cwd=ROOT, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout.readline() == "held\n"
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_second_writer_is_told_which_process_holds_the_lock_and_never_takes_it(cli, tmp_path, lock_holder):
    index = tmp_path / "idx"
    pages = _write(tmp_path / "pages", range(3))
    assert cli("index", "--index", index, pages).exit_code == 0
    _write(pages, [3])
    holder = lock_holder(index)
    expected = (f"Error: the index {index} is being updated by process {holder.pid}; "
                "try again when it has finished")

    for args in (["index", "--index", index, pages], ["reindex", "--index", index]):
        proc = _run(*args)
        assert proc.returncode == 1 and _one_line_error(proc.stderr) == expected, args
    assert _total(index, "marker003") == 0  # nothing was written
    assert _total(index, "marker001") == 1  # and readers are not blocked

    # A lock that looks stale (an old file naming a process that is gone) is still held: the kernel's
    # lock decides, not the file's age or content.
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    lock = index / LOCK_FILE
    lock.write_text(f"{gone.pid}\n")
    os.utime(lock, (time.time() - 86_400, time.time() - 86_400))
    for _ in range(3):
        result = cli("index", "--index", index, pages)
        assert result.exit_code == 1 and "is being updated by process" in result.stderr
    assert holder.poll() is None and _total(index, "marker003") == 0

    holder.communicate(timeout=10)  # closes its stdin: it lets go
    assert holder.returncode == 0
    assert cli("index", "--index", index, pages).exit_code == 0
    assert _total(index, "marker003") == 1


def test_a_lock_left_by_a_killed_writer_is_recovered(tmp_path, lock_holder):
    index = tmp_path / "idx"
    pages = _write(tmp_path / "pages", range(3))
    holder = lock_holder(index)
    holder.kill()  # SIGKILL: no cleanup runs
    assert holder.wait(timeout=10) == -9
    assert (index / LOCK_FILE).read_text().strip() == str(holder.pid)  # the file is left behind

    proc = _run("index", "--index", index, pages)
    assert proc.returncode == 0, proc.stderr
    assert "3 added" in proc.stdout and _total(index, "marker002") == 1


# -- concurrent use ---------------------------------------------------------------------------------------------
STORE_WRITER = """
import sys, time
from pathlib import Path
from corpus import normalise
from corpus.store.documents import Store

store = Store.open(Path(sys.argv[1]))
with store.transaction():
    for page in sorted(Path(sys.argv[2]).glob("*.html")):
        store.put(normalise(page.read_bytes()))
    print("writing", flush=True)
    time.sleep(1.0)  # the write transaction stays open while the test searches
store.close()
"""


def _search_while(proc: subprocess.Popen, index: Path, expected: dict[str, set[int]],
                  cli: Cli) -> tuple[int, str]:
    """Search `index` in a loop until `proc` ends; every count must be one of `expected[query]`.
    Returns how many rounds ran, and what `proc` printed."""
    try:
        rounds = _search_loop(proc, index, expected, cli)
    finally:
        if proc.poll() is None:
            proc.kill()
        out, _err = proc.communicate()
    return rounds, out or ""


def _search_loop(proc: subprocess.Popen, index: Path, expected: dict[str, set[int]], cli: Cli) -> int:
    rounds = 0
    while True:
        running = proc.poll() is None
        for text, allowed in expected.items():
            if rounds % 4 == 3:  # now and then through the command line, as a user would
                result = cli("search", "--index", index, "--json", "--limit", "2", text)
                assert result.exit_code == 0, result.stderr
                total = json.loads(result.stdout)["total"]
            else:
                total = _total(index, text)
            assert total in allowed, (text, total, allowed)
        rounds += 1
        if not running:
            return rounds


def test_searches_see_the_old_or_the_new_state_while_the_index_changes(cli, tmp_path):
    index = tmp_path / "idx"
    pages = _write(tmp_path / "pages", range(30))
    assert cli("index", "--index", index, pages).exit_code == 0
    assert (_total(index, "harbour"), _total(index, "redrawn")) == (30, 0)

    # (a) `polsearch index` adds 20 pages and updates 5 (now saying "redrawn").
    _write(pages, range(30, 50))
    _write(pages, range(5), extra="A later note: the harbour plan was redrawn after publication.")
    proc = _spawn("index", "--index", index, pages)
    rounds, out = _search_while(proc, index, {"harbour": {30, 50}, "redrawn": {0, 5}}, cli)
    assert proc.returncode == 0 and "20 added, 5 updated" in out, out
    assert rounds >= 3 and (_total(index, "harbour"), _total(index, "redrawn")) == (50, 5)

    # (b) `polsearch reindex` builds a new generation and swaps it in.
    proc = _spawn("reindex", "--index", index)
    rounds, _out = _search_while(proc, index, {"harbour": {50}, "redrawn": {5}}, cli)
    assert proc.returncode == 0 and rounds >= 3

    # (c) a direct store write holds a write transaction open; the index learns of it at the next sync.
    direct = _write(tmp_path / "direct", range(50, 60))
    writer = subprocess.Popen([sys.executable, "-c", STORE_WRITER, str(index), str(direct)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    rounds, _out = _search_while(writer, index, {"harbour": {50}}, cli)
    assert writer.returncode == 0 and rounds >= 3
    proc = _spawn("index", "--index", index, pages)
    _search_while(proc, index, {"harbour": {50, 60}, "redrawn": {5}}, cli)
    assert proc.returncode == 0 and _total(index, "harbour") == 60


# -- hostile pages -------------------------------------------------------------------------------------------------
def test_a_huge_page_is_skipped_with_a_reason_in_bounded_time(cli, tmp_path):
    from corpus.extract.pipeline import MAX_PAGE_BYTES

    pages = _write(tmp_path / "pages", [1])
    paragraph = "<p>" + "A paragraph of a page far too large to be a commentary. " * 20 + "</p>\n"
    body = paragraph * (30 * 1024 * 1024 // len(paragraph))
    (pages / "huge.html").write_text(f"<!doctype html><html><head><title>Huge</title></head><body><h1>Huge"
                                     f"</h1>{body}</body></html>")
    assert (pages / "huge.html").stat().st_size > MAX_PAGE_BYTES
    started = time.monotonic()
    result = cli("index", "--index", tmp_path / "idx", pages, "--json")
    assert time.monotonic() - started < 30
    report = json.loads(result.stdout)
    assert (report["added"], report["skipped"], report["failed"]) == (1, 1, 0) and result.exit_code == 0
    assert report["skips"][0]["source"].endswith("huge.html")
    assert report["skips"][0]["reason"] == f"page too large (30 MB; the limit is {MAX_PAGE_BYTES >> 20} MB)"


def test_deeply_nested_markup_is_handled_without_recursion_errors(cli, tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    text = "<p>" + "The nested harbour treaty was discussed at length by the envoys. " * 8 + "</p>"
    depth = 100_000
    shapes = {
        "closed-divs": "<div>" * depth + text + "</div>" * depth,
        "unclosed-divs": "<div>" * depth + text,
        "inline": text + "<b><i>" * depth + "deep" + "</i></b>" * depth,
        "tables": "<table><tr><td>" * (depth // 3) + text,
        "lists": text + "<ul><li>" * (depth // 2) + text,
    }
    for name, inner in shapes.items():
        (pages / f"{name}.html").write_text(f"<!doctype html><html><head><title>Nested {name}</title></head>"
                                            f"<body><article><h1>Nested {name}</h1>{text}{inner}</article>"
                                            f"</body></html>")
    started = time.monotonic()
    result = cli("index", "--index", tmp_path / "idx", pages, "--json")
    assert time.monotonic() - started < 60
    report = json.loads(result.stdout)
    assert report["failed"] == 0 and report["added"] + report["skipped"] == len(shapes), report
    assert "Recursion" not in result.stdout + result.stderr and result.exit_code == 0
    for name in shapes:
        shown = cli("normalise", pages / f"{name}.html", "--json")
        assert shown.exit_code == 0 or _one_line_error(shown.stderr).startswith("Error: skipped:")


def gzip_bomb(size: int) -> bytes:
    """A valid gzip file of an HTML page `size` bytes long (mostly spaces), about a thousandth of that
    compressed. Built without compressing `size` bytes: after a full flush the deflate stream does not
    refer back, so the block for one megabyte can be repeated."""
    head = b"<!doctype html><html><head><title>A bomb</title></head><body><article><h1>A bomb</h1><p>"
    chunk = b" " * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    count = size // len(chunk)
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    length = len(head) + count * len(chunk)
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + first + block * count + deflate.flush()
            + struct.pack("<II", crc, length & 0xFFFFFFFF))


# Runs `polsearch ARGS` and reports the process's peak memory on stderr.
# The peak of the polsearch process itself: VmHWM starts afresh at exec, where ru_maxrss keeps the high-water
# mark of the (large) pytest process it was forked from.
MEASURED = """
import atexit, sys
def _peak():
    with open("/proc/self/status") as fh:
        hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    print(f"maxrss-kb={hwm}", file=sys.stderr)
atexit.register(_peak)
from search.cli import main
main(sys.argv[1:], prog_name="polsearch")
"""


def _measured(*args: object) -> tuple[subprocess.CompletedProcess, int]:
    proc = subprocess.run([sys.executable, "-c", MEASURED, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    peak = int(re.search(r"maxrss-kb=(\d+)", proc.stderr).group(1))
    return proc, peak


def test_an_http_gzip_bomb_is_never_unpacked_whole(tmp_path):
    bomb = gzip_bomb(1 << 30)  # 1 GiB once unpacked
    assert len(bomb) < 2 * 1024 * 1024
    archive, index = tmp_path / "arch", tmp_path / "idx"
    with MiniSite() as site:
        bombed = dict(content_type="text/html; charset=utf-8", headers={"Content-Encoding": "gzip"},
                      etag=False, modified=None)
        site.resources["/commentary/a1"] = Resource(bomb, **bombed)  # a page
        site.resources["/bombs/"] = Resource(bomb, **bombed)  # a seed, unpacked to look for links
        started = time.monotonic()
        proc, peak = _measured("scrape", site.url("/commentary/"), site.url("/bombs/"), "--archive", archive,
                               "--delay", "0", "--timeout", "2", "--retries", "0", "--max-size", "2M",
                               "--exclude", "*/slow", "--exclude", "*/huge", "--json")
        assert "Traceback" not in proc.stderr and proc.returncode == 0, proc.stderr
        assert time.monotonic() - started < 30 and peak < 400 * 1024, peak  # far below 1 GiB
        assert "/commentary/a1" in site.paths() and "/bombs/" in site.paths()

    started = time.monotonic()
    proc, peak = _measured("index", "--index", index, archive, "--json")
    assert time.monotonic() - started < 30 and peak < 400 * 1024, peak
    report = json.loads(proc.stdout)
    bombs = [s["reason"] for s in report["skips"] if "/commentary/a1)" in s["source"]]
    assert bombs == ["larger than 16 MB once decoded"], report["skips"]
    assert report["added"] >= 7 and report["failed"] == 0  # the other articles are indexed


# -- control characters in what is shown ------------------------------------------------------------------------
ESC = "\x1b"
CONTROLS = ("\x1b", "\r", "\b", "\x07", "\x9b", "\x00", "\x7f")


def _hostile_page() -> str:
    return (f"<!doctype html><html lang='en'><head><title>Evil{ESC}[31mRed{ESC}[0m | Test Institute</title>"
            f"<meta property='og:site_name' content='Evil{ESC}[5mSite'>"
            f"<meta name='author' content='Eve Ad\b\bams'>"
            f"<link rel='canonical' href='https://evil.example/a'></head><body><article>"
            f"<h1>Evil{ESC}[31mRed{ESC}[0m hostilemarker headline</h1>"
            f"<p>The body has an escape {ESC}[2J that clears the screen, a carriage\rreturn and back\b\bspaces; "
            f"hostilemarker words about the debt question and policy in the region for some time.</p>"
            f"<p>Another paragraph with an OSC {ESC}]0;pwned\x07 title change and more hostilemarker words "
            f"about the debt question.</p></article></body></html>")


def test_control_characters_never_reach_the_terminal_and_json_escapes_them(cli, tmp_path):
    index, pages = tmp_path / "idx", tmp_path / "pages"
    pages.mkdir()
    (pages / "evil.html").write_text(_hostile_page())
    assert cli("index", "--index", index, pages).exit_code == 0
    # Fields the HTML normaliser cleans anyway come in as a ready-made Document.
    raw = Document(id="feedfacefeedface", url="https://evil.example/b\x1b[2J",
                   title="Second\r\x1b[1A hostilemarker title\x9b31m", source="Bad\x07Source",
                   authors=("Mal\x1b]0;x\x07lory Jones", "Ro\bot"), date="2020-01-02",
                   body="First hostilemarker paragraph with \x1b[31mred\x1b[0m and a\rreturn.\n\n"
                        "Second paragraph \x00 with a NUL, a DEL\x7f and a C1 CSI \x9b2J hostilemarker.",
                   summary="Sum\x1b[2Jmary", tags=("t\x1bag",), fetched_at="2024-01-01T00:00:00+00:00",
                   provenance={"kind": "file", "path": "/tmp/evil\x1b[2J.html"})
    ingest_documents(index, [raw])
    hit_id = json.loads(cli("search", "--index", index, "--json", "hostilemarker headline").stdout)["hits"][0]["id"]

    for args in (["search", "hostilemarker"], ["search", "--kwic", "hostilemarker"],
                 ["search", "--explain", "--copies", "hostilemarker"], ["show", hit_id],
                 ["show", "feedfacefeedface", "--versions"], ["stats"]):
        result = cli(*args[:1], "--index", index, *args[1:])
        assert result.exit_code == 0, (args, result.stderr)
        assert not set(result.stdout) & set(CONTROLS), (args, result.stdout)
        assert "hostilemarker" in result.stdout or args[0] == "stats"
    result = cli("normalise", pages / "evil.html")
    assert result.exit_code == 0 and not set(result.stdout) & set(CONTROLS)

    for args in (["search", "hostilemarker"], ["search", "--kwic", "hostilemarker"],
                 ["show", "feedfacefeedface"]):
        result = cli(*args[:1], "--index", index, "--json", *args[1:])
        assert not set(result.stdout) & set(CONTROLS), (args, result.stdout)
        data = json.loads(result.stdout)
        if args[0] == "show":  # the text comes back exactly
            assert (data["title"], data["body"], data["authors"]) == (raw.title, raw.body, list(raw.authors))
        elif "--kwic" not in args:
            titles = {hit["title"] for hit in data["hits"]}
            assert raw.title in titles and f"Evil{ESC}[31mRed{ESC}[0m hostilemarker headline" in titles


# -- adversarial queries ----------------------------------------------------------------------------------------
NASTY_QUERIES = [
    "(", ")", "((debt)", "debt)", '"', '"debt', 'a"b"c"', "'", "w/0", "debt w/0 policy", "debt pre/-1 policy",
    "debt w/ policy", "pre/3", "debt w/99999999999999999999 policy", "date:..", "date:", "date:2010..2005",
    "date:99999", "date:>=", "date:<", "year:abc", "title:", "author:", "title:()", "title:(", "title:title:a",
    "x" * 10_000, " ".join(["debt"] * 5000), "***", "*", "?", "a*", "a~9", "debt~9", "~", "debt~-1",
    "\x00", "debt\x00policy", '"debt policy"~0', '"debt policy"~-1', '"debt policy"~', "NOT", "AND", "OR",
    "debt AND", "OR debt", "NOT NOT debt", "-", "--", "-debt", "()", "(())", '""', "exact:", "exact:de*",
    "\u202e", "\U0001d54f", "a:b:c", ":", "date:2010..2012..2014", "debt w/s", "w/p debt",
    '"debt" w/5 "policy"', "(debt OR treaty) w/5 (policy OR pol*)", "de* w/5 po*", "a" * 300 + "*",
    "*" * 500, "(" * 2000 + "debt" + ")" * 2000, "(" * 5000, '"' * 1001, "NOT " * 3000 + "debt",
    " OR ".join(["debt"] * 3000), "-" * 3000 + "debt", "debt w/5 " * 2000 + "policy", "\\", '\\"',
    "$(rm -rf /)", "%s%n{0}", "tag:*", 'source:"', "date:2010-02-30", "date:>2015..2016",
    "\x1b[2J debt", "debt\r\nOR\tpolicy", "title:(" * 100 + "debt" + ")" * 100,
]
QUERY_PIECES = ['"', "(", ")", "*", "?", "~", "~2", ":", "-", "+", "..", "w/", "w/0", "w/5", "pre/-1", "pre/3",
                "w/s", "w/p", "AND", "OR", "NOT", "&&", "||", "date:", "title:", "author:", "exact:", "entity:",
                "year:", "2010", "2010..2012", ">=", "<", "debt", "policy", "de*", "a~9", "\x00", "\x1b[2J",
                "é", "日本", "'", "\\"]
QUERIES = st.one_of(st.text(max_size=80),
                    st.lists(st.sampled_from(QUERY_PIECES), max_size=24).map(" ".join),
                    st.lists(st.sampled_from(QUERY_PIECES), max_size=24).map("".join))
FLAGS = st.sampled_from([(), ("--json",), ("--kwic",), ("--explain",), ("--match", "any"), ("--sort", "-date"),
                         ("--limit", "0"), ("--copies",)])


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("queries")
    pages = _write(base / "pages", range(6),
                   extra="The debt policy of the ministry was debated, and policies on debts changed.")
    assert Cli()("index", "--index", base / "idx", pages).exit_code == 0
    return base / "idx"


def _answered(cli: Cli, index: Path, text: str, flags=()) -> None:
    result = cli("search", "--index", index, *flags, "--", text)
    assert result.exit_code in (0, 1), (text, result.exit_code, result.stderr)
    if result.exit_code == 1:
        _one_line_error(result.stderr)  # which echoes the query, cleaned of control characters
    else:
        assert "Traceback" not in result.stderr
    assert not set(result.stdout + result.stderr) & set(CONTROLS), (text, result.stdout, result.stderr)


@pytest.mark.parametrize("text", NASTY_QUERIES, ids=range(len(NASTY_QUERIES)))
def test_nasty_queries_answer_or_fail_in_one_line(small_index, text):
    _answered(Cli(), small_index, text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=QUERIES, flags=FLAGS)
def test_random_queries_answer_or_fail_in_one_line(small_index, text, flags):
    _answered(Cli(), small_index, text, flags)


def test_oversized_queries_fail_in_one_line_as_real_processes(small_index):
    for text in ("(" * 2000 + "debt" + ")" * 2000, " ".join(["debt"] * 5000)):
        proc = _run("search", "--index", small_index, "--", text)
        assert proc.returncode == 1 and len(_one_line_error(proc.stderr)) < 400


def test_a_wildcard_matching_thousands_of_words_is_capped_to_the_most_frequent(tmp_path):
    def letters(n: int) -> str:
        out = ""
        for _ in range(3):
            n, r = divmod(n, 26)
            out = chr(97 + r) + out
        return out

    rare = [f"ab{letters(n)}x" for n in range(3000)]  # abaaax, abaabx, ...: in one document each
    docs = [Document(id=f"{i:016x}", url=f"https://cap.example/{i}", title=f"Document {i}",
                     body=" ".join(rare[i * 100:(i + 1) * 100]) + " filler text")
            for i in range(30)]
    # The most frequent word starts with "ab" too, but comes after all the rare ones in the alphabet.
    docs += [Document(id=f"{i:016x}", url=f"https://cap.example/{i}", title=f"Common {i}",
                      body="The abzzzz word in every one of these documents, and a frequent marker.")
             for i in range(100, 110)]
    index = tmp_path / "idx"
    ingest_documents(index, docs)
    cli = Cli()
    started = time.monotonic()
    result = cli("search", "--index", index, "--json", "ab*")
    assert time.monotonic() - started < 10 and result.exit_code == 0
    found = json.loads(result.stdout)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    cap = query_compile.MAX_EXPANSIONS
    assert warnings == [f"warning: ab* matches 3,001 words in the body; only the {cap:,} most frequent are "
                        "searched"]
    assert found["total"] >= 10
    # The frequent word is among those searched (a cut at the first 2,000 in the alphabet would drop it).
    assert cli.json("search", "--index", index, "ab* AND frequent")["total"] == 10


# -- files around the index -------------------------------------------------------------------------------------
def _snapshot(root: Path, skip: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(folder, d) not in skip]
        for name in files:
            st_ = os.lstat(Path(folder, name))
            found[os.path.join(folder, name)] = (st_.st_size, st_.st_mtime_ns)
    return found


def test_symlinks_out_of_the_folder_are_not_followed_and_nothing_is_written_outside_the_index(cli, tmp_path):
    pages, outside, tmp = tmp_path / "pages", tmp_path / "outside", tmp_path / "tmp"
    _write(pages, [1])
    _write(outside / "sub", [2, 3])
    tmp.mkdir()
    (pages / "linked.html").symlink_to(outside / "sub" / "c002.html")
    (pages / "linked-folder").symlink_to(outside / "sub", target_is_directory=True)
    (pages / "dangling.html").symlink_to(outside / "nothing.html")
    (pages / "loop").symlink_to(pages, target_is_directory=True)  # followed, walked 40 levels deep
    index, followed = tmp_path / "idx", tmp_path / "idx-followed"
    before = _snapshot(tmp_path, skip=(index, followed))

    proc = _run("index", "--index", index, pages, "--json", env={**os.environ, "TMPDIR": str(tmp)})
    report = json.loads(proc.stdout)
    assert proc.returncode == 0 and (report["added"], report["failed"]) == (1, 0), proc.stderr
    assert _total(index, "marker001") == 1 and _total(index, "marker002 OR marker003") == 0
    result = cli("index", "--index", followed, pages, "--follow-symlinks", "--json")
    report = json.loads(result.stdout)
    # c001, and c002 and c003 through the links (c002 twice: linked.html and linked-folder/c002.html);
    # the folder a loop leads back to is not walked again; the dangling link is a failure when followed
    assert (report["added"], report["unchanged"], report["failed"]) == (3, 1, 1), report
    assert report["errors"][0]["source"].endswith("dangling.html")

    assert _snapshot(tmp_path, skip=(index, followed)) == before
    assert not list(tmp.iterdir())


# -- a full disk and a read-only folder -------------------------------------------------------------------------
# Runs inside a private mount namespace (unshare): a small tmpfs holds the index. Each step's exit code,
# stdout and stderr go to files in OUT, outside the tmpfs.
TMPFS_SCRIPT = r"""
set -u
M=$1; OUT=$2; SMALL=$3; MORE=$4; LATE=$5; PY=$6
mount -t tmpfs -o size=16m tmpfs "$M" || exit 99
step() { name=$1; shift; "$PY" -m search.cli "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"; echo $? >"$OUT/$name.rc"; }
fill() { free=$(df -k --output=avail "$M" | tail -1); head -c $(( (free - $1) * 1024 )) /dev/zero >"$M/filler"; }
step first index --index "$M/idx" "$SMALL"
fill 8       # no room to open the store (its shared-memory file)
step store_open_full index --index "$M/idx" "$MORE"
rm "$M/filler"; fill 80      # room to open the store, not to store the pages
step store_full index --index "$M/idx" "$MORE"
step after_store_full search --index "$M/idx" --json fillword
rm "$M/filler"; fill 400      # room for the store, not for the search index
step index_full index --index "$M/idx" "$MORE"
step after_index_full search --index "$M/idx" --json fillword
rm "$M/filler"
step recovered index --index "$M/idx" "$MORE"
step after_recovery search --index "$M/idx" --json fillword
mount -o remount,ro "$M" || exit 98
step read_only index --index "$M/idx" "$LATE"
step read_only_reindex reindex --index "$M/idx"
step read_only_search search --index "$M/idx" --json fillword
"""


def _random_pages(folder: Path, numbers) -> Path:
    """Pages of many distinct words (a search index much larger than the store)."""
    folder.mkdir(parents=True)
    for i in numbers:
        rnd = random.Random(i)
        words = " ".join("".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(4, 10)))
                         for _ in range(150))
        (folder / f"p{i}.html").write_text(make_page(f"Page number {i}", [f"Common fillword text {i}.", words],
                                                     url=f"https://full.example/p/{i}", date="2020-01-02"))
    return folder


class Steps:
    def __init__(self, out: Path) -> None:
        self.out = out

    def rc(self, name: str) -> int:
        return int((self.out / f"{name}.rc").read_text())

    def err(self, name: str) -> str:
        return (self.out / f"{name}.err").read_text()

    def total(self, name: str) -> int:
        assert self.rc(name) == 0, self.err(name)
        return json.loads((self.out / f"{name}.out").read_text())["total"]


@pytest.fixture(scope="module")
def tmpfs_run(tmp_path_factory) -> Steps:
    if not shutil.which("unshare"):
        pytest.skip("needs unshare(1) to mount a small file system")
    base = tmp_path_factory.mktemp("tmpfs")
    mount, out = base / "mnt", base / "out"
    mount.mkdir()
    out.mkdir()
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {mount}"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a private namespace: {probe.stderr.strip()}")
    script = base / "run.sh"
    script.write_text(TMPFS_SCRIPT)
    small, more, late = (_random_pages(base / name, numbers) for name, numbers in
                         (("small", range(3)), ("more", range(100, 120)), ("late", range(200, 202))))
    proc = subprocess.run(["unshare", "-rm", "sh", str(script), str(mount), str(out), str(small), str(more),
                           str(late), sys.executable], cwd=ROOT, capture_output=True, text=True, timeout=240)
    if proc.returncode == 99:
        pytest.skip("cannot mount a tmpfs in a private namespace")
    assert proc.returncode == 0, proc.stderr
    return Steps(out)


def test_a_full_disk_is_a_one_line_error_and_the_index_stays_usable(tmpfs_run):
    steps = tmpfs_run
    assert steps.rc("first") == 0 and steps.total("after_recovery") == 23
    for name, what in (("store_open_full", "cannot open the document store"),
                       ("store_full", "cannot write to the document store"),
                       ("index_full", "cannot write the search index")):
        assert steps.rc(name) == 1 and what in _one_line_error(steps.err(name)), name
        assert "space" in steps.err(name) or "full" in steps.err(name)
    assert steps.total("after_store_full") == 3 and steps.total("after_index_full") == 3
    assert steps.rc("recovered") == 0 and "Traceback" not in steps.err("recovered")


def test_a_read_only_index_folder_is_a_one_line_error_and_stays_searchable(tmpfs_run):
    steps = tmpfs_run
    for name in ("read_only", "read_only_reindex"):
        message = _one_line_error(steps.err(name))
        assert steps.rc(name) == 1 and "cannot write to the index folder" in message and "Read-only" in message
    assert steps.total("read_only_search") == 23


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions (the tmpfs test covers it)")
def test_an_unwritable_index_folder_is_a_one_line_error(cli, tmp_path):
    index = tmp_path / "idx"
    assert cli("index", "--index", index, _write(tmp_path / "pages", range(2))).exit_code == 0
    late = _write(tmp_path / "late", [5])
    modes = {p: p.stat().st_mode for p in [index, *index.rglob("*")]}
    try:
        for path in modes:
            path.chmod(modes[path] & ~0o222)
        result = cli("index", "--index", index, late)
        assert result.exit_code == 1 and "cannot write to the index folder" in _one_line_error(result.stderr)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert _total(index, "marker001") == 1 and _total(index, "marker005") == 0


# -- scraper scope ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,<p>hi</p>",
                                 "mailto:someone@example.org", "ftp://127.0.0.1/commentary/"])
def test_only_http_and_https_seeds_are_accepted(cli, tmp_path, url):
    result = cli("scrape", url, "--archive", tmp_path / "arch")
    assert result.exit_code == 2 and "not an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "arch").exists()

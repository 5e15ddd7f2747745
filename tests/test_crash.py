"""Crash safety: `polsearch index`, `reindex` and `scrape` killed with SIGKILL at seeded random points.

Each case starts a real `polsearch` process (tests/crashrun.py) that kills itself at one point of its
run: inside a store transaction, just before or after a store commit, in the middle of writing a Whoosh
segment, at Whoosh's commit point, halfway through a WARC record, or simply after a random delay. The
points are drawn from a fixed seed over the counts of a full run measured first, so every case is
reproducible and every kind of point is hit. After each kill:

- the index opens and searches work;
- every document committed to the search index before the kill is found (the store's `seq` that the
  index reports having reached);
- the next run completes, with the right counts, and leaves the store and the search index agreeing:
  every document exactly once, none lost, none duplicated, the changed ones in their new version.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus.store.documents import Store
from indexer.index import IndexFolder, open_reader

from .conftest import ROOT, make_page

DRIVER = [sys.executable, str(ROOT / "tests" / "crashrun.py")]
WORDS = ("harbour treaty tariff coalition budget reform ministry envoy summit border trade energy climate "
         "security alliance grain port fishery pension inflation").split()
BASELINE, TOTAL, REVISED = 40, 60, range(35, 40)
INDEX_POINTS = ("store-put", "store-commit", "store-committed", "whoosh-write", "whoosh-close",
                "whoosh-toc", "time")
REINDEX_POINTS = ("store-commit", "whoosh-write", "whoosh-close", "whoosh-toc", "time")
SCRAPE_POINTS = ("warc-write", "archive-commit", "time")
INDEX_CASES, REINDEX_CASES, SCRAPE_CASES = 30, 10, 9


def _page(i: int, revised: bool = False) -> str:
    rnd = random.Random(i)
    paragraphs = [" ".join(rnd.choice(WORDS) for _ in range(45)).capitalize() + f" marker{i:03d}."
                  for _ in range(4)]
    if revised:
        paragraphs.append(f"A later note: this commentary was revised{i:03d} after publication.")
    return make_page(f"Commentary {i} on the {rnd.choice(WORDS)} question", paragraphs,
                     date=f"2021-05-{i % 28 + 1:02d}", author="Ann Lee",
                     url=f"https://institute.example/commentary/{i}")


def _write_pages(folder: Path, count: int, revised=()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"p{i:03d}.html").write_text(_page(i, i in revised), encoding="utf-8")


def _run(spec: str, *args, delay: float | None = None) -> subprocess.CompletedProcess:
    """Run `polsearch ARGS` through the crash driver; with `delay`, SIGKILL it after that many seconds."""
    proc = subprocess.Popen([*DRIVER, spec, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if delay is not None:
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _plan(kinds: tuple[str, ...], cases: int, counts: dict[str, int], seconds: float, seed: int):
    """Seeded crash points: the kinds in turn, each at a random place over the measured full run."""
    rnd = random.Random(seed)
    plan = []
    for case in range(cases):
        kind = kinds[case % len(kinds)]
        if kind == "time":
            plan.append((kind, round(rnd.uniform(0.05, seconds), 3)))
        else:
            plan.append((kind, rnd.randint(1, counts[kind])))
    return plan


def _searchable(cli, index: Path, query: str = "commentary") -> list[str]:
    result = cli("search", "--index", index, query, "--limit", "1000", "--json")
    assert result.exit_code == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


def _committed(index: Path) -> dict[str, int]:
    """The documents the search index says it holds: those in the store up to its synced `seq`."""
    with Store.open(index, readonly=True) as store:
        synced = int(store.get_state("index_synced_seq", "0"))
        return {doc.id: seq for seq, doc in store.iter_documents(0, synced)}


def _assert_agree(index: Path, total: int) -> None:
    """The store and the search index hold the same documents, each exactly once, in the same version."""
    with open_reader(IndexFolder(index)) as reader:
        assert reader.store.seq == int(reader.store.get_state("index_synced_seq"))
        stored = {doc.id for _seq, doc in reader.store.iter_documents()}
        assert len(stored) == total
        searcher = reader.searcher
        assert searcher.doc_count() == total  # deleted entries are not counted; duplicates would be
        for doc_id in stored:
            assert len(list(searcher.document_numbers(id=doc_id))) == 1, doc_id


def _generations(index: Path) -> list[str]:
    return sorted(p.name for p in (index / "whoosh").iterdir() if p.is_dir())


# -- index -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index_run(tmp_path_factory):
    """A baseline index of 40 pages, and the pages of the next run: 20 new, 5 revised. The next run is
    measured once, unkilled, for its counts of each crash point and its length."""
    root = tmp_path_factory.mktemp("crash-index")
    pages = root / "pages"  # one folder, as an archivist's collection grows in place
    _write_pages(pages, BASELINE)
    baseline = root / "baseline"
    assert _run("none:0", "index", "--index", baseline, pages, "--jobs", "1").returncode == 0
    _write_pages(pages, TOTAL, revised=REVISED)
    probe = root / "probe"
    shutil.copytree(baseline, probe)
    started = time.monotonic()
    done = _run("count:" + str(root / "counts.json"), "index", "--index", probe, pages, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    return root, json.loads((root / "counts.json").read_text()), time.monotonic() - started


def _index_plan():
    return list(range(INDEX_CASES))


@pytest.mark.parametrize("case", _index_plan())
def test_index_killed_at_a_seeded_point_loses_and_duplicates_nothing(cli, index_run, tmp_path, case):
    root, counts, seconds = index_run
    kind, where = _plan(INDEX_POINTS, INDEX_CASES, counts, seconds, seed=20261128)[case]
    index = tmp_path / "idx"
    shutil.copytree(root / "baseline", index)
    before = set(_searchable(cli, index))
    assert len(before) == BASELINE

    if kind == "time":
        killed = _run("none:0", "index", "--index", index, root / "pages", "--jobs", "2", delay=where)
    else:
        killed = _run(f"{kind}:{where}", "index", "--index", index, root / "pages", "--jobs", "1")
    assert "Traceback" not in killed.stderr
    if kind != "time":
        assert killed.returncode == -signal.SIGKILL, (kind, where, killed.stderr)

    # Straight after the kill: the index opens, and everything committed before it is found.
    found = set(_searchable(cli, index))
    assert before <= found
    assert set(_committed(index)) <= found

    result = cli("index", "--index", index, root / "pages", "--jobs", "1", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == report["skipped"] == 0
    assert report["added"] + report["updated"] + report["unchanged"] == TOTAL
    _assert_agree(index, TOTAL)
    assert len(set(_searchable(cli, index))) == TOTAL
    revised = _searchable(cli, index, "revised*")
    assert len(revised) == len(REVISED)
    again = cli.json("index", "--index", index, root / "pages", "--jobs", "1")
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, TOTAL)


# -- reindex ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reindex_run(index_run):
    root, _counts, _seconds = index_run
    full = root / "full"
    if not full.exists():
        assert _run("none:0", "index", "--index", full, root / "pages", "--jobs", "1").returncode == 0
    probe = root / "reindex-probe"
    shutil.copytree(full, probe)
    started = time.monotonic()
    assert _run("count:" + str(root / "reindex.json"), "reindex", "--index", probe).returncode == 0
    return full, json.loads((root / "reindex.json").read_text()), time.monotonic() - started


@pytest.mark.parametrize("case", range(REINDEX_CASES))
def test_reindex_killed_keeps_the_old_index_serving(cli, reindex_run, tmp_path, case):
    full, counts, seconds = reindex_run
    kind, where = _plan(REINDEX_POINTS, REINDEX_CASES, counts, seconds, seed=1128)[case]
    index = tmp_path / "idx"
    shutil.copytree(full, index)
    before = _searchable(cli, index, "harbour treaty")
    generations = _generations(index)

    killed = _run(f"{kind}:{where}" if kind != "time" else "none:0", "reindex", "--index", index,
                  delay=where if kind == "time" else None)
    assert "Traceback" not in killed.stderr
    # The old generation serves until the new one is complete and named in the store: the same answers.
    assert _searchable(cli, index, "harbour treaty") == before
    _assert_agree(index, TOTAL)

    result = cli("reindex", "--index", index)
    assert result.exit_code == 0, result.stderr
    assert _searchable(cli, index, "harbour treaty") == before
    _assert_agree(index, TOTAL)
    # What the killed rebuild left half-written is gone: the new generation and the one before it only.
    assert len(_generations(index)) <= 2 and not set(_generations(index)) - set(generations) - \
        {_current_generation(index)}


def _current_generation(index: Path) -> str:
    with Store.open(index, readonly=True) as store:
        return store.get_state("index_generation")


# -- scrape ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scrape_run(tmp_path_factory):
    from .mockserver import MiniSite

    root = tmp_path_factory.mktemp("crash-scrape")
    with MiniSite(articles=16, per_page=8) as site:
        started = time.monotonic()
        done = _run("count:" + str(root / "counts.json"), *_scrape_args(site, root / "probe"))
        assert done.returncode == 0, done.stderr
        yield root, json.loads((root / "counts.json").read_text()), time.monotonic() - started


def _scrape_args(site, archive: Path) -> list[str]:
    return ["scrape", site.url("/commentary/"), "--archive", str(archive), "--delay", "0.01",
            "--timeout", "0.4", "--retries", "1", "--max-size", "100K", "--exclude", "*/slow",
            "--exclude", "*/huge", "--exclude", "*/flaky"]


@pytest.mark.parametrize("case", range(SCRAPE_CASES))
def test_scrape_killed_resumes_without_refetching_and_its_warcs_stay_readable(cli, scrape_run, tmp_path,
                                                                              case):
    from warcio.archiveiterator import ArchiveIterator

    from .mockserver import MiniSite
    from .test_scrape import state

    _root, counts, seconds = scrape_run
    kind, where = _plan(SCRAPE_POINTS, SCRAPE_CASES, counts, seconds, seed=2811)[case]
    archive = tmp_path / "arch"
    with MiniSite(articles=16, per_page=8) as site:
        killed = _run(f"{kind}:{where}" if kind != "time" else "none:0", *_scrape_args(site, archive),
                      delay=where if kind == "time" else None)
        assert "Traceback" not in killed.stderr
        done_before = {u for (u,) in state(archive, "SELECT url FROM queue WHERE done = 1")} \
            if (archive / "scrape.sqlite").exists() else set()
        fetched_before = len(site.fetched())

        resumed = cli(*_scrape_args(site, archive), "--json")
        assert resumed.exit_code == 0, resumed.stderr
        assert json.loads(resumed.stdout)["complete"] is True
        refetched = {site.url(r.path) for r in site.fetched()[fetched_before:]}
        assert not refetched & done_before  # nothing finished before the kill is fetched again

    responses = []
    for path in sorted(archive.glob("*.warc.gz")):  # every file reads to its end: a torn tail was cut off
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
                if record.rec_type == "response":
                    responses.append(record.rec_headers.get_header("WARC-Target-URI"))
    articles = [u for u in responses if re.search(r"/commentary/a\d+$", u)]
    assert sorted(set(articles)) == sorted(site.url(f"/commentary/a{i}") for i in range(1, 17))
    assert len(articles) == len(set(articles))  # each captured once: nothing duplicated

    index = tmp_path / "idx"
    report = cli.json("index", "--index", index, archive, "--jobs", "1")
    assert report["added"] >= 16 and report["failed"] == 0

"""A sharded index on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started here and ended by PID. Ingest and search there answer as on one machine; the faults
(a worker killed mid-ingest, a shard's worker gone at search time, no scheduler, two ingests at once)
lose nothing and say what happened."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the cluster tests need Dask: pip install 'polsearch[cluster]'")

from indexer import shards  # noqa: E402
from indexer.index import IndexFolder  # noqa: E402

from .conftest import ROOT, SAMPLES  # noqa: E402
from .daskcluster import Cluster, free_port, real_pages  # noqa: E402
from .test_shards import _corpus, _groups  # noqa: E402

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    running = Cluster(tmp_path_factory.mktemp("cluster-logs"))
    yield running
    running.stop()


@pytest.fixture
def own_cluster(tmp_path):
    """A cluster of its own, for a test that kills one of its workers."""
    (tmp_path / "logs").mkdir()
    running = Cluster(tmp_path / "logs")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return _corpus(tmp_path_factory.mktemp("cluster-pages") / "pages", 40)


def _polsearch(*args, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "polsearch"), *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def _ids_by_shard(index: Path) -> dict[int, list[str]]:
    layout = shards.load(index)
    found = {}
    for k, path in enumerate(layout.shard_paths()):
        with IndexFolder(path).open_store(readonly=True) as store:
            found[k] = [d.id for _seq, d in store.iter_documents()]
    return found


def test_ingest_and_search_on_the_cluster_answer_as_one_machine(cli, cluster, pages, tmp_path):
    from .test_warc import build_warc

    one, index = tmp_path / "one", tmp_path / "clustered"
    warc = build_warc(tmp_path / "capture.warc.gz")  # a WARC file goes to a worker as a file, not as pages
    local = cli.json("index", "--index", one, pages, warc)
    remote = cli.json("index", "--index", index, "--shards", "3", "--cluster", cluster.address, pages, warc)
    assert {k: remote[k] for k in ("added", "updated", "unchanged", "skipped", "failed", "passed_over")} == \
           {k: local[k] for k in ("added", "updated", "unchanged", "skipped", "failed", "passed_over")}
    assert (remote["added"], remote["failed"]) == (63, 0)
    layout = shards.load(index)
    assert set(layout.owners.values()) == {"a", "b"}  # the shards are spread over both workers
    ids = _ids_by_shard(index)
    assert sorted(i for part in ids.values() for i in part) == sorted(set(i for part in ids.values() for i in part))
    assert all(shards.shard_of(i, 3) == k for k, part in ids.items() for i in part)
    for query in ("trade", '"border dispute"', "sanction* OR mekong", "water w/5 energy", "Cambodia"):
        a = cli.json("search", "--index", one, "-n", "20", query)
        b = cli.json("search", "--index", index, "--cluster", cluster.address, "-n", "20", query)
        assert a["total"] == b["total"]
        assert [round(h["score"], 9) for h in a["hits"]] == [round(h["score"], 9) for h in b["hits"]]
    deep = cli.json("search", "--index", index, "--cluster", cluster.address, "-n", "7", "--page", "3", "trade")
    assert [round(h["score"], 9) for h in deep["hits"]] == [round(h["score"], 9) for h in cli.json(
        "search", "--index", one, "-n", "7", "--page", "3", "trade")["hits"]] and len(deep["hits"]) == 7
    env = {"POLSEARCH_CLUSTER": cluster.address}  # the scheduler named by the environment
    for args in (["facets", "trade OR water"], ["trend", "debt"]):
        result = cli(args[0], "--index", index, "--json", *args[1:], env=env)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout) == cli.json(args[0], "--index", one, *args[1:])
    out = tmp_path / "hits.jsonl"
    assert cli("export", "--index", index, "--cluster", cluster.address, "-o", out, "trade").exit_code == 0
    assert len(out.read_text().splitlines()) == cli.json("search", "--index", one, "trade")["total"]
    hit = cli.json("search", "--index", one, "-n", "1", "Cambodia")["hits"][0]
    shown = cli.json("show", "--index", index, "--cluster", cluster.address, hit["id"][:8])
    assert shown["id"] == hit["id"]
    related = cli.json("similar", "--index", index, "--cluster", cluster.address, hit["id"])
    expected = cli.json("similar", "--index", one, hit["id"])
    assert related["terms"] == expected["terms"]
    assert related["hits"] and len(related["hits"]) == len(expected["hits"])
    assert _groups(related["hits"])[:-1] == _groups(expected["hits"])[:-1]  # equal scores: in any order
    held = cli.json("cluster", "--cluster", cluster.address, "--index", index)
    assert {w["name"] for w in held["workers"]} == {"a", "b"}
    assert sum(r["documents"] for r in held["shards"]) == 63 and all(r["up"] for r in held["shards"])
    here = tmp_path / "indexed-here"  # shards written on one machine: shown with the workers reads use
    assert cli("index", "--index", here, "--shards", "3", pages).exit_code == 0
    told = cli.json("cluster", "--cluster", cluster.address, "--index", here)
    assert all(r["up"] and r["worker"] in ("a", "b") for r in told["shards"])
    assert sum(r["documents"] for r in told["shards"]) == cli.json("stats", "--index", here)["documents"]
    again = cli.json("index", "--index", index, "--cluster", cluster.address, pages, warc)
    assert (again["added"], again["unchanged"]) == (0, 63)
    assert cli.json("reindex", "--index", index, "--cluster", cluster.address)["documents"] == 63
    assert cli.json("search", "--index", index, "--cluster", cluster.address, "trade")["total"] == \
        cli.json("search", "--index", one, "trade")["total"]


def test_a_second_ingest_is_refused_while_one_runs(cli, cluster, tmp_path):
    pages = real_pages(tmp_path / "pages", 6)
    index = tmp_path / "idx"
    first = subprocess.Popen([str(BIN / "polsearch"), "index", "--index", str(index), "--shards", "2", "--cluster",
                              cluster.address, str(pages)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
    lock = index / "write.lock"
    deadline = time.monotonic() + 30
    while not (lock.exists() and lock.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = cli("index", "--index", index, "--cluster", cluster.address, pages)
    running = first.poll() is None
    out, err = first.communicate(timeout=300)
    assert running, "the first ingest ended before the second began: make it longer"
    assert second.exit_code == 1 and "is being updated by process" in second.stderr
    assert first.returncode == 0, err
    assert "120 added" in out


def test_a_worker_killed_mid_ingest_loses_nothing_and_stores_nothing_twice(own_cluster, tmp_path):
    pages = real_pages(tmp_path / "pages", 12)
    index = tmp_path / "idx"
    run = subprocess.Popen([str(BIN / "polsearch"), "index", "--index", str(index), "--shards", "3", "--cluster",
                            own_cluster.address, "--json", str(pages)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, cwd=ROOT)
    catalogue = index / "catalogue" / "documents.sqlite"
    deadline = time.monotonic() + 120
    stored = 0
    while stored < 40 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
        if catalogue.exists():
            try:
                with sqlite3.connect(f"file:{catalogue}?mode=ro", uri=True, timeout=5) as conn:
                    stored = conn.execute("SELECT COUNT(*) FROM sources WHERE status = 'document'").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    assert run.poll() is None, "the ingest ended before a worker could be killed: give it more pages"
    own_cluster.kill("b")
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    report = json.loads(out)
    assert (report["added"], report["failed"], report["skipped"]) == (240, 0, 0)
    ids = _ids_by_shard(index)
    every = [i for part in ids.values() for i in part]
    assert len(every) == len(set(every)) == 240
    assert all(shards.shard_of(i, 3) == k for k, part in ids.items() for i in part)
    assert set(shards.load(index).owners.values()) == {"a"}  # b's shards went to the worker left
    found = _polsearch("search", "--index", index, "--cluster", own_cluster.address, "--json", "Cambodia")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["total"] == 12 * json.loads(
        _polsearch("search", "--json", "--index", _local(tmp_path), "Cambodia").stdout)["total"]
    again = _polsearch("index", "--index", index, "--cluster", own_cluster.address, "--json", pages)
    assert json.loads(again.stdout)["unchanged"] == 240


def _local(tmp_path: Path) -> Path:
    index = tmp_path / "samples-index"
    assert _polsearch("index", "--index", index, SAMPLES).returncode == 0
    return index


def test_a_shard_whose_worker_is_gone_is_named_or_left_out_when_allowed(own_cluster, pages, tmp_path):
    index = tmp_path / "idx"
    made = _polsearch("index", "--index", index, "--shards", "4", "--cluster", own_cluster.address, pages)
    assert made.returncode == 0, made.stderr
    owners = shards.load(index).owners
    gone = sorted(k for k, name in owners.items() if name == "b")
    assert gone and len(gone) < 4
    own_cluster.kill("b")
    own_cluster.wait_for(1)
    failed = _polsearch("search", "--index", index, "--cluster", own_cluster.address, "trade")
    assert failed.returncode == 1
    message = failed.stderr.strip()
    assert "\n" not in message and f"shard {gone[0]} (worker b)" in message and "--allow-partial" in message
    # every reading command goes to the cluster, named by the option or by the environment alone
    for args, env in ((["trend", "--index", str(index), "debt"], {"POLSEARCH_CLUSTER": own_cluster.address}),
                      (["export", "--index", str(index), "--cluster", own_cluster.address, "-o",
                        str(tmp_path / "out.jsonl"), "trade"], {}),
                      (["facets", "--index", str(index), "trade"], {"POLSEARCH_CLUSTER": own_cluster.address})):
        refused = _polsearch(*args, env=env)
        assert refused.returncode == 1 and f"shard {gone[0]} (worker b)" in refused.stderr, refused.stderr
    partial = _polsearch("search", "--index", index, "--cluster", own_cluster.address, "--allow-partial", "--json",
                         "-n", "100", "trade")
    assert partial.returncode == 0, partial.stderr
    data = json.loads(partial.stdout)
    assert data["partial"] == {"missing_shards": gone}
    assert "partial results" in partial.stderr and "worker b" in partial.stderr
    expected = sum(json.loads(_polsearch("search", "--index", index / f"shard-{k}", "--json", "trade").stdout)["total"]
                   for k in range(4) if k not in gone)
    assert data["total"] == expected and len(data["hits"]) == expected
    assert all(shards.shard_of(h["id"], 4) not in gone for h in data["hits"])
    counts = _polsearch("facets", "--index", index, "--cluster", own_cluster.address, "--allow-partial", "--json",
                        "trade")
    assert json.loads(counts.stdout)["partial"] == {"missing_shards": gone}
    figures = json.loads(_polsearch("stats", "--index", index, "--cluster", own_cluster.address, "--allow-partial",
                                    "--json").stdout)
    assert figures["partial"] == {"missing_shards": gone} and "missing_shards" not in figures
    lost_id = next(h["id"] for h in json.loads(_polsearch("search", "--index", index, "--json", "-n", "100",
                                                           "trade").stdout)["hits"]
                   if shards.shard_of(h["id"], 4) in gone)
    kept_id = data["hits"][0]["id"]
    for cmd in ("show", "similar"):  # a document on a lost shard: named, even with --allow-partial
        lost = _polsearch(cmd, "--index", index, "--cluster", own_cluster.address, "--allow-partial", lost_id)
        assert lost.returncode == 1 and lost.stderr.strip().count("\n") == 0
        assert "whose worker b is not in the cluster" in lost.stderr
    shown_doc = _polsearch("show", "--index", index, "--cluster", own_cluster.address, "--allow-partial", "--json",
                           kept_id)
    assert shown_doc.returncode == 0 and json.loads(shown_doc.stdout)["id"] == kept_id
    from .serving import Server

    for extra, shown in ((["--allow-partial"], f"{expected} documents match"), ([], "--allow-partial")):
        page = Server(index, "--cluster", own_cluster.address, *extra)
        try:
            text = page.text("/?q=trade")
        finally:
            page.stop()
        assert shown in text and f"shard {gone[0]} (worker b)" in text  # the page says what is missing
    own_cluster.start_worker("b")  # the worker back under its name: its shards answer again
    own_cluster.wait_for(2)
    whole = _polsearch("search", "--index", index, "--cluster", own_cluster.address, "--json", "trade")
    assert json.loads(whole.stdout)["total"] == json.loads(
        _polsearch("search", "--index", index, "--json", "trade").stdout)["total"]


def test_an_unreachable_scheduler_is_one_line_and_exit_1(cli, pages, tmp_path):
    index = tmp_path / "idx"
    assert cli("index", "--index", index, "--shards", "2", pages).exit_code == 0
    nowhere = f"tcp://127.0.0.1:{free_port()}"
    for args in (["search", "--index", index, "--cluster", nowhere, "trade"],
                 ["index", "--index", index, "--cluster", nowhere, pages],
                 ["cluster", "--cluster", nowhere]):
        result = _polsearch(*args)
        assert result.returncode == 1
        assert result.stderr.strip().count("\n") == 0
        assert f"cannot reach the Dask scheduler at {nowhere}" in result.stderr
    other = _polsearch("search", "--index", index, "--cluster", f"tls://127.0.0.1:{free_port()}", "trade")
    assert other.returncode == 1 and other.stderr.strip().count("\n") == 0
    assert "give the Dask scheduler as tcp://HOST:PORT" in other.stderr
    for bad in ("tcp://127.0.0.1:abc", "127.0.0.1:port"):
        wrong = _polsearch("cluster", "--cluster", bad)
        assert wrong.returncode == 1 and wrong.stderr.strip().count("\n") == 0
        assert "give the Dask scheduler as tcp://HOST:PORT" in wrong.stderr and "internal error" not in wrong.stderr
    assert cli.json("stats", "--index", index)["documents"] == 60  # the index is as it was


def test_cluster_command_says_how_to_start_one(cli):
    result = cli("cluster", env={"POLSEARCH_CLUSTER": ""})
    assert result.exit_code == 0
    assert "dask scheduler" in result.stdout and "dask worker tcp://HOST:8786" in result.stdout

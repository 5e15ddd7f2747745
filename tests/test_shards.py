"""A sharded index (`index --shards N`) read on this machine: every reading command answers as one
unsharded index of the same documents does — totals, scores, order, facets, trends, exports."""

from __future__ import annotations

import csv
import hashlib
import json
import random
from pathlib import Path

import pytest

from indexer import shards
from indexer.index import IndexFolder, writing

from .conftest import SAMPLES, make_page

WORDS = ("border dispute trade sanctions mekong dam water energy election reform debt lenders treaty "
         "navy strait fisheries tariffs climate drought rice exports investment corridor railway").split()
AUTHORS = ("Lena Okafor", "Marcus Hale", "Priya Raman", "Tomas Berg")


def _corpus(folder: Path, count: int, seed: int = 7) -> Path:
    """The bundled samples and `count` generated commentaries (distinct addresses, dates, authors)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES.glob("*.html"):
        (folder / sample.name).write_bytes(sample.read_bytes())
    for i in range(count):
        paragraphs = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 30))).capitalize() + "."
                      for _ in range(rng.randint(3, 7))]
        title = f"{rng.choice(WORDS).title()} and {rng.choice(WORDS)}: note {i}"
        date = f"{rng.randint(2008, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if i % 9 else ""
        page = make_page(title, paragraphs, date=date, author=rng.choice(AUTHORS),
                         url=f"https://think{i % 4}.example/notes/{i}", site=f"Institute {i % 4}")
        (folder / f"note-{i:03d}.html").write_text(page, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(one index, a 3-shard index) of the same pages."""
    from click.testing import CliRunner

    from search.cli import main

    root = tmp_path_factory.mktemp("shards")
    pages = _corpus(root / "pages", 60)
    runner = CliRunner()
    for args in (["index", "--index", root / "one", pages],
                 ["index", "--index", root / "three", "--shards", "3", pages]):
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return root / "one", root / "three", pages


QUERIES = ["trade", "border dispute", '"border dispute"', "sanction* OR tariffs", "mekong w/5 dam",
           "debt NOT lenders", "title:note AND water", "climate w/s drought", "Cambodia", "treety~",
           "date:2015..2019 energy", "author:\"Marcus Hale\" railway", "(navy OR strait) AND -fisheries"]


def _groups(hits: list[dict]) -> list[tuple[float, frozenset]]:
    """Hits as runs of equal score (to 1e-9): within a run, order is the index's own tie-break."""
    runs: list[tuple[float, set]] = []
    for h in hits:
        score = round(h["score"], 4)
        if runs and runs[-1][0] == score:
            runs[-1][1].add(h["id"])
        else:
            runs.append((score, {h["id"]}))
    return [(s, frozenset(ids)) for s, ids in runs]


@pytest.mark.parametrize("query", QUERIES)
def test_search_totals_scores_and_top_hits_equal_one_index(cli, pair, query):
    one, three, _pages = pair
    a = cli.json("search", "--index", one, "-n", "60", query)
    b = cli.json("search", "--index", three, "-n", "60", query)
    assert a["total"] == b["total"]
    assert [round(h["score"], 9) for h in a["hits"]] == [round(h["score"], 9) for h in b["hits"]]
    assert _groups(a["hits"]) == _groups(b["hits"])
    top_a, top_b = cli.json("search", "--index", one, query), cli.json("search", "--index", three, query)
    # the top 10 are the same documents, but for ties cut at the tenth place
    assert _groups(top_a["hits"])[:-1] == _groups(top_b["hits"])[:-1]


def test_each_document_is_in_the_shard_its_id_routes_to(pair):
    _one, three, _pages = pair
    layout = shards.load(three)
    assert layout.count == 3
    counts = []
    for path in layout.shard_paths():
        with IndexFolder(path).open_store(readonly=True) as store:
            ids = [d.id for _seq, d in store.iter_documents()]
        assert all(shards.shard_of(i, 3) == layout.shard_paths().index(path) for i in ids)
        counts.append(len(ids))
    assert sum(counts) == 80 and min(counts) > 10


def test_routing_is_a_stable_hash_of_the_id():
    # the manifest's "blake2b-64(id) mod N", and the shards existing indexes were routed to: a change
    # here would send a re-captured page to a shard that does not hold its earlier versions
    digest = hashlib.blake2b(b"5ea779b7bf774585", digest_size=8).digest()
    assert shards.shard_of("5ea779b7bf774585", 7) == int.from_bytes(digest, "big") % 7
    assert [shards.shard_of("5ea779b7bf774585", n) for n in (1, 2, 3, 7, 16)] == [0, 0, 2, 2, 8]
    assert [shards.shard_of(i, 16) for i in ("0169ee44fb43cd4a", "8f9e2ade2e8539ed")] == [13, 14]


@pytest.mark.parametrize("sort", ["date", "-date"])
def test_sorted_by_date_and_paged_as_one_index(cli, pair, sort):
    one, three, _pages = pair
    a = cli.json("search", "--index", one, "--sort", sort, "-n", "80", "trade OR water")
    b = cli.json("search", "--index", three, "--sort", sort, "-n", "80", "trade OR water")
    assert a["total"] == b["total"]
    assert [h["date"] for h in a["hits"]] == [h["date"] for h in b["hits"]]
    assert sorted(h["id"] for h in a["hits"]) == sorted(h["id"] for h in b["hits"])
    page = cli.json("search", "--index", three, "--sort", sort, "-n", "7", "--page", "3", "trade OR water")
    a_page = cli.json("search", "--index", one, "--sort", sort, "-n", "7", "--page", "3", "trade OR water")
    assert len(page["hits"]) == 7
    assert [h["date"] for h in page["hits"]] == [h["date"] for h in a_page["hits"]] == \
        [h["date"] for h in b["hits"][14:21]]
    assert [h["id"] for h in page["hits"]] == [h["id"] for h in b["hits"][14:21]]  # the page of the whole order


def test_facets_trend_explain_and_stats_equal_one_index(cli, pair):
    one, three, _pages = pair
    for args in (["facets", "--top", "3", "trade"], ["facets", "energy OR climate"],
                 ["trend", "--by", "year", "water", "debt"], ["stats"]):
        a, b = cli.json(*args[:1], "--index", one, *args[1:]), cli.json(*args[:1], "--index", three, *args[1:])
        if args[0] == "stats":
            assert (a["documents"], a["first_date"], a["last_date"], a["sources"]) == \
                   (b["documents"], b["first_date"], b["last_date"], b["sources"])
            assert [s["documents"] for s in b["shards"]] and sum(s["documents"] for s in b["shards"]) == 80
        else:
            assert a == b
    a = cli("search", "--index", one, "--explain", "mekong AND (dam OR water)").stdout
    b = cli("search", "--index", three, "--explain", "mekong AND (dam OR water)").stdout
    assert a.split("\n\n")[0] == b.split("\n\n")[0]


def test_kwic_lines_equal_one_index(cli, pair):
    one, three, _pages = pair
    for sort in ("left", "date", "relevance"):
        a = cli.json("search", "--index", one, "--kwic", "--kwic-sort", sort, "railway")
        b = cli.json("search", "--index", three, "--kwic", "--kwic-sort", sort, "railway")
        assert a["total"] == b["total"] and len(a["lines"]) == len(b["lines"]) > 10
        key = (lambda line: (line["left"], line["match"], line["right"], line["id"]))
        assert sorted(map(key, a["lines"])) == sorted(map(key, b["lines"]))
        if sort == "left":
            assert [line["left"] for line in a["lines"]] == [line["left"] for line in b["lines"]]


def test_export_streams_every_hit_in_order(cli, pair, tmp_path):
    one, three, _pages = pair
    for sort in ("date", "relevance"):
        rows = []
        for index in (one, three):
            out = tmp_path / f"{index.name}-{sort}.csv"
            result = cli("export", "--index", index, "--sort", sort, "--fields", "id,date,rank,score", "-o", out,
                         "trade OR climate")
            assert result.exit_code == 0, result.stderr
            with out.open(encoding="utf-8-sig") as f:
                rows.append(list(csv.DictReader(f)))
        assert len(rows[0]) == len(rows[1]) > 20
        if sort == "date":
            assert [r["date"] for r in rows[0]] == [r["date"] for r in rows[1]]
        else:
            assert [r["score"] for r in rows[0]] == [r["score"] for r in rows[1]]
        assert sorted(r["id"] for r in rows[0]) == sorted(r["id"] for r in rows[1])
    manifest = json.loads((tmp_path / "three-relevance.csv.manifest.json").read_text())
    assert manifest["index"]["documents"] == 80 and len(manifest["index"]["shards"]) == 3


def test_show_and_similar_find_the_document_on_its_shard(cli, pair):
    one, three, _pages = pair
    hit = cli.json("search", "--index", one, "-n", "1", "Cambodia")["hits"][0]
    shown = cli.json("show", "--index", three, hit["id"][:8])
    assert shown["id"] == hit["id"] and shown["title"] == hit["title"]
    a = cli.json("similar", "--index", one, hit["id"])
    b = cli.json("similar", "--index", three, hit["id"])
    assert a["terms"] == b["terms"] and a["hits"]
    assert _groups(a["hits"])[:-1] == _groups(b["hits"])[:-1]  # equal scores: in any order
    missing = cli("show", "--index", three, "ffffffffffffffff")
    assert missing.exit_code == 1 and "no document ffffffffffffffff" in missing.stderr


def test_reindexing_and_unchanged_pages(cli, pair, tmp_path):
    _one, three, pages = pair
    again = cli.json("index", "--index", three, pages)
    assert (again["added"], again["unchanged"], again["failed"]) == (0, 80, 0)
    rebuilt = cli.json("reindex", "--index", three)
    assert rebuilt["documents"] == 80
    assert cli.json("search", "--index", three, "trade")["total"] == \
        cli.json("search", "--index", _one, "trade")["total"]


def test_changed_page_is_updated_in_its_shard(cli, tmp_path):
    pages = _corpus(tmp_path / "pages", 6)
    index = tmp_path / "idx"
    assert cli.json("index", "--index", index, "--shards", "2", pages)["added"] == 26
    page = pages / "note-003.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</article>", "<p>Zanzibar ferries.</p></article>"),
                    encoding="utf-8")
    report = cli.json("index", "--index", index, pages)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 1, 25)
    assert cli.json("search", "--index", index, "zanzibar")["total"] == 1
    assert cli.json("stats", "--index", index)["documents"] == 26


def test_shard_count_and_unsharded_folders_are_kept_apart(cli, tmp_path, samples):
    index = tmp_path / "idx"
    assert cli("index", "--index", index, "--shards", "2", samples).exit_code == 0
    other = cli("index", "--index", index, "--shards", "3", samples)
    assert other.exit_code == 1 and "has 2 shards, not 3" in other.stderr
    plain = tmp_path / "plain"
    assert cli("index", "--index", plain, samples).exit_code == 0
    refused = cli("index", "--index", plain, "--shards", "2", samples)
    assert refused.exit_code == 1 and "holds an unsharded index" in refused.stderr
    clustered = cli("index", "--index", plain, "--cluster", "tcp://127.0.0.1:1", samples)
    assert clustered.exit_code == 1 and "--shards N" in clustered.stderr


def test_a_second_run_is_refused_while_one_writes(cli, tmp_path, samples):
    index = tmp_path / "idx"
    assert cli("index", "--index", index, "--shards", "2", samples).exit_code == 0
    with writing(IndexFolder(index)):
        second = cli("index", "--index", index, samples)
    assert second.exit_code == 1 and "is being updated by process" in second.stderr
    assert cli.json("stats", "--index", index)["documents"] == 20


def test_the_web_page_serves_a_sharded_index(cli, pair):
    import re

    from .serving import Server

    _one, three, _pages = pair
    expected = cli.json("search", "--index", three, "trade")
    running = Server(three)
    try:
        page = running.text("/?q=trade")
        assert f"{expected['total']} documents match" in page
        links = re.findall(r'<a class="hit-title" href="/doc/([0-9a-f]+)', page)
        assert links == [h["id"] for h in expected["hits"]]
        assert expected["hits"][0]["title"].split(":")[0] in running.text(f"/doc/{links[0]}")
    finally:
        running.stop()


def _long_warc(path: Path, pages: int, *, gz: bool) -> Path:
    """A WARC file of `pages` commentaries, each followed by a stylesheet record (passed over)."""
    from warcio.warcwriter import WARCWriter

    from .test_warc import _page, _response

    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for i in range(pages):
            _response(writer, f"https://apf.example/c/{i}", _page(f"Commentary {i}", f"marker{i} words"))
            _response(writer, f"https://apf.example/s/{i}.css", b"body{}", content_type="text/css")
    return path


@pytest.mark.parametrize("gz", [True, False])
def test_a_warc_file_is_read_in_chunks_and_recorded_once_whole(cli, tmp_path, monkeypatch, gz):
    from indexer import sharded

    monkeypatch.setattr(sharded, "CONTAINER_CHUNK", 4)  # 25 pages: 7 tasks, each starting where one stopped
    warc = _long_warc(tmp_path / ("a.warc.gz" if gz else "a.warc"), 25, gz=gz)
    one = cli.json("index", "--index", tmp_path / "one", warc)
    three = cli.json("index", "--index", tmp_path / "three", "--shards", "3", "-j", "1", warc)
    assert (three["added"], three["failed"]) == (25, 0)
    assert three["passed_over"] == one["passed_over"] == {"not-html": 25, "warcinfo": 1}
    for i in (0, 3, 4, 24):  # first, last and next of a chunk
        assert cli.json("search", "--index", tmp_path / "three", f"marker{i}")["total"] == 1
    again = cli.json("index", "--index", tmp_path / "three", "-j", "1", warc)
    assert (again["added"], again["unchanged"]) == (0, 25) and "passed_over" not in again  # not opened


def test_a_task_that_cannot_be_run_reports_its_pages_and_the_next_run_reads_them(cli, tmp_path, monkeypatch):
    """A map task whose every worker died (Dask gives up after a few): its pages are reported failed,
    one line each, and recorded so; the next run reads them."""
    from indexer import sharded

    pages = _corpus(tmp_path / "pages", 5)
    real = sharded.normalise_task

    def dying(items, *args):
        if any(getattr(p, "key", "").endswith("note-003.html") for p in items):
            raise RuntimeError("the worker died")
        return real(items, *args)

    monkeypatch.setattr(sharded, "PAGE_BATCH", 5)
    monkeypatch.setattr(sharded, "normalise_task", dying)
    result = cli("index", "--index", tmp_path / "idx", "--shards", "2", "-j", "1", "--json", pages)
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert report["failed"] == 5 and report["added"] == 20
    assert all("worker failed: RuntimeError: the worker died" in e["error"] for e in report["errors"])
    monkeypatch.setattr(sharded, "normalise_task", real)
    again = cli.json("index", "--index", tmp_path / "idx", "-j", "1", pages)
    assert (again["added"], again["unchanged"], again["failed"]) == (5, 20, 0)


def test_cluster_given_for_an_unsharded_index_is_said_not_silently_ignored(cli, pair):
    one, three, _pages = pair
    nowhere = "tcp://127.0.0.1:9"
    result = cli("search", "--index", one, "--cluster", nowhere, "--json", "trade")
    assert result.exit_code == 0
    assert "--cluster is for a sharded index" in result.stderr and str(one) in result.stderr
    assert json.loads(result.stdout)["total"] == cli.json("search", "--index", one, "trade")["total"]

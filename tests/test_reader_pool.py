"""Searchers kept open between queries in one process (`indexer.index._Pool`): a long-lived process
(`serve`, the Python API) answers as a new process would, whatever changed on disk in between."""

from __future__ import annotations

import concurrent.futures as cf
import random

from indexer import reindex
from indexer.index import _POOL, IndexFolder, open_reader
from indexer.ingest import ingest_documents
from search import ranking
from search.searcher import search
from tests.test_engine import _document


def _ids(results) -> list[str]:
    return [h.doc.id for h in results.hits]


def test_a_kept_searcher_is_reused_only_while_the_index_is_unchanged(tmp_path):
    rng = random.Random(11)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(40)])
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        first = reader.searcher
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        assert reader.searcher is first  # the same generation: nothing reopened
    with open_reader(IndexFolder(path)) as reader:
        assert reader.searcher is not first  # another weighting: its own searcher

    before = search(path, "security", limit=100)
    added = [_document(rng, n) for n in range(40, 80)]
    ingest_documents(path, added)  # a new Whoosh commit in the same generation folder
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        assert reader.searcher is not first
        assert reader.searcher.doc_count() == 80
    after = search(path, "security", limit=100)
    assert after.total > before.total
    assert set(_ids(after)) & {d.id for d in added}

    _POOL.clear()
    fresh = search(path, "security", limit=100)  # what a new process would answer
    assert (after.total, _ids(after)) == (fresh.total, _ids(fresh))


def test_a_rebuilt_generation_is_searched_at_once(tmp_path):
    rng = random.Random(12)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(50)])
    before = search(path, "trade OR energy", limit=20)
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        old = reader.generation
    reindex(path)  # a new generation folder swapped in (the old one stays until the next swap)
    after = search(path, "trade OR energy", limit=20)
    assert (after.total, _ids(after)) == (before.total, _ids(before))
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        assert reader.generation.name == reader.store.get_state("index_generation") != old.name
        # the searcher handed out reads the new generation's files, not the kept one's
        assert reader.searcher._ix.storage.folder == str(reader.generation)


def test_threads_searching_at_once_each_get_their_own_searcher(tmp_path):
    rng = random.Random(13)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(120)])
    queries = ["security", '"united states"', "china w/5 trade", "health NOT vaccine", "sanctions OR tariffs"]
    expected = {q: (r.total, _ids(r)) for q in queries for r in [search(path, q, limit=10)]}
    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda q: (q, search(path, q, limit=10)), queries * 8))
    for q, r in got:
        assert (r.total, _ids(r)) == expected[q]
    held = [open_reader(IndexFolder(path), ranking.weighting()) for _ in range(3)]
    assert len({id(r.searcher) for r in held}) == 3  # one query at a time per searcher
    for r in held:
        r.close()


def test_searches_and_facets_in_turn_each_keep_their_searcher(tmp_path):
    """A results page runs a search (polsearch's BM25F) and the facets (Whoosh's default weighting) on
    every request: neither closes the other's kept searcher."""
    from search.facets import facets

    rng = random.Random(14)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(40)])
    search(path, "security")
    facets(path, "security")
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        ranked = reader.searcher
    with open_reader(IndexFolder(path)) as reader:
        plain = reader.searcher
    for _ in range(3):
        counts = facets(path, "security")
        found = search(path, "security")
        with open_reader(IndexFolder(path), ranking.weighting()) as reader:
            assert reader.searcher is ranked
        with open_reader(IndexFolder(path)) as reader:
            assert reader.searcher is plain
    assert found.total == counts.total


def test_a_kept_store_connection_reads_a_store_made_anew_at_the_same_path(tmp_path):
    import shutil

    from indexer.index import _STORES

    rng = random.Random(13)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(30)])
    first = search(path, "security OR trade", limit=50)
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        kept = reader.store
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        assert reader.store is kept  # the same file: the connection is used again
    shutil.rmtree(path)
    again = [_document(rng, n) for n in range(100, 130)]
    ingest_documents(path, again)
    after = search(path, "security OR trade", limit=50)
    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        assert reader.store is not kept
    assert {h.doc.id for h in after.hits} <= {d.id for d in again}
    assert {h.doc.id for h in after.hits} != {h.doc.id for h in first.hits}
    _POOL.clear()
    _STORES.clear()
    fresh = search(path, "security OR trade", limit=50)
    assert (after.total, _ids(after)) == (fresh.total, _ids(fresh))


def test_kept_store_connections_leave_no_descriptor_open(tmp_path):
    """A store connection taken from the pool by a reader whose searcher is not pooled (a weighting
    without a cache key) is closed with the descriptor it was kept with."""
    import os

    from whoosh.scoring import BM25F

    rng = random.Random(14)
    path = tmp_path / "index"
    ingest_documents(path, [_document(rng, n) for n in range(10)])

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    for _ in range(2):  # the pools fill up first
        with open_reader(IndexFolder(path), ranking.weighting()):
            pass
        with open_reader(IndexFolder(path), BM25F()):
            pass
    before = open_files()
    for _ in range(30):
        with open_reader(IndexFolder(path), ranking.weighting()):
            pass
        with open_reader(IndexFolder(path), BM25F()) as reader:
            assert reader.store.get_state("index_generation")
    assert open_files() - before <= 2


def test_every_shard_of_a_sharded_index_keeps_its_searcher(tmp_path):
    """Each shard is an index folder of its own: a search of 12 shards must find all 12 searchers kept
    at the next search (a pool of fewer folders reopened every shard at every query)."""
    from indexer.sharded import ingest_documents as ingest_sharded
    from indexer.shards import load

    rng = random.Random(13)
    path = tmp_path / "index"
    ingest_sharded(path, [_document(rng, n) for n in range(120)], shard_count=12)
    first = search(path, "security OR trade", limit=5)
    kept = {}
    for shard in load(path).shard_paths():
        with open_reader(IndexFolder(shard), ranking.weighting()) as reader:
            kept[shard] = reader.searcher
    search(path, "security OR trade", limit=5)
    for shard, searcher in kept.items():
        with open_reader(IndexFolder(shard), ranking.weighting()) as reader:
            assert reader.searcher is searcher, f"{shard.name} was opened again"
    assert first.total == search(path, "security OR trade", limit=5).total

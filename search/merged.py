"""Facets, trends and exports of a sharded index, merged exactly over its shards (`gather.py` does
searches and documents).

- `facets`: every shard counts every value (no cut), the counts are added, then the top values taken:
  a value just under the cut on each shard is never lost;
- `trend`: each shard's counts per period added, the periods running from the first to the last of
  all shards;
- `stream`: each shard keeps its ordered hits (on its worker, on a cluster), and hands out their
  documents `BATCH` at a time; the shards' sequences are merged as they are read, so memory holds a
  batch per shard however many documents match.
"""

from __future__ import annotations

import heapq
from collections import Counter
from contextlib import contextmanager
from typing import Any, Iterator

from corpus.progress import SILENT, Progress

from .gather import _path, gather_stats, order_key, partial_warning, scatter, summed
from .searcher import NO_FILTERS, Filters, Query, partial_json

BATCH = 200


# -- facets and trends --------------------------------------------------------------------------------------
def shard_facets(path: str, text: str, names: tuple[str, ...], filters: Filters, match: str):
    """(matching documents, warnings, {facet: (raw counts, documents without a value)}) of one shard,
    every value counted (a value under the cut on every shard may be in the top of their sum)."""
    from indexer.index import IndexFolder, open_reader

    from .facets import counted

    with open_reader(IndexFolder(path)) as reader:
        if reader.searcher is None:
            return 0, [], {}
        warnings: list[str] = []
        total, raw = counted(reader, Query.parse(text, filters, match), names, 0, warnings)
        return total, warnings, raw


def facets(index_path, query: str, *, names: tuple[str, ...], top: int, filters: Filters = NO_FILTERS,
           match: str = "all"):
    """`facets.facets()` (with its arguments checked) on a sharded index: the shards' raw counts added
    up, then the top values decoded."""
    import time

    from indexer.schema import build_schema

    from .facets import FacetResults, facet_values

    started = time.perf_counter()
    parsed = Query.parse(query, filters, match)
    results = FacetResults(query, parsed.describe(), 0, top, {n: [] for n in names})
    with scatter(index_path) as sc:
        parts = sc.run({k: (shard_facets, _path(sc, k), query, names, filters, match) for k in sc.shards()})
        results.missing_shards = list(sc.missing)
        partial = partial_warning(sc)
    counts: dict[str, Counter] = {name: Counter() for name in names}
    missing: Counter = Counter()  # documents without a value, by facet
    for total, warnings, raw in parts.values():
        results.total += total
        results.warnings += [w for w in warnings if w not in results.warnings]
        for name, (found, without) in raw.items():
            counts[name].update(found)
            missing[name] += without
    results.warnings += partial
    schema = build_schema()
    for name in names:
        results.facets[name] = facet_values(name, schema, counts[name], missing[name], top)
    results.seconds = time.perf_counter() - started
    return results


def shard_trend(path: str, queries: list[tuple[str, str]], by: str, filters: Filters, match: str):
    from .facets import trend

    return trend(path, queries, by=by, filters=filters, match=match)


def trend(index_path, queries: list[tuple[str, str]], *, by: str, filters: Filters = NO_FILTERS,
          match: str = "all"):
    """`facets.trend()` (with its arguments checked) on a sharded index."""
    import time

    from .facets import Series, TrendResults, _period_keys

    started = time.perf_counter()
    parsed = [(label, text, Query.parse(text, filters, match)) for label, text in queries]
    result = TrendResults(by, [], [], [], filters=filters.describe())
    with scatter(index_path) as sc:
        parts = sc.run({k: (shard_trend, _path(sc, k), queries, by, filters, match) for k in sc.shards()})
        result.warnings += partial_warning(sc)
        result.missing_shards = list(sc.missing)
    totals: Counter = Counter()
    per_query = [Counter() for _ in parsed]
    for part in parts.values():
        totals.update(dict(zip(part.periods, part.totals)))
        result.undated += part.undated
        for i, series in enumerate(part.series):
            per_query[i].update(dict(zip(part.periods, series.counts)))
            per_query[i][None] += series.undated
        for w in part.warnings:
            if w not in result.warnings:
                result.warnings.append(w)
    dated = sorted(p for p, n in totals.items() if n)
    result.periods = _period_keys(by, dated[0], dated[-1]) if dated else []
    result.totals = [totals.get(p, 0) for p in result.periods]
    for (label, text, q), counts in zip(parsed, per_query):
        row = [counts.get(p, 0) for p in result.periods]
        shares = [n / t if t else None for n, t in zip(row, result.totals)]
        result.series.append(Series(label, text, q.describe(), row, shares, counts.get(None, 0)))
    result.seconds = time.perf_counter() - started
    return result


# -- exports ------------------------------------------------------------------------------------------------
def shard_ranked(path: str, text: str, filters: Filters, match: str, sort: str, stats) -> tuple[list, list[str]]:
    """Every hit of the shard in `sort` order, as (id, score); and the warnings."""
    from indexer.index import IndexFolder, open_reader

    from . import ranking
    from .searcher import execute

    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        run = execute(reader, Query.parse(text, filters, match), limit=None, sort=sort, stats=summed(stats))
        return run.ranked, run.warnings


def shard_slice(kept: tuple[list, list[str]], path: str, start: int, count: int) -> list[tuple[Any, float]]:
    """The documents of hits `start` .. `start + count` of a shard's `shard_ranked()`, with their scores."""
    from types import SimpleNamespace

    from indexer.index import IndexFolder

    from .searcher import stored

    with IndexFolder(path).open_store(readonly=True) as store:
        # `stored()` reads the reader's store only
        return list(stored(SimpleNamespace(store=store), kept[0][start:start + count], count))


def shard_length(kept: tuple[list, list[str]]) -> tuple[int, list[str]]:
    return len(kept[0]), kept[1]


@contextmanager
def stream(index_path, text: str, filters: Filters, match: str, sort: str, progress: Progress = SILENT,
           batch: int = BATCH, warnings: list[str] | None = None) -> Iterator[tuple[dict[str, Any], Iterator]]:
    """(the collection's state, every document matching the query `text` as an `export.Record`, in
    `sort` order) of a sharded index, merged from its shards as they are read."""
    from .formats import Record

    with scatter(index_path) as sc:
        ks = sc.shards()
        stats = gather_stats(sc, ks, text, filters, match) if sort == "relevance" else None
        kept = sc.keep({k: (shard_ranked, _path(sc, k), text, filters, match, sort, stats) for k in ks})
        sizes = sc.run({k: (shard_length, kept[k]) for k in kept})
        if warnings is not None:
            for _n, found in sizes.values():
                warnings += [w for w in found if w not in warnings]
            warnings += partial_warning(sc)
        state = index_state(sc)

        def shard_records(k: int, size: int) -> Iterator[tuple]:
            for start in range(0, size, batch):
                for i, (doc, score) in enumerate(sc.run({k: (shard_slice, kept[k], _path(sc, k), start,
                                                             batch)})[k], start):
                    yield order_key(sort, score, doc.date), k, i, doc, score

        def records() -> Iterator:
            progress.start("exporting", sum(n for n, _w in sizes.values()))
            try:
                merged = heapq.merge(*(shard_records(k, n) for k, (n, _w) in sorted(sizes.items())),
                                     key=lambda r: r[:3])
                for rank, (_key, _k, _i, doc, score) in enumerate(merged, 1):
                    yield Record(doc, rank, score if sort == "relevance" else None)
                    progress.advance()
            finally:
                progress.finish()

        yield state, records()


def shard_state(path: str) -> dict[str, Any]:
    from indexer.index import IndexFolder, Reader

    from .export import index_state

    folder = IndexFolder(path)
    if not folder.has_store():
        return index_state(Reader(folder, None, None))
    with folder.open_store(readonly=True) as store:
        return index_state(Reader(folder, store, None))


def index_state(sc) -> dict[str, Any]:
    """`export.index_state()` of a sharded index: the totals, and each shard's own state."""
    parts = sc.run({k: (shard_state, _path(sc, k)) for k in sc.shards()})
    firsts = [p["first_date"] for p in parts.values() if p["first_date"]]
    lasts = [p["last_date"] for p in parts.values() if p["last_date"]]
    return {"path": str(sc.layout.path.resolve()), "documents": sum(p["documents"] for p in parts.values()),
            "first_date": min(firsts) if firsts else None, "last_date": max(lasts) if lasts else None,
            "shards": [dict(parts[k], shard=k) for k in sorted(parts)], **partial_json(sc.missing)}

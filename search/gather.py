"""Reading a sharded index (`indexer/shards.py`): every read is a scatter-gather over its shards.

Each shard is a complete index, so a shard's part of a read is the unsharded function run on the
shard's folder (`shard_*` below: plain functions, so that a Dask worker can run them). The coordinator
merges:
- `search`: first each shard's collection statistics for the query (documents, field lengths, the
  document frequency of every term it can match), summed, then each shard's best `offset + limit`
  hits scored with those sums, so scores, totals and the order are those of one index holding every
  document; the best of all shards are taken;
- `facets`, `trend`, `explain`, `stats`: counts summed (facets counted in full on every shard, then
  cut to the top values, so the counts are exact);
- `export` lives in `search/merged.py` (`stream`): each shard's hits in order, merged as they are read,
  a batch at a time from each shard;
- `show`, `similar`: the document's shard (by its id), then, for `similar`, every shard.
The shards are asked one after another on this machine, or on their owners on a Dask cluster
(`indexer.cluster.Scatter`), chosen by `use()` or `$POLSEARCH_CLUSTER`. Copies (republished texts)
are grouped within a shard: two copies routed to different shards are two hits.
"""

from __future__ import annotations

import contextvars
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from corpus.document import Document
from indexer import cluster, shards

from . import ranking
from .errors import DocumentNotFound
from .searcher import NO_FILTERS, Filters, Query, sort_by_context

_OPTIONS: contextvars.ContextVar[tuple[str | None, bool]] = contextvars.ContextVar("polsearch_cluster",
                                                                                   default=(None, False))


@contextmanager
def using(address: str | None, allow_partial: bool = False) -> Iterator[None]:
    """Within: read sharded indexes on the Dask cluster at `address` (None: on this machine, unless
    `$POLSEARCH_CLUSTER` names one); `allow_partial`: leave out shards whose worker is gone."""
    token = _OPTIONS.set((address, allow_partial))
    try:
        yield
    finally:
        _OPTIONS.reset(token)


class LocalScatter:
    """`cluster.Scatter`'s interface on this machine: the shards asked one after another (threads were
    measured slower: a shard's part of a search holds Python's lock most of the time)."""

    def __init__(self, layout: shards.Layout) -> None:
        self.layout = layout
        self.missing: list[int] = []

    def shards(self) -> list[int]:
        return list(range(self.layout.count))

    def keep(self, calls: dict[int, tuple]) -> dict[int, Any]:
        """As `run`; on a cluster the results stay on the workers, for later calls to take."""
        return self.run(calls)

    def shared(self, calls: dict[int, tuple]) -> list:
        """The calls' results, for later calls to take as one argument (on a cluster they stay there)."""
        return [self.run(calls)]

    @staticmethod
    def run(calls: dict[int, tuple]) -> dict[int, Any]:
        return {k: fn(*args) for k, (fn, *args) in calls.items()}

    def close(self) -> None:
        pass


@contextmanager
def scatter(index_path: str | os.PathLike[str]) -> Iterator[Any]:
    layout = shards.load(index_path)
    address, allow_partial = _OPTIONS.get()
    address = cluster.address(address)
    sc = cluster.Scatter(address, layout, allow_partial) if address else LocalScatter(layout)
    try:
        yield sc
    finally:
        sc.close()


def partial_warning(sc) -> list[str]:
    if not sc.missing:
        return []
    named = ", ".join(f"shard {k} (worker {sc.layout.owners.get(k)})" for k in sc.missing)
    return [f"partial results: {named} did not answer; counts and hits are of the other "
            f"{sc.layout.count - len(sc.missing)} of {sc.layout.count} shards only"]


def _path(sc, k: int) -> str:
    return str(sc.layout.shard_path(k))


# -- search ----------------------------------------------------------------------------------------------
def shard_stats(path: str, text: str, filters: Filters, match: str) -> ranking.CollectionStats:
    from indexer.index import IndexFolder, open_reader

    with open_reader(IndexFolder(path)) as reader:
        return ranking.collection_stats(reader, Query.parse(text, filters, match))


def summed(parts) -> ranking.CollectionStats | None:
    """Every shard's statistics for a query (`gather_stats()`'s list of {shard: statistics}), added up;
    None stays None."""
    if parts is None or isinstance(parts, ranking.CollectionStats):
        return parts
    total = ranking.CollectionStats()
    for group in parts:
        for _k, part in sorted(group.items()):
            total.add(part)
    return total


def gather_stats(sc, ks: list[int], text: str, filters: Filters, match: str) -> list:
    """The collection statistics of the query on each of the shards `ks`, for the next calls to add up
    (`summed`): on a cluster they go from worker to worker, not through the coordinator."""
    return sc.shared({k: (shard_stats, _path(sc, k), text, filters, match) for k in ks})


def shard_search(path: str, text: str, want: int, sort: str, snippet_chars: int, filters: Filters, match: str,
                 list_copies: bool, stats):
    from .searcher import search

    return search(path, text, limit=want, offset=0, sort=sort, snippet_chars=snippet_chars, filters=filters,
                  match=match, list_copies=list_copies, suggest=False, stats=summed(stats))


def shard_rank(path: str, text: str, want: int, sort: str, filters: Filters, match: str, stats):
    """A shard's part of a search, without the documents: (total, warnings, its best `want` hits as
    (id, score, date, copies folded into it))."""
    from indexer.index import IndexFolder, open_reader

    from .searcher import execute

    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        run = execute(reader, Query.parse(text, filters, match), limit=want, sort=sort, collapse=True,
                      stats=summed(stats))
        ranked = run.ranked[:want]
        dates = reader.store.dates(i for i, _ in ranked) if ranked and sort != "relevance" else {}
        return run.total, run.warnings, [(i, s, dates.get(i), run.copies.get(i, 0)) for i, s in ranked]


def shard_hits(path: str, text: str, filters: Filters, match: str, page: list[tuple[str, float]],
               copies: dict[str, int], snippet_chars: int, list_copies: bool) -> list:
    """The `Hit`s of a shard's documents on the page shown."""
    from indexer.index import IndexFolder, open_reader

    from .query.compile import fuzzy_terms
    from .searcher import page_hits

    parsed = Query.parse(text, filters, match)
    with open_reader(IndexFolder(path)) as reader:
        fuzzy = fuzzy_terms(parsed.full_tree, reader.searcher.reader()) if reader.searcher is not None else {}
        return page_hits(reader, parsed, page, fuzzy, copies, snippet_chars, list_copies)


def shard_count(path: str, text: str, filters: Filters, match: str) -> int:
    from indexer.index import IndexFolder, open_reader

    from .searcher import execute

    with open_reader(IndexFolder(path)) as reader:
        return execute(reader, Query.parse(text, filters, match), limit=0).total


def shard_suggestion(path: str, text: str, filters: Filters, match: str, total: int) -> str | None:
    from indexer.index import IndexFolder, open_reader

    from .searcher import _suggestion

    with open_reader(IndexFolder(path)) as reader:
        found = _suggestion(reader, Query.parse(text, filters, match), total, match)
    return found.query if found is not None else None


def order_key(sort: str, score: float, date: str | None):
    """Where a hit goes in the merged order: score descending (equal to 1e-9 counts as equal, as the
    engine ranks), or by date (undated after every date, as the index sorts them)."""
    if sort == "relevance":
        return (-round(score, 9),)
    key = date or "\uffff"
    return (key,) if sort == "date" else (_Reversed(key),)


@dataclass(frozen=True, order=False)
class _Reversed:
    value: str

    def __lt__(self, other: _Reversed) -> bool:
        return self.value > other.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value


def search(index_path, query: str, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
           snippet_chars: int = 240, filters: Filters = NO_FILTERS, match: str = "all", list_copies: bool = False,
           suggest: bool = True):
    """`searcher.search()` on a sharded index."""
    from . import suggest as suggesting
    from .searcher import SearchResults

    started = time.perf_counter()
    parsed = Query.parse(query, filters, match)  # a bad query fails here, before any shard is asked
    results = SearchResults(query, parsed.describe(), 0, offset)
    with scatter(index_path) as sc:
        ks = sc.shards()
        stats = gather_stats(sc, ks, query, filters, match) if sort == "relevance" else None
        want = offset + limit
        # on this machine, and for a deep page on a cluster: every shard ranks, only the page is read
        if isinstance(sc, LocalScatter) or offset > 0:
            _ranked_then_read(sc, ks, results, query, want, sort, snippet_chars, filters, match, list_copies, stats)
        else:  # a first page on a cluster, a round trip saved: each shard sends its best hits with snippets
            parts = sc.run({k: (shard_search, _path(sc, k), query, want, sort, snippet_chars, filters, match,
                                list_copies, stats) for k in ks})
            ranked = []
            for k, part in sorted(parts.items()):
                results.total += part.total
                results.warnings += [w for w in part.warnings if w not in results.warnings]
                ranked += [(order_key(sort, h.score, h.doc.date), k, i, h) for i, h in enumerate(part.hits)]
            ranked.sort(key=lambda r: r[:3])
            results.hits = [r[3] for r in ranked[offset:offset + limit]]
        if suggest and results.total < suggesting.FEW_HITS:
            results.suggestion = _suggestion(sc, [k for k in ks if k not in sc.missing], query, filters, match,
                                             results.total)
        results.warnings += partial_warning(sc)
        results.missing_shards = list(sc.missing)
    results.seconds = time.perf_counter() - started
    return results


def _ranked_then_read(sc, ks: list[int], results, query: str, want: int, sort: str, snippet_chars: int,
                      filters: Filters, match: str, list_copies: bool, stats) -> None:
    """Each shard ranks its best hits, and only the page shown is read and highlighted (by the shards
    holding its documents)."""
    parts = sc.run({k: (shard_rank, _path(sc, k), query, want, sort, filters, match, stats) for k in ks})
    ranked = []
    for k, (total, warnings, hits) in sorted(parts.items()):
        results.total += total
        results.warnings += [w for w in warnings if w not in results.warnings]
        ranked += [(order_key(sort, score, date), k, i, (doc_id, score, copies))
                   for i, (doc_id, score, date, copies) in enumerate(hits)]
    ranked.sort(key=lambda r: r[:3])
    page = ranked[results.offset:want]
    holding = sorted({k for _key, k, _i, _hit in page})
    read = sc.run({k: (shard_hits, _path(sc, k), query, filters, match,
                       [(d, s) for _key, j, _i, (d, s, _c) in page if j == k],
                       {d: c for _key, j, _i, (d, _s, c) in page if j == k}, snippet_chars, list_copies)
                   for k in holding})
    found = {h.doc.id: h for hits in read.values() for h in hits}
    results.hits = [found[d] for _key, _k, _i, (d, _s, _c) in page if d in found]


def _suggestion(sc, ks: list[int], query: str, filters: Filters, match: str, total: int):
    """The spelling one of the shards proposes that finds most documents over all of them."""
    from .suggest import Suggestion

    proposed = {s for s in sc.run({k: (shard_suggestion, _path(sc, k), query, filters, match, total)
                                   for k in ks}).values() if s}
    best = None
    for text in sorted(proposed):
        found = sum(sc.run({k: (shard_count, _path(sc, k), text, filters, match) for k in ks}).values())
        if found > total and (best is None or found > best.total):
            best = Suggestion(text, found)
    return best


# -- keyword in context and explain ----------------------------------------------------------------------
def shard_kwic(path: str, text: str, filters: Filters, match: str, context: int, sort: str, stats):
    from .searcher import kwic

    return kwic(path, text, filters=filters, match=match, context=context, sort=sort, stats=summed(stats))


def kwic(index_path, query: str, *, filters: Filters = NO_FILTERS, match: str = "all", context: int = 40,
         sort: str = "date", warnings: list[str] | None = None):
    """`searcher.kwic()` on a sharded index: (documents, lines), each shard's lines merged in order."""
    Query.parse(query, filters, match)
    with scatter(index_path) as sc:
        ks = sc.shards()
        stats = gather_stats(sc, ks, query, filters, match) if sort == "relevance" else None
        parts = sc.run({k: (shard_kwic, _path(sc, k), query, filters, match, context, sort, stats) for k in ks})
        if warnings is not None:
            warnings += partial_warning(sc)
    total = sum(p[0] for p in parts.values())
    lines = [line for k in sorted(parts) for line in parts[k][1]]
    if sort == "relevance":
        lines.sort(key=lambda line: -round(line.score, 9))
    elif sort in ("date", "-date"):
        lines.sort(key=lambda line: line.doc.date or "\uffff", reverse=sort == "-date")
    return total, sort_by_context(lines, sort)


def shard_explain(path: str, text: str, filters: Filters, match: str):
    from .searcher import explain

    return explain(path, text, filters=filters, match=match)


def explain(index_path, query: str, *, filters: Filters = NO_FILTERS, match: str = "all"):
    with scatter(index_path) as sc:
        parts = sc.run({k: (shard_explain, _path(sc, k), query, filters, match) for k in sc.shards()})
    clauses = None
    for part in parts.values():
        if clauses is None:
            clauses = part
        else:
            for mine, theirs in zip(clauses, part):
                mine.count += theirs.count
    return clauses or []


# -- documents ---------------------------------------------------------------------------------------------
def shard_find(path: str, doc_id: str) -> list[str]:
    """Ids in the shard that are `doc_id` or start with it (6+ digits)."""
    from indexer.index import IndexFolder

    folder = IndexFolder(path)
    if not folder.has_store():
        return []
    with folder.open_store(readonly=True) as store:
        return store.ids_named(doc_id)


def locate(sc, doc_id: str, index_path) -> tuple[int, str]:
    """(shard, full id) of the document `doc_id` or the one document whose id starts with it. When the
    shard a full id routes to is gone, that is the error, `--allow-partial` or not: no other shard can
    hold it."""
    from indexer.cluster import ShardsUnavailable

    home = sc.layout.route(doc_id)
    live = sc.shards()
    found = sc.run({home: (shard_find, _path(sc, home), doc_id)}) if home in live else {}
    if doc_id in found.get(home, []):
        return home, doc_id
    ids = [(k, i) for k, part in sorted(sc.run({k: (shard_find, _path(sc, k), doc_id)
                                                 for k in live if k != home}).items()) for i in part]
    ids += [(home, i) for i in found.get(home, [])]
    if not ids and home not in live:
        raise ShardsUnavailable(f"{doc_id} would be in shard {home}, whose worker {sc.layout.owners[home]} is not "
                                "in the cluster; start the worker again")
    DocumentNotFound.unless_one(ids, doc_id, index_path)
    return ids[0]


def shard_show(path: str, doc_id: str):
    """(document, its versions, its copies, its copy group) in one shard, from one look at its store."""
    from indexer.index import IndexFolder

    from .searcher import find_document

    with IndexFolder(path).open_store(readonly=True) as store:
        doc = find_document(store, doc_id, path)
        others = store.copies_of(doc.id)
        found = store.get_many(others)
        return (doc, store.versions(doc.id), [found[o] for o in others if o in found],
                store.copy_groups([doc.id])[doc.id])


def show(index_path, doc_id: str) -> tuple[Document, list[dict[str, Any]], list[Document]]:
    """`searcher.show()` and `searcher.copies()` on a sharded index: (document, versions, copies)."""
    with scatter(index_path) as sc:
        k, full = locate(sc, doc_id, index_path)
        return sc.run({k: (shard_show, _path(sc, k), full)})[k][:3]


def copies(index_path, doc_id: str) -> list[Document]:
    return show(index_path, doc_id)[2]


def shard_figures(path: str) -> dict[str, Any]:
    from .searcher import stats

    return stats(path)


def stats(index_path) -> dict[str, Any]:
    """`searcher.stats()` on a sharded index: its shards' figures added up, and each shard's."""
    from indexer.index import IndexFolder

    with scatter(index_path) as sc:
        parts = sc.run({k: (shard_figures, _path(sc, k)) for k in sc.shards()})
        missing = list(sc.missing)
    total: dict[str, Any] = {"documents": 0, "first_date": None, "last_date": None, "sources": {}, "bytes": 0,
                             "versions": 0}
    for part in parts.values():
        for name in ("documents", "bytes", "versions"):
            total[name] += part.get(name, 0)
        for source, n in part["sources"].items():
            total["sources"][source] = total["sources"].get(source, 0) + n
        for name, pick in (("first_date", min), ("last_date", max)):
            if part[name]:
                total[name] = pick(d for d in (total[name], part[name]) if d)
    total["sources"] = dict(sorted(total["sources"].items(), key=lambda kv: (-kv[1], kv[0])))
    total["bytes"] += IndexFolder(sc.layout.catalogue_path).size_bytes()
    total["shards"] = [{"shard": k, "documents": parts[k]["documents"] if k in parts else None}
                       for k in range(sc.layout.count)]
    total["missing_shards"] = missing
    return total


@dataclass
class _Lexicon:
    """An index's numbers for `similar.distinctive_terms`, summed over the shards."""
    docs: int = 0
    frequencies: dict[tuple[str, str], int] = field(default_factory=dict)

    def doc_count(self) -> int:
        return self.docs

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return self.frequencies.get((fieldname, text), 0)


def shard_lexicon(path: str, terms: list[str]) -> tuple[int, ranking.CollectionStats]:
    """(live documents, statistics of `terms` in the body and title) of one shard."""
    from indexer.index import IndexFolder, open_reader

    found = ranking.CollectionStats()
    with open_reader(IndexFolder(path)) as reader:
        if reader.searcher is None:
            return 0, found
        ixreader = reader.searcher.reader()
        found.docs = ixreader.doc_count_all()
        for name in ixreader.schema.scorable_names():
            found.lengths[name] = ixreader.field_length(name)
        for term in terms:
            for fieldname in ("body", "title"):
                found.frequencies[(fieldname, term)] = ixreader.doc_frequency(fieldname, term)
        return ixreader.doc_count(), found


def shard_related(path: str, terms: list, group: str, ids: list[str], limit: int, stats) -> list:
    from indexer.index import IndexFolder, open_reader

    from .similar import _excluded, _hits, _scores

    with open_reader(IndexFolder(path), ranking.weighting()) as reader:
        if reader.searcher is None:
            return []
        view = ranking.scored_with(reader, stats)
        scores, holds = _scores(view.searcher, terms, _excluded(view.searcher.reader(), group, ids))
        return _hits(view, scores, holds, terms, limit)


def similar(index_path, doc_id: str, *, limit: int = 10):
    """`similar.similar()` on a sharded index: the distinctive terms weighed by every shard's counts,
    each shard's best related documents scored with the whole collection's statistics, merged."""
    from .similar import Similar, candidate_terms, distinctive_terms

    started = time.perf_counter()
    with scatter(index_path) as sc:
        k, full = locate(sc, doc_id, index_path)
        doc, _versions, copies, group = sc.run({k: (shard_show, _path(sc, k), full)})[k]
        result = Similar(doc, [])
        ks = sc.shards()
        parts = sc.run({j: (shard_lexicon, _path(sc, j), candidate_terms(doc)) for j in ks})
        lexicon, stats = _Lexicon(), ranking.CollectionStats()
        for live, part in parts.values():
            lexicon.docs += live
            stats.add(part)
        lexicon.frequencies = stats.frequencies
        result.terms = distinctive_terms(doc, lexicon, exclude=1 + len(copies))
        if result.terms and limit:
            ids = [doc.id, *(c.id for c in copies)]
            hits = sc.run({j: (shard_related, _path(sc, j), result.terms, group, ids, limit, stats) for j in ks})
            ranked = [(-round(h.score, 9), j, i, h) for j, part in sorted(hits.items()) for i, h in enumerate(part)]
            result.hits = [r[3] for r in sorted(ranked, key=lambda r: r[:3])[:limit]]
        result.missing_shards = list(sc.missing)
    result.seconds = time.perf_counter() - started
    return result


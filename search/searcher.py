"""Running queries: ranked hits with snippets, every match for exports and counts, one document, and
index statistics.

Moving parts:
- `Filters`: the command line's `--from/--to/--source/--author/--entity/--tag`, ANDed with the query;
- `Query`: a parsed query with its filters, and `execute()`, which runs it on the current Whoosh
  generation with BM25F ranking (or sorted by date) and counts every match exactly;
- `search()`: a page of ranked hits, with snippets (`highlight.py`) built for those hits only, from the
  texts in the document store; `stored()` reads every hit's `Document` in order (exports, KWIC);
- `show()` and `stats()` read the store.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from corpus.document import Document
from indexer.index import IndexFolder, Reader, open_reader
from indexer.shards import is_sharded

from . import highlight, ranking
from .errors import DocumentNotFound, QueryError, SearchError
from .query import And, DateRange, FieldValue, Node, Not, Or, Phrase, compile_query, parse
from .query.compile import fuzzy_terms as expand_fuzzy
from .query.marks import match_spec

SORTS = ("relevance", "date", "-date")


@dataclass
class Hit:
    doc: Document
    score: float
    snippet: list[highlight.Segment]
    title: list[highlight.Segment]
    copies: int = 0                       # matching copies shown as this one hit
    copy_list: list[Document] | None = None  # the copies themselves, when asked for

    def to_json(self) -> dict[str, Any]:
        d = self.doc
        data = {"id": d.id, "url": d.url, "title": d.title, "date": d.date or None,
                "authors": list(d.authors), "source": d.source, "score": round(self.score, 4),
                "snippet": highlight.to_html(self.snippet), "entities": [e.to_json() for e in d.entities]}
        if self.copy_list is not None:
            data["copies"] = [{"id": c.id, "url": c.url, "source": c.source, "date": c.date or None,
                               "title": c.title} for c in self.copy_list]
        return data


@dataclass
class SearchResults:
    query: str
    parsed: str
    total: int
    offset: int
    hits: list[Hit] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    suggestion: Any = None  # a `suggest.Suggestion` when the query found few documents and a spelling finds more
    missing_shards: list[int] = field(default_factory=list)  # a sharded index's shards left out (--allow-partial)

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [h.to_json() for h in self.hits],
                "suggestion": self.suggestion.to_json() if self.suggestion else None,
                **partial_json(self.missing_shards)}


def partial_json(missing: list[int]) -> dict[str, Any]:
    """What JSON output says of results some shards are missing from (nothing when none are)."""
    return {"partial": {"missing_shards": list(missing)}} if missing else {}



@dataclass(frozen=True)
class Filters:
    """Restrictions ANDed with a query. Several values of one kind are alternatives (OR)."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    dedupe: bool = False  # count each group of copies once (its first document)

    def nodes(self) -> list[Node]:
        found: list[Node] = []
        if self.date_from or self.date_to:
            found.append(DateRange(self.date_from, self.date_to))
        for fieldname, values in (("source", self.sources), ("author", self.authors),
                                  ("entity", self.entities), ("tag", self.tags)):
            alternatives: list[Node] = [Phrase(v, fieldname) for v in values if v.strip()]
            if alternatives:
                found.append(alternatives[0] if len(alternatives) == 1 else Or(alternatives))
        if self.dedupe:
            found.append(Not(FieldValue("is_copy", "1")))
        return found

    def describe(self) -> str:
        return " ".join(n.describe() for n in self.nodes())


NO_FILTERS = Filters()


@dataclass
class Query:
    """A query as typed, its tree, and the filters that go with it."""
    text: str
    tree: Node
    filters: Filters = NO_FILTERS

    @classmethod
    def parse(cls, text: str, filters: Filters = NO_FILTERS, match: str = "all") -> Query:
        return cls(text, parse(text, match), filters)

    @property
    def full_tree(self) -> Node:
        extra = self.filters.nodes()
        return And([self.tree, *extra]) if extra else self.tree

    def describe(self) -> str:
        return self.full_tree.describe()


@dataclass
class Execution:
    total: int
    ranked: list[tuple[str, float]]  # (id, score) of the hits asked for
    warnings: list[str] = field(default_factory=list)
    fuzzy_terms: dict[int, list[str]] = field(default_factory=dict)
    copies: dict[str, int] = field(default_factory=dict)  # id -> matching copies folded into it


def execute(reader: Reader, query: Query, *, limit: int | None, sort: str = "relevance",
            collapse: bool = False, stats: ranking.CollectionStats | None = None) -> Execution:
    """Run `query`; `limit=None` returns every match. The total is exact: where part of the query needs
    the text (`w/s`, `w/p`, `exact:`), every candidate is checked (`verify.py`). With `collapse`, the
    ranked hits hold one document per group of copies (the best-ranked), and `copies` says how many
    matching copies each stands for; the total still counts every matching document. `stats`: score
    with these collection statistics (a shard of a sharded index) rather than the index's own."""
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if reader.searcher is None:
        return Execution(0, [])
    if stats is not None:
        reader = ranking.scored_with(reader, stats)
    tree = query.full_tree
    ixreader = reader.searcher.reader()
    warnings: list[str] = []
    compiled = compile_query(tree, ixreader, warnings)
    fuzzy_terms = expand_fuzzy(tree, ixreader)
    if os.environ.get("POLSEARCH_ENGINE", "packed") != "whoosh":
        from indexer.packs import Damaged

        from .engine import Unsupported, engine_for

        engine = engine_for(reader)
        if engine is not None and stats is not None:
            engine = engine.with_stats(reader.searcher.weighting)
        if engine is not None:
            try:
                return _execute_packed(engine, reader, tree, compiled, limit, sort, collapse, warnings,
                                       fuzzy_terms)
            except Unsupported:
                pass  # a kind of query the engine does not evaluate: Whoosh answers it
            except Damaged:
                reader.engine = None  # not kept for another query; Whoosh answers until the packs are rebuilt
    return execute_reference(reader, tree, compiled, limit=limit, sort=sort, collapse=collapse,
                             warnings=warnings, fuzzy_terms=fuzzy_terms)


def _execute_packed(engine, reader: Reader, tree: Node, compiled, limit: int | None, sort: str,
                    collapse: bool, warnings: list[str], fuzzy_terms: dict) -> Execution:
    """`execute()` on the packed engine: the same documents, total, scores and order."""
    import numpy as np

    from .engine import Unsupported, rank

    docs, scores = engine.matches(compiled)
    total = len(docs)
    if limit == 0 and not tree.needs_text():
        return Execution(total, [], warnings, fuzzy_terms)
    if sort == "relevance":
        def order_of(count):
            return rank(matched, matched_scores, count)
    else:
        scores = engine.column("sort_dates", docs)  # as Whoosh does, a sorted hit's score is its sort key

        def order_of(count):
            return _date_order(matched, matched_scores, sort == "-date", count)
    matched, matched_scores = docs, scores
    decided = not tree.needs_text()
    if not decided:
        # `w/s`, `w/p`: decided from positions and the packs' sentence and paragraph numbers, before
        # the hits are ordered (so only those that match are); what only the text decides (exact
        # forms) is checked on the stored text below, in rank order
        try:
            keep = engine.decide(tree, matched, reader.searcher.reader())
        except Unsupported:
            pass
        else:
            matched, matched_scores, decided = matched[keep], matched_scores[keep], True
            total = len(matched)
    full = not decided or limit is None
    head = None  # with copies folded: how many of the best hits are ordered (None: all)
    if collapse and not full:
        # a page of `limit` groups is nearly always among the first few `limit` hits: order those (a
        # partition, not a sort of every match); when they hold fewer groups, all are ordered below
        head = min(total, max(limit, 0) * _HEAD[0] + _HEAD[1])
    order = order_of(None if full else head if collapse else max(limit, 0))
    docs, scores = matched[order], matched_scores[order]

    def ids_of(rows) -> list[str]:
        return [i.decode("ascii") for i in engine.column("ids", rows)] if len(rows) else []

    if decided:
        if not total:
            return Execution(total, [], warnings, fuzzy_terms)
        if not collapse:
            shown = docs if limit is None else docs[:limit]
            return Execution(total, list(zip(ids_of(shown), scores[:len(shown)].tolist())), warnings,
                             fuzzy_terms)
        # one hit per group of copies: the first of each group in rank order; the others it stands for
        groups = engine.column("group_nums", docs)
        _distinct, first = np.unique(groups, return_index=True)
        if head is not None and len(first) < limit and head < total:
            order = order_of(None)  # the best hits held too few groups: all of them
            docs, scores, head = matched[order], matched_scores[order], None
            groups = engine.column("group_nums", docs)
            _distinct, first = np.unique(groups, return_index=True)
        shown = np.sort(first)
        if limit is not None:
            shown = shown[:limit]
        ids = ids_of(docs[shown])
        # how many matching documents each shown hit's group holds, counted over every match
        copies = {}
        if len(shown):
            every = groups if head is None else engine.column("group_nums", matched)
            picked = np.sort(groups[shown])
            at = np.minimum(np.searchsorted(picked, every), len(picked) - 1)
            held = np.bincount(at[picked[at] == every], minlength=len(picked))
            more = held[np.searchsorted(picked, groups[shown])] - 1
            copies = {i: int(n) for i, n in zip(ids, more) if n}
        return Execution(total, list(zip(ids, scores[shown].tolist())), warnings, fuzzy_terms, copies)
    ids = ids_of(docs)
    candidates = list(zip(docs.tolist(), ids, scores.tolist()))
    groups = None
    if collapse:
        groups = {d: g.decode("ascii") for d, g in zip(docs.tolist(), engine.column("groups", docs))}
    return _verified(reader, tree, candidates, limit, collapse, warnings, fuzzy_terms, groups)


# The ranked stretch of the best hits a page of copies folded takes: `limit` * a + b.
_HEAD = (3, 10)


def _date_order(docs, dates, newest_first: bool, count: int | None):
    """Indexes of the first `count` (all with None) of the documents by date, as Whoosh sorts them: by
    date then document number, the whole order reversed for newest first (equal dates too). The first
    few come from a partition of the dates, not a sort of every one."""
    import numpy as np

    n = len(docs)
    if count is None or count >= n:
        order = np.lexsort((docs, dates))
        return order[::-1] if newest_first else order
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if newest_first:
        cut = np.partition(dates, n - count)[n - count]
        near = np.flatnonzero(dates >= cut)
        return near[np.lexsort((docs[near], dates[near]))][::-1][:count]
    cut = np.partition(dates, count - 1)[count - 1]
    near = np.flatnonzero(dates <= cut)
    return near[np.lexsort((docs[near], dates[near]))][:count]


def execute_reference(reader: Reader, tree: Node, compiled, *, limit: int | None, sort: str = "relevance",
                      collapse: bool = False, warnings: list[str] | None = None,
                      fuzzy_terms: dict | None = None) -> Execution:
    """The reference implementation: `execute()` on Whoosh's own matchers and collectors. The packed
    engine must give exactly its answers (tests/test_engine.py)."""
    warnings = [] if warnings is None else warnings
    fuzzy_terms = {} if fuzzy_terms is None else fuzzy_terms
    kwargs: dict[str, Any] = {"terms": False}
    if sort != "relevance":
        kwargs.update(sortedby="date", reverse=(sort == "-date"))
    if not tree.needs_text():
        if not collapse or limit is None or limit == 0:
            kwargs["limit"] = limit if limit is None or limit > 0 else 1
            found = reader.searcher.search(compiled, **kwargs)
            ranked = [(hit["id"], hit.score or 0.0) for hit in found] if limit != 0 else []
            return Execution(_total(reader, compiled, found), ranked, warnings, fuzzy_terms)
        # One hit per group of copies: fetch more than the page, fold copies, fetch more if short.
        groups = reader.searcher.reader().column_reader("copy_group")
        fetch = limit * 3 + 10
        while True:
            found = reader.searcher.search(compiled, limit=fetch, **kwargs)
            hits = [(hit.docnum, hit["id"], hit.score or 0.0) for hit in found]
            folded = _fold_copies(hits, groups)
            total = _total(reader, compiled, found)
            if len(folded[0]) >= limit or len(hits) >= total:
                break
            fetch *= 4
        ranked, copies = folded
        return Execution(total, ranked[:limit], warnings, fuzzy_terms, copies)
    found = reader.searcher.search(compiled, limit=None, **kwargs)
    candidates = [(hit.docnum, hit["id"], hit.score or 0.0) for hit in found]
    groups = reader.searcher.reader().column_reader("copy_group") if collapse else None
    return _verified(reader, tree, candidates, limit, collapse, warnings, fuzzy_terms, groups)


def _verified(reader: Reader, tree: Node, candidates: list[tuple[int, str, float]], limit: int | None,
              collapse: bool, warnings: list[str], fuzzy_terms: dict, groups) -> Execution:
    """The candidates (docnum, id, score, in rank order) whose text passes the checks the index cannot
    make (`w/s`, `w/p`, `exact:`)."""
    from .verify import Verifier

    verifier = Verifier(tree, reader.searcher, fuzzy_terms)
    passing: list[tuple[str, float, int]] = []
    for start in range(0, len(candidates), 200):
        chunk = candidates[start:start + 200]
        docs = reader.store.get_many(doc_id for _, doc_id, _ in chunk)
        for docnum, doc_id, score in chunk:
            doc = docs.get(doc_id)
            if doc is not None and verifier.holds(docnum, doc):
                passing.append((doc_id, score, docnum))
    total = len(passing)
    copies: dict[str, int] = {}
    ranked = [(doc_id, score) for doc_id, score, _ in passing]
    if collapse:
        ranked, copies = _fold_copies([(docnum, doc_id, score) for doc_id, score, docnum in passing], groups)
    return Execution(total, ranked if limit is None else ranked[:limit], warnings, fuzzy_terms, copies)


def _total(reader: Reader, compiled, found) -> int:
    """The exact number of matches: counted while collecting when Whoosh visited every match, else
    from the posting lists (`count.py`), not by Whoosh's second pass over the matchers."""
    if found.has_exact_length():
        return len(found)
    from .count import total

    return total(reader.searcher, compiled)


def _fold_copies(hits: list[tuple[int, str, float]], groups, by_position: bool = False
                 ) -> tuple[list[tuple[str, float]], dict[str, int]]:
    """Keep the first hit of each group of copies; count the copies folded into it. `groups` maps a
    document number (or, `by_position`, the hit's place in `hits`) to its group."""
    first: dict[str, str] = {}
    kept: list[tuple[str, float]] = []
    copies: dict[str, int] = {}
    for place, (docnum, doc_id, score) in enumerate(hits):
        group = groups[place if by_position else docnum] or doc_id
        if group in first:
            copies[first[group]] = copies.get(first[group], 0) + 1
        else:
            first[group] = doc_id
            kept.append((doc_id, score))
    return kept, copies


def search(index_path: str | os.PathLike[str], query: str, *, limit: int = 10, offset: int = 0,
           sort: str = "relevance", snippet_chars: int = 240, filters: Filters = NO_FILTERS,
           match: str = "all", list_copies: bool = False, suggest: bool = True,
           stats: ranking.CollectionStats | None = None) -> SearchResults:
    """Ranked hits for `query`. `total` is the exact number of matching documents; up to `limit` hits
    are returned from `offset` on, one per group of copies (`Hit.copies` says how many more matched;
    `list_copies` also lists every copy of each hit). `match="any"` lets words side by side match in any
    number. With `suggest`, a query that finds few documents gets a corrected spelling that finds more,
    if there is one (`suggest.py`). `stats`: as `execute()`'s. A sharded index is searched shard by
    shard, and the results merged (`gather.py`)."""
    if limit < 0 or offset < 0:
        raise SearchError("--limit and --offset take numbers from 0 up")
    if is_sharded(index_path):
        from . import gather

        return gather.search(index_path, query, limit=limit, offset=offset, sort=sort, snippet_chars=snippet_chars,
                             filters=filters, match=match, list_copies=list_copies, suggest=suggest)
    started = time.perf_counter()
    parsed = Query.parse(query, filters, match)
    results = SearchResults(query, parsed.describe(), 0, offset)
    with open_reader(IndexFolder(index_path), ranking.weighting()) as reader:
        run = execute(reader, parsed, limit=offset + limit if limit else 0, sort=sort, collapse=True, stats=stats)
        results.total = run.total
        results.warnings = run.warnings
        if suggest:
            results.suggestion = _suggestion(reader, parsed, run.total, match)
        results.hits = page_hits(reader, parsed, run.ranked[offset:offset + limit], run.fuzzy_terms, run.copies,
                                 snippet_chars, list_copies)
    results.seconds = time.perf_counter() - started
    return results


def page_hits(reader: Reader, parsed: Query, page: list[tuple[str, float]], fuzzy_terms: dict,
              copies: dict[str, int], snippet_chars: int, list_copies: bool) -> list[Hit]:
    """The `Hit`s of `page` (id, score): documents from the store, snippets and titles highlighted."""
    docs = reader.store.get_many(doc_id for doc_id, _ in page) if page else {}
    spec = match_spec(parsed.tree, fuzzy_terms)
    hits = []
    for doc_id, score in page:
        doc = docs.get(doc_id)
        if doc is None:  # indexed but no longer stored: the next index run removes it
            continue
        copy_list = None
        if list_copies:
            others = reader.store.copies_of(doc_id)
            found = reader.store.get_many(others)
            copy_list = [found[o] for o in others if o in found]
        hits.append(Hit(doc, float(score), highlight.snippet(doc.body, spec, snippet_chars),
                        highlight.mark_all(doc.title, spec), copies.get(doc_id, 0), copy_list))
    return hits


def _suggestion(reader: Reader, parsed: Query, total: int, match: str):
    """A spelling of the query that finds more than `total` documents, or None; no work unless `total`
    is below `suggest.FEW_HITS`."""
    from . import suggest

    if total >= suggest.FEW_HITS or reader.searcher is None:
        return None

    def count(text: str) -> int | None:
        try:
            return execute(reader, Query(text, parse(text, match), parsed.filters), limit=0).total
        except QueryError:
            return None

    return suggest.suggest(reader.searcher.reader(), parsed.text, parsed.tree, total, count)


def stored(reader: Reader, ranked: list[tuple[str, float]], batch: int = 200) -> Iterator[tuple[Document, float]]:
    """The documents of `ranked` (id, score) pairs, in that order, with their scores, read from the store
    `batch` at a time (memory stays flat however many match). A document indexed but no longer stored
    is left out: the next index run removes it."""
    for start in range(0, len(ranked), batch):
        chunk = ranked[start:start + batch]
        docs = reader.store.get_many(doc_id for doc_id, _ in chunk)
        for doc_id, score in chunk:
            if doc_id in docs:
                yield docs[doc_id], score


def show(index_path: str | os.PathLike[str], doc_id: str) -> tuple[Document, list[dict[str, Any]]]:
    """One stored document (an unambiguous id prefix of 6+ digits will do) and its earlier versions.
    `copies()` lists its copies."""
    if is_sharded(index_path):
        from . import gather

        return gather.show(index_path, doc_id)[:2]
    folder = IndexFolder(index_path)
    folder.require()
    if not folder.has_store():
        raise DocumentNotFound(f"no document {doc_id} (the index is empty)")
    with folder.open_store(readonly=True) as store:
        doc = find_document(store, doc_id, index_path)
        return doc, store.versions(doc.id)


def find_document(store, doc_id: str, index_path: str | os.PathLike[str]) -> Document:
    """The stored document with id `doc_id`, or with an id it is the unambiguous start of (6+ digits);
    `DocumentNotFound` otherwise."""
    ids = store.ids_named(doc_id)
    DocumentNotFound.unless_one(ids, doc_id, index_path)
    return store.get(ids[0])


def copies(index_path: str | os.PathLike[str], doc_id: str) -> list[Document]:
    """The other documents in `doc_id`'s group of copies."""
    if is_sharded(index_path):
        from . import gather

        return gather.copies(index_path, doc_id)
    folder = IndexFolder(index_path)
    folder.require()
    if not folder.has_store():
        return []
    with folder.open_store(readonly=True) as store:
        others = store.copies_of(doc_id)
        found = store.get_many(others)
        return [found[o] for o in others if o in found]


def stats(index_path: str | os.PathLike[str]) -> dict[str, Any]:
    if is_sharded(index_path):
        from . import gather

        return gather.stats(index_path)
    folder = IndexFolder(index_path)
    folder.require()
    if not folder.has_store():
        return {"documents": 0, "first_date": None, "last_date": None, "sources": {}, "bytes": 0,
                "versions": 0}
    with folder.open_store(readonly=True) as store:
        figures = store.stats()
    figures["bytes"] = folder.size_bytes()
    return figures


# -- explain and KWIC -------------------------------------------------------------------------------
@dataclass
class Clause:
    depth: int
    text: str
    count: int

    def to_json(self) -> dict[str, Any]:
        return {"depth": self.depth, "clause": self.text, "documents": self.count}


def explain(index_path: str | os.PathLike[str], query: str, *, filters: Filters = NO_FILTERS,
            match: str = "all") -> list[Clause]:
    """How the query was understood, clause by clause, with the number of documents each matches on its
    own: why a query finds nothing becomes visible."""
    if is_sharded(index_path):
        from . import gather

        return gather.explain(index_path, query, filters=filters, match=match)
    parsed = Query.parse(query, filters, match)
    clauses: list[Clause] = []
    with open_reader(IndexFolder(index_path)) as reader:
        def walk(node: Node, depth: int) -> None:
            count = execute(reader, Query(query, node), limit=0).total
            clauses.append(Clause(depth, node.describe(), count))
            for child in node.children():
                walk(child, depth + 1)

        walk(parsed.full_tree, 0)
    return clauses


@dataclass
class KwicLine:
    doc: Document
    left: str
    match: str
    right: str
    score: float = 0.0  # its document's (a sharded index's lines are merged by it)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.doc.id, "date": self.doc.date or None, "title": self.doc.title,
                "source": self.doc.source, "url": self.doc.url, "left": self.left, "match": self.match,
                "right": self.right}


KWIC_SORTS = ("date", "-date", "left", "right", "relevance")


def kwic(index_path: str | os.PathLike[str], query: str, *, filters: Filters = NO_FILTERS, match: str = "all",
         context: int = 40, sort: str = "date", stats: ranking.CollectionStats | None = None,
         warnings: list[str] | None = None) -> tuple[int, list[KwicLine]]:
    """Every match of `query` in every matching document, as keyword-in-context lines: `context`
    characters either side, cut at word boundaries. Sorted by date, or by the word just left (read
    backwards, as concordancers do) or right of the match. Returns (documents, lines). `stats`: as
    `execute()`'s; `warnings` is added to."""
    if sort not in KWIC_SORTS:
        raise SearchError(f"unknown KWIC sort {sort!r}; use one of {', '.join(KWIC_SORTS)}")
    if is_sharded(index_path):
        from . import gather

        return gather.kwic(index_path, query, filters=filters, match=match, context=context, sort=sort,
                           warnings=warnings)
    parsed = Query.parse(query, filters, match)
    lines: list[KwicLine] = []
    with open_reader(IndexFolder(index_path), ranking.weighting()) as reader:
        run = execute(reader, parsed, limit=None, sort="relevance" if sort == "relevance" else
                      ("-date" if sort == "-date" else "date"), stats=stats)
        if warnings is not None:
            warnings += run.warnings
        spec = match_spec(parsed.tree, run.fuzzy_terms)
        for doc, score in stored(reader, run.ranked):
            for text in (doc.title, doc.body):
                for m_start, m_end, _ in highlight.find_matches(text, spec):
                    lines.append(KwicLine(doc, highlight.context_left(text, m_start, context),
                                          " ".join(text[m_start:m_end].split()),
                                          highlight.context_right(text, m_end, context), score))
    return run.total, sort_by_context(lines, sort)


def sort_by_context(lines: list[KwicLine], sort: str) -> list[KwicLine]:
    """KWIC lines by the words left of the match (read backwards) or right of it; else as they came."""
    if sort == "left":
        lines.sort(key=lambda line: [w.casefold() for w in reversed(line.left.split())])
    elif sort == "right":
        lines.sort(key=lambda line: [w.casefold() for w in line.right.split()])
    return lines

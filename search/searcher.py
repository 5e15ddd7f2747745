"""Running queries: ranked hits with snippets, every match for exports and counts, one document, and
index statistics.

Moving parts:
- `Filters`: the command line's `--from/--to/--source/--author/--entity/--tag`, ANDed with the query;
- `Query`: a parsed query with its filters, and `execute()`, which runs it on the current Whoosh
  generation with BM25F ranking (or sorted by date) and counts every match exactly;
- `search()`: a page of ranked hits, with snippets (`highlight.py`) built for those hits only, from the
  texts in the document store; `matching()` streams every matching `Document` (exports, facets, KWIC);
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

from . import highlight, ranking
from .errors import DocumentNotFound, SearchError
from .query import And, DateRange, Node, Or, Phrase, compile_query, describe, match_spec, parse

SORTS = ("relevance", "date", "-date")


@dataclass
class Hit:
    doc: Document
    score: float
    snippet: list[highlight.Segment]
    title: list[highlight.Segment]

    def to_json(self) -> dict[str, Any]:
        d = self.doc
        return {"id": d.id, "url": d.url, "title": d.title, "date": d.date or None,
                "authors": list(d.authors), "source": d.source, "score": round(self.score, 4),
                "snippet": highlight.to_html(self.snippet), "entities": [e.to_json() for e in d.entities]}


@dataclass
class SearchResults:
    query: str
    parsed: str
    total: int
    offset: int
    hits: list[Hit] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [h.to_json() for h in self.hits]}


@dataclass(frozen=True)
class Filters:
    """Restrictions ANDed with a query. Several values of one kind are alternatives (OR)."""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def nodes(self) -> list[Node]:
        found: list[Node] = []
        if self.date_from or self.date_to:
            found.append(DateRange(self.date_from, self.date_to))
        for fieldname, values in (("source", self.sources), ("author", self.authors),
                                  ("entity", self.entities), ("tag", self.tags)):
            alternatives: list[Node] = [Phrase(v, fieldname) for v in values if v.strip()]
            if alternatives:
                found.append(alternatives[0] if len(alternatives) == 1 else Or(alternatives))
        return found

    def describe(self) -> str:
        return " ".join(describe(n) for n in self.nodes())


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
        return describe(self.full_tree)


@dataclass
class Execution:
    total: int
    ranked: list[tuple[str, float]]  # (id, score) of the hits asked for


def execute(reader: Reader, query: Query, *, limit: int | None, sort: str = "relevance") -> Execution:
    """Run `query`; `limit=None` returns every match. The total is exact."""
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if reader.searcher is None:
        return Execution(0, [])
    kwargs: dict[str, Any] = {"limit": limit if limit is None or limit > 0 else 1, "terms": False}
    if sort != "relevance":
        kwargs.update(sortedby="date", reverse=(sort == "-date"))
    found = reader.searcher.search(compile_query(query.full_tree), **kwargs)
    total = len(found)
    ranked = [(hit["id"], hit.score if hit.score is not None else 0.0) for hit in found] if limit != 0 else []
    return Execution(total, ranked)


def search(index_path: str | os.PathLike[str], query: str, *, limit: int = 10, offset: int = 0,
           sort: str = "relevance", snippet_chars: int = 240, filters: Filters = NO_FILTERS,
           match: str = "all") -> SearchResults:
    """Ranked hits for `query`. `total` is the exact number of matching documents; up to `limit` hits
    are returned from `offset` on. `match="any"` lets words side by side match in any number."""
    if limit < 0 or offset < 0:
        raise SearchError("--limit and --offset take numbers from 0 up")
    started = time.perf_counter()
    parsed = Query.parse(query, filters, match)
    results = SearchResults(query, parsed.describe(), 0, offset)
    with open_reader(IndexFolder(index_path), ranking.weighting()) as reader:
        run = execute(reader, parsed, limit=offset + limit if limit else 0, sort=sort)
        results.total = run.total
        page = run.ranked[offset:offset + limit]
        docs = reader.store.get_many(doc_id for doc_id, _ in page) if page else {}
        spec = match_spec(parsed.tree)
        for doc_id, score in page:
            doc = docs.get(doc_id)
            if doc is None:  # indexed but no longer stored: the next index run removes it
                continue
            results.hits.append(Hit(doc, float(score), highlight.snippet(doc.body, spec, snippet_chars),
                                    highlight.mark_all(doc.title, spec)))
    results.seconds = time.perf_counter() - started
    return results


def matching(index_path: str | os.PathLike[str], query: str, *, filters: Filters = NO_FILTERS,
             sort: str = "date", batch: int = 200, match: str = "all") -> Iterator[Document]:
    """Every document matching `query`, in `sort` order, read from the store in batches (memory stays
    flat however many there are)."""
    parsed = Query.parse(query, filters, match)
    with open_reader(IndexFolder(index_path)) as reader:
        run = execute(reader, parsed, limit=None, sort=sort)
        ids = [doc_id for doc_id, _ in run.ranked]
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            docs = reader.store.get_many(chunk)
            for doc_id in chunk:
                if doc_id in docs:
                    yield docs[doc_id]


def show(index_path: str | os.PathLike[str], doc_id: str) -> tuple[Document, list[dict[str, Any]]]:
    """One stored document (an unambiguous id prefix of 6+ digits will do) and its earlier versions."""
    folder = IndexFolder(index_path)
    folder.require()
    if not folder.has_store():
        raise DocumentNotFound(f"no document {doc_id} (the index is empty)")
    with folder.open_store(readonly=True) as store:
        doc = store.get(doc_id)
        if doc is None and len(doc_id) >= 6:
            ids = store.find_ids(doc_id.lower())
            if len(ids) == 1:
                doc = store.get(ids[0])
            elif len(ids) > 1:
                raise DocumentNotFound(f"{doc_id} is the start of several ids; give more digits")
        if doc is None:
            raise DocumentNotFound(f"no document {doc_id} in {index_path}")
        return doc, store.versions(doc.id)


def stats(index_path: str | os.PathLike[str]) -> dict[str, Any]:
    folder = IndexFolder(index_path)
    folder.require()
    if not folder.has_store():
        return {"documents": 0, "first_date": None, "last_date": None, "sources": {}, "bytes": 0,
                "versions": 0}
    with folder.open_store(readonly=True) as store:
        figures = store.stats()
    figures["bytes"] = folder.size_bytes()
    return figures

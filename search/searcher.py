"""Running queries: ranked hits with snippets, one document, and index statistics.

`search()` parses the query (`query.py`), runs it on the current Whoosh generation with BM25F ranking
(or sorted by date), counts every match exactly, and builds snippets (`highlight.py`) for the hits
returned only, reading their text from the document store. `show()` and `stats()` read the store.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from corpus.document import Document
from indexer.index import IndexFolder, open_reader

from . import highlight
from .errors import DocumentNotFound, SearchError
from .query import compile_query, describe, match_spec, parse

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


def search(index_path: str | os.PathLike[str], query: str, *, limit: int = 10, offset: int = 0,
           sort: str = "relevance", snippet_chars: int = 240) -> SearchResults:
    """Ranked hits for `query`. `total` is the exact number of matching documents; up to `limit` hits
    are returned from `offset` on."""
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if limit < 0 or offset < 0:
        raise SearchError("--limit and --offset take numbers from 0 up")
    started = time.perf_counter()
    tree = parse(query)
    results = SearchResults(query, describe(tree), 0, offset)
    with open_reader(IndexFolder(index_path)) as reader:
        if reader.searcher is None:
            results.seconds = time.perf_counter() - started
            return results
        wanted = offset + limit
        kwargs: dict[str, Any] = {"limit": wanted if wanted > 0 else 1, "terms": False}
        if sort != "relevance":
            kwargs.update(sortedby="date", reverse=(sort == "-date"))
        found = reader.searcher.search(compile_query(tree), **kwargs)
        results.total = len(found)
        page = [(hit["id"], hit.score if hit.score is not None else 0.0)
                for hit in found[offset:wanted]] if limit > 0 else []
        docs = reader.store.get_many(doc_id for doc_id, _ in page)
        spec = match_spec(tree)
        for doc_id, score in page:
            doc = docs.get(doc_id)
            if doc is None:  # indexed but no longer stored: the next index run removes it
                continue
            results.hits.append(Hit(doc, float(score), highlight.snippet(doc.body, spec, snippet_chars),
                                    highlight.mark_all(doc.title, spec)))
    results.seconds = time.perf_counter() - started
    return results


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

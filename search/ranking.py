"""Ranking: the BM25F parameters and field weights every search uses.

BM25F scores each field (title, body, ...) with its own length normalisation and adds them up; a
match in the title is weighted `TITLE_BOOST` times one in the body. The values are measured, not
guessed: `python -m bench.ranking` scores them on a standard test collection (see docs/ranking.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import log

# How much more a match in the title counts than one in the body.
TITLE_BOOST = 0.5
# BM25 term-frequency saturation.
K1 = 1.2
# Length normalisation, per field.
B = 0.75
TITLE_B = 0.75
BODY_B = 0.75
# "bm25": Robertson/Sparck Jones idf, log(1 + (N - n + 0.5) / (n + 0.5)), as Lucene; "whoosh": Whoosh's
# log(N / (n + 1)) + 1.
IDF = "bm25"


@dataclass
class CollectionStats:
    """The statistics BM25F takes from the whole collection, summed over the shards of a sharded index
    (as Elasticsearch's `dfs_query_then_fetch` gathers them), so that each shard scores its documents
    as one index of every document would: the number of documents (deleted ones included, as Whoosh
    counts them), each field's total length, and each query term's document frequency."""
    docs: int = 0
    lengths: dict[str, int] = field(default_factory=dict)
    frequencies: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, other: CollectionStats) -> None:
        self.docs += other.docs
        for name, n in other.lengths.items():
            self.lengths[name] = self.lengths.get(name, 0) + n
        for term, n in other.frequencies.items():
            self.frequencies[term] = self.frequencies.get(term, 0) + n

    def doc_frequency(self, fieldname: str, text) -> int:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return self.frequencies.get((fieldname, text), 0)

    def avg_field_length(self, fieldname: str) -> float:
        return self.lengths.get(fieldname, 0) / (self.docs or 1)


def weighting(stats: CollectionStats | None = None):
    """The Whoosh scoring object for searches; with `stats`, idf and average field lengths come from
    them rather than from the index searched (one shard of a collection)."""
    from whoosh.scoring import BM25F

    class _BM25F(BM25F):
        def idf(self, searcher, fieldname, text):
            if IDF != "bm25":
                return super().idf(searcher, fieldname, text)
            if stats is not None:
                n, docs = stats.doc_frequency(fieldname, text), stats.docs
            else:
                parent = searcher.get_parent()
                n = parent.doc_frequency(fieldname, text)
                docs = parent.doc_count_all()
            return log(1 + (docs - n + 0.5) / (n + 0.5))

        def avg_field_length(self, searcher, fieldname):
            if stats is not None:
                return stats.avg_field_length(fieldname) or 1
            return searcher.avg_field_length(fieldname) or 1

        def scorer(self, searcher, fieldname, text, qf=1):
            made = super().scorer(searcher, fieldname, text, qf)
            if stats is not None and hasattr(made, "avgfl"):
                made.idf = self.idf(searcher, fieldname, text)
                made.avgfl = self.avg_field_length(searcher, fieldname)
            return made

    scoring = _BM25F(B=B, K1=K1, title_B=TITLE_B, body_B=BODY_B)
    # what it computes, so that an open searcher (which caches idf values) is reused only for the same
    scoring.cache_key = ("polsearch BM25F", IDF, B, K1, TITLE_B, BODY_B)
    return scoring


def scored_with(reader, stats: CollectionStats):
    """A view of `reader` whose searcher scores with `stats` (for this query only: the pooled searcher
    and its engine are left as they were)."""
    import copy

    from whoosh.searching import Searcher

    from .engine import engine_for

    view = copy.copy(reader)
    view.searcher = Searcher(reader.searcher.reader(), weighting=weighting(stats), closereader=False)
    view.engine = engine_for(reader)  # the pooled reader's engine, opened on it if not yet
    return view


def collection_stats(reader, query) -> CollectionStats:
    """What BM25F takes from the collection for `query`, counted in this index (a shard): its documents,
    its fields' total lengths, and the document frequency of every term the query can match here
    (wildcards and fuzzy words expanded)."""
    from .query import compile_query

    found = CollectionStats()
    if reader.searcher is None:
        return found
    ixreader = reader.searcher.reader()
    compiled = compile_query(query.full_tree, ixreader, [])
    found.docs = ixreader.doc_count_all()
    schema = ixreader.schema
    for name in schema.scorable_names():
        found.lengths[name] = ixreader.field_length(name)
    for fieldname, text in _terms(compiled, ixreader):
        if fieldname in schema and schema[fieldname].scorable:
            n = ixreader.doc_frequency(fieldname, text)
            if n:
                found.frequencies[(fieldname, text.decode("utf-8") if isinstance(text, bytes) else text)] = n
    return found


def _terms(compiled, ixreader):
    """Every (field, text) a compiled query can score: its terms and phrases' words, and the index's
    words its wildcards, prefixes and fuzzy words expand to."""
    from whoosh.query import MultiTerm

    for leaf in compiled.leaves():
        if isinstance(leaf, MultiTerm):
            for text in leaf._btexts(ixreader):
                yield leaf.field(), text
        else:
            yield from leaf.iter_all_terms(phrases=True)

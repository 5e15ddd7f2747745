"""Ranking: the BM25F parameters and field weights every search uses.

BM25F scores each field (title, body, ...) with its own length normalisation and adds them up; a
match in the title is weighted `TITLE_BOOST` times one in the body. The values are measured, not
guessed: `python -m bench.ranking` scores them on a standard test collection (see docs/ranking.md).
"""

from __future__ import annotations

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


def weighting():
    """The Whoosh scoring object for searches."""
    from whoosh.scoring import BM25F

    class _BM25F(BM25F):
        def idf(self, searcher, fieldname, text):
            if IDF != "bm25":
                return super().idf(searcher, fieldname, text)
            parent = searcher.get_parent()
            n = parent.doc_frequency(fieldname, text)
            docs = parent.doc_count_all()
            return log(1 + (docs - n + 0.5) / (n + 0.5))

    scoring = _BM25F(B=B, K1=K1, title_B=TITLE_B, body_B=BODY_B)
    # what it computes, so that an open searcher (which caches idf values) is reused only for the same
    scoring.cache_key = ("polsearch BM25F", IDF, B, K1, TITLE_B, BODY_B)
    return scoring

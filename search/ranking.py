"""Ranking: the BM25F parameters and field weights every search uses.

BM25F scores each field (title, body, ...) with its own length normalisation and adds them up; a
match in the title is weighted `TITLE_BOOST` times one in the body. The values are measured, not
guessed: `python -m bench.ranking` scores them on a standard test collection (see the README).
"""

from __future__ import annotations

# How much more a match in the title counts than one in the body.
TITLE_BOOST = 2.0
# BM25 term-frequency saturation and length normalisation (Robertson's usual defaults).
K1 = 1.2
B = 0.75


def weighting():
    """The Whoosh scoring object for searches."""
    from whoosh.scoring import BM25F

    return BM25F(B=B, K1=K1)

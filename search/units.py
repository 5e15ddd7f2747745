"""`w/s` and `w/p` decided from the packs: which candidate documents have both operands in one sentence
(paragraph) of a field, at positions that do not overlap, as `textmatch` decides it from the text. A
word's occurrences carry their sentence numbers in the pack (`sent_of`, and `sent_para` for the
paragraph); a phrase's are looked up among the sentence starts. The rest of the query tree (AND, OR,
NOT around such a node) is decided over the same candidates; anything only the text can decide raises
`engine.Unsupported`."""

from __future__ import annotations

import numpy as np

from indexer import packs

from . import poskeys
from .engine import EMPTY_DOCS, Engine, Unsupported, SegmentEval


class Decider:
    """`Engine.decide()`: the query tree visited over candidate documents, a boolean array a node."""

    def __init__(self, engine: Engine, ixreader) -> None:
        self.engine = engine
        self.ixreader = ixreader

    def visit(self, node, docs: np.ndarray) -> np.ndarray:
        from .query import And, Not, Or, compile_query
        from .query.syntax import Near

        if not node.needs_text():
            decided, _scores = self.engine.matches(compile_query(node, self.ixreader))
            return np.isin(docs, decided)
        if isinstance(node, And):
            out = np.ones(len(docs), dtype=bool)
            for item in node.items:
                out &= self.visit(item, docs)
            return out
        if isinstance(node, Or):
            out = np.zeros(len(docs), dtype=bool)
            for item in node.items:
                out |= self.visit(item, docs)
            return out
        if isinstance(node, Not):
            return ~self.visit(node.item, docs)
        if isinstance(node, Near) and node.unit in ("sentence", "paragraph"):
            return np.isin(docs, self.same_unit(node))
        raise Unsupported(type(node).__name__)

    def same_unit(self, node) -> np.ndarray:
        """Documents (global numbers) where the two operands occur in one sentence (paragraph) of a
        field, at positions that do not overlap, as `textmatch` finds them."""
        fields = node.fields()
        if any(f not in packs.PROSE for f in fields):
            raise Unsupported("w/s outside the title and body")
        unit = "sent" if node.unit == "sentence" else "para"
        found = []
        for seg in self.engine.segments:
            ev = SegmentEval(self.engine, seg)
            for field in fields:
                a = _occurrences(ev, field, node.left, unit)
                b = _occurrences(ev, field, node.right, unit)
                if not len(a[0]) or not len(b[0]):
                    continue
                docs = poskeys.same_unit(seg.pack.array(f"{field}.{unit}"), a, b)
                if len(docs):
                    found.append(docs + seg.offset)
        return np.unique(np.concatenate(found)) if found else EMPTY_DOCS


def _occurrences(ev: SegmentEval, field: str, node, unit: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start keys, end keys, unit numbers) of a word's or a phrase's occurrences in a prose field, by
    start: the number of the sentence (`unit` "sent") or paragraph ("para") each starts in."""
    from .query.syntax import Words
    from .textmatch import _stems

    if not isinstance(node, Words) or node.exact or getattr(node, "slop", 0) or node.needs_text():
        raise Unsupported(f"{type(node).__name__} inside w/s")
    terms = list(_stems(node.text))
    if not terms:
        return EMPTY_DOCS, EMPTY_DOCS, EMPTY_DOCS
    pack = ev.pack
    if len(terms) == 1:  # a word: its occurrences' sentences are in the pack
        t = pack.term_index(field, terms[0])
        if t < 0:
            return EMPTY_DOCS, EMPTY_DOCS, EMPTY_DOCS
        cand = np.asarray(pack.keys(field, t))
        units = pack.sentences(field, t)
        if unit == "para":
            units = pack.array(f"{field}.sent_para")[units]
        return cand, cand, units
    cand = ev.phrase_starts(field, terms)
    units = np.searchsorted(pack.array(f"{field}.{unit}"), cand, side="right") - 1
    return cand, cand + (len(terms) - 1), units

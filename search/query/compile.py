"""From the query tree to Whoosh queries, with the index's own analyzers.

Moving parts:
- `analyse()`: a text as the index saw it in a field (its terms);
- `compile_query()`: a tree to a Whoosh query (`_Compiler`, a method per kind of node). Proximity in
  words becomes span queries (`_Spans`: the operands with their positions); what the index cannot
  decide (`w/s`, `w/p`, `exact:`, see `Node.needs_text`) compiles to a superset of its matches;
- `expand()`: the index terms a wildcard or fuzzy word stands for, at most `MAX_EXPANSIONS`;
  `fuzzy_terms()` expands every fuzzy word of a tree, for highlighting and the text checks.
Whoosh is imported when a query is compiled, not before.
"""

from __future__ import annotations

import datetime as dt
import heapq
from functools import lru_cache

from .. import ranking
from .syntax import PROSE_FIELDS, Fuzzy, Near, Node, Not, Visitor, Wildcard, Words

# Wildcards and fuzzy words expand to at most this many index terms (issue a warning past it).
MAX_EXPANSIONS = 2000


@lru_cache(maxsize=None)
def _analyzer(kind: str):
    from indexer.analysis import exact_analyzer, name_analyzer, prose_analyzer

    return {"prose": prose_analyzer, "name": name_analyzer, "exact": exact_analyzer}[kind]()


def analyse(text: str, fieldname: str) -> list[str]:
    """`text` as the index saw it in `fieldname`: the list of its terms."""
    kind = "prose" if fieldname in PROSE_FIELDS else "name"
    return [t.text for t in _analyzer(kind)(text)]


def _one_of(parts: list):
    from whoosh import query as wq

    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def multi_term(node: Wildcard | Fuzzy, fieldname: str):
    """The Whoosh query for a wildcard or a fuzzy word in one field, before expansion."""
    from whoosh import query as wq

    if isinstance(node, Wildcard):
        return wq.Wildcard(fieldname, node.pattern.lower())
    terms = analyse(node.text, fieldname)
    text = terms[0] if terms else node.text.lower()
    return wq.FuzzyTerm(fieldname, text, maxdist=node.distance, prefixlength=1)


def expand(query, reader, warnings: list[str] | None, label: str) -> list[str]:
    """The index terms a wildcard or fuzzy query stands for: at most MAX_EXPANSIONS, those in the most
    documents when there are more (the first ones in alphabetical order would be an arbitrary cut)."""
    texts = [text.decode("utf-8") if isinstance(text, bytes) else text
             for _field, text in query.expanded_terms(reader)]
    if len(texts) <= MAX_EXPANSIONS:
        return texts
    fieldname = query.field()
    if warnings is not None:
        warnings.append(f"{label} matches {len(texts):,} words in the {fieldname}; only the "
                        f"{MAX_EXPANSIONS:,} most frequent are searched")
    return heapq.nlargest(MAX_EXPANSIONS, texts, key=lambda text: reader.doc_frequency(fieldname, text))


def fuzzy_terms(tree: Node, reader) -> dict[int, list[str]]:
    """For each fuzzy word of `tree` (by `id`), the body terms it stands for in the index."""
    return {id(node): expand(multi_term(node, "body"), reader, None, node.written)
            for node in tree.walk() if isinstance(node, Fuzzy)}


def compile_query(node: Node, reader=None, warnings: list[str] | None = None):
    """The Whoosh query for a parsed tree. `reader` (an index reader) is needed for wildcards and fuzzy
    words inside proximity; `warnings` collects notes such as a capped wildcard. Nodes that need the
    text (`needs_text`) compile to a superset of their matches."""
    return _Compiler(reader, warnings).visit(node)


class _Compiler(Visitor):
    def __init__(self, reader, warnings: list[str] | None) -> None:
        self.reader = reader
        self.warnings = warnings

    def visit_Words(self, node: Words):
        from whoosh import query as wq

        if node.field in ("id", "language"):
            return wq.Term(node.field, node.text.lower() if node.field == "language" else node.text)
        parts = []
        for fieldname in node.fields():
            terms = analyse(node.text, fieldname)
            if terms:
                boost = ranking.TITLE_BOOST if fieldname == "title" and node.field is None else 1.0
                parts.append(_terms_query(fieldname, terms, boost, node.slop))
        return _one_of(parts)

    def visit_Wildcard(self, node: Wildcard | Fuzzy):
        from whoosh import query as wq

        parts = []
        for fieldname in node.fields():
            query = multi_term(node, fieldname)
            if self.reader is not None:  # expand here, so that a huge expansion is capped with a warning
                texts = expand(query, self.reader, self.warnings, node.written)
                query = wq.Or([wq.Term(fieldname, t) for t in texts]) if texts else wq.NullQuery
            parts.append(query)
        return _one_of(parts)

    visit_Fuzzy = visit_Wildcard

    def visit_Near(self, node: Near):
        from whoosh import query as wq

        if node.unit != "words":  # candidates: both sides in the document; the text decides
            return wq.And([self.visit(node.left), self.visit(node.right)])
        parts = [_Spans(fieldname, self.reader, self.warnings).visit(node) for fieldname in node.fields()]
        return _one_of([p for p in parts if p is not wq.NullQuery])

    def visit_FieldValue(self, node):
        from whoosh import query as wq

        return wq.Term(node.field, node.value)

    def visit_DateRange(self, node):
        from whoosh import query as wq

        start = dt.datetime.combine(node.start, dt.time.min) if node.start else None
        end = dt.datetime.combine(node.end, dt.time.max) if node.end else None
        return wq.DateRange("date", start, end)

    def visit_Or(self, node):
        from whoosh import query as wq

        return wq.Or([self.visit(i) for i in node.items])

    def visit_And(self, node):
        from whoosh import query as wq

        # And + Not, never Whoosh's AndNot: its matcher (whoosh3 3.54, as Whoosh 2.7) fails to exclude the
        # first positive document when the excluded term's postings start before it.
        return wq.And([self.visit(i) for i in node.items])

    def visit_Not(self, node: Not):
        from whoosh import query as wq

        # A NOT over a node the index cannot decide excludes nothing here: the text check decides.
        if node.item.needs_text():
            return wq.Every()
        return wq.Not(self.visit(node.item))

    def generic_visit(self, node: Node, *args):
        raise TypeError(f"unknown node {node!r}")  # pragma: no cover


def _terms_query(fieldname: str, terms: list[str], boost: float, slop: int = 0):
    from whoosh import query as wq
    from whoosh.query import spans

    from ..phrase import AdjacentPhrase

    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    if slop:
        return spans.SpanNear2([wq.Term(fieldname, t) for t in terms], slop=slop, ordered=False)
    return AdjacentPhrase(fieldname, terms, boost=boost)


@lru_cache(maxsize=1)
def _span_or_class():
    from whoosh.query import spans

    class SpanOr(spans.SpanOr):
        """Whoosh's SpanOr, which (whoosh3 3.54) cannot estimate its size, so that a SpanNear2 over it
        fails to run: an OR matches at most the documents of its parts together."""

        def estimate_size(self, ixreader):
            return sum(q.estimate_size(ixreader) for q in self.subqs)

        def estimate_min_size(self, ixreader):
            return min((q.estimate_min_size(ixreader) for q in self.subqs), default=0)

    return SpanOr


class _Spans(Visitor):
    """A span query (positions kept) for a proximity operand in one field."""

    def __init__(self, fieldname: str, reader, warnings: list[str] | None) -> None:
        self.fieldname = fieldname
        self.reader = reader
        self.warnings = warnings

    def visit_Words(self, node: Words):
        from whoosh import query as wq
        from whoosh.query import spans

        terms = analyse(node.text, self.fieldname)
        if not terms:
            return wq.NullQuery
        if len(terms) == 1:
            return wq.Term(self.fieldname, terms[0])
        return spans.SpanNear2([wq.Term(self.fieldname, t) for t in terms], slop=node.slop or 1,
                               ordered=not node.slop)

    def visit_Wildcard(self, node: Wildcard | Fuzzy):
        from whoosh import query as wq

        if self.reader is None:
            raise ValueError("expanding a wildcard inside a proximity needs an index reader")
        texts = expand(multi_term(node, self.fieldname), self.reader, self.warnings, node.written)
        if not texts:
            return wq.NullQuery
        return _span_or_class()([wq.Term(self.fieldname, t) for t in texts])

    visit_Fuzzy = visit_Wildcard

    def visit_Or(self, node):
        from whoosh import query as wq

        parts = [p for p in (self.visit(i) for i in node.items) if p is not wq.NullQuery]
        return _span_or_class()(parts) if parts else wq.NullQuery

    def visit_Near(self, node: Near):
        from whoosh import query as wq
        from whoosh.query import spans

        if node.unit != "words":
            return self.generic_visit(node)
        left, right = self.visit(node.left), self.visit(node.right)
        if left is wq.NullQuery or right is wq.NullQuery:
            return wq.NullQuery
        return spans.SpanNear2([left, right], slop=node.distance, ordered=node.ordered)

    def generic_visit(self, node: Node, *args):
        raise TypeError(f"not a proximity operand: {node!r}")  # the parser lets none through

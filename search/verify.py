"""Deciding, from the stored text, the parts of a query the index cannot decide.

Same sentence (`w/s`), same paragraph (`w/p`) and exact forms (`exact:`) are not in the index: the
compiled query finds a superset of their matches (both sides present; the stemmed word), and a
`Verifier` checks each candidate. It evaluates the whole query tree for a document: subtrees the index
decides are looked up in document-number sets computed once per query; the others are evaluated on the
document's title and body (`textmatch`). Totals stay exact: every candidate is checked, not only the
page shown.
"""

from __future__ import annotations

from typing import Any

from corpus.document import Document

from .query import And, Node, Not, Or, compile_query
from .query.syntax import Visitor
from .textmatch import Tokens, instances, tokenize


class Verifier(Visitor):
    """`holds(docnum, doc)`: whether a candidate document satisfies the whole tree."""

    def __init__(self, tree: Node, searcher: Any, fuzzy_terms: dict[int, list[str]] | None = None) -> None:
        self.tree = tree
        self.searcher = searcher
        self.fuzzy_terms = fuzzy_terms or {}
        self._sets: dict[int, set[int]] = {}
        self._tokens: dict[tuple[str, str], Tokens] = {}

    def _decided(self, node: Node) -> set[int]:
        key = id(node)
        if key not in self._sets:
            query = compile_query(node, self.searcher.reader())
            self._sets[key] = set(self.searcher.docs_for_query(query))
        return self._sets[key]

    def holds(self, docnum: int, doc: Document) -> bool:
        self._tokens.clear()
        return self.visit(self.tree, docnum, doc)

    def visit(self, node: Node, docnum: int, doc: Document) -> bool:
        if not node.needs_text():
            return docnum in self._decided(node)
        return super().visit(node, docnum, doc)

    def visit_And(self, node: And, docnum: int, doc: Document) -> bool:
        return all(self.visit(item, docnum, doc) for item in node.items)

    def visit_Or(self, node: Or, docnum: int, doc: Document) -> bool:
        return any(self.visit(item, docnum, doc) for item in node.items)

    def visit_Not(self, node: Not, docnum: int, doc: Document) -> bool:
        return not self.visit(node.item, docnum, doc)

    def generic_visit(self, node: Node, docnum: int, doc: Document) -> bool:
        """A node only the text decides (`w/s`, `w/p`, an exact form), in each field it searches."""
        return any(instances(node, self._text(doc, f), self.fuzzy_terms) for f in node.fields())

    def _text(self, doc: Document, fieldname: str) -> Tokens:
        key = (doc.id, fieldname)
        if key not in self._tokens:
            self._tokens[key] = tokenize(doc.title if fieldname == "title" else doc.body)
        return self._tokens[key]


"""Exceptions of the search package. The CLI turns them into one-line messages."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error the search package raises on purpose."""


_CONTEXT = 60  # characters of a query shown either side of the problem


class QueryError(SearchError):
    """A query that cannot be parsed. `position` is the 0-based offset of the problem in `query`."""

    def __init__(self, message: str, query: str, position: int, hint: str = "") -> None:
        self.message = message
        self.query = query
        self.position = max(0, min(position, len(query)))
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        q, p = self.query, self.position
        # A long query (a pasted paragraph) is shown around the problem only, so the message stays readable.
        before = q[:p] if p <= _CONTEXT else "…" + q[p - _CONTEXT:p]
        after = q[p:] if len(q) - p <= _CONTEXT else q[p:p + _CONTEXT] + "…"
        pointer = f"{before}▸{after}" if q else "(empty)"
        text = f"{self.message} at column {p + 1}: {pointer}"
        return f"{text} ({self.hint})" if self.hint else text


class DocumentNotFound(SearchError):
    """No document with that id in the index."""

    @staticmethod
    def unless_one(ids: list, doc_id: str, index_path) -> None:
        """Raised unless `ids`, those `doc_id` names (itself or as the start of each), are exactly one."""
        if len(ids) > 1:
            raise DocumentNotFound(f"{doc_id} is the start of several ids; give more digits")
        if not ids:
            raise DocumentNotFound(f"no document {doc_id} in {index_path}")

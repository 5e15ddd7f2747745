"""search: parse a researcher's query, run it, rank, highlight and format; the click CLI (`search.cli`).

Knows nothing of HTML parsing. The search functions are imported on first use, so that the CLI's
start-up (`polsearch --help`) does not pay for Whoosh.
"""

from typing import Any

from .errors import DocumentNotFound, QueryError, SearchError

_LAZY = {"search", "show", "stats", "SearchResults"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import searcher

        return getattr(searcher, name)
    raise AttributeError(f"module 'search' has no attribute {name!r}")


__all__ = ["search", "show", "stats", "SearchResults", "SearchError", "QueryError", "DocumentNotFound"]

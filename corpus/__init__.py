"""corpus: get pages, turn each HTML page into one `Document`, keep Documents in the document store.

Public API: `normalise(html, url=None) -> Document`, `Document`, `Entity`, and the errors in
`corpus.errors`. Knows nothing of Whoosh or the CLI. The normaliser (BeautifulSoup, lxml) is imported on
first use, so importing the package stays cheap.
"""

from typing import Any

from .document import Document, Entity
from .errors import CorpusError, InputError, PageError, SkipPage, StoreError


def __getattr__(name: str) -> Any:
    if name == "normalise":
        from .extract.pipeline import normalise

        return normalise
    raise AttributeError(f"module 'corpus' has no attribute {name!r}")


__all__ = ["normalise", "Document", "Entity", "CorpusError", "InputError", "PageError", "SkipPage",
           "StoreError"]

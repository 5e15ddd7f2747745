"""corpus: get pages, turn each HTML page into one `Document`, keep Documents in the document store.

One package per stage of the pipeline: `collect/` (`scrape`: polite collection into WARC files),
`inputs/` (the raw pages named to `index`: files, folders, WARC files), `extract/` (one page in, one
`Document` out), `store/` (the document store and copy detection), and `data/` (word lists, gazetteers,
site profiles, the sample pages). `document.py`, `errors.py`, `progress.py` and `closing.py` are shared
by all of them.

Public API: `normalise(html, url=None) -> Document`, `Document`, `Entity`, and the errors in
`corpus.errors`. Knows nothing of Whoosh or the CLI. `normalise` (BeautifulSoup, lxml, trafilatura) and
`Document` are imported on first use, so importing the package, or one of its light modules such as
`corpus.collect.settings`, stays cheap.
"""

from typing import Any

from .errors import CorpusError, InputError, PageError, SkipPage, StoreError


def __getattr__(name: str) -> Any:
    # Imported when first asked for: `polsearch --help` needs none of them.
    if name == "normalise":
        from .extract.pipeline import normalise

        return normalise
    if name in ("Document", "Entity"):
        from . import document

        return getattr(document, name)
    raise AttributeError(f"module 'corpus' has no attribute {name!r}")


__all__ = ["normalise", "Document", "Entity", "CorpusError", "InputError", "PageError", "SkipPage",
           "StoreError"]

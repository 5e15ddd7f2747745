"""The Whoosh schema, and how a `Document` becomes the fields of one index entry.

Searchable text: `title` and `body` (prose analyzer, positions for phrases and proximity; separate fields,
so a phrase never runs from the title into the body), `author`, `entity`, `source`, `tag` (name
analyzer: whole words, no stemming). Filtering, sorting and facets: `date` (sortable), `year`,
`author_facet`, `entity_facet`, `source_facet`, `tag_facet`, `language`. Copies: `copy_group`, `is_copy`.
Spelling suggestions: `spelling`, the words of the title and body as written (lowercased, accents folded,
no stemming, letters only, 3+ letters), one posting per document, so its document frequencies count documents.
Identity: `id` (unique, stored).

Only `id` is stored: bodies, titles and everything `show` prints are read back from the document store,
which keeps them anyway. `SCHEMA_VERSION` changes whenever the schema or an analyzer does; an index built
with another version is rebuilt from the store (`polsearch reindex`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from whoosh.fields import DATETIME, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.support.charset import accent_map

from corpus.document import Document

from .analysis import WORD_PATTERN, name_analyzer, prose_analyzer

SCHEMA_VERSION = 4  # 2: copy groups; 3: spelling; 4: facet columns


def build_schema() -> Schema:
    prose = prose_analyzer()
    names = name_analyzer()
    return Schema(
        id=ID(unique=True, stored=True),
        title=TEXT(analyzer=prose, phrase=True),
        body=TEXT(analyzer=prose, phrase=True),
        author=TEXT(analyzer=names, phrase=True),
        entity=TEXT(analyzer=names, phrase=True),
        source=TEXT(analyzer=names, phrase=True),
        tag=TEXT(analyzer=names, phrase=True),
        date=DATETIME(sortable=True),
        year=NUMERIC(int, bits=32, sortable=True),
        author_facet=KEYWORD(commas=False, lowercase=False, scorable=False, sortable=True),
        entity_facet=KEYWORD(commas=False, lowercase=False, scorable=False, sortable=True),
        tag_facet=KEYWORD(commas=False, lowercase=False, scorable=False, sortable=True),
        source_facet=ID(sortable=True),
        language=ID,
        copy_group=ID(sortable=True),  # copies share a group (corpus/store/copies.py); results show one per group
        is_copy=ID,                    # "1" for all but the group's first document: counts one per group
        spelling=KEYWORD(commas=False, lowercase=False, scorable=False),  # spelling_words(): suggestions
    )


def _keyword_value(values: list[str]) -> str:
    # KEYWORD splits on whitespace unless told otherwise; names hold spaces, so encode them.
    return " ".join(v.replace(" ", "_") for v in values if v)


def to_fields(doc: Document, copy_group: str | None = None) -> dict[str, Any]:
    """The index entry for one document; `copy_group` names its group of copies (itself if none)."""
    fields: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.body,
        "author": "\n".join(doc.authors),
        "entity": "\n".join(e.text for e in doc.entities),
        "source": doc.source,
        "tag": "\n".join(doc.tags),
        "author_facet": _keyword_value(list(doc.authors)),
        "entity_facet": _keyword_value([f"{e.type}:{e.text}" for e in doc.entities]),
        "tag_facet": _keyword_value(list(doc.tags)),
        "source_facet": doc.source or "",
        "language": doc.language or "",
        "copy_group": copy_group or doc.id,
        "is_copy": "1" if copy_group and copy_group != doc.id else "0",
        "spelling": " ".join(spelling_words(doc.title, doc.body)),
    }
    if doc.date:
        day = dt.date.fromisoformat(doc.date)
        fields["date"] = dt.datetime(day.year, day.month, day.day)
        fields["year"] = day.year
    return {k: v for k, v in fields.items() if v != ""}


_WORDS = re.compile(WORD_PATTERN)


def spelling_words(*texts: str) -> list[str]:
    """The distinct words of `texts` as the `spelling` field keeps them: the prose analyzer's words
    without stemming (lowercased, possessive 's removed, accents folded), letters and inner apostrophes
    only (no numbers: nobody misspells a year), 3 to 30 letters. Suggestions are made from these, so a
    suggestion is a word as it occurs in the collection, never a stem."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(_WORDS.findall(text.lower()))  # distinct first: the steps below run once per word
    words = set()
    for word in found:
        word = word.replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        if not word.isascii():
            word = word.translate(accent_map)
        if 3 <= len(word) <= 30 and word.replace("'", "").isalpha():
            words.add(word)
    return sorted(words)


def facet_value(term: str) -> str:
    return term.replace("_", " ")

"""Analyzers: how text becomes index terms. Query parsing and highlighting use the same ones.

- `prose_analyzer()` for titles and bodies: words (keeping inner dots and apostrophes: "U.S.", "don't"),
  possessive "'s" removed, lowercased, accents folded, English Snowball (Porter2) stems. Every word keeps
  its position, stop words included, so a phrase matches only those exact words in order.
- `name_analyzer()` for authors, entities, sources and tags: the same words, lowercased and folded but
  not stemmed (names are not inflected).
- `exact_analyzer()`: the prose analyzer without stemming, for exact-form search.

The schema is pickled into the index, so `PossessiveFilter` must stay importable at this dotted path
(`indexer.analysis.PossessiveFilter`); changing an analyzer needs `polsearch reindex`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, Iterator

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.analysis.acore import Token
from whoosh.support.charset import accent_map

# A word: letters/digits, with inner dots ("U.S", "3.5") or apostrophes ("don't", "Cambodia's").
WORD_PATTERN = r"\w+(?:[.'’]\w+)*"


class PossessiveFilter(Filter):
    """Drops a possessive "'s" ("Cambodia's" -> "Cambodia") and spells apostrophes one way."""

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text.replace("’", "'")
            if text.endswith(("'s", "'S")):
                text = text[:-2]
            t.text = text
            yield t


@lru_cache(maxsize=1)
def _stemmer():
    from whoosh.lang import stemmer_for_language

    return lru_cache(maxsize=200_000)(stemmer_for_language("en"))


def stem(word: str) -> str:
    """The prose analyzer's stem of one word as `term_spans(..., stem=False)` gives it."""
    return _stemmer()(word)


_WORD = re.compile(WORD_PATTERN)


def _normal(word: str) -> str:
    """A word as the exact analyzer gives it: apostrophes one way, possessive dropped, lowercased,
    accents folded."""
    if "’" in word:
        word = word.replace("’", "'")
    if word.endswith(("'s", "'S")):
        word = word[:-2]
    word = word.lower()
    if not word.isascii():
        word = word.translate(accent_map)
    return word


# word as written -> (stemmed term, unstemmed word): the analyzer's steps run once per spelling
_FORMS: dict[str, tuple[str, str]] = {}
_FORMS_LIMIT = 500_000


def word_forms(word: str) -> tuple[str, str]:
    """(stemmed term, unstemmed word) of one word as written, as the prose and exact analyzers give it."""
    found = _FORMS.get(word)
    if found is None:
        plain = _normal(word)
        found = (_stemmer()(plain), plain)
        if len(_FORMS) < _FORMS_LIMIT:
            _FORMS[word] = found
    return found


def term_spans(text: str, stem: bool = True) -> list[tuple[str, int, int]]:
    """The terms `prose_analyzer()` (or, with `stem=False`, `exact_analyzer()`) makes of `text`, each with
    its character span. The same steps without Whoosh's token objects: highlighting runs this on every
    hit it shows, several times faster."""
    stems, words, starts, ends = term_forms(text)
    return list(zip(stems if stem else words, starts, ends))


def term_forms(text: str) -> tuple[list[str], list[str], list[int], list[int]]:
    """`term_spans(text)` and `term_spans(text, stem=False)` from one pass over the text, as four lists:
    the stemmed terms, the unstemmed words, and the words' start and end offsets. The text is split
    once (gaps and words alternate) and the offsets are the running sums of the pieces' lengths, so no
    Python runs per word but one dictionary lookup."""
    pieces = _WORD_SPLIT.split(text)  # gap, word, gap, word, ..., gap
    offsets = list(accumulate(map(len, pieces)))
    words = pieces[1::2]
    forms = _FORMS
    found = [forms.get(w) or word_forms(w) for w in words]
    return [f[0] for f in found], [f[1] for f in found], offsets[0::2][:len(words)], offsets[1::2]


_WORD_SPLIT = re.compile(f"({WORD_PATTERN})")


# A sentence ends with . ! ? or … (and closing quotes or brackets), before a space and a capital, digit
# or opening quote: good enough for prose, and the same rule for indexing (packs) and checking (textmatch).
SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9À-Ý])")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraph_starts(text: str) -> list[int]:
    """Where the text's paragraphs start (character offsets; the first at 0)."""
    return [0] + [m.end() for m in PARAGRAPH_BREAK.finditer(text)]


def sentence_starts(text: str, paragraphs: list[int] | None = None) -> list[int]:
    """Where the text's sentences start (character offsets, ascending): every paragraph's start too."""
    paragraphs = paragraph_starts(text) if paragraphs is None else paragraphs
    return sorted(set(paragraphs) | {m.end() for m in SENTENCE_END.finditer(text)})


def exact_analyzer():
    return RegexTokenizer(WORD_PATTERN) | PossessiveFilter() | LowercaseFilter() | CharsetFilter(accent_map)


def prose_analyzer():
    return exact_analyzer() | StemFilter(lang="en", cachesize=100_000)


def name_analyzer():
    return exact_analyzer()


# English words too common to say what a text is about, whatever the collection. They stay in the index
# (phrases need them); `search` leaves them out where it picks words for people: the distinctive words
# of a document (`similar`), spelling suggestions.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how however i if in into is it its itself just may me might more
most must my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those through
to too under until up upon us very was we were what when where which while who whom why will with would
yet you your yours yourself yourselves one two three new said says say
""".split())

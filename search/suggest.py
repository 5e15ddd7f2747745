"""Spelling suggestions ("did you mean"): a corrected query for a query that finds few documents.

Moving parts:
- `query_words()`: the plain words of a parsed query, each with its place in the query as typed: words
  and the words of phrases searched in titles and bodies. Not exact forms, wildcards, fuzzy words, names
  (`author:`, `entity:`, ...), dates, operators, nor what a NOT excludes (correcting it cannot find more);
- `correction()`: for a word that is absent from the index's `spelling` field or rare in it (the words of
  titles and bodies as written: lowercased, accents folded, never stemmed, one posting per document), the
  word of that field found in the most documents within one edit (a letter deleted, inserted, changed,
  or two letters swapped: each of the few hundred such strings is looked up), else within two (Whoosh's
  Levenshtein automaton over each segment's words, first letter kept). A few milliseconds a word. Not
  Whoosh's `ReaderCorrector`: its automaton counts two swapped letters ("protien") as two edits, and over
  several segments `terms_within` compares every word of the field. A suggestion is a word of the
  collection, never a stem ("policies", not "polici"), never a stop word, and never a word the search
  already finds through its stem ("policy" for "policies");
- `suggest()`: writes the query again with the corrections (all of them, and each alone), counts what
  each finds, and offers the one that finds the most, if it finds more than the query did.

The cost is nothing when a query finds `FEW_HITS` documents or more: then no suggestion is looked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from whoosh.support.charset import accent_map

from indexer.analysis import STOP_WORDS, WORD_PATTERN

from .query import Node, Phrase, Words
from .query.compile import analyse

# Look for a suggestion only when a query finds fewer documents than this.
FEW_HITS = 3
# A word found in more documents than this is taken as spelt as meant.
RARE_DOCS = 2
# A word the index has is corrected only to a word in at least this many times as many documents.
BETTER_BY = 10
# Words shorter than this are left alone (too many short words are one edit apart); two edits only from
# TWO_EDITS_FROM letters on.
MIN_LETTERS = 3
TWO_EDITS_FROM = 5
# At most this many words of a query are corrected (each costs a few lookups, and a count).
MAX_WORDS = 6
FIELD = "spelling"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(WORD_PATTERN)


@dataclass(frozen=True)
class QueryWord:
    start: int  # where the word is in the query as typed
    end: int
    word: str   # as the `spelling` field keeps words


@dataclass(frozen=True)
class Suggestion:
    query: str  # the corrected query, as the user would type it
    total: int  # how many documents it finds

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total}


def spelling_form(word: str) -> str | None:
    """`word` as the `spelling` field keeps words (see `indexer.schema.spelling_words`), or None if that
    field would not keep it (numbers, one or two letters)."""
    word = word.replace("’", "'").lower()
    if word.endswith("'s"):
        word = word[:-2]
    if not word.isascii():
        word = word.translate(accent_map)
    if MIN_LETTERS <= len(word) <= 30 and word.replace("'", "").isalpha():
        return word
    return None


def query_words(tree: Node, text: str) -> list[QueryWord]:
    """The words of `tree` (parsed from `text`) a suggestion may correct, in query order."""
    found: list[QueryWord] = []

    def words_of(value: str, offset: int) -> None:
        if text[offset:offset + len(value)] != value:  # not where the parser said: leave it alone
            return
        for m in _WORD.finditer(value):
            raw = m.group()
            form = spelling_form(raw)
            if form is None:
                continue
            end = m.end() - (2 if raw.replace("’", "'").lower().endswith("'s") else 0)
            found.append(QueryWord(offset + m.start(), offset + end, form))

    # Not what a NOT excludes: correcting it finds fewer documents, not more.
    for node in tree.walk(negated=False):
        if isinstance(node, Words) and not node.exact and node.in_prose:
            words_of(node.text, node.pos + (1 if isinstance(node, Phrase) else 0))
    return sorted(found, key=lambda w: w.start)


def _one_edit(word: str) -> set[str]:
    """Every string one edit from `word`: a letter deleted, two neighbours swapped, a letter changed or
    inserted."""
    out: set[str] = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        for letter in _LETTERS:
            out.add(head + letter + tail)
        if tail:
            out.add(head + tail[1:])
            for letter in _LETTERS:
                out.add(head + letter + tail[1:])
            if len(tail) > 1:
                out.add(head + tail[1] + tail[0] + tail[2:])
    out.discard(word)
    return out


def _two_edits(ixreader, word: str) -> set[str]:
    """The field's words within two edits of `word` with its first letter, segment by segment (each
    segment's automaton skips through its word list; over several segments at once Whoosh would
    compare every word)."""
    found: set[str] = set()
    for leaf, _offset in ixreader.leaf_readers():
        found.update(leaf.terms_within(FIELD, word, 2, prefix=1))
    found.discard(word)
    return found


def correction(ixreader, word: str) -> str | None:
    """The word to suggest instead of `word` (as `spelling_form` gives it), or None."""
    have = ixreader.doc_frequency(FIELD, word)
    if have > RARE_DOCS:
        return None
    need = max(1, have * BETTER_BY)
    stem = analyse(word, "body")

    def best(candidates: set[str]) -> str | None:
        scored = []
        for candidate in candidates:
            if candidate in STOP_WORDS:
                continue
            n = ixreader.doc_frequency(FIELD, candidate)
            if n >= need:
                scored.append((n, candidate))
        # Most documents first; a candidate with the word's stem is no correction: search finds it already.
        for n, candidate in sorted(scored, key=lambda nc: (-nc[0], nc[1])):
            if analyse(candidate, "body") != stem:
                return candidate
        return None

    found = best(_one_edit(word))
    if found is None and len(word) >= TWO_EDITS_FROM:
        found = best(_two_edits(ixreader, word))
    return found


def _as_typed(typed: str, word: str) -> str:
    """`word` in the case the user typed: SIHANOUK, Sihanouk or sihanouk. Never AND, OR, NOT."""
    if len(typed) > 1 and typed.isupper() and word.upper() not in ("AND", "OR", "NOT"):
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def suggest(ixreader, text: str, tree: Node, total: int, count: Callable[[str], int | None]) -> Suggestion | None:
    """A corrected query for `text` (parsed as `tree`), which found `total` documents, or None.
    `count(query)` says how many documents a query finds (None if it cannot be read)."""
    if total >= FEW_HITS or FIELD not in ixreader.schema:  # an index from before the field: no words to offer
        return None
    fixes: dict[str, str | None] = {}
    edits: list[tuple[int, int, str]] = []
    for qw in query_words(tree, text):
        if qw.word not in fixes:
            if len(fixes) == MAX_WORDS:
                break
            fixes[qw.word] = correction(ixreader, qw.word)
        fixed = fixes[qw.word]
        if fixed is not None:
            edits.append((qw.start, qw.end, _as_typed(text[qw.start:qw.end], fixed)))
    if not edits:
        return None
    options = [edits] + ([[e] for e in edits] if len(edits) > 1 else [])
    best: Suggestion | None = None
    for option in options:
        corrected = _rewrite(text, option)
        n = count(corrected)
        if n is not None and n > total and (best is None or n > best.total):
            best = Suggestion(corrected, n)
    return best


def _rewrite(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, word in sorted(edits, reverse=True):
        text = text[:start] + word + text[end:]
    return text

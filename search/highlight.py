"""Snippets: the best passage of a text for a query, with the words that matched marked.

Moving parts:
- `find_matches()` tokenises the text with the index's own analyzer (so "sanctions" marks where the
  query said "sanction") and returns the character spans that match: single terms, and whole phrase
  occurrences, each phrase marked as one span;
- `best_window()` picks the passage of about `width` words holding the most distinct matches;
- a snippet is a list of `Segment`s (text, marked or not); `to_html()` escapes it and wraps matches in
  `<mark>`, and the CLI colours the same segments on a terminal.
Only the hits shown are highlighted: it costs more than the search itself.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from .query import MatchSpec


_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False


@dataclass(frozen=True)
class _Token:
    term: str
    surface: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _analyzer():
    from indexer.analysis import prose_analyzer

    return prose_analyzer()


def _tokens(text: str) -> list[_Token]:
    out = []
    for t in _analyzer()(text, positions=True, chars=True):
        out.append(_Token(t.text, text[t.startchar:t.endchar].lower(), t.startchar, t.endchar))
    return out


def find_matches(tokens: list[_Token], spec: MatchSpec) -> list[tuple[int, int]]:
    """Matched token ranges [first, last] (inclusive), in order, not overlapping."""
    ranges: list[tuple[int, int]] = []
    terms = [t.term for t in tokens]
    for phrase in spec.phrases:
        n = len(phrase)
        for i in range(len(terms) - n + 1):
            if terms[i] == phrase[0] and tuple(terms[i:i + n]) == phrase:
                ranges.append((i, i + n - 1))
    for i, tok in enumerate(tokens):
        if tok.term in spec.terms or any(w.match(tok.term) or w.match(tok.surface) for w in spec.wildcards):
            ranges.append((i, i))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for first, last in ranges:
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(last, merged[-1][1]))
        else:
            merged.append((first, last))
    return merged


def best_window(tokens: list[_Token], matches: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """Token range [first, last] of about `width` tokens with the most distinct matched words."""
    if not matches:
        return 0, min(len(tokens), width) - 1
    best = (-1, -1, 0)
    for i, (first, _last) in enumerate(matches):
        distinct, count = set(), 0
        for m_first, m_last in matches[i:]:
            if m_last - first >= width:
                break
            distinct.add(" ".join(tokens[k].term for k in range(m_first, m_last + 1)))
            count += 1
        score = (len(distinct), count)
        if score > best[:2]:
            best = (len(distinct), count, first)
    start = max(0, best[2] - width // 4)
    end = min(len(tokens), start + width) - 1
    return start, end


def snippet(text: str, spec: MatchSpec, width: int = 36) -> list[Segment]:
    """The best passage of `text` for `spec`, as segments; the text's opening when nothing matches."""
    if not text:
        return []
    tokens = _tokens(text)
    if not tokens:
        return [Segment(" ".join(text.split())[:240])]
    matches = find_matches(tokens, spec) if not spec.empty() else []
    first, last = best_window(tokens, matches, width)
    segments: list[Segment] = []
    cursor = tokens[first].start
    if first > 0:
        segments.append(Segment("…"))
    for m_first, m_last in matches:
        if m_last < first or m_first > last:
            continue
        start, end = tokens[max(m_first, first)].start, tokens[min(m_last, last)].end
        if start > cursor:
            segments.append(Segment(_flat(text[cursor:start])))
        segments.append(Segment(_flat(text[start:end]), True))
        cursor = end
    end_char = tokens[last].end
    if last + 1 < len(tokens):
        # Finish on the sentence's punctuation when it is right there.
        tail = text[end_char:tokens[last + 1].start]
        end_char += len(tail) - len(tail.lstrip(".,;:!?)”’\"'")) if tail[:1] in ".,;:!?)”’\"'" else 0
    if end_char > cursor:
        segments.append(Segment(_flat(text[cursor:end_char])))
    if last + 1 < len(tokens):
        segments.append(Segment("…"))
    return segments


def mark_all(text: str, spec: MatchSpec) -> list[Segment]:
    """The whole of a short text (a title) with its matches marked."""
    tokens = _tokens(text)
    segments, cursor = [], 0
    for first, last in find_matches(tokens, spec) if tokens and not spec.empty() else []:
        start, end = tokens[first].start, tokens[last].end
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], True))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text)


def to_html(segments: list[Segment]) -> str:
    return "".join(f"<mark>{html.escape(s.text, quote=False)}</mark>" if s.marked
                   else html.escape(s.text, quote=False) for s in segments)


def to_plain(segments: list[Segment]) -> str:
    return "".join(s.text for s in segments)

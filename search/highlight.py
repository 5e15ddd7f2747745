"""Snippets: the best passage of a text for a query, with the words that matched marked.

Moving parts:
- `find_matches()` returns the character spans that match a query's `MatchSpec`: single terms in any
  inflected form (the index's own analysis decides: "sanctions" is marked for the query "sanction"),
  wildcards, whole phrase occurrences (each marked as one span), and the occurrences that satisfy a
  proximity, `w/s` or exact form. It does not analyse the whole text: `_Words` finds, with numpy
  (`wordscan.py`), where every word starts and which words start like a query's words, and only those
  are analysed, each at its position among all the words; a phrase is read from its longest word, its
  other words at the positions either side;
- `best_window()` picks the passage of about `width` characters holding the most distinct matches;
- a snippet is a list of `Segment`s (text, marked or not); `to_html()` escapes it and wraps matches in
  `<mark>`, and the CLI colours the same segments on a terminal.
Only the hits shown are highlighted.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from .query.marks import MatchSpec, wildcard_regex

_SPACES = re.compile(r"\s+")
_PUNCT_TAIL = ".,;:!?)”’\"'"


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool = False


@lru_cache(maxsize=1)
def _analysis():
    # imported when first needed (not at start-up), then held: an import statement per word marked
    # cost more than the lookup it does
    from indexer import analysis

    return analysis


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """For each letter, the characters the analyzer folds into it ("e": "eéèêë...")."""
    variants: dict[str, set[str]] = {}
    for code, base in _analysis().accent_map.items():
        variants.setdefault(base.lower(), {base.lower()}).add(chr(code))
    return {k: "".join(sorted(v)) for k, v in variants.items()}


@lru_cache(maxsize=256)
def _candidate_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str] | None:
    """Case- and accent-insensitive alternatives of the prefixes, so no folded copy of the text is
    needed."""
    if not prefixes or any(not p for p in prefixes):
        return None
    variants = _variants()

    def letter(c: str) -> str:
        v = variants.get(c)
        return f"[{re.escape(v)}]" if v else re.escape(c)

    alternatives = sorted({"".join(letter(c) for c in p) for p in prefixes}, key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _prefix(term: str) -> str:
    # A Porter2 stem keeps the start of its word, but for its last letter ("polici" <- "policy") and a
    # few short exceptions ("die" <- "dying"): search for the first letters only.
    return term[:1] if len(term) <= 3 else term[:min(len(term) - 1, 4)]


def _wildcard_prefix(pattern: re.Pattern[str]) -> str:
    # escaped punctuation is literal; `\w` (what a `*` or `?` became) is not
    literal = re.match(r"\^((?:[^\\\[\](){}.*+?^$|]|\\[^\w])*)", pattern.pattern)
    text = re.sub(r"\\(.)", r"\1", literal.group(1)) if literal else ""
    return text[:4]


class _Words:
    """The words of one text: where each starts (`wordscan`; word i is at position i), the words that
    start like a query's words, and each word's term, analysed when first asked for."""

    def __init__(self, text: str) -> None:
        from .wordscan import WordScan

        self.text = text
        self.scan = WordScan(text)
        self.starts = self.scan.words
        self._terms: dict[int, tuple[str, str, int, int]] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def candidates(self, prefixes: tuple[str, ...]) -> tuple[list[int], list[int]]:
        """The starts and positions of the words that start like one of the (lowercase, folded)
        prefixes, ascending: every word when a prefix is empty. In a text with letters outside ASCII,
        the candidates of the case- and accent-insensitive regular expression that start words."""
        import numpy as np

        if not prefixes:
            return [], []
        if any(not p for p in prefixes):
            return self.starts.tolist(), list(range(len(self.starts)))
        found = self.scan.prefix_starts(prefixes)
        if found is None:
            pattern = _candidate_pattern(prefixes)  # case- and accent-insensitive
            candidates = np.array(sorted({m.start() for m in pattern.finditer(self.text)}), dtype=np.int64)
            at = np.searchsorted(self.starts, candidates)
            keep = at < len(self.starts)
            keep[keep] = self.starts[at[keep]] == candidates[keep]
            found = candidates[keep], at[keep]
        return found[0].tolist(), found[1].tolist()

    def at(self, position: int) -> tuple[str, str, int, int]:
        """(term, unstemmed word, start, end) of the word at `position`."""
        found = self._terms.get(position)
        if found is None:
            start = int(self.starts[position])
            analysis = _analysis()
            m = analysis._WORD.match(self.text, start)
            term, word = analysis.word_forms(m.group())
            found = self._terms[position] = (term, word, start, m.end())
        return found


def _node_matches(text: str, spec: MatchSpec, words: _Words | None = None,
                  whole: bool = False) -> list[tuple[int, int, str]]:
    """Spans of the occurrences that satisfy the spec's word-by-word nodes (proximity, "..."~N, exact
    forms): runs of consecutive words of one occurrence become one span. Only the words that start as
    the nodes' words do are analysed, at their positions among all the text's words (`_Words`);
    every word with `whole` (the same spans)."""
    from .textmatch import Tokens, instances, tokenize

    prefixes: list[str] | None = []
    for node in spec.nodes:
        found = _operand_prefixes(node, spec.fuzzy_terms)
        prefixes = None if found is None or prefixes is None else prefixes + found
    if whole or prefixes is None:
        toks = tokenize(text)
    else:
        words = words or _Words(text)
        positions = words.candidates(tuple(prefixes))[1]
        terms, forms, starts, ends = zip(*map(words.at, positions)) if positions else ((), (), (), ())
        toks = Tokens(text, list(terms), list(forms), list(starts), list(ends), positions)
    span_of = toks.span_of
    found = []
    for node in spec.nodes:
        what = node.describe()
        for inst in instances(node, toks, spec.fuzzy_terms):
            positions = sorted(inst.positions)
            run_start = prev = positions[0]
            for pos in positions[1:] + [None]:
                if pos is not None and pos == prev + 1:
                    prev = pos
                    continue
                found.append((span_of[run_start][0], span_of[prev][1], what))
                if pos is not None:
                    run_start = prev = pos
    return found


def _operand_prefixes(node, fuzzy_terms: dict[int, list[str]]) -> list[str] | None:
    """The prefixes (`_prefix`) of every word an occurrence of `node` can be made of; None when a word
    can be any word (a wildcard with no literal start)."""
    from .query.syntax import Fuzzy, Near, Or, Wildcard, Words
    from .textmatch import _stems

    if isinstance(node, Words):
        if node.exact:
            return [_prefix(w) for w, _, _ in _analysis().term_spans(node.text, stem=False)]
        return [_prefix(t) for t in _stems(node.text)]
    if isinstance(node, Wildcard):
        start = _wildcard_prefix(wildcard_regex(node.pattern))
        return [start] if start else None
    if isinstance(node, Fuzzy):
        return [_prefix(t) for t in fuzzy_terms.get(id(node), ())]
    if isinstance(node, (Or, Near)):
        prefixes: list[str] = []
        for item in node.items if isinstance(node, Or) else (node.left, node.right):
            found = _operand_prefixes(item, fuzzy_terms)
            if found is None:
                return None
            prefixes += found
        return prefixes
    return []  # AND, NOT, dates: occur nowhere


def find_matches(text: str, spec: MatchSpec) -> list[tuple[int, int, str]]:
    """(start, end, what) character spans of the matches, in order, not overlapping; `what` names the
    term or phrase matched. Only the words that start like a query's words are analysed (a numpy scan
    finds them, `_Words`); a phrase is looked for from its longest word (the rarest, as a rule: "the
    united states" from "united", not from every "the"), its other words read at the positions
    either side."""
    if not text or spec.empty():
        return []
    words = _Words(text)
    found = _node_matches(text, spec, words) if spec.nodes else []
    if spec.terms or spec.wildcards:
        prefixes = [_prefix(t) for t in spec.terms] + [_wildcard_prefix(w) for w in spec.wildcards]
        for position in words.candidates(tuple(prefixes))[1]:
            term, _word, start, end = words.at(position)
            if term in spec.terms or any(w.match(term) or w.match(text[start:end].lower()) for w in spec.wildcards):
                found.append((start, end, term))
    for phrase in spec.phrases:
        n = len(phrase)
        anchor = max(range(n), key=lambda i: len(phrase[i]))
        for position in words.candidates((_prefix(phrase[anchor]),))[1]:
            first = position - anchor
            if first < 0 or first + n > len(words) or words.at(position)[0] != phrase[anchor]:
                continue
            if all(words.at(first + k)[0] == phrase[k] for k in range(n) if k != anchor):
                found.append((words.at(first)[2], words.at(first + n - 1)[3], " ".join(phrase)))
    return _merge(found)


def _merge(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    found = sorted(found)
    merged: list[tuple[int, int, str]] = []
    for start, end, what in found:
        if merged and start < merged[-1][1]:
            prev = merged[-1]
            if end > prev[1]:
                merged[-1] = (prev[0], end, prev[2] if prev[1] - prev[0] >= end - start else what)
        else:
            merged.append((start, end, what))
    return merged


def best_window(matches: list[tuple[int, int, str]], width: int) -> int:
    """Start (a character offset) of the window of `width` characters with the most distinct matches,
    then the most matches; a little context is kept before the first."""
    best, best_start = (-1, -1), 0
    for i, (start, _end, _what) in enumerate(matches):
        distinct, count = set(), 0
        for m_start, m_end, what in matches[i:]:
            if m_end - start > width:
                break
            distinct.add(what)
            count += 1
        if (len(distinct), count) > best:
            best, best_start = (len(distinct), count), start
    return max(0, best_start - width // 5)


def _snap_start(text: str, pos: int) -> int:
    if pos <= 0:
        return 0
    space = text.find(" ", pos)
    newline = text.find("\n", pos)
    cut = min(x for x in (space, newline, len(text)) if x >= 0)
    return cut + 1 if cut < len(text) else pos


def _snap_end(text: str, pos: int) -> int:
    if pos >= len(text):
        return len(text)
    cut = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos))
    return cut if cut > 0 else pos


def snippet(text: str, spec: MatchSpec, width: int = 240) -> list[Segment]:
    """The best passage of `text` (about `width` characters) for `spec`, as segments; the text's
    opening when nothing matches."""
    if not text:
        return []
    matches = find_matches(text, spec)
    window = best_window(matches, width) if matches else 0
    start = _snap_start(text, window)
    first = next((m[0] for m in matches if m[0] >= window), None)
    if first is not None and start > first:
        start = first
    end = _snap_end(text, start + width)
    if end <= start:
        end = min(len(text), start + width)
    # Never cut through a match.
    for m_start, m_end, _ in matches:
        if m_start < end < m_end:
            end = m_end
    while end < len(text) and text[end] in _PUNCT_TAIL:
        end += 1
    segments: list[Segment] = [Segment("…")] if start > 0 else []
    cursor = start
    for m_start, m_end, _ in matches:
        if m_end <= start or m_start >= end:
            continue
        m_start = max(m_start, start)
        if m_start > cursor:
            segments.append(Segment(_flat(text[cursor:m_start])))
        segments.append(Segment(_flat(text[m_start:m_end]), True))
        cursor = m_end
    if end > cursor:
        segments.append(Segment(_flat(text[cursor:end].rstrip())))
    if end < len(text.rstrip()):
        segments.append(Segment("…"))
    return segments


def mark_all(text: str, spec: MatchSpec) -> list[Segment]:
    """The whole of a short text (a title) with its matches marked."""
    segments, cursor = [], 0
    for start, end, _ in find_matches(text, spec):
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


def context_left(text: str, start: int, width: int) -> str:
    """Up to `width` characters of `text` before `start`, cut at a word boundary (keyword in context)."""
    piece = " ".join(text[max(0, start - width - 20):start].split())
    if len(piece) > width:
        piece = piece[-width:]
        piece = piece[piece.find(" ") + 1:] if " " in piece else piece
    return piece


def context_right(text: str, end: int, width: int) -> str:
    """Up to `width` characters of `text` after `end`, cut at a word boundary."""
    piece = " ".join(text[end:end + width + 20].split())
    if len(piece) > width:
        piece = piece[:width]
        piece = piece[:piece.rfind(" ")] if " " in piece else piece
    return piece

"""Query operands evaluated on one text, word by word: where they occur, and which occurrences satisfy a
proximity, a sentence or paragraph constraint, or an exact form.

The index answers most queries by itself; this module serves what it cannot show or decide:
- the highlighter marks only the occurrences that satisfy a phrase, a `w/N`, a `"..."~N` or a `w/s`,
  not every stray occurrence of their words;
- `verify.py` decides `w/s`, `w/p` and `exact:` nodes from the stored text.

`Tokens` is a text analysed as the index analyses it (stemmed terms, and unstemmed forms for exact
search) with each word's sentence and paragraph. `instances(node, tokens)` lists the occurrences of a
node as `Instance`s: the span of positions it covers and the positions of the words that make it up.
Distances follow Whoosh's span queries: adjacent words are 1 apart, so `w/N` means at most N positions
apart and never the same words.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .query.compile import analyse
from .query.marks import wildcard_regex
from .query.syntax import Fuzzy, Near, Node, Or, Visitor, Wildcard, Words



@dataclass(frozen=True)
class Tokens:
    """A text's words as the index analyses them: all of them, word i at position i; or, with `at`,
    only some of them (those a query's words can be: the highlighter's), each at its position among
    all the text's words."""
    text: str
    terms: list[str]        # stemmed, as indexed
    words: list[str]        # unstemmed (exact_analyzer)
    starts: list[int]
    ends: list[int]
    at: list[int] | None = None  # each word's position, ascending, when only some words are held

    @cached_property
    def surfaces(self) -> list[str]:
        """Each word as written, lowercased."""
        return [self.text[s:e].lower() for s, e in zip(self.starts, self.ends)]

    def position(self, i: int) -> int:
        return i if self.at is None else self.at[i]

    def _by_position(self, values: list[int]) -> list[int] | dict[int, int]:
        return values if self.at is None else dict(zip(self.at, values))

    @cached_property
    def sentence(self) -> list[int] | dict[int, int]:
        """The sentence number of the word at each position (worked out only for `w/s`)."""
        from indexer.analysis import sentence_starts

        return self._by_position(_units(self.starts, sentence_starts(self.text, self._paragraph_starts)))

    @cached_property
    def paragraph(self) -> list[int] | dict[int, int]:
        """The paragraph number of the word at each position (worked out only for `w/p`)."""
        return self._by_position(_units(self.starts, self._paragraph_starts))

    @cached_property
    def span_of(self) -> list[tuple[int, int]] | dict[int, tuple[int, int]]:
        """The (start, end) character offsets of the word at each position."""
        spans = list(zip(self.starts, self.ends))
        return spans if self.at is None else dict(zip(self.at, spans))

    @cached_property
    def _paragraph_starts(self) -> list[int]:
        from indexer.analysis import paragraph_starts

        return paragraph_starts(self.text)

    def __len__(self) -> int:
        return len(self.terms)


@dataclass(frozen=True)
class Instance:
    start: int  # first position
    end: int    # last position
    positions: frozenset[int]


def tokenize(text: str) -> Tokens:
    from indexer.analysis import term_forms

    return Tokens(text, *term_forms(text))


def _units(starts: list[int], unit_starts: list[int]) -> list[int]:
    """For each word start, the number of the unit (sentence, paragraph) it falls in (one binary search
    a word, in C: a long report has tens of thousands of words)."""
    import numpy as np

    if not starts:
        return []
    return (np.searchsorted(np.asarray(unit_starts, dtype=np.int64), np.asarray(starts, dtype=np.int64),
                            side="right") - 1).tolist()


def _distance(a: Instance, b: Instance) -> int:
    if a.end < b.start:
        return b.start - a.end
    if b.end < a.start:
        return a.start - b.end
    return 0


def _sequence(tokens: list[str], words: tuple[str, ...], at: list[int] | None = None) -> list[Instance]:
    """Where `words` occur one after the other; with `at` (each token's position), only where their
    positions are consecutive too."""
    n = len(words)
    first = words[0]
    if at is None:
        return [Instance(i, i + n - 1, frozenset(range(i, i + n)))
                for i in range(len(tokens) - n + 1) if tokens[i] == first and tuple(tokens[i:i + n]) == words]
    return [Instance(at[i], at[i] + n - 1, frozenset(range(at[i], at[i] + n)))
            for i in range(len(tokens) - n + 1)
            if tokens[i] == first and at[i + n - 1] - at[i] == n - 1 and tuple(tokens[i:i + n]) == words]


def _near_words(parts: list[list[Instance]], slop: int, ordered: bool) -> list[Instance]:
    """Chain operands as Whoosh's SpanNear2 does: each next one within `slop` of the span so far. The
    candidates for each span are found by bisection, so common words stay cheap."""
    spans = parts[0]
    for nxt in parts[1:]:
        nxt = sorted(nxt, key=lambda inst: inst.start)
        starts = [inst.start for inst in nxt]
        longest = max((inst.end - inst.start for inst in nxt), default=0)
        joined = set()
        for a in spans:
            lo = bisect.bisect_left(starts, a.start if ordered else a.start - slop - longest)
            hi = bisect.bisect_right(starts, a.end + slop)
            for b in nxt[lo:hi]:
                if ordered and b.start < a.start:
                    continue
                if 1 <= _distance(a, b) <= slop:
                    joined.add(Instance(min(a.start, b.start), max(a.end, b.end), a.positions | b.positions))
        spans = sorted(joined, key=lambda inst: (inst.start, inst.end))
        if not spans:
            break
    return spans


def _single(position: int) -> Instance:
    return Instance(position, position, frozenset((position,)))


@lru_cache(maxsize=1024)
def _stems(text: str) -> tuple[str, ...]:
    return tuple(analyse(text, "body"))


def instances(node: Node, toks: Tokens, fuzzy_terms: dict[int, list[str]] | None = None) -> list[Instance]:
    """Occurrences of a word-level node (word, phrase, wildcard, fuzzy word, OR-group, proximity)."""
    return _Instances(toks, fuzzy_terms or {}).visit(node)


class _Instances(Visitor):
    """`instances()`, a method per kind of node; other nodes (AND, NOT, dates) occur nowhere."""

    def __init__(self, toks: Tokens, fuzzy_terms: dict[int, list[str]]) -> None:
        self.toks = toks
        self.fuzzy_terms = fuzzy_terms

    def visit_Words(self, node: Words) -> list[Instance]:
        toks = self.toks
        if node.exact:
            from indexer.analysis import term_spans

            words = tuple(w for w, _, _ in term_spans(node.text, stem=False))
            return _sequence(toks.words, words, toks.at) if words else []
        terms = _stems(node.text)
        if not terms:
            return []
        if node.slop and len(terms) > 1:
            parts = [[_single(toks.position(i)) for i, t in enumerate(toks.terms) if t == term] for term in terms]
            return _near_words(parts, node.slop, ordered=False)
        return _sequence(toks.terms, terms, toks.at)

    def visit_Wildcard(self, node: Wildcard) -> list[Instance]:
        regex = wildcard_regex(node.pattern)
        return [_single(self.toks.position(i)) for i, (t, s) in enumerate(zip(self.toks.terms, self.toks.surfaces))
                if regex.match(t) or regex.match(s)]

    def visit_Fuzzy(self, node: Fuzzy) -> list[Instance]:
        wanted = set(self.fuzzy_terms.get(id(node), ()))
        return [_single(self.toks.position(i)) for i, t in enumerate(self.toks.terms) if t in wanted]

    def visit_Or(self, node: Or) -> list[Instance]:
        return sorted({inst for item in node.items for inst in self.visit(item)},
                      key=lambda inst: (inst.start, inst.end))

    def visit_Near(self, node: Near) -> list[Instance]:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.unit == "words":
            return _near_words([left, right], node.distance, node.ordered)
        unit = self.toks.sentence if node.unit == "sentence" else self.toks.paragraph
        by_unit: dict[int, list[Instance]] = {}
        for b in right:
            by_unit.setdefault(unit[b.start], []).append(b)
        found = []
        for a in left:
            for b in by_unit.get(unit[a.start], ()):
                if not (a.positions & b.positions):
                    found.append(Instance(min(a.start, b.start), max(a.end, b.end), a.positions | b.positions))
        return found

    def generic_visit(self, node: Node, *args) -> list[Instance]:
        return []

"""Exact phrases, decided from the words' positions with set lookups.

Whoosh answers a phrase with its span machinery (`SpanNear2`): a span object for every occurrence of every
word, compared pairwise, in Python. On a 20,000-document index a phrase of common words ("the united
states") costs seconds that way. `AdjacentPhrase` is a `whoosh.query.Phrase` (same terms, same meaning:
the words at consecutive positions, in order) whose matcher walks the documents that hold every word
(Whoosh's own intersection of the posting lists) and, in each, keeps the positions where the phrase so
far ends: those of the next word that follow one of them. A document matches when any position is left
after the last word. Scores are those of the words together, as for `AND`.

`PhraseMatcher` keeps the words' own matchers (`leaves`), which the intersection moves in step, so at each
candidate their positions are those of the current document.
"""

from __future__ import annotations

from whoosh import matching
from whoosh import query as wq
from whoosh.matching import wrappers


class AdjacentPhrase(wq.Phrase):
    """`Phrase(fieldname, words)` with a faster matcher; a phrase with slop goes to Whoosh's."""

    def matcher(self, searcher, context=None):
        if self.slop != 1:
            return super().matcher(searcher, context)
        return PhraseMatcher.build(self, searcher, context) or matching.NullMatcher()


class PhraseMatcher(wrappers.WrappingMatcher):
    def __init__(self, child, leaves: list, boost: float = 1.0, rebuild=None) -> None:
        super().__init__(child, boost)
        self._leaves = leaves
        self._rebuild = rebuild
        self._seek()

    @classmethod
    def build(cls, phrase: AdjacentPhrase, searcher, context) -> PhraseMatcher | None:
        """The matcher of `phrase` in `searcher`'s segment, or None when a word is not there."""
        fieldname = phrase.fieldname
        if fieldname not in searcher.schema:
            return None
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        leaves = []
        for word in phrase.words:
            term = field.to_bytes(word)
            if (fieldname, term) not in reader:
                return None
            leaves.append(wq.Term(fieldname, word).matcher(searcher, context))
        child = leaves[0]
        for leaf in leaves[1:]:
            child = matching.IntersectionMatcher(child, leaf)
        return cls(child, leaves, phrase.boost, lambda: cls.build(phrase, searcher, context))

    def _at_phrase(self) -> bool:
        ends = set(self._leaves[0].value_as("positions"))
        for leaf in self._leaves[1:]:
            ends = {p for p in leaf.value_as("positions") if p - 1 in ends}
            if not ends:
                return False
        return True

    def _seek(self) -> None:
        child = self.child
        while child.is_active() and not self._at_phrase():
            child.next()

    def next(self) -> None:
        self.child.next()
        self._seek()

    def skip_to(self, id) -> None:
        self.child.skip_to(id)
        self._seek()

    def all_ids(self):
        while self.is_active():
            yield self.id()
            self.next()

    def copy(self):
        # The intersection's copy would move copies of the words' matchers, not `leaves`: build anew.
        fresh = self._rebuild() if self._rebuild else None
        if fresh is None:
            return matching.NullMatcher()
        if self.is_active():
            fresh.skip_to(self.id())
        return fresh

    def replace(self, minquality=0):
        # A replacement of the intersection would lose `leaves`; only an exhausted matcher is replaced.
        return self if self.is_active() else matching.NullMatcher()

    def skip_to_quality(self, minquality):
        # The intersection's block qualities bound the phrase's (its documents are among the
        # intersection's), so Whoosh's skipping of low-scoring blocks stays valid; land on a phrase.
        skipped = self.child.skip_to_quality(minquality / self.boost)
        self._seek()
        return skipped

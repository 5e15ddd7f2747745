"""The packed engine: a compiled Whoosh query answered from the segments' packs (`indexer/packs.py`) with
numpy, giving exactly the documents, totals and scores the Whoosh matchers give (`reference.py` runs
those; the property tests in tests/test_engine.py hold the two together).

Each kind of Whoosh query the compiler makes has an evaluator here, per segment, on (documents, scores)
arrays: documents ascending, scores float64 computed with Whoosh's own formulas in Whoosh's order:
- `Term`: BM25F from the term's frequencies and the documents' quantised field lengths, with the idf and
  average field length of the whole index (from Whoosh's statistics, as its scorer takes them); a field
  that is not scored gives each posting its weight;
- `And`: the intersection, scores added; each `Not` inside it removes its documents and, as Whoosh's
  `InverseMatcher` does, adds its weight 1.0 to the score;
- `Or`: the union, the scores of the parts that match added;
- a phrase (`AdjacentPhrase`): the occurrences (sorted int64 keys `document << 32 | position`) of its
  anchor words whose neighbours in the pack are the phrase's, shifted to the phrase's start and
  intersected; the score is its words' together;
- `SpanNear2` (`w/N`, `pre/N`, phrases inside them): spans (start, end) joined pairwise by windowed
  lookups, as Whoosh's span matcher joins them; the score is its words' together;
- `DateRange`: the pack's date column; a constant score, 1.0 times the boost.
`w/s` and `w/p`, which Whoosh's query does not decide, are decided over the candidates in `units.py`.
Anything else (`SpanOr` for a wildcard inside a proximity, a numeric range, fuzzy or unexpanded
queries) raises `Unsupported`, and the searcher answers that query with Whoosh.

Scores are sums of the same float64 terms Whoosh adds; Whoosh adds an `AND`'s parts in an order it
picks by their estimated sizes, so a score can differ from Whoosh's in the last bits (tested to 1e-9),
and documents whose scores are equal to that precision are ordered by document number, as Whoosh
orders equal scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from indexer import packs

from . import poskeys

EMPTY_DOCS = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)


class Unsupported(Exception):
    """A query (or part of one) the engine does not evaluate; Whoosh answers it."""


class _Segment:
    def __init__(self, searcher, offset: int, pack: packs.Pack) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.offset = offset
        self.pack = pack
        self.count = pack.docs
        deleted = self.reader.segment().deleted_docs() if self.reader.has_deletions() else ()
        self.alive = np.ones(self.count, dtype=bool)
        if deleted:
            self.alive[np.fromiter(deleted, dtype=np.int64)] = False
        self.all_docs = np.flatnonzero(self.alive).astype(np.int64)


class Engine:
    """The packs of every segment of a searcher's index; None from `open()` when one is missing or damaged."""

    def __init__(self, searcher, segments: list[_Segment], generation: Path) -> None:
        self.searcher = searcher
        self.segments = segments
        self.generation = generation
        self.weighting = searcher.weighting
        self._stats: dict = {}
        self._facets: dict = {}  # facet -> (distinct values, each segment's codes among them)
        self._facet_totals: dict = {}  # (facet, segment number) -> each value's count over live documents

    @classmethod
    def open(cls, searcher, generation: Path) -> Engine | None:
        segments = []
        subs = searcher.leaf_searchers()
        for sub, offset in subs:
            segment = sub.reader().segment()
            if segment is None:
                return None
            pack = packs.load(generation, segment.segment_id(), sub.reader().doc_count_all())
            if pack is None:
                return None
            segments.append(_Segment(sub, offset, pack))
        return cls(searcher, segments, generation)

    def current(self) -> bool:
        """True while every segment's pack on disk is still the one this engine reads (checked as
        `packs.load` checks it: stamp and file sizes), so an engine kept between queries is never
        read past a pack damaged or rebuilt since."""
        return all(packs.load(self.generation, seg.reader.segment().segment_id(), seg.count) is seg.pack
                   for seg in self.segments)

    # -- running -----------------------------------------------------------------------------------
    def matches(self, q) -> tuple[np.ndarray, np.ndarray]:
        """Every live document `q` matches (global document numbers, ascending) and its score."""
        docs, scores = [], []
        for seg in self.segments:
            d, s = SegmentEval(self, seg).run(q)
            if len(d):
                keep = seg.alive[d]
                docs.append(d[keep] + seg.offset)
                scores.append(s[keep])
        if not docs:
            return EMPTY_DOCS, EMPTY_SCORES
        return np.concatenate(docs), np.concatenate(scores)

    def segment_matches(self, q) -> list[np.ndarray]:
        """Each segment's live documents (its own numbers, ascending) that `q` matches."""
        out = []
        for seg in self.segments:
            d, _s = SegmentEval(self, seg).run(q)
            out.append(d[seg.alive[d]] if len(d) else d)
        return out

    def facet_counts(self, name: str, matching: list[np.ndarray], top: int = 0) -> dict:
        """Raw column value -> number of the matching documents holding it (each of a document's
        values once), over every segment. With `top`, only the values whose count is at least the
        `top`-th largest (ties at the cut included, so the caller can order them by value)."""
        keys, segments = self._facet_values(name)
        picked, dropped, whole = [], [], None
        for i, (seg, docs, (codes, lengths)) in enumerate(zip(self.segments, matching, segments)):
            if not len(docs) or not len(codes):
                continue
            if len(docs) * 2 > len(seg.all_docs):
                # most of the segment: its values' counts over every document, less the other documents'
                rest = seg.alive.copy()
                rest[docs] = False
                dropped.append(self._facet_values_of(seg, name, np.flatnonzero(rest), codes, lengths))
                full = self._facet_full(name, i, seg, codes, lengths, len(keys))
                whole = full if whole is None else whole + full
            elif len(docs) * 8 >= seg.count:  # a broad query: a mask over the segment's values
                mask = np.zeros(seg.count, dtype=bool)
                mask[docs] = True
                picked.append(codes[np.repeat(mask, lengths)])
            else:
                picked.append(self._facet_values_of(seg, name, docs, codes, lengths))
        if whole is None and not picked:
            return {}
        found = np.zeros(len(keys), dtype=np.int64) if whole is None else whole.copy()
        if picked:
            found += np.bincount(np.concatenate(picked), minlength=len(keys))
        if dropped:
            found -= np.bincount(np.concatenate(dropped), minlength=len(keys))
        present = np.flatnonzero(found)
        counts = found[present]
        if top and len(counts) > top:
            cut = np.partition(counts, len(counts) - top)[len(counts) - top]
            present, counts = present[counts >= cut], counts[counts >= cut]
        return dict(zip([keys[i] for i in present.tolist()], counts.tolist()))

    @staticmethod
    def _facet_values_of(seg: _Segment, name: str, docs: np.ndarray, codes: np.ndarray, lengths: np.ndarray):
        """The value numbers of a few documents of a segment (each document's values in turn)."""
        starts = seg.pack.array(f"facet.{name}.off")[docs]
        n = lengths[docs]
        total = int(n.sum())
        if total == len(docs) and (n == 1).all():
            return codes[starts]
        return codes[np.repeat(starts - np.cumsum(n) + n, n) + np.arange(total)] if total else codes[:0]

    def _facet_full(self, name: str, i: int, seg: _Segment, codes: np.ndarray, lengths: np.ndarray,
                    size: int) -> np.ndarray:
        """How many of segment i's live documents hold each value of a facet: made once per engine."""
        key = (name, i)
        found = self._facet_totals.get(key)
        if found is None:
            found = self._facet_totals[key] = np.bincount(codes[np.repeat(seg.alive, lengths)], minlength=size)
        return found

    def _facet_values(self, name: str) -> tuple[list, list[tuple[np.ndarray, np.ndarray]]]:
        """A facet's distinct values over every segment and, for each segment, its documents' values
        as numbers among them, with each document's count of values: made once per engine, which a
        process keeps between queries (`indexer.index._Pool`), so a query only counts. Merged through a
        dictionary, a segment at a time: the entity facet at 100,000 documents holds 780,000 segment
        values of up to 150 bytes, which merged as fixed-width byte arrays (`np.unique`) took half a
        gigabyte for a moment."""
        found = self._facets.get(name)
        if found is None:
            number: dict = {}
            segments = []
            for seg in self.segments:
                values = seg.pack.array(f"facet.{name}.keys").tolist()
                to_global = np.fromiter((number.setdefault(v, len(number)) for v in values),
                                        dtype=np.int32, count=len(values))
                codes = np.asarray(seg.pack.array(f"facet.{name}.codes"))
                segments.append((to_global[codes] if len(codes) else codes.astype(np.int32),
                                 np.diff(np.asarray(seg.pack.array(f"facet.{name}.off")))))
            found = self._facets[name] = (list(number), segments)
        return found

    def column(self, name: str, docnums: np.ndarray) -> np.ndarray:
        """The pack column `name` (ids, groups, group_nums, sort_dates, dates) of global document numbers."""
        if not len(docnums):
            return np.zeros(0, dtype=self.segments[0].pack.array(name).dtype if self.segments else np.int64)
        bounds = np.array([seg.offset for seg in self.segments])
        where = np.searchsorted(bounds, docnums, side="right") - 1
        arrays = [seg.pack.array(name) for seg in self.segments]
        dtype = np.result_type(*[a.dtype for a in arrays]) if arrays[0].dtype.kind != "S" else \
            f"S{max(a.dtype.itemsize for a in arrays)}"
        result = np.empty(len(docnums), dtype=dtype)
        if len(docnums) < 2 or (docnums[1:] > docnums[:-1]).all():  # ascending: a slice a segment
            cuts = np.searchsorted(where, np.arange(len(self.segments) + 1))
            for seg, values, lo, hi in zip(self.segments, arrays, cuts[:-1], cuts[1:]):
                if hi > lo:
                    result[lo:hi] = values[docnums[lo:hi] - seg.offset]
            return result
        for i, (seg, values) in enumerate(zip(self.segments, arrays)):
            pick = where == i
            if pick.any():
                result[pick] = values[docnums[pick] - seg.offset]
        return result

    def decide(self, tree, docs: np.ndarray, ixreader) -> np.ndarray:
        """Which of the candidate documents (global numbers) satisfy a query tree that needs more than
        the compiled query decides (`w/s`, `w/p`): a boolean per candidate, as `verify.Verifier` would
        decide it from the text, here from positions and the packs' sentence and paragraph starts.
        Raises `Unsupported` for what only the text decides (exact forms, a wildcard or an OR-group
        inside `w/s`, ...)."""
        from .units import Decider

        return Decider(self, ixreader).visit(tree, docs)

    def with_stats(self, weighting) -> Engine:
        """This engine scoring with `weighting` (`ranking.weighting(stats)`: a shard scored with its
        whole collection's statistics), for one query; this one is left as it was."""
        import copy

        other = copy.copy(self)
        other.weighting = weighting
        other._stats = {}
        return other

    # -- statistics of the whole index, as Whoosh's scorer reads them ------------------------------
    def term_stats(self, field: str, text: str) -> tuple[float, float, float, float]:
        key = (field, text)
        found = self._stats.get(key)
        if found is None:
            w = self.weighting
            searcher = self.searcher
            idf = w.idf(searcher, field, text)
            avgfl = w.avg_field_length(searcher, field) if hasattr(w, "avg_field_length") else \
                searcher.avg_field_length(field) or 1
            b = w._field_B.get(field, w.B)
            found = self._stats[key] = (idf, avgfl, b, w.K1)
        return found


def engine_for(reader) -> Engine | None:
    """The packed engine over an open `indexer.index.Reader`'s generation, kept on the reader; None when
    a segment's pack is missing or damaged (the next index run rebuilds it; until then Whoosh answers)."""
    if reader.engine is False:
        reader.engine = None
        if reader.searcher is not None and reader.generation is not None:
            reader.engine = Engine.open(reader.searcher, reader.generation)
    return reader.engine


def rank(docs: np.ndarray, scores: np.ndarray, limit: int | None) -> np.ndarray:
    """Indexes into docs/scores of the best `limit` (all with None): score descending, then document
    number ascending (Whoosh's order); equal to 1e-9 counts as equal."""
    n = len(docs)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    keyed = np.round(scores, 9)
    if limit is not None and limit < n:
        if limit <= 0:
            return np.zeros(0, dtype=np.int64)
        kth = np.partition(keyed, n - limit)[n - limit]
        cand = np.flatnonzero(keyed >= kth)
        order = cand[np.lexsort((docs[cand], -keyed[cand]))]
        return order[:limit]
    return np.lexsort((docs, -keyed))


def _summed(scorers):
    """A span query's scorer: its parts' scores of the documents, added in Whoosh's order."""
    def score(docs: np.ndarray) -> np.ndarray:
        scores = None
        for part in scorers:
            s = part(docs)
            scores = s if scores is None else scores + s
        return scores

    return score


class SegmentEval:
    """A compiled query's (documents, scores) in one segment, from its pack."""

    def __init__(self, engine: Engine, seg: _Segment) -> None:
        self.engine = engine
        self.seg = seg
        self.pack = seg.pack

    def run(self, q) -> tuple[np.ndarray, np.ndarray]:
        from whoosh import query as wq
        from whoosh.query import spans as wspans

        from .phrase import AdjacentPhrase

        kind = type(q)
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return EMPTY_DOCS, EMPTY_SCORES
        if kind is wq.Term:
            return self.term(q.fieldname, q.text, q.boost)
        if kind is wq.And:
            return self.conjunction(q)
        if kind is wq.Or:
            if q.minmatch or q.scale:
                raise Unsupported("Or with minmatch or scale")
            return self.disjunction(q)
        if kind is wq.Not:
            docs = self.complement(self.run(q.query)[0])
            return docs, np.ones(len(docs))
        if kind is AdjacentPhrase or (kind is wq.Phrase and q.slop == 1):
            return self.phrase(q)
        if kind is wq.DateRange:
            return self.date_range(q)
        if kind is wq.Every and q.fieldname in (None, "", "*"):
            return self.seg.all_docs, np.full(len(self.seg.all_docs), float(q.boost))
        if kind is wspans.SpanNear2:
            starts, _ends, score = self.spans(q, docs_only=True)
            docs = poskeys.distinct(starts >> 32)
            return docs, score(docs)
        raise Unsupported(kind.__name__)

    # -- leaves -----------------------------------------------------------------------------------
    def term(self, field: str, text, boost: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        schema = self.engine.searcher.schema
        if field not in schema:
            return EMPTY_DOCS, EMPTY_SCORES
        if field not in packs.TEXT_FIELDS:
            return self._whoosh_term(field, text, boost)
        t = self.pack.term_index(field, text)
        if t < 0:
            return EMPTY_DOCS, EMPTY_SCORES
        docs, tf = self.pack.postings(field, t)
        docs = docs.astype(np.int64)
        return docs, self._bm25(field, text, docs, tf, boost)

    def term_in(self, field: str, text, docs: np.ndarray, boost: float = 1.0) -> np.ndarray:
        """A text field's term's scores in `docs` (ascending, each holding the term): those `term()`
        gives them, computed for these documents only (a phrase of common words matches a few of the
        documents holding "the")."""
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        posted, tf = self.pack.postings(field, self.pack.term_index(field, text))
        count = self.seg.count
        if len(docs) * len(posted).bit_length() > count + len(posted) + len(docs):
            # many documents of a long list ("the"): marking them costs less than a lookup each
            mark = np.zeros(count, dtype=bool)
            mark[docs] = True
            at = np.flatnonzero(mark[posted])
        else:
            at = np.searchsorted(posted, docs)
        return self._bm25(field, text, docs, tf[at], boost)

    def _bm25(self, field: str, text: str, docs: np.ndarray, tf, boost: float) -> np.ndarray:
        idf, avgfl, b, k1 = self.engine.term_stats(field, text)
        fl = self.pack.array(f"{field}.len")[docs]
        scores = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))
        if boost != 1.0:
            scores = scores * boost
        return scores

    def _whoosh_term(self, field: str, text: str, boost: float):
        """A term of a field the pack does not hold (id, language, is_copy: short lists or flags),
        read from the segment's own postings; such fields are not scored (the posting's weight)."""
        from whoosh.reading import TermNotFound

        fieldobj = self.engine.searcher.schema[field]
        if fieldobj.scorable:
            raise Unsupported(f"scored field {field} outside the pack")
        try:
            btext = fieldobj.to_bytes(text)
            m = self.seg.reader.postings(field, btext)
        except (TermNotFound, KeyError, ValueError):
            return EMPTY_DOCS, EMPTY_SCORES
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64) * boost

    def date_range(self, q) -> tuple[np.ndarray, np.ndarray]:
        if q.fieldname != "date" or q.startexcl or q.endexcl or not q.constantscore:
            raise Unsupported("range")
        dates = self.pack.array("dates")
        keep = dates != packs.NO_DATE
        if q.start is not None:
            keep &= dates >= q.start
        if q.end is not None:
            keep &= dates <= q.end
        docs = np.flatnonzero(keep).astype(np.int64)
        return docs, np.full(len(docs), float(q.boost))

    # -- combinations -----------------------------------------------------------------------------
    def _mask(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.seg.count, dtype=bool)
        mask[docs] = True
        return mask

    def _common(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the documents both ascending arrays hold are in each (`np.intersect1d`'s indices, by
        a mask over the segment instead of a sort)."""
        ia = np.flatnonzero(self._mask(b)[a])
        return ia, np.searchsorted(b, a[ia])

    def complement(self, docs: np.ndarray) -> np.ndarray:
        mask = self.seg.alive.copy()
        mask[docs] = False
        return np.flatnonzero(mask).astype(np.int64)

    def conjunction(self, q):
        from whoosh import query as wq

        subs = q.subqueries
        if not subs:
            return EMPTY_DOCS, EMPTY_SCORES
        if len(subs) == 1:
            docs, scores = self.run(subs[0])
            return docs, scores * q.boost if q.boost != 1.0 else scores
        positive = [s for s in subs if not isinstance(s, wq.Not)]
        negative = [s for s in subs if isinstance(s, wq.Not)]
        docs = scores = None
        for s in positive:
            d, sc = self.run(s)
            if docs is None:
                docs, scores = d, sc
            else:
                ia, ib = self._common(docs, d)
                docs, scores = docs[ia], scores[ia] + sc[ib]
            if not len(docs):
                return EMPTY_DOCS, EMPTY_SCORES
        if docs is None:
            docs, scores = self.seg.all_docs, np.zeros(len(self.seg.all_docs))
        for s in negative:
            d, _ = self.run(s.query)
            keep = ~self._mask(d)[docs]
            docs, scores = docs[keep], scores[keep] + 1.0
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def disjunction(self, q):
        parts = [self.run(s) for s in q.subqueries]
        parts = [p for p in parts if len(p[0])]
        if not parts:
            return EMPTY_DOCS, EMPTY_SCORES
        if len(parts) == 1:
            docs, scores = parts[0]
        else:
            # a column over the segment's documents: each part's scores added in order, as Whoosh adds them
            present = np.zeros(self.seg.count, dtype=bool)
            total = np.zeros(self.seg.count)
            for d, sc in parts:
                present[d] = True
                total[d] += sc  # a part holds each document once
            docs = np.flatnonzero(present)
            scores = total[docs]
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    # -- positions --------------------------------------------------------------------------------
    def _term_keys(self, field: str, text: str):
        t = self.pack.term_index(field, text) if field in packs.TEXT_FIELDS else -1
        if t < 0:
            if field not in packs.TEXT_FIELDS:
                raise Unsupported(f"positions of {field}")
            return None
        return self.pack.keys(field, t)

    def phrase_starts(self, field: str, words: list[str]) -> np.ndarray:
        """The position keys where the words occur one after the other in `field`, ascending.

        An anchor is a word of the phrase whose occurrences are kept when the words just before and
        after it (`prev`, `next` in the pack) are the phrase's: it decides three words from its own
        occurrences alone. The anchors are the fewest occurrences that cover every word
        (`poskeys.anchors`); their occurrences, shifted to where the phrase would start, are intersected."""
        if field not in packs.TEXT_FIELDS:
            raise Unsupported(f"positions of {field}")
        pack = self.pack
        terms = [pack.term_index(field, w) for w in words]
        if any(t < 0 for t in terms):
            return EMPTY_DOCS
        counts = [pack.key_count(field, t) for t in terms]
        cand = None
        for r in sorted(poskeys.anchors(counts), key=counts.__getitem__):
            keys = pack.keys(field, terms[r])
            before, after = pack.neighbours(field, terms[r])
            keep = None
            if r > 0:
                keep = before == terms[r - 1]
            if r + 1 < len(words):
                keep = after == terms[r + 1] if keep is None else keep & (after == terms[r + 1])
            found = (keys[keep] if keep is not None else np.asarray(keys)) - r
            cand = found if cand is None else poskeys.among(cand, found)  # the rarer anchors' starts
            if not len(cand):
                break
        return cand

    def phrase(self, q):
        field = q.fieldname
        words = list(q.words)
        cand = self.phrase_starts(field, words)
        if not len(cand):
            return EMPTY_DOCS, EMPTY_SCORES
        docs = poskeys.distinct(cand >> 32)
        scores = None
        for w in words:
            s = self.term_in(field, w, docs)
            scores = s if scores is None else scores + s
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def _phrase_spans(self, terms):
        """`spans` of words one after the other (a phrase inside a proximity): the spans the pairwise
        joins make, from the phrase's anchors (`phrase_starts`), each starting where the phrase does."""
        field = terms[0].fieldname
        starts = self.phrase_starts(field, [t.text.decode("utf-8") if isinstance(t.text, bytes) else t.text
                                            for t in terms])
        if not len(starts):
            return EMPTY_DOCS, EMPTY_DOCS, lambda docs: EMPTY_SCORES
        scorers = [lambda docs, t=t: self.term_in(field, t.text, docs, t.boost) for t in terms]
        return starts, starts + (len(terms) - 1), _summed(scorers)

    def spans(self, q, docs_only: bool = False):
        """(start keys, end keys, scorer) of a span query's matches: the scorer gives the scores of
        documents among those matched (ascending), computed for them only. With `docs_only`, only the
        documents of the start keys are sure to be right (what a query's top level needs): a pair is
        not joined into spans when whether it meets is all that counts."""
        from whoosh import query as wq
        from whoosh.query import spans as wspans

        if type(q) is wq.Term:
            k = self._term_keys(q.fieldname, q.text)
            if k is None:
                return None
            k = np.asarray(k)
            return k, k, lambda docs: self.term_in(q.fieldname, q.text, docs, q.boost)
        if type(q) is not wspans.SpanNear2 or q.mindist != 1:
            raise Unsupported(type(q).__name__)
        if q.ordered and q.slop == 1 and all(type(s) is wq.Term and s.fieldname == q.qs[0].fieldname
                                             for s in q.qs):
            return self._phrase_spans(q.qs)
        parts = [self.spans(s) for s in q.qs]
        if any(p is None for p in parts):
            return EMPTY_DOCS, EMPTY_DOCS, lambda docs: EMPTY_SCORES
        if docs_only and len(parts) == 2 and all(p[0] is p[1] for p in parts):
            # two words: each rarer one looked up among the other's keys says which documents match
            kept = [(p[0], p[1]) for p in parts]
        else:
            # only the documents that hold every part can hold a match: the others' spans are not joined
            kept = poskeys.in_every([(p[0], p[1]) for p in parts], self.seg.count)
        a_start, a_end = kept[0]
        for k, b in enumerate(kept[1:], 2):
            if docs_only and k == len(kept) and poskeys.fixed_length(b[0], b[1]):
                a_start = poskeys.meeting(a_start, a_end, b[0], b[1], q.slop, q.ordered)
                a_end = a_start
            else:
                a_start, a_end = poskeys.join(a_start, a_end, b[0], b[1], q.slop, q.ordered)
            if not len(a_start):
                return EMPTY_DOCS, EMPTY_DOCS, lambda docs: EMPTY_SCORES
        return a_start, a_end, _summed([p[2] for p in parts])

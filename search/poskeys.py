"""Operations on position keys (document << 32 | position, sorted ascending), the packs' form of a
word's occurrences: joining spans as Whoosh's span queries join them, whether spans meet, the documents
holding every operand, sentence or paragraph membership, and which words anchor a phrase. Pure numpy;
the packed engine (`engine.py`) calls them per segment."""

from __future__ import annotations

import numpy as np

EMPTY = np.zeros(0, dtype=np.int64)


def fixed_length(starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether every span is as long as the others (a word's, a phrase's)."""
    return not len(starts) or bool(((ends - starts) == (ends[0] - starts[0])).all())


def meeting(a_start, a_end, b_start, b_end, slop: int, ordered: bool) -> np.ndarray:
    """The start keys of the spans of A that `join` would join with a span of B (B's spans all of one
    length): those with B's nearest span after them, or before them unless `ordered`, within reach.
    The documents of these keys are the documents of `join`'s spans, found without making the
    spans (one lookup each way for each span of A, not every pair)."""
    if not len(a_start) or not len(b_start):
        return EMPTY
    if a_start is a_end and b_start is b_end:
        return _words_meeting(a_start, b_start, slop, ordered)
    if not in_order(b_start, b_end):
        order = np.lexsort((b_end, b_start))
        b_start, b_end = b_start[order], b_end[order]
    # B after A: the first B starting at a.end + 1 or later starts by a.end + slop
    after = np.searchsorted(b_start, a_end + 1)
    meet = after < len(b_start)
    meet[meet] = b_start[after[meet]] <= a_end[meet] + slop
    if not ordered:
        # B before A: the last B ending by a.start - 1 ends from a.start - slop on, and (as Whoosh looks
        # for B by start) starts there too; B's spans being of one length, the last to end starts last
        before = np.searchsorted(b_end, a_start - 1, side="right") - 1
        near = before >= 0
        at = before[near]
        near[near] = (b_end[at] >= a_start[near] - slop) & (b_start[at] >= a_start[near] - slop)
        meet |= near
    return a_start[meet]


def _words_meeting(a, b, slop: int, ordered: bool) -> np.ndarray:
    """`meeting` of two words' keys (ascending, distinct; a span is one key): keys of the words that
    have the other within reach, in the documents `meeting` finds. The rarer word is looked up among
    the other's keys, one lookup each: whether B is within A's reach is whether A is within B's."""
    if len(b) <= len(a):  # look each B up among A's keys: an A before it (or, unless ordered, after)
        needles, hay, before_ok, after_ok = b, a, True, not ordered
    else:  # each A among B's keys: a B after it (or, unless ordered, before)
        needles, hay, before_ok, after_ok = a, b, not ordered, True
    n = len(hay)
    first = np.searchsorted(hay, needles)  # the first key of the other word at or after each needle
    meet = np.zeros(len(needles), dtype=bool)
    if after_ok:
        after = first
        same = hay[np.minimum(after, n - 1)] == needles  # the same word at the same place is no
        if same.any():                                   # neighbour: the key after it is
            after = first + same
        gap = hay[np.minimum(after, n - 1)] - needles  # read in bounds; past the end ruled out here:
        meet = (after < n) & (gap <= slop)
    if before_ok:
        gap = needles - hay[np.maximum(first - 1, 0)]  # the last key before each needle, if any
        meet |= (first > 0) & (gap <= slop)
    return needles[meet]


def join(a_start, a_end, b_start, b_end, slop: int, ordered: bool):
    """Spans made of a span of A and a span of B at distance 1..slop (B after A when `ordered`):
    (start, end) of their union, each once, sorted by start then end."""
    out_s, out_e = [], []
    # B after A: b.start in [a.end + 1, a.end + slop]
    if in_order(b_start, b_end):  # a word's spans, or spans a join made: already in order
        bs, be = b_start, b_end
    else:
        order = np.lexsort((b_end, b_start))
        bs, be = b_start[order], b_end[order]
    lo = np.searchsorted(bs, a_end + 1)
    hi = np.searchsorted(bs, a_end + slop, side="right")
    n = hi - lo
    if n.sum():
        ai = np.repeat(np.arange(len(a_start)), n)
        bi = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
        out_s.append(a_start[ai])
        out_e.append(np.maximum(a_end[ai], be[bi]))
    if not ordered:
        # B before A: b.end in [a.start - slop, a.start - 1]
        if len(b_end) < 2 or (b_end[1:] >= b_end[:-1]).all():
            bs2, be2 = b_start, b_end
        else:
            order = np.argsort(b_end, kind="stable")
            bs2, be2 = b_start[order], b_end[order]
        lo = np.searchsorted(be2, a_start - slop)
        hi = np.searchsorted(be2, a_start - 1, side="right")
        n = hi - lo
        if n.sum():
            ai = np.repeat(np.arange(len(a_start)), n)
            bi = np.repeat(lo, n) + (np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
            # Whoosh looks for B only from a.start - slop on (by start): a longer B that starts
            # earlier is not joined, even when it ends within reach
            near = bs2[bi] >= a_start[ai] - slop
            ai, bi = ai[near], bi[near]
            out_s.append(np.minimum(a_start[ai], bs2[bi]))
            out_e.append(a_end[ai])
    if not out_s:
        return EMPTY, EMPTY
    s = np.concatenate(out_s)
    e = np.concatenate(out_e)
    same_doc = (s >> 32) == (e >> 32)
    s, e = s[same_doc], e[same_doc]
    if not in_order(s, e):
        order = np.lexsort((e, s))
        s, e = s[order], e[order]
    if len(s) > 1:
        keep = np.ones(len(s), dtype=bool)
        keep[1:] = (s[1:] != s[:-1]) | (e[1:] != e[:-1])
        s, e = s[keep], e[keep]
    return s, e


def first_of_runs(x: np.ndarray) -> np.ndarray:
    """True where an element differs from the one before it (and at the first)."""
    first = np.ones(len(x), dtype=bool)
    if len(x) > 1:
        np.not_equal(x[1:], x[:-1], out=first[1:])
    return first


def distinct(x: np.ndarray) -> np.ndarray:
    """The distinct values of an ascending array (`np.unique` without sorting it again)."""
    return x[first_of_runs(x)]


def in_order(starts: np.ndarray, ends: np.ndarray) -> bool:
    """Whether spans are sorted by start, then end (a lexsort of them would keep them as they are)."""
    if len(starts) < 2:
        return True
    step = starts[1:] - starts[:-1]
    return bool(((step > 0) | ((step == 0) & (ends[1:] >= ends[:-1]))).all())


def in_every(operands: list[tuple], count: int) -> list[tuple]:
    """Each operand's occurrences (start keys, then arrays alike such as end keys; a key is document <<
    32 | position) in the documents of the segment (`count` documents) that hold every operand: only
    those can match."""
    every = np.ones(count, dtype=bool)
    for start, *_rest in operands:
        has = np.zeros(count, dtype=bool)
        has[start >> 32] = True
        every &= has
    out = []
    for start, *rest in operands:
        keep = every[start >> 32]
        first = start[keep]  # a word's end keys are its start keys: filtered once, still one array
        out.append((first, *(first if x is start else x[keep] for x in rest)))
    return out


def same_unit(unit_starts, a, b) -> np.ndarray:
    """Documents (segment numbers) with a unit holding an occurrence of A and one of B that do not
    overlap. An operand: start keys, end keys, unit numbers (places in `unit_starts`). Per unit, such a
    pair exists when the earliest-ending A ends before the latest-starting B starts, or the other way
    round (occurrences by start, so also by end within one operand)."""
    def per_unit(occ):
        start, end, u = occ
        first = np.flatnonzero(first_of_runs(u))  # u ascends: the first occurrence in each unit
        units = u[first]
        last = np.append(first[1:], len(u)) - 1
        return units, end[first], start[last]  # per unit: the smallest end, the largest start

    if a[0] is a[1] and b[0] is b[1] and len(a[0]) and len(b[0]) and a[0][0] != b[0][0]:
        # two different words (one key each; two words never share a place): they never overlap, so
        # every unit holding both is one
        ua, ub = distinct(a[2]), distinct(b[2])
        ia, _ib = _common(ua, ub)
        return distinct(np.asarray(unit_starts)[ua[ia]] >> 32)
    ua, a_min_end, a_max_start = per_unit(a)
    ub, b_min_end, b_max_start = per_unit(b)
    ia, ib = _common(ua, ub)
    ok = (a_min_end[ia] < b_max_start[ib]) | (b_min_end[ib] < a_max_start[ia])
    return distinct(np.asarray(unit_starts)[ua[ia[ok]]] >> 32)  # units ascend, and so their documents


def _common(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the values both ascending, distinct arrays hold are in each (ascending): each value of
    the shorter looked up among the other's, not `intersect1d`'s sort of both."""
    if not len(x) or not len(y):
        return EMPTY, EMPTY
    if len(x) > len(y):
        iy, ix = _common(y, x)
        return ix, iy
    ix = np.flatnonzero(among_mask(x, y))
    return ix, np.searchsorted(y, x[ix])


def anchors(counts: list[int]) -> list[int]:
    """The words (by place in the phrase) whose occurrences, with their neighbours, decide a phrase of
    words with these occurrence counts: each anchor covers itself and the words either side; the cover
    with the fewest occurrences in all."""
    n = len(counts)
    best: list[tuple[int, list[int]]] = [(0, [])] * (n + 1)  # best[i]: words i.. covered
    for i in range(n - 1, -1, -1):
        best[i] = min((counts[r] + best[min(r + 2, n)][0], [r, *best[min(r + 2, n)][1]])
                      for r in (i - 1, i, i + 1) if 0 <= r < n)
    return best[0][1]


def among(keys: np.ndarray, within: np.ndarray) -> np.ndarray:
    """The keys (ascending) that are also in `within` (ascending): each looked up there."""
    if not len(keys) or not len(within):
        return keys[:0]
    return keys[among_mask(keys, within)]


def among_mask(keys: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Whether each of the keys (ascending) is in `within` (ascending, not empty)."""
    at = np.searchsorted(within, keys)
    at[at == len(within)] = len(within) - 1
    return within[at] == keys

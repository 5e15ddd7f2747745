"""Exact totals: how many documents a compiled query matches, from posting lists as sets.

Whoosh collects the top hits skipping blocks that cannot reach them, so the total needs a second pass
(`len(results)`), which walks its matchers document by document in Python: for an `AND` of two common
words at 100,000 documents, most of a search's time. Here the terms' posting lists are read whole (one
call per term and segment) into sets, and `AND`, `OR` and `NOT` become set operations in C. Any other
query (phrases, proximity, ranges, wildcards) is asked for its documents the usual way, so a total
never depends on what this module understands.
"""

from __future__ import annotations

from whoosh import query as wq


def total(searcher, q) -> int:
    """The number of live documents `q` matches in `searcher`."""
    return len(_docs(searcher, q))


def _docs(searcher, q) -> set[int]:
    if isinstance(q, wq.Term):
        return _term(searcher, q.fieldname, q.text)
    if type(q) is wq.And:
        positive = [s for s in q.subqueries if not isinstance(s, wq.Not)]
        negative = [s.query for s in q.subqueries if isinstance(s, wq.Not)]
        if positive:
            sets = sorted((_docs(searcher, s) for s in positive), key=len)
            found = sets[0].intersection(*sets[1:])
            for s in negative:
                if not found:
                    break
                found -= _docs(searcher, s)
            return found
    if type(q) is wq.Or and not getattr(q, "minmatch", 0):
        found: set[int] = set()
        for s in q.subqueries:
            found |= _docs(searcher, s)
        return found
    return set(searcher.docs_for_query(q))


def _term(searcher, fieldname: str, text) -> set[int]:
    found: set[int] = set()
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, text) not in reader:
            continue
        ids = reader.postings(fieldname, text).all_ids()  # deleted documents left out by the reader
        found.update(ids if not offset else (offset + i for i in ids))
    return found

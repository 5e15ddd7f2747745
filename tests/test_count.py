"""`search.count.total` agrees with Whoosh's own matching on boolean queries, deleted documents included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from search.count import total
from search.phrase import AdjacentPhrase

WORDS = ["aid", "loans", "china", "debt", "trade"]

terms = st.builds(lambda w: wq.Term("body", w), st.sampled_from(WORDS + ["absent"]))
queries = st.recursive(
    terms | st.builds(lambda a, b: AdjacentPhrase("body", [a, b]), st.sampled_from(WORDS), st.sampled_from(WORDS)),
    lambda inner: st.builds(lambda qs: wq.Or(qs), st.lists(inner, min_size=1, max_size=3))
    | st.builds(lambda qs, nots: wq.And(qs + [wq.Not(n) for n in nots]),
                st.lists(inner, min_size=1, max_size=3), st.lists(inner, max_size=2)),
    max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), min_size=1, max_size=30),
       st.sets(st.integers(0, 29), max_size=6), queries)
def test_totals_agree_with_whoosh(docs, deleted, q):
    ix = RamStorage().create_index(Schema(body=TEXT(analyzer=RegexTokenizer(), phrase=True)))
    half = len(docs) // 2 or 1
    for part in (docs[:half], docs[half:]):  # two segments, kept apart, deletions kept (merge=False)
        writer = ix.writer()
        for words in part:
            writer.add_document(body=" ".join(words))
        writer.commit(merge=False)
    writer = ix.writer()
    for n in deleted:
        if n < len(docs):
            writer.delete_document(n)
    writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert searcher.doc_count() == len(docs) - len([n for n in deleted if n < len(docs)])
        assert total(searcher, q) == len(set(searcher.docs_for_query(q)))

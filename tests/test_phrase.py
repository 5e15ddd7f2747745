"""`AdjacentPhrase` finds exactly what Whoosh's `Phrase` finds, scores it the same, and counts it the same
when only the top hits are collected."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from search.phrase import AdjacentPhrase

WORDS = ["the", "united", "states", "trade", "of", "policy"]


def _index(docs: list[list[str]], segments: int = 2):
    ix = RamStorage().create_index(Schema(id=ID(stored=True), body=TEXT(analyzer=RegexTokenizer(), phrase=True)))
    per = max(1, len(docs) // segments)
    for start in range(0, len(docs), per):
        with ix.writer() as writer:
            for n, words in enumerate(docs[start:start + per], start):
                writer.add_document(id=str(n), body=" ".join(words))
    return ix


documents = st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=30), min_size=1, max_size=40)
phrases = st.lists(st.sampled_from(WORDS), min_size=2, max_size=3)


@settings(max_examples=150, deadline=None)
@given(documents, phrases)
def test_the_same_documents_scores_and_totals_as_whooshs_phrase(docs, words):
    ix = _index(docs)
    with ix.searcher() as searcher:
        theirs, ours = wq.Phrase("body", words), AdjacentPhrase("body", words)
        assert set(searcher.docs_for_query(ours)) == set(searcher.docs_for_query(theirs))
        expected = {n for n, d in enumerate(docs) if any(d[i:i + len(words)] == words for i in range(len(d)))}
        assert {int(searcher.stored_fields(n)["id"]) for n in searcher.docs_for_query(ours)} == expected
        for limit in (None, 3):
            a = searcher.search(wq.Or([theirs, wq.Term("body", "policy")]), limit=limit)
            b = searcher.search(wq.Or([ours, wq.Term("body", "policy")]), limit=limit)
            assert len(a) == len(b)  # totals exact even when low-scoring blocks are skipped
            assert [(h.docnum, round(h.score, 6)) for h in a] == [(h.docnum, round(h.score, 6)) for h in b]


def test_a_word_missing_from_the_index_matches_nothing():
    ix = _index([["the", "united", "states"]])
    with ix.searcher() as searcher:
        assert list(searcher.docs_for_query(AdjacentPhrase("body", ["the", "unknown"]))) == []


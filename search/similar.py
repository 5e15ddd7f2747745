"""Related commentaries ("more like this"): the documents closest to one document of the index.

Moving parts:
- `distinctive_terms()`: the document's title and body, read from the store and analysed as the index
  analyses them (`indexer.analysis.term_spans`, the prose analyzer's steps), each index term weighted by
  tf·idf against the index's own vocabulary: (1 + log tf) times the BM25 idf of the term's document
  frequency. Title words count `TITLE_WEIGHT` times, stop words, numbers and words found only in the
  document and its copies are left out, and so are words in more than `MAX_SHARE` of the documents;
- `similar()`: the `TERMS` best of them searched for in title and body, any of them, each boosted by its
  weight, ranked by BM25F (`ranking.weighting()`, the title weighed as `search` weighs it); the document
  itself and its copies excluded, other groups of copies folded to one hit each as `search` does. Each
  hit says which of the words it shares.

Cost. Choosing the words takes one document-frequency lookup per distinct word of the document
(microseconds each). Scoring runs term at a time over the postings of the chosen terms, each posting
scored by the Whoosh scorer: Whoosh's own OR of 50 term queries spends ~5× longer in its union matchers
and block-quality checks. `POSTINGS_BUDGET` bounds the postings read, so the cost does not grow with
the index past it.
"""

from __future__ import annotations

import heapq
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from math import log
from typing import Any

from corpus.document import Document
from indexer.analysis import STOP_WORDS, stem, term_spans
from indexer.index import IndexFolder, open_reader
from indexer.shards import is_sharded

from . import ranking
from .errors import DocumentNotFound, SearchError
from .searcher import find_document

# How many of the document's most distinctive terms make the query.
TERMS = 25
# In a document of LONG_TEXT words or more, a word said once is a passing mention, not its topic: only
# words it uses at least MIN_TF times (a title word counts TITLE_WEIGHT times) are chosen.
LONG_TEXT = 400
MIN_TF = 2
# A word of the title counts as this many occurrences in the body: a title says what a text is about.
TITLE_WEIGHT = 2.0
# Words in more than this share of the documents say nothing about a topic (once the index has
# MIN_DOCS_FOR_SHARE documents; below that, shares mean little and idf alone decides).
MAX_SHARE = 0.2
MIN_DOCS_FOR_SHARE = 20
# The most postings the query may read, summed over its terms: the cost stays bounded however large the
# index (~6 µs a posting); past it, the most common of the chosen terms are left out.
POSTINGS_BUDGET = 10_000


@dataclass(frozen=True)
class Term:
    term: str      # the index term (a stem)
    word: str      # its most frequent form in the document, for people to read
    weight: float  # tf·idf
    fields: tuple[str, ...] = ("body", "title")  # the index fields holding it


@dataclass
class Related:
    doc: Document
    score: float
    shared: list[str]  # the distinctive words this document has too, most distinctive first
    copies: int = 0    # its copies (other sites, other captures), shown as this one hit

    def to_json(self) -> dict[str, Any]:
        d = self.doc
        return {"id": d.id, "url": d.url, "title": d.title, "date": d.date or None,
                "authors": list(d.authors), "source": d.source, "score": round(self.score, 4),
                "shared": self.shared, "copies": self.copies}


@dataclass
class Similar:
    doc: Document
    terms: list[Term]
    hits: list[Related] = field(default_factory=list)
    seconds: float = 0.0
    missing_shards: list[int] = field(default_factory=list)  # a sharded index's shards left out (--allow-partial)

    def to_json(self) -> dict[str, Any]:
        from .searcher import partial_json

        return {"id": self.doc.id, "title": self.doc.title, "terms": [t.word for t in self.terms],
                "hits": [h.to_json() for h in self.hits], **partial_json(self.missing_shards)}


def _weighed_words(doc: Document) -> tuple[Counter, dict[str, Counter], int]:
    """`doc`'s index terms (stems) with their weighted counts, each one's forms in the text, and the
    least count a term needs (more in a long text)."""
    words: Counter[str] = Counter()
    length = 0
    for text, weight in ((doc.title, TITLE_WEIGHT), (doc.body, 1.0)):
        spans = term_spans(text or "", stem=False)
        length += len(spans)
        for word, _, _ in spans:
            words[word] += weight
    freqs: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)  # the stem is what the index holds, a word what we show
    for word, n in words.items():
        if len(word) >= 3 and word not in STOP_WORDS and any(c.isalpha() for c in word):
            term = stem(word)
            freqs[term] += n
            forms[term][word] += n
    return freqs, forms, MIN_TF if length >= LONG_TEXT else 1


def candidate_terms(doc: Document) -> list[str]:
    """The index terms `distinctive_terms()` weighs for `doc`."""
    return sorted(_weighed_words(doc)[0])


def distinctive_terms(doc: Document, ixreader, *, exclude: int = 1, count: int = TERMS) -> list[Term]:
    """The `count` terms of `doc` that best tell it apart in the index read by `ixreader`, best first.
    `exclude` is how many documents of the index are `doc` and its copies: a term found in no other
    document cannot find anything related. `ixreader` may be anything with a reader's `doc_count()`
    and `doc_frequency()` (a sharded index's sums)."""
    freqs, forms, min_tf = _weighed_words(doc)
    docs = ixreader.doc_count()
    most = MAX_SHARE * docs if docs >= MIN_DOCS_FOR_SHARE else docs
    weighted: list[tuple[float, str, int]] = []
    for term, tf in freqs.items():
        df = ixreader.doc_frequency("body", term)
        if df <= exclude:  # rarely, a word of titles only
            df = max(df, ixreader.doc_frequency("title", term))
        if tf >= min_tf and exclude < df <= most:
            weighted.append(((1 + log(tf)) * log(1 + (docs - df + 0.5) / (df + 0.5)), term, df))
    weighted.sort(key=lambda w: (-w[0], w[1]))
    chosen: list[Term] = []
    postings = 0
    for weight, term, df in weighted:
        if postings + df > POSTINGS_BUDGET:
            continue
        postings += df
        fields = tuple(f for f in ("body", "title") if ixreader.doc_frequency(f, term))
        word = max(forms[term].items(), key=lambda kv: (kv[1], -len(kv[0]), kv[0]))[0]
        chosen.append(Term(term, word, weight, fields))
        if len(chosen) == count:
            break
    return chosen


def _excluded(ixreader, group: str, ids: list[str]) -> set[int]:
    """Document numbers of the group of copies `group` and of `ids` (the document and its copies)."""
    found: set[int] = set()
    for fieldname, text in [("copy_group", group)] + [("id", i) for i in ids]:
        if (fieldname, text) in ixreader:
            found.update(ixreader.postings(fieldname, text).all_ids())
    return found


def _scores(searcher, terms: list[Term], excluded: set[int]) -> tuple[dict[int, float], dict[int, int]]:
    """BM25F scores of every document holding any of `terms` (each boosted by its weight, the title
    as `search` weighs it), term at a time; and which terms each holds, as a bit set."""
    scores: dict[int, float] = defaultdict(float)
    holds: dict[int, int] = defaultdict(int)
    top = terms[0].weight
    ixreader = searcher.reader()
    for bit, t in enumerate(terms):
        for fieldname in t.fields:
            if (fieldname, t.term) not in ixreader:  # a shard of a sharded index without it
                continue
            boost = t.weight / top * (ranking.TITLE_BOOST if fieldname == "title" else 1.0)
            m = searcher.postings(fieldname, t.term)
            while m.is_active():
                docnum = m.id()
                scores[docnum] += m.score() * boost
                holds[docnum] |= 1 << bit
                m.next()
    for docnum in excluded:
        scores.pop(docnum, None)
    return scores, holds


def similar(index_path: str | os.PathLike[str], doc_id: str, *, limit: int = 10) -> Similar:
    """The documents most like the stored document `doc_id` (or an unambiguous start of its id, 6+
    digits), best first: up to `limit`, never the document itself or one of its copies, one hit per
    group of copies. `DocumentNotFound` when there is no such document."""
    if limit < 0:
        raise SearchError("--limit takes a number from 0 up")
    if is_sharded(index_path):
        from . import gather

        return gather.similar(index_path, doc_id, limit=limit)
    started = time.perf_counter()
    with open_reader(IndexFolder(index_path), ranking.weighting()) as reader:
        if reader.store is None:
            raise DocumentNotFound(f"no document {doc_id} (the index is empty)")
        doc = find_document(reader.store, doc_id, index_path)
        result = Similar(doc, [])
        if reader.searcher is not None:
            copies = reader.store.copies_of(doc.id)
            ixreader = reader.searcher.reader()
            result.terms = distinctive_terms(doc, ixreader, exclude=1 + len(copies))
            if result.terms and limit:
                group = reader.store.copy_groups([doc.id])[doc.id]
                scores, holds = _scores(reader.searcher, result.terms,
                                        _excluded(ixreader, group, [doc.id, *copies]))
                result.hits = _hits(reader, scores, holds, result.terms, limit)
    result.seconds = time.perf_counter() - started
    return result


def _hits(reader, scores: dict[int, float], holds: dict[int, int], terms: list[Term],
          limit: int) -> list[Related]:
    """The best `limit` documents, one per group of copies (the best-scored; the others are counted)."""
    ixreader = reader.searcher.reader()
    groups = ixreader.column_reader("copy_group")
    best = limit * 4 + 10  # enough, unless many of the best are copies of one another
    while True:
        ranked = heapq.nlargest(best, scores.items(), key=lambda kv: (kv[1], -kv[0]))
        kept: list[tuple[int, float]] = []
        first: dict[str, int] = {}
        copies: Counter[int] = Counter()
        for docnum, score in ranked:
            group = groups[docnum] or str(docnum)
            if group in first:
                copies[first[group]] += 1
            elif len(kept) == limit:
                break  # copies ranked lower than the last hit are not counted: as `search` does
            else:
                first[group] = docnum
                kept.append((docnum, score))
        if len(kept) == limit or len(ranked) == len(scores):
            break
        best *= 8
    ids = {docnum: ixreader.stored_fields(docnum)["id"] for docnum, _ in kept}
    docs = reader.store.get_many(ids.values())
    hits = []
    for docnum, score in kept:
        doc = docs.get(ids[docnum])
        if doc is None:  # indexed but no longer stored: the next index run removes it
            continue
        shared = [t.word for bit, t in enumerate(terms) if holds[docnum] >> bit & 1]
        hits.append(Related(doc, float(score), shared, copies[docnum]))
    return hits

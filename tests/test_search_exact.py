"""Every query form returns exactly the right documents: checked against a brute-force answer computed
directly from the stored texts over a seeded random corpus."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from corpus.store import Store
from indexer.analysis import name_analyzer, prose_analyzer
from indexer.ingest import ingest
from search.searcher import search

from .conftest import make_page

VOCAB = ("debt of the lon nol era from loan loans aid china cambodia sanction sanctions water mekong dam "
         "dams river policy talks new momentum asean regime").split()
AUTHORS = ["Jane Smith", "Arun Rao", "Mei Chen", "Tomas Berg"]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory):
    rng = random.Random(20101111)
    pages = tmp_path_factory.mktemp("pages")
    for n in range(60):
        words = [rng.choice(VOCAB) for _ in range(rng.randint(20, 70))]
        if n % 7 == 0:
            cut = rng.randint(0, len(words))
            words[cut:cut] = "the debt of lon nol".split()
        paragraphs = [" ".join(words[i:i + 15]).capitalize() + "." for i in range(0, len(words), 15)]
        title = " ".join(rng.choice(VOCAB) for _ in range(4)).title()
        day = dt.date(2009, 1, 1) + dt.timedelta(days=rng.randint(0, 15 * 365))
        (pages / f"p{n:02d}.html").write_text(make_page(
            f"{title} {n}", paragraphs, date=day.isoformat(), author=rng.choice(AUTHORS),
            url=f"https://think.example/c/{n}", sidebar=["Quarterly Cryptocurrency Outlook"]))
    index = tmp_path_factory.mktemp("idx")
    report = ingest(index, [pages], jobs=1)
    assert report.added == 60 and report.failed == 0
    with Store.open(index) as store:
        docs = [doc for _seq, doc in store.iter_documents()]
    return index, docs


def _terms(text: str, analyzer) -> list[str]:
    return [t.text for t in analyzer(text)]


def _has_seq(tokens: list[str], seq: list[str]) -> bool:
    n = len(seq)
    return any(tokens[i:i + n] == seq for i in range(len(tokens) - n + 1))


def _word(doc, word):
    stem = _terms(word, prose_analyzer())
    return _has_seq(_terms(doc.title, prose_analyzer()), stem) or _has_seq(_terms(doc.body, prose_analyzer()), stem)


def _in_range(doc, start, end):
    return bool(doc.date) and start <= doc.date <= end


BRUTE = {
    "debt": lambda d: _word(d, "debt"),
    "sanctions": lambda d: _word(d, "sanctions"),
    '"debt of lon nol"': lambda d: _word(d, "debt of lon nol"),
    '"lon nol era"': lambda d: _word(d, "lon nol era"),
    "debt AND china": lambda d: _word(d, "debt") and _word(d, "china"),
    "aid OR dams": lambda d: _word(d, "aid") or _word(d, "dams"),
    "mekong NOT dam": lambda d: _word(d, "mekong") and not _word(d, "dam"),
    "(aid OR loan) -china": lambda d: (_word(d, "aid") or _word(d, "loan")) and not _word(d, "china"),
    '"the debt" date:2012..2015': lambda d: _word(d, "the debt") and _in_range(d, "2012-01-01", "2015-12-31"),
    "date:>=2015-06": lambda d: _in_range(d, "2015-06-01", "9999"),
    "date:<2012": lambda d: _in_range(d, "0000", "2011-12-31"),
    "author:smith": lambda d: "smith" in _terms(" ".join(d.authors), name_analyzer()),
    'author:"mei chen" OR author:rao': lambda d: d.authors[0] in ("Mei Chen", "Arun Rao"),
    "title:river": lambda d: "river" in _terms(d.title, prose_analyzer()),
    "dam*": lambda d: any(t.startswith("dam") for t in _terms(d.title + " " + d.body, prose_analyzer())),
    "cryptocurrency": lambda d: False,  # only in the sidebar: never indexed
    "NOT debt": lambda d: not _word(d, "debt"),
}


@pytest.mark.parametrize("query", list(BRUTE))
def test_matching_documents_are_exactly_the_brute_force_answer(corpus_index, query):
    index, docs = corpus_index
    expected = {d.id for d in docs if BRUTE[query](d)}
    found = search(index, query, limit=1000)
    assert found.total == len(expected)
    assert {h.doc.id for h in found.hits} == expected


def test_limit_offset_and_date_sorting(corpus_index):
    index, docs = corpus_index
    everything = search(index, "date:2009..2024", limit=1000, sort="date")
    dates = [h.doc.date for h in everything.hits]
    assert dates == sorted(dates) and everything.total == 60
    newest = search(index, "date:2009..2024", limit=5, sort="-date")
    assert [h.doc.date for h in newest.hits] == sorted(dates, reverse=True)[:5]
    second_page = search(index, "date:2009..2024", limit=5, offset=5, sort="-date")
    assert [h.doc.date for h in second_page.hits] == sorted(dates, reverse=True)[5:10]
    assert search(index, "debt", limit=0).hits == []


def test_title_matches_rank_above_body_matches(corpus_index):
    index, docs = corpus_index
    found = search(index, "river", limit=1000)
    in_title = [h.doc.id for h in found.hits if "river" in _terms(h.doc.title, prose_analyzer())]
    assert in_title, "the seeded corpus has titles with 'river'"
    assert found.hits[0].doc.id in in_title

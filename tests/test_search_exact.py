"""Every query form returns exactly the right documents: checked against a brute-force answer computed
directly from the stored texts over a seeded random corpus."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest

from corpus.store.documents import Store
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
        sentences = [" ".join(words[i:i + 8]).capitalize() + "." for i in range(0, len(words), 8)]
        paragraphs = [" ".join(sentences[i:i + 2]) for i in range(0, len(sentences), 2)]
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


def _positions(doc, word, field="body"):
    """Positions of `word`'s stem in a field, counted the plain way."""
    stem = _terms(word, prose_analyzer())[0]
    text = doc.body if field == "body" else doc.title
    return [i for i, t in enumerate(_terms(text, prose_analyzer())) if t == stem]


def _near(doc, a, b, n, ordered=False):
    """Some occurrence of a and b at most n positions apart (never the same word)."""
    for field in ("title", "body"):
        pa, pb = _positions(doc, a, field), _positions(doc, b, field)
        if any(0 < (q - p if ordered else abs(q - p)) <= n for p in pa for q in pb):
            return True
    return False


def _units(doc, kind):
    """The title, and the body's paragraphs or sentences, as lists of stems."""
    texts = [doc.title]
    for paragraph in doc.body.split("\n\n"):
        texts.extend([paragraph] if kind == "paragraph" else re.split(r"(?<=\.)\s+", paragraph))
    return [_terms(t, prose_analyzer()) for t in texts]


def _same_unit(doc, a, b, kind):
    sa, sb = _terms(a, prose_analyzer())[0], _terms(b, prose_analyzer())[0]
    return any(sa in unit and sb in unit and (sa != sb or unit.count(sa) > 1) for unit in _units(doc, kind))


def _exact(doc, phrase):
    words = [w.lower() for w in re.findall(r"\w+", phrase)]
    for text in (doc.title, doc.body):
        tokens = [w.lower() for w in re.findall(r"\w+", text)]
        if any(tokens[i:i + len(words)] == words for i in range(len(tokens))):
            return True
    return False


def _sloppy(doc, words, n):
    """All the words, chained: each next one within n positions of the span so far, any order."""
    for field in ("title", "body"):
        spans = [(p, p) for p in _positions(doc, words[0], field)]
        for word in words[1:]:
            spans = [(min(s, q), max(e, q)) for s, e in spans for q in _positions(doc, word, field)
                     if 0 < (s - q if q < s else q - e if q > e else 0) <= n]
        if spans:
            return True
    return False


def _edit1(a, b):
    """Levenshtein distance at most 1, or one transposition."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _fuzzy(doc, word):
    stem = _terms(word, prose_analyzer())[0]
    terms = set(_terms(doc.title + " " + doc.body, prose_analyzer()))
    return any(t[:1] == stem[:1] and _edit1(t, stem) for t in terms)


BRUTE = {
    "debt": lambda d: _word(d, "debt"),
    "sanctions": lambda d: _word(d, "sanctions"),
    '"debt of lon nol"': lambda d: _word(d, "debt of lon nol"),
    '"lon nol era"': lambda d: _word(d, "lon nol era"),
    "debt AND china": lambda d: _word(d, "debt") and _word(d, "china"),
    '"aid china" OR "dam mekong"': lambda d: _word(d, "aid china") or _word(d, "dam mekong"),
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
    "debt w/3 nol": lambda d: _near(d, "debt", "nol", 3),
    "debt w/1 nol": lambda d: _near(d, "debt", "nol", 1),
    "nol pre/2 debt": lambda d: _near(d, "nol", "debt", 2, ordered=True),
    "debt pre/2 nol": lambda d: _near(d, "debt", "nol", 2, ordered=True),
    "(aid OR loans) w/4 china": lambda d: _near(d, "aid", "china", 4) or _near(d, "loans", "china", 4),
    "dam* w/2 mekong": lambda d: any(_near(d, w, "mekong", 2) for w in ("dam", "dams")),
    '"water mekong"~3': lambda d: _sloppy(d, ["water", "mekong"], 3),
    '"aid china talks"~4': lambda d: _sloppy(d, ["aid", "china", "talks"], 4),
    "aid w/s china": lambda d: _same_unit(d, "aid", "china", "sentence"),
    "aid w/p china": lambda d: _same_unit(d, "aid", "china", "paragraph"),
    "aid w/s china NOT \"lon nol\"": lambda d: _same_unit(d, "aid", "china", "sentence") and not _word(d, "lon nol"),
    "exact:loans": lambda d: _exact(d, "loans"),
    'exact:"the dams"': lambda d: _exact(d, "the dams"),
    "NOT exact:loans": lambda d: not _exact(d, "loans"),
    "mekng~": lambda d: _fuzzy(d, "mekng"),
    "polcy~ AND date:2015..": lambda d: _fuzzy(d, "polcy") and _in_range(d, "2015-01-01", "9999"),
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


def test_the_brute_force_cases_are_not_trivial(corpus_index):
    """Each query above matches some documents but not all, so the comparison can fail."""
    _index, docs = corpus_index
    trivial = {q for q, check in BRUTE.items() if q != "cryptocurrency"
               and sum(bool(check(d)) for d in docs) in (0, len(docs))}
    assert not trivial

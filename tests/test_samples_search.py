"""Searching the bundled sample corpus: phrases find exactly the pages that hold them, chrome is never
indexed, and the demo shows ranked, highlighted hits."""

from __future__ import annotations

import pytest

from indexer.ingest import ingest
from search.searcher import search

from .conftest import SAMPLES


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("samples-idx")
    report = ingest(index, [SAMPLES], jobs=2)
    assert (report.added, report.skipped, report.failed) == (20, 0, 0)
    return index


def _titles(index, query):
    found = search(index, query, limit=100)
    assert found.total == len(found.hits)
    return {h.doc.title for h in found.hits}


def test_phrases_find_exactly_the_pages_with_the_phrase(sample_index):
    # The pages holding each phrase are listed in tests/data/samples/README.md.
    assert _titles(sample_index, '"debt of Lon Nol"') == {"US-Cambodia Relations: New Momentum"}
    assert len(_titles(sample_index, "debt Lon Nol")) == 2  # the words, not the phrase, are in two pages
    assert _titles(sample_index, '"food security"') == {
        "Xayaburi and the Limits of Mekong Water Diplomacy",
        "The Grain Corridor Is Open. The Hunger Crisis Is Not Over"}
    assert _titles(sample_index, '"climate finance"') == {
        "Copenhagen’s Only Real Number: $100 Billion",
        "A Fund Without Enough Money: Loss and Damage After Dubai"}
    assert len(_titles(sample_index, "food security")) == 5


@pytest.mark.parametrize("word", ["cryptocurrency", "kaleidoscope", "ferncliffe", "stormont", "yangon"])
def test_words_only_in_page_chrome_are_not_found(sample_index, word):
    assert search(sample_index, word).total == 0


def test_fields_dates_and_highlighting(sample_index):
    hits = search(sample_index, 'author:"Clara Bianchi"', sort="date").hits
    assert [h.doc.date for h in hits] == ["2016-03-22", "2019-02-04"]
    assert search(sample_index, "date:2009").total == 2
    assert search(sample_index, "entity:\"Hun Sen\"").total >= 1
    top = search(sample_index, '"debt of Lon Nol"').hits[0]
    assert [s.text for s in top.snippet if s.marked] == ["debt of Lon Nol"]


def test_demo_runs_and_shows_hits(cli, tmp_path):
    result = cli("demo", "--index", tmp_path / "demo")
    assert result.exit_code == 0, result.stderr
    assert "20 added" in result.stdout
    assert "US-Cambodia Relations: New Momentum" in result.stdout
    assert "polsearch search" in result.stdout

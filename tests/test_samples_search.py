"""Searching the bundled sample corpus: phrases find exactly the pages that hold them, chrome is never
indexed, and the demo shows ranked, highlighted hits."""

from __future__ import annotations

import json

import pytest

from indexer.ingest import ingest
from search.demo import EXAMPLE_QUERIES
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


def test_demo_json_is_one_object_with_the_summary_and_each_search(cli, tmp_path):
    index = tmp_path / "demo"
    result = cli("demo", "--index", index, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert set(data) == {"index", "indexed", "searches"} and data["index"] == str(index)
    indexed = data["indexed"]
    assert (indexed["added"], indexed["updated"], indexed["skipped"], indexed["failed"]) == (20, 0, 0, 0)
    assert "Indexed into" in result.stderr and "$ polsearch" not in result.stdout
    assert [(s["query"], s["options"]) for s in data["searches"]] == list(EXAMPLE_QUERIES)
    for shown, (query, options) in zip(data["searches"], EXAMPLE_QUERIES):
        alone = search(index, query, **options)  # the same search on its own finds the same
        assert shown["total"] == alone.total > 0
        assert [h["id"] for h in shown["hits"]] == [h.doc.id for h in alone.hits]
        assert len(shown["hits"]) == min(alone.total, options["limit"])
        assert set(shown["hits"][0]) == {"id", "url", "title", "date", "authors", "source", "score", "snippet",
                                         "entities"}

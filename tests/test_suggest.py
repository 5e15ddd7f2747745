""""Did you mean": a query that finds few documents gets a corrected spelling from the index's own words,
only when that spelling finds more; a query that is spelt right gets none."""

from __future__ import annotations

import pytest

from indexer.index import IndexFolder, open_reader

from .conftest import Cli, make_page

PAGES = [
    ("Sihanouk and the neutrality of Cambodia",
     ["Prince Sihanouk kept Cambodia out of the war for as long as he could.",
      "His neutrality policies angered Washington and Hanoi alike."]),
    ("Remembering Sihanouk",
     ["Sihanouk returned to Phnom Penh in 1991 after years in Beijing and Pyongyang."]),
    ("Sihanouk, Lon Nol and the debt",
     ["After the coup against Sihanouk, the Lon Nol government borrowed from Washington.",
      "The debt of Lon Nol is still discussed today."]),
    ("Trade policies after the pandemic",
     ["Governments rewrote their trade policies to bring supply chains closer to home."]),
    ("Industrial policies in Europe",
     ["Subsidies for batteries and chips are the new industrial policies of the European Union."]),
    ("Hydropower dams on the Mekong",
     ["Hydropower dams on the Mekong threaten the fisheries of the Tonle Sap."]),
    ("Sanctions on Iranian oil",
     ["Sanctions on Iranian oil exports were tightened again this year."]),
    ("The police and the protests",
     ["The police cleared the square before the protests could grow."]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """An index of the pages above, built once: the tests only search it."""
    cli, root = Cli(), tmp_path_factory.mktemp("suggest")
    pages = root / "pages"
    pages.mkdir()
    for n, (title, paragraphs) in enumerate(PAGES):
        (pages / f"p{n}.html").write_text(make_page(title, paragraphs, url=f"https://forum.example/p{n}",
                                                    date=f"201{n}-03-01"))
    assert cli("index", "--index", root / "idx", "--jobs", "1", pages).exit_code == 0
    return root / "idx"


def suggestion(cli, index, *query):
    data = cli.json("search", "--index", index, *query)
    return data["total"], data["suggestion"]


def test_a_misspelt_word_gets_the_right_suggestion(cli, index):
    assert suggestion(cli, index, "sihanuk") == (0, {"query": "sihanouk", "total": 3})
    assert suggestion(cli, index, "Sihnaouk")[1] == {"query": "Sihanouk", "total": 3}  # two letters swapped
    assert suggestion(cli, index, "hydropwer dams") == (0, {"query": "hydropower dams", "total": 1})


def test_the_human_output_says_did_you_mean(cli, index):
    result = cli("search", "--index", index, "sihanuk")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:2] == ["No documents match 'sihanuk'.", "Did you mean: sihanouk?  (3 hits)"]
    result = cli("search", "--index", index, "sihanouk")
    assert "Did you mean" not in result.stdout + result.stderr


def test_a_correct_query_gets_none(cli, index):
    assert suggestion(cli, index, "sihanouk") == (3, None)
    assert suggestion(cli, index, "debt") == (1, None)  # few hits, but spelt right: nothing better
    assert suggestion(cli, index, "policies") == (3, None)
    assert suggestion(cli, index, "police") == (1, None)  # not "policies", although in more documents


def test_a_suggestion_is_a_word_not_a_stem(cli, index):
    total, found = suggestion(cli, index, "polcies")
    assert total == 0 and found == {"query": "policies", "total": 3}


def test_only_the_misspelt_words_change_and_the_query_stays_as_typed(cli, index):
    _, found = suggestion(cli, index, 'SIHANUK AND "lon nol" -washingtn title:debt')
    assert found == {"query": 'SIHANOUK AND "lon nol" -washingtn title:debt', "total": 1}  # NOT parts stay
    _, found = suggestion(cli, index, '"trade polciies"')
    assert found == {"query": '"trade policies"', "total": 1}
    _, found = suggestion(cli, index, "title:sihanuk's")
    assert found == {"query": "title:sihanouk's", "total": 3}


def test_no_suggestion_unless_it_finds_more(cli, index):
    # Spelt right, the query would still find nothing: the filter excludes everything.
    assert suggestion(cli, index, "sihanuk", "--from", "2030") == (0, None)
    assert suggestion(cli, index, "sihanuk AND nosuchwordatall") == (0, None)


def test_what_is_not_a_plain_word_is_left_alone(cli, index):
    for query in ("exact:sihanuk", "sihanuk*", "author:sihanuk", "zz"):
        assert suggestion(cli, index, query)[1] is None, query


def test_no_work_when_hits_are_plentiful(cli, index, monkeypatch):
    from search import suggest

    def looked(*args):
        raise AssertionError("looked for a suggestion")

    monkeypatch.setattr(suggest, "query_words", looked)
    monkeypatch.setattr(suggest, "correction", looked)
    assert suggestion(cli, index, "sihanouk") == (3, None)
    assert suggestion(cli, index, "sihanouk OR sihanuk") == (3, None)


def test_json_only_adds_the_suggestion_key(cli, index):
    data = cli.json("search", "--index", index, "sanctons")
    assert list(data) == ["query", "total", "hits", "suggestion"]
    assert data == {"query": "sanctons", "total": 0, "hits": [], "suggestion": {"query": "sanctions", "total": 1}}


def test_an_index_written_in_several_runs(cli, tmp_path):
    """Each run adds a segment to the index: words are looked for in every one."""
    for n, (title, paragraphs) in enumerate(PAGES):
        folder = tmp_path / ("first" if n < 4 else "second")
        folder.mkdir(exist_ok=True)
        (folder / f"p{n}.html").write_text(make_page(title, paragraphs, url=f"https://forum.example/p{n}"))
    for folder in ("first", "second"):
        assert cli("index", "--index", tmp_path / "idx", "--jobs", "1", tmp_path / folder).exit_code == 0
    with open_reader(IndexFolder(tmp_path / "idx")) as reader:
        assert len(reader.searcher.reader().leaf_readers()) == 2
    assert suggestion(cli, tmp_path / "idx", "polcies") == (0, {"query": "policies", "total": 3})
    assert suggestion(cli, tmp_path / "idx", "hydropwer") == (0, {"query": "hydropower", "total": 1})

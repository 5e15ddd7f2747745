"""`polsearch similar ID`: related commentaries first, never the document itself or its copies, copies of
others listed once, and one-line errors for ids that are not there."""

from __future__ import annotations

import json

import pytest

from indexer.index import IndexFolder, open_reader

from .conftest import Cli, make_page

# Three topics; each page of a topic uses its topic's words, every page some words of all of them.
TOPICS = {
    "mekong": [
        ("Dams on the Mekong and the fisheries of Cambodia",
         ["The Xayaburi dam on the Mekong mainstream blocks the migration of fish that feed Cambodia.",
          "Hydropower revenue tempts Laos, while the Mekong River Commission asks for consultation."]),
        ("Laos bets on hydropower along the Mekong",
         ["Laos wants to become the battery of Southeast Asia with a cascade of Mekong dams.",
          "Downstream, the Tonle Sap fisheries and the sediment of the delta depend on the river."]),
        ("The Mekong River Commission after Xayaburi",
         ["The commission's prior consultation failed to stop the dam; the fisheries lost.",
          "Mekong hydropower needs a basin-wide study of sediment and fish migration."]),
        ("Vietnam's delta and the dams upstream on the Mekong",
         ["Sediment trapped behind Mekong dams starves the delta, and saltwater reaches the rice fields.",
          "Vietnam asked Laos for a ten-year moratorium on mainstream hydropower."]),
    ],
    "iran": [
        ("Oil sanctions and Iran's nuclear programme",
         ["Sanctions on Iranian oil exports cut revenue, yet enrichment at Natanz went on.",
          "The sanctions regime needs European banks to refuse payments for crude."]),
        ("Europe, Iran and the limits of secondary sanctions",
         ["Secondary sanctions threaten European firms that buy Iranian crude or insure tankers.",
          "Tehran reads every waiver as a sign the sanctions regime is fraying."]),
        ("Enrichment, inspectors and sanctions relief for Iran",
         ["Inspectors at Natanz and Fordow report enrichment levels that worry Washington.",
          "Sanctions relief for Iran depends on what the inspectors can verify."]),
    ],
    "trade": [
        ("Tariffs, steel and the trade war",
         ["Steel tariffs raised prices for manufacturers and invited retaliation on soybeans.",
          "The trade war moved supply chains rather than bringing factories home."]),
        ("What the WTO can still do about tariffs",
         ["The Appellate Body no longer sits, so tariff disputes end in unappealed panel reports.",
          "Members still notify their tariffs and quarrel over steel safeguards at the WTO."]),
    ],
}
COMMON = "This commentary reflects the views of its author, not those of the institute."


def _write_pages(folder):
    """The pages, and a copy of the first Mekong page republished on another site."""
    folder.mkdir()
    urls = {}
    for topic, pages in TOPICS.items():
        for n, (title, paragraphs) in enumerate(pages):
            name = f"{topic}{n}"
            url = f"https://institute.example/{name}"
            (folder / f"{name}.html").write_text(make_page(title, paragraphs + [COMMON], url=url,
                                                           date=f"2015-0{n + 1}-10"))
            urls[name] = url
    title, paragraphs = TOPICS["mekong"][0]
    urls["mekong0-copy"] = "https://syndicate.example/mekong-dams"
    (folder / "mekong0-copy.html").write_text(make_page(title, paragraphs + [COMMON], url=urls["mekong0-copy"],
                                                        date="2015-01-12", site="Syndicate Daily"))
    return urls


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The index (built once for the module: the tests only read it) and the id of each page."""
    cli, root = Cli(), tmp_path_factory.mktemp("similar")
    urls = _write_pages(root / "pages")
    index = root / "idx"
    assert cli("index", "--index", index, "--jobs", "1", root / "pages").exit_code == 0
    ids = {}
    for hit in cli.json("search", "--index", index, "--limit", "100", '"views of its author"')["hits"]:
        ids.update({name: hit["id"] for name, url in urls.items() if url == hit["url"]})
    for copy in cli.json("search", "--index", index, "--copies", "--limit", "100", "Xayaburi")["hits"]:
        for c in copy.get("copies", []):
            ids.update({name: c["id"] for name, url in urls.items() if url == c["url"]})
    assert len(ids) == len(urls), ids
    return index, ids


def test_documents_on_the_same_topic_come_first(cli, corpus):
    index, ids = corpus
    data = cli.json("similar", "--index", index, ids["iran1"])
    assert data["id"] == ids["iran1"]
    ranked = [hit["id"] for hit in data["hits"]]
    assert set(ranked[:2]) == {ids["iran0"], ids["iran2"]}
    assert ids["iran1"] not in ranked
    assert "sanctions" in data["terms"] and "iranian" in data["terms"]
    first = data["hits"][0]
    assert set(first) == {"id", "url", "title", "date", "authors", "source", "score", "shared", "copies"}
    assert "sanctions" in first["shared"] and first["score"] >= data["hits"][1]["score"] > 0


def test_never_the_document_itself_nor_its_copies(cli, corpus):
    index, ids = corpus
    for name in ("mekong0", "mekong0-copy"):
        data = cli.json("similar", "--index", index, ids[name], "--limit", "50")
        ranked = [hit["id"] for hit in data["hits"]]
        assert ids["mekong0"] not in ranked and ids["mekong0-copy"] not in ranked
        assert set(ranked[:3]) == {ids["mekong1"], ids["mekong2"], ids["mekong3"]}


def test_copies_of_a_related_document_are_listed_once(cli, corpus):
    index, ids = corpus
    data = cli.json("similar", "--index", index, ids["mekong2"], "--limit", "50")
    ranked = [hit["id"] for hit in data["hits"]]
    both = [i for i in ranked if i in (ids["mekong0"], ids["mekong0-copy"])]
    assert len(both) == 1
    assert data["hits"][ranked.index(both[0])]["copies"] == 1
    assert ranked.index(both[0]) < 3  # and it is among the Mekong pages at the top


def test_human_output_lists_titles_and_shared_words(cli, corpus):
    index, ids = corpus
    result = cli("similar", "--index", index, ids["trade0"][:8], "--limit", "3")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Like Tariffs, steel and the trade war")
    assert "distinctive words:" in out and "tariffs" in out.split("distinctive words:")[1].splitlines()[0]
    assert "  1. What the WTO can still do about tariffs" in out
    assert "shared: " in out and f"id {ids['trade1']}" in out
    assert out.count("\n  2. ") == 1 and "  4. " not in out  # --limit 3
    assert "\x1b[" not in out and result.stderr == ""


def test_limit(cli, corpus):
    index, ids = corpus
    assert len(cli.json("similar", "--index", index, ids["mekong1"], "-n", "2")["hits"]) == 2
    assert cli.json("similar", "--index", index, ids["mekong1"], "-n", "0")["hits"] == []


def test_unknown_id_is_a_one_line_error(cli, corpus, tmp_path):
    index, _ids = corpus
    result = cli("similar", "--index", index, "0000000000000000")
    assert result.exit_code == 1
    assert result.stderr == f"Error: no document 0000000000000000 in {index}\n"
    assert result.stdout == ""
    result = cli("similar", "--index", index, "--json", "0000000000000000")
    assert result.exit_code == 1 and result.stdout == ""  # no half JSON document

    (tmp_path / "empty").mkdir()
    result = cli("similar", "--index", tmp_path / "empty", "0000000000000000")
    assert result.exit_code == 1 and "no document 0000000000000000" in result.stderr
    result = cli("similar", "--index", tmp_path / "missing", "0000000000000000")
    assert result.exit_code == 1 and "no index at" in result.stderr
    assert "Traceback" not in result.stderr


def test_json_is_one_document(cli, corpus):
    index, ids = corpus
    result = cli("similar", "--index", index, "--json", ids["mekong3"])
    data = json.loads(result.stdout)
    assert list(data) == ["id", "title", "terms", "hits"]
    assert data["title"] == "Vietnam's delta and the dams upstream on the Mekong"
    assert all(word == word.lower() and " " not in word for word in data["terms"])
    assert "mekong" in data["terms"] and "the" not in data["terms"]


def test_an_index_written_in_several_runs(cli, tmp_path):
    """Each run adds a segment to the index: scores, copies and exclusions hold across them."""
    urls = _write_pages(tmp_path / "pages")
    first = tmp_path / "first"
    first.mkdir()
    for name in ("iran0", "mekong0"):
        (tmp_path / "pages" / f"{name}.html").rename(first / f"{name}.html")
    index = tmp_path / "idx"
    for folder in (first, tmp_path / "pages"):
        assert cli("index", "--index", index, "--jobs", "1", folder).exit_code == 0
    with open_reader(IndexFolder(index)) as reader:
        assert len(reader.searcher.reader().leaf_readers()) == 2
    hits = cli.json("search", "--index", index, "--limit", "100", "--copies", '"views of its author"')["hits"]
    ids = {name: h["id"] for h in hits for name, url in urls.items() if url == h["url"]}
    ids.update({name: c["id"] for h in hits for c in h.get("copies", []) for name, url in urls.items()
                if url == c["url"]})
    ranked = [h["id"] for h in cli.json("similar", "--index", index, ids["iran1"])["hits"]]
    assert set(ranked[:2]) == {ids["iran0"], ids["iran2"]}
    ranked = [h["id"] for h in cli.json("similar", "--index", index, ids["mekong0-copy"])["hits"]]
    assert ids["mekong0"] not in ranked and set(ranked[:3]) == {ids[f"mekong{n}"] for n in (1, 2, 3)}

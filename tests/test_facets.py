"""Facets and trends count exactly: checked against brute-force counts over the stored documents of a
seeded corpus, through the CLI, with `--plot` charts that parse, and one-line errors."""

from __future__ import annotations

import datetime as dt
import html
import json
import random
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from corpus.store.documents import Store
from indexer.ingest import ingest

from .test_search_exact import _word

SITES = {"kestrel.example": "Kestrel Institute", "meridian.example": "Meridian Forum",
         "northwind.example": "Northwind Council"}
AUTHORS = ["Zoë Müller", "Sean O'Brien", "Arun Rao", "Mei Chen", "Tomas Berg", "Ana García"]
TAGS = ["Trade Policy", "Sanctions", "Climate", "Security", "WTO"]
VOCAB = ("sanctions tariffs climate energy security trade talks policy market budget reform court treaty "
         "summit council election border water aid loans growth").split()
ENTITY_SENTENCES = [
    "The European Union met China in Geneva.",
    "Angela Merkel spoke in Brussels about Russia.",
    "The World Trade Organization ruled against the United States.",
    "Officials in Tokyo and Jakarta welcomed ASEAN.",
    "The United Nations asked Iran to return to the talks.",
]
SPECIAL_TITLES = {
    1: 'Trade & Tariffs: 50% of "Deals" {draft} #1 — café_ASEAN \\ path ~ ^',
    2: "=SUM(A1) sanctions, tariffs; and 'quotes'",
}
PAGES = 48


def research_page(title: str, paragraphs: list[str], *, url: str, site: str, date: str, authors: list[str],
                  tags: list[str]) -> str:
    """A commentary page with a site name, several authors and tags (what facets count)."""
    head = [f"<title>{html.escape(title)} | {html.escape(site)}</title>",
            f'<link rel="canonical" href="{url}">',
            f'<meta property="og:site_name" content="{html.escape(site)}">']
    if date:
        head.append(f'<meta property="article:published_time" content="{date}">')
    if authors:
        head.append(f'<meta name="author" content="{html.escape(", ".join(authors))}">')
    head += [f'<meta property="article:tag" content="{html.escape(t)}">' for t in tags]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head>{''.join(head)}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>{body}</article>"
            f"<footer>Copyright {html.escape(site)}</footer></body></html>")


def build_corpus(root: Path, pages: int = PAGES) -> tuple[Path, list]:
    """A seeded corpus of `pages` commentaries, indexed; returns the index folder and the stored
    documents (the ground truth of the brute-force checks)."""
    rng = random.Random(20240229)
    folder = root / "pages"
    folder.mkdir()
    for n in range(pages):
        host = list(SITES)[n % 3]
        paragraphs = []
        for _ in range(rng.randint(2, 4)):
            words = [rng.choice(VOCAB) for _ in range(rng.randint(12, 24))]
            sentence = " ".join(words).capitalize() + "."
            paragraphs.append(sentence + " " + rng.choice(ENTITY_SENTENCES))
        date = "" if n % 8 == 3 else (dt.date(2012, 1, 1) + dt.timedelta(days=rng.randint(0, 9 * 365))).isoformat()
        authors = [] if n % 11 == 5 else rng.sample(AUTHORS, rng.choice([1, 1, 2, 3]))
        tags = rng.sample(TAGS, rng.randint(0, 3))
        title = SPECIAL_TITLES.get(n, " ".join(rng.choice(VOCAB) for _ in range(4)).title() + f" {n}")
        (folder / f"p{n:02d}.html").write_text(research_page(
            title, paragraphs, url=f"https://{host}/commentary/{n}", site=SITES[host], date=date,
            authors=authors, tags=tags), encoding="utf-8")
    index = root / "idx"
    report = ingest(index, [folder], jobs=1)
    assert report.added == pages and report.failed == 0, report.errors
    with Store.open(index) as store:
        docs = [doc for _seq, doc in store.iter_documents()]
    return index, docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return build_corpus(tmp_path_factory.mktemp("facets"))


def _brute_facets(docs) -> dict[str, Counter]:
    counts = {name: Counter() for name in ("year", "source", "author", "entity", "tag")}
    for d in docs:
        counts["year"][d.date[:4] if d.date else "(no date)"] += 1
        counts["source"][d.source or "(no source)"] += 1
        counts["author"].update(set(d.authors))
        counts["entity"].update({(e.text, e.type) for e in d.entities})
        counts["tag"].update(set(d.tags))
    return counts


def _as_counter(name: str, values: list[dict]) -> Counter:
    if name == "entity":
        return Counter({(v["value"], v["type"]): v["count"] for v in values})
    return Counter({v["value"]: v["count"] for v in values})


QUERIES = {
    "sanctions": lambda d: _word(d, "sanctions"),
    "tariffs OR climate": lambda d: _word(d, "tariffs") or _word(d, "climate"),
    "NOT energy": lambda d: not _word(d, "energy"),
    "date:2014..2017": lambda d: "2014-01-01" <= d.date <= "2017-12-31" if d.date else False,
}


def test_the_corpus_has_what_the_checks_need(corpus):
    _index, docs = corpus
    assert sum(1 for d in docs if not d.date) >= 5
    assert sum(1 for d in docs if len(d.authors) >= 2) >= 5 and any(not d.authors for d in docs)
    assert len({d.source for d in docs}) == 3 and any(len(d.entities) >= 3 for d in docs)


@pytest.mark.parametrize("query", list(QUERIES))
def test_facet_counts_are_the_brute_force_counts(cli, corpus, query):
    index, docs = corpus
    matching = [d for d in docs if QUERIES[query](d)]
    data = cli.json("facets", "--index", index, "--top", "0", query)
    assert data["query"] == query and data["total"] == len(matching)
    assert data["total"] == cli.json("search", "--index", index, "--limit", "0", query)["total"]
    expected = _brute_facets(matching)
    for name in ("year", "source", "author", "entity", "tag"):
        assert _as_counter(name, data["facets"][name]) == expected[name], name
    years = data["facets"]["year"]
    assert sum(v["count"] for v in years) == data["total"]  # years + (no date) = total
    dated = [v["value"] for v in years if v["value"] != "(no date)"]
    assert dated == sorted(dated) and (years[-1]["value"] == "(no date)" or "(no date)" not in expected["year"])
    # a document with several authors counts once for each of them
    assert sum(v["count"] for v in data["facets"]["author"]) == sum(len(set(d.authors)) for d in matching)


def test_keyword_facets_with_columns_count_the_same(cli, corpus, tmp_path, monkeypatch):
    """Made sortable, the keyword facet fields are counted document at a time from their columns."""
    import indexer.index
    from whoosh import index as whoosh_index
    from whoosh.fields import KEYWORD

    index, docs = corpus
    copy = tmp_path / "idx"
    shutil.copytree(index, copy)
    plain = indexer.index.build_schema

    def with_columns():
        schema = plain()
        for name in ("author_facet", "entity_facet", "tag_facet"):
            schema.remove(name)
            schema.add(name, KEYWORD(commas=False, lowercase=False, scorable=False, sortable=True))
        return schema

    monkeypatch.setattr(indexer.index, "build_schema", with_columns)
    assert cli("reindex", "--index", copy).exit_code == 0
    with Store.open(copy) as store:
        generation = store.get_state("index_generation")
    assert whoosh_index.open_dir(str(copy / "whoosh" / generation)).schema["entity_facet"].column_type
    for query in ("sanctions", "NOT energy"):
        matching = [d for d in docs if QUERIES[query](d)]
        data = cli.json("facets", "--index", copy, "--top", "0", query)
        expected = _brute_facets(matching)
        for name in ("year", "source", "author", "entity", "tag"):
            assert _as_counter(name, data["facets"][name]) == expected[name], name
        top = cli.json("facets", "--index", copy, "--top", "3", query)
        assert top["facets"] == {k: v[:3] if k != "year" else v for k, v in data["facets"].items()}


def test_top_lists_the_most_frequent_values_and_facets_can_be_chosen(cli, corpus):
    index, docs = corpus
    full = cli.json("facets", "--index", index, "--top", "0", "sanctions")
    top = cli.json("facets", "--index", index, "--top", "2", "--facet", "entity", "--facet", "author",
                   "sanctions")
    assert list(top["facets"]) == ["author", "entity"]  # in the usual order, whatever the order asked
    for name in ("author", "entity"):
        counts = sorted((v["count"] for v in full["facets"][name]), reverse=True)
        assert [v["count"] for v in top["facets"][name]] == counts[:2]
        assert all(v in full["facets"][name] for v in top["facets"][name])
    default = cli.json("facets", "--index", index, "sanctions")
    assert all(len(v) <= 10 for k, v in default["facets"].items() if k != "year")


def test_filters_apply_to_facets(cli, corpus):
    index, docs = corpus
    data = cli.json("facets", "--index", index, "--source", "Meridian Forum", "--from", "2015", "--top", "0",
                    "sanctions")
    matching = [d for d in docs if _word(d, "sanctions") and d.source == "Meridian Forum"
                and d.date >= "2015-01-01"]
    assert data["total"] == len(matching)
    assert _as_counter("source", data["facets"]["source"]) == Counter({"Meridian Forum": len(matching)})


def test_facets_for_queries_checked_against_the_text(cli, corpus):
    index, _docs = corpus
    query = "sanctions w/s tariffs"  # same sentence: decided on the stored text
    data = cli.json("facets", "--index", index, "--top", "0", query)
    assert data["total"] == cli.json("search", "--index", index, "--limit", "0", query)["total"]
    assert sum(v["count"] for v in data["facets"]["year"]) == data["total"]


def test_facets_human_output_has_aligned_rows_with_bars(cli, corpus):
    index, _docs = corpus
    result = cli("facets", "--index", index, "--facet", "source", "--facet", "year", "sanctions")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "document" in lines[0] and "match 'sanctions'" in lines[0]
    source_rows = lines[lines.index("source") + 1:]
    source_rows = source_rows[:next((i for i, line in enumerate(source_rows) if not line.strip()),
                                    len(source_rows))]
    assert len(source_rows) == 3 and all("█" in row for row in source_rows)
    assert len({row.index("█") for row in source_rows}) == 1  # the bars start in one column


def test_empty_index_and_no_hits(cli, corpus, tmp_path):
    index, _docs = corpus
    assert cli.json("facets", "--index", index, "nosuchwordanywhere")["total"] == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    data = cli.json("facets", "--index", empty, "anything")
    assert data == {"query": "anything", "total": 0,
                    "facets": {n: [] for n in ("year", "source", "author", "entity", "tag")}}
    assert cli.json("trend", "--index", empty, "anything")["periods"] == []


# -- trends -------------------------------------------------------------------------------------------------
def _brute_trend(docs, predicate, by: str):
    cut = 4 if by == "year" else 7
    totals = Counter(d.date[:cut] for d in docs if d.date)
    counts = Counter(d.date[:cut] for d in docs if d.date and predicate(d))
    return totals, counts


@pytest.mark.parametrize("by", ["year", "month"])
def test_trend_counts_and_shares_are_the_brute_force_ones(cli, corpus, by):
    index, docs = corpus
    data = cli.json("trend", "--index", index, "--by", by, "sanctions", "--label", "tariffs or climate="
                    "tariffs OR climate")
    assert data["by"] == by and [s["label"] for s in data["series"]] == ["sanctions", "tariffs or climate"]
    assert [s["query"] for s in data["series"]] == ["sanctions", "tariffs OR climate"]
    dated = sorted(d.date for d in docs if d.date)
    first, last = (dated[0][:4], dated[-1][:4]) if by == "year" else (dated[0][:7], dated[-1][:7])
    assert data["periods"][0] == first and data["periods"][-1] == last
    if by == "year":
        assert data["periods"] == [str(y) for y in range(int(first), int(last) + 1)]  # zero-filled
    else:
        assert len(data["periods"]) == (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert data["undated"] == sum(1 for d in docs if not d.date)
    for series, predicate in zip(data["series"], (QUERIES["sanctions"], QUERIES["tariffs OR climate"])):
        totals, counts = _brute_trend(docs, predicate, by)
        assert data["totals"] == [totals.get(p, 0) for p in data["periods"]]
        assert series["counts"] == [counts.get(p, 0) for p in data["periods"]]
        for share, n, t in zip(series["shares"], series["counts"], data["totals"]):
            assert share is None if t == 0 else share == pytest.approx(n / t, abs=1e-6)
        assert series["undated"] == sum(1 for d in docs if not d.date and predicate(d))


def test_trend_shares_are_of_the_documents_the_filters_let_through(cli, corpus):
    index, docs = corpus
    data = cli.json("trend", "--index", index, "--source", "Kestrel Institute", "sanctions")
    kept = [d for d in docs if d.source == "Kestrel Institute"]
    totals, counts = _brute_trend(kept, QUERIES["sanctions"], "year")
    assert [t for t in data["totals"] if t] == [totals[p] for p in sorted(totals)]
    assert sum(data["series"][0]["counts"]) == sum(counts.values())


def test_trend_prints_a_table_and_bar_charts(cli, corpus):
    index, _docs = corpus
    result = cli("trend", "--index", index, "sanctions", "--label", "Trade=tariffs")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    header = next(line for line in out.splitlines() if line.startswith("year"))
    assert "all" in header and "sanctions" in header and "Trade" in header
    assert "%" in out and "█" in out
    assert out.count("share of the documents of each year") == 2  # one chart per query
    monthly = cli("trend", "--index", index, "--by", "month", "sanctions").stdout
    assert any(ch in monthly for ch in "▁▂▃▄▅▆▇█")


@pytest.mark.parametrize("suffix", [".png", ".svg"])
@pytest.mark.parametrize("values", ["share", "count"])
def test_plot_writes_a_valid_chart(cli, corpus, tmp_path, suffix, values):
    pytest.importorskip("matplotlib")
    index, _docs = corpus
    chart = tmp_path / f"trend{suffix}"
    result = cli("trend", "--index", index, "sanctions", "tariffs", "--plot", chart, "--plot-values", values,
                 "--json")
    assert result.exit_code == 0, result.stderr
    json.loads(result.stdout)  # stdout is still exactly one JSON document
    assert f"Wrote the chart ({values}s per year) to {chart}" in result.stderr
    data = chart.read_bytes()
    if suffix == ".png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 2000
    else:
        root = ET.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert b"sanctions" in data and b"tariffs" in data  # the legend names the queries


# -- errors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["facets", "trend", "export"])
def test_a_malformed_query_is_one_line_showing_where(cli, corpus, tmp_path, command):
    index, _docs = corpus
    extra = ["-o", str(tmp_path / "x.csv")] if command == "export" else []
    result = cli(command, "--index", index, *extra, '(sanctions AND "tariffs')
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "column" in message and "▸" in message
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize("args, code, words", [
    (["facets", "--facet", "colour", "x"], 2, "colour"),
    (["facets", "--top", "-1", "x"], 2, "--top"),
    (["trend"], 2, "QUERY"),
    (["trend", "--label", "no-equals-sign"], 2, "NAME=QUERY"),
    (["trend", "--by", "week", "x"], 2, "week"),
    (["trend", "x", "--plot", "chart.gif"], 1, ".png or .svg"),
])
def test_usage_and_user_errors(cli, corpus, tmp_path, args, code, words):
    index, _docs = corpus
    result = cli(args[0], "--index", index, *args[1:])
    assert result.exit_code == code and words in result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_index_is_a_one_line_error(cli, tmp_path):
    for command in ("facets", "trend"):
        result = cli(command, "--index", tmp_path / "nope", "x")
        assert result.exit_code == 1 and "no index" in result.stderr

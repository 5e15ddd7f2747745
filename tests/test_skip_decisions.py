"""Which pages are skipped as not commentaries (issue 15): conservative, so no real article is lost, and
a skipped page is kept in the store and brought in by `index --include-skipped` without a new parse."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from corpus import normalise
from corpus.errors import SkipPage
from search.cli import main

TEASERS = "".join(
    f'<h3><a href="/news/story-{i}">Another story about the regional budget, number {i}</a></h3>'
    f"<p>A line of teaser text for story {i}.</p>" for i in range(12))
SENTENCES = [
    "The regional council voted on Tuesday to close the old ferry terminal.",
    "The decision followed two years of debate over the cost of repairs.",
    "Local traders said the closure would cut the number of visitors.",
    "The council said a new terminal would open on the other bank next spring.",
    "Opposition members called for an independent review of the figures.",
    "The mayor said the review would not change the timetable.",
]


def short_paragraph_news() -> str:
    body = "".join(f"<p>{s}</p>" for s in SENTENCES)
    return (f'<html><head><title>Council closes ferry terminal</title>'
            f'<meta property="og:type" content="article"></head><body>'
            f'<aside class="related">{TEASERS}</aside>'
            f"<article><h1>Council closes ferry terminal</h1>{body}</article>"
            f'<div class="more">{TEASERS}</div></body></html>')


def comma_number_title() -> str:
    return ("<html><head><title>City plans 2,500 new homes by 2030</title></head><body>"
            "<h1>City plans 2,500 new homes by 2030</h1>"
            f"<p>{' '.join(SENTENCES[:3])}</p><p>{' '.join(SENTENCES[3:])}</p></body></html>")


def listing() -> str:
    items = "".join(
        f'<div class="entry"><h2><a href="/c/{i}">Commentary on the debt question, part {i}</a></h2>'
        f"<p>What the old loans mean for the budget of the next government, and who pays, part {i}.</p>"
        f"</div>" for i in range(12))
    return (f"<html><head><title>Latest commentary</title></head><body><h1>Latest commentary</h1>"
            f"<main>{items}</main></body></html>")


def test_short_paragraph_news_among_teasers_is_an_article():
    doc = normalise(short_paragraph_news(), "https://news.example.org/ferry")
    assert doc.title == "Council closes ferry terminal"
    assert SENTENCES[0] in doc.body and SENTENCES[-1] in doc.body


def test_a_number_with_a_comma_in_the_title_is_not_an_http_status():
    doc = normalise(comma_number_title(), "https://news.example.org/homes")
    assert "2,500" in doc.title


@pytest.mark.parametrize("title", ["404 Not Found", "Error 500", "503 Service Unavailable"])
def test_error_pages_are_still_skipped(title):
    page = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>Sorry.</p></body></html>"
    with pytest.raises(SkipPage) as info:
        normalise(page, "https://news.example.org/missing")
    assert info.value.kind == "error"


def test_a_real_listing_is_still_skipped_and_keeps_its_document():
    with pytest.raises(SkipPage) as info:
        normalise(listing(), "https://think.example.org/latest")
    assert info.value.kind == "listing"
    assert info.value.document is not None and info.value.document.title


def _index(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(main, ["index", *args, "--json"])
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


def test_skipped_pages_are_stored_and_brought_in_by_include_skipped(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "listing.html").write_text(listing(), encoding="utf-8")
    (pages / "news.html").write_text(short_paragraph_news(), encoding="utf-8")
    index = str(tmp_path / "idx")
    runner = CliRunner()

    first = _index(runner, "--index", index, str(pages))
    assert (first["added"], first["skipped"]) == (1, 1)
    assert "listing" in first["skips"][0]["reason"]

    again = _index(runner, "--index", index, str(pages))  # a skipped page stays skipped
    assert (again["added"], again["unchanged"], again["skipped"]) == (0, 1, 1)

    (pages / "listing.html").unlink()  # no re-read: the page is brought in from the store
    brought = _index(runner, "--index", index, "--include-skipped")
    assert (brought["added"], brought["skipped"]) == (1, 0)

    stats = json.loads(runner.invoke(main, ["stats", "--index", index, "--json"]).stdout)
    assert stats["documents"] == 2
    hits = json.loads(runner.invoke(main, ["search", "--index", index, "--json", "Latest"]).stdout)
    assert any(hit["title"] for hit in hits["hits"])


def test_include_skipped_brings_in_pages_named_again(tmp_path):
    page = tmp_path / "listing.html"
    page.write_text(listing(), encoding="utf-8")
    index = str(tmp_path / "idx")
    runner = CliRunner()
    assert _index(runner, "--index", index, str(page))["skipped"] == 1
    assert _index(runner, "--index", index, "--include-skipped", str(page))["added"] == 1
    assert _index(runner, "--index", index, str(page))["unchanged"] == 1


def test_index_without_sources_or_include_skipped_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["index", "--index", str(tmp_path / "idx")])
    assert result.exit_code == 2

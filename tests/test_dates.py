"""Publication dates: numeric dates read in the page's own order, and the datelines readers see
outranking metadata that disagrees with them."""

from __future__ import annotations

import datetime as dt

import pytest

from corpus import normalise
from corpus.extract.dates import find_date, parse_date

BODY = "".join(f"<p>{'The ministry set out a plan for the harbour and its funding. ' * 6}{i}</p>" for i in range(5))


def _page(lang: str, header: str, head: str = "") -> str:
    return (f"<!doctype html><html lang='{lang}'><head><title>Harbour plan | Site</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>Harbour plan</h1>{header}{BODY}</article>"
            "<footer>Contact</footer></body></html>")


@pytest.mark.parametrize("value, dayfirst, expected", [
    ("03/05/2022", False, dt.date(2022, 3, 5)),   # United States: month first
    ("03/05/2022", True, dt.date(2022, 5, 3)),    # everywhere else: day first
    ("25/10/2022", False, dt.date(2022, 10, 25)),  # only one reading is a date
    ("10/25/2022", True, dt.date(2022, 10, 25)),
    ("01-11-2023 10:29", True, dt.date(2023, 11, 1)),
    ("31/31/2022", True, None),
    ("2022-05-03", True, dt.date(2022, 5, 3)),      # ISO is never reordered
])
def test_numeric_dates_are_read_in_the_pages_order(value, dayfirst, expected):
    assert parse_date(value, dayfirst) == expected


def test_a_numeric_date_in_running_text_follows_the_same_order():
    assert find_date("Publicado el 03/05/2022 a las 22h03", dayfirst=True) == dt.date(2022, 5, 3)
    assert find_date("Posted 03/05/2022 at noon") == dt.date(2022, 3, 5)


@pytest.mark.parametrize("lang, expected", [("es", "2022-05-03"), ("en-GB", "2022-05-03"),
                                            ("en-US", "2022-03-05"), ("en", "2022-03-05")])
def test_the_page_language_decides_how_a_dateline_is_read(lang, expected):
    doc = normalise(_page(lang, "<p class='byline'>Publicado el 03/05/2022</p>"))
    assert doc.date == expected


def test_a_date_element_of_the_template_is_evidence():
    # A template prints the date readers see in an element named for it (here below the text, where
    # no dateline is looked for); without it, only htmldate's search of the whole page would be left.
    page = _page("de", "").replace("</article>", "<div class='news-date'><span>27.01.2022</span></div></article>")
    doc = normalise(page)
    assert doc.date == "2022-01-27"
    assert doc.extraction["date_source"].startswith("text:date-element")


def test_a_time_element_that_shows_its_date_outranks_a_meta():
    head = "<meta property='article:published_time' content='2022-01-26T08:00:00Z'>"

    def page(time: str) -> str:  # below the text, where no dateline is looked for
        return _page("de", "", head).replace("</article>", f"{time}</article>")

    shown = normalise(page("<time datetime='2022-01-21'>21.01.2022 - 13:30</time>"))
    assert (shown.date, shown.extraction["date_source"]) == ("2022-01-21", "time:shown")
    hidden = normalise(page("<time datetime='2022-01-21'></time>"))
    assert hidden.date == "2022-01-26"  # an attribute alone is no stronger than the meta


def test_a_date_in_a_sidebar_marked_as_a_date_is_not_the_pages_date():
    head = "<meta property='article:published_time' content='2022-01-26T08:00:00Z'>"
    page = _page("en", "", head).replace(
        "<footer>", "<aside class='related'><ul><li><span class='date'>May 2, 2019</span> Other</li></ul>"
                    "</aside><footer>")
    doc = normalise(page)
    assert doc.date == "2022-01-26"
    assert doc.extraction["date_source"].startswith("meta")

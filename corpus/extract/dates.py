"""Dates: as pages write them, turned into ISO `YYYY-MM-DD`, and the page's own dates voted from its
evidence.

Reading dates:
- `parse_date()` reads one date value (a meta content, a `datetime` attribute, a JSON-LD string):
  ISO forms directly, anything else through `dateutil`.
- `DATE_PATTERN` finds a date written in running text ("Nov 11, 2010", "11 November 2010",
  "2010-11-11", "11.11.2010", "11/12/2010" (month or day first, as the page's language has it), and month names in the main languages of European sites: "11. November
  2010", "11 novembre 2010", "11 de noviembre de 2010"), and `find_date()` parses the first one.
- A date is only accepted within `plausible()` bounds, so a "2099" copyright or a "1970" epoch default
  never becomes a publication date.

The date stage:
- `dates(page)`: (publication date, updated date). Every piece of evidence (JSON-LD, metas, `<time>`,
  the dateline under the headline, a date element, the URL, htmldate's search of the whole page, and the
  updated dates) votes for its day with the weight of `DATE_EVIDENCE`;
- `page_date()` and `text_date()`: a value or a text read as the page's language writes dates (day or
  month first).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping

from .. import data
from . import rules
from .page import NOT_FOUND, Found, Page, header_lines, inside_chrome, ld_text, text_of

# Month names in the main languages of European sites (`corpus/data/words.txt`), by month number.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(data.sections("words.txt")["months"], start=1):
    for _name in _names.split():
        MONTH_NAMES.setdefault(_name, _number)
_MONTHS = "(?:" + "|".join(sorted((re.escape(m) for m in MONTH_NAMES), key=len, reverse=True)) + r")\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th|er|\.)?"
_YEAR = r"(?:19|20)\d\d"
DATE_SOURCE = "|".join((
    rf"{_YEAR}-[01]?\d-[0-3]?\d",                               # 2010-11-11
    rf"{_YEAR}/[01]?\d/[0-3]?\d",                               # 2010/11/11
    rf"{_MONTHS}\s+{_DAY},?\s+{_YEAR}",                         # Nov 11, 2010
    rf"{_DAY}\s+(?:of\s+|de\s+)?{_MONTHS},?\s+(?:de\s+)?{_YEAR}",  # 11 November 2010, 11. März 2010
    rf"[0-3]?\d\.[01]?\d\.{_YEAR}",                             # 11.11.2010 (day first)
    rf"[0-3]?\d/[0-3]?\d/{_YEAR}",                             # 11/12/2010 (US: month first; elsewhere day first)
    rf"[0-3]?\d-[0-3]?\d-{_YEAR}",                             # 11-12-2010 (the same)
))
# A date in running text; embed `DATE_SOURCE` in larger patterns compiled with re.IGNORECASE.
DATE_PATTERN = re.compile(rf"\b(?:{DATE_SOURCE})\b", re.I)
_ISO = re.compile(r"^\s*((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?:$|[T\s])")
_ISO_SLASH = re.compile(r"^\s*((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)\b")
_DOTTED = re.compile(r"^\s*([0-3]?\d)\.([01]?\d)\.((?:19|20)\d\d)\b")
_NUMERIC = re.compile(r"^\s*([0-3]?\d)[/-]([0-3]?\d)[/-]((?:19|20)\d\d)\b")


def plausible(day: dt.date) -> bool:
    return dt.date(1990, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=2)


def parse_date(value: str | None, dayfirst: bool = False) -> dt.date | None:
    """One date value to a `date`, or None when it holds no plausible full date. `dayfirst` reads an
    ambiguous "03/05/2022" as 3 May (as everywhere but the United States) instead of March 5; a value
    that can be read only one way ("25/10/2022") is read that way."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    m = _NUMERIC.match(value)
    if m:
        a, b, year = (int(g) for g in m.groups())
        day_first = a > 12 or (dayfirst and b <= 12)
        try:
            day = dt.date(year, a, b) if not day_first else dt.date(year, b, a)
        except ValueError:
            return None
        return day if plausible(day) else None
    for pattern, order in ((_ISO, "ymd"), (_ISO_SLASH, "ymd"), (_DOTTED, "dmy")):
        m = pattern.match(value)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups())))
            try:
                day = dt.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
            return day if plausible(day) else None
    if not re.search(r"\d", value) or not re.search(_YEAR, value):
        return None
    named = _named_month(value)
    if named is not None:
        return named if plausible(named) else None
    from dateutil import parser as dateparser

    try:
        # Two different defaults reveal a missing day or month: a partial date is not a date here.
        first = dateparser.parse(value, default=dt.datetime(2000, 1, 1), fuzzy=True, ignoretz=True)
        second = dateparser.parse(value, default=dt.datetime(2001, 2, 2), fuzzy=True, ignoretz=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if first.date() != second.date():
        return None
    day = first.date()
    return day if plausible(day) else None


_NAMED = re.compile(
    rf"(?:({_DAY})\s+(?:of\s+|de\s+)?({_MONTHS}),?\s+(?:de\s+)?({_YEAR}))|(?:({_MONTHS})\s+({_DAY}),?\s+({_YEAR}))",
    re.I)


def _named_month(value: str) -> dt.date | None:
    """A date written with a month name, in any of the languages of `MONTH_NAMES`."""
    m = _NAMED.search(value)
    if m is None:
        return None
    day_text, month_text, year_text = (m.group(1), m.group(2), m.group(3)) if m.group(1) else \
        (m.group(5), m.group(4), m.group(6))
    month = MONTH_NAMES.get(month_text.lower().rstrip("."))
    day = int(re.match(r"\d+", day_text).group(0))
    try:
        return dt.date(int(year_text), month, day) if month else None
    except ValueError:
        return None


def find_date(text: str, dayfirst: bool = False) -> dt.date | None:
    """The first plausible full date written in `text` (`dayfirst` as in `parse_date()`)."""
    for m in DATE_PATTERN.finditer(text):
        day = parse_date(m.group(0), dayfirst)
        if day:
            return day
    return None


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


# -- the date stage -----------------------------------------------------------------------------------
_UPDATED_LINE = re.compile(rf"\b{rules.UPDATED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)
_PUBLISHED_LINE = re.compile(rf"\b{rules.PUBLISHED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)


def _day_first(page: Page) -> bool:
    """Whether the page writes "03/05/2022" for 3 May: every language but US English does. A page that
    does not say its language is read as month first (English)."""
    lang = (page.lang or "").lower().replace("_", "-")
    return bool(lang) and not (lang == "en" or lang.startswith("en-us"))


def page_date(page: Page, value: str | None) -> dt.date | None:
    return parse_date(value, _day_first(page))


def text_date(page: Page, text: str) -> dt.date | None:
    return find_date(text, _day_first(page))


def _line_date(page: Page, pattern: re.Pattern[str]) -> tuple[dt.date | None, str]:
    """A date after a label ("Updated On: Nov 11, 2010"): in the header lines, then anywhere in the page
    (its texts joined with spaces, so a label and a date in adjacent elements still meet)."""
    for text in header_lines(page):
        m = pattern.search(text)
        if m:
            day = page_date(page, m.group(1))
            if day:
                return day, "header"
    page_text = page.cache.setdefault("page_text", " ".join(page.body.itertext()))
    for m in pattern.finditer(page_text):  # type: ignore[arg-type]
        day = page_date(page, m.group(1))
        if day:
            return day, "page"
    return None, ""


def _unlabelled_header_date(page: Page) -> dt.date | None:
    for text in header_lines(page):
        day = text_date(page, text)
        if day:
            return day
    return None


def _time_elements(page: Page) -> tuple[dt.date | None, bool]:
    """The publication date a `<time>` (or an `itemprop="datePublished"`) element gives, and whether the
    element also shows it as text (a dateline the reader sees, not only a machine-readable attribute)."""
    tree = page.tree
    for tag in tree.xpath("//*[@itemprop='datePublished'] | //time[@pubdate]"):
        day = page_date(page, tag.get("datetime") or tag.get("content") or text_of(tag))
        if day:
            return day, text_date(page, text_of(tag)) == day
    scopes = [s for s in (tree.find(".//article"), tree.find(".//main")) if s is not None] + [tree]
    for scope in scopes:
        for tag in scope.iter("time"):
            if inside_chrome(tag):
                continue
            shown = text_date(page, text_of(tag))
            day = page_date(page, tag.get("datetime")) or shown
            if day:
                return day, shown == day
    return None, False


def _date_element(page: Page) -> dt.date | None:
    """The date shown in the first element marked as a date by its class or id (a dateline a template
    prints, `<span class="date">27.01.2022</span>`), outside page chrome: its own short text must be
    little more than the date."""
    for el in page.tree.xpath("//body//*[@class or @id]"):
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not rules.DATE_MARKS.search(marks) or el.tag in ("script", "style", "body", "html"):
            continue
        text = " ".join(text_of(el).split())
        if not text or len(text) > 60 or inside_chrome(el):
            continue
        day = text_date(page, text)
        if day:
            return day
    return None


def _url_date(url: str | None) -> dt.date | None:
    if not url:
        return None
    m = re.search(r"/((?:19|20)\d\d)[/-]([01]?\d)[/-]([0-3]?\d)(?:/|-|$)", url)
    if m:
        return parse_date("-".join(f"{int(g):02d}" for g in m.groups()))
    return None


def _meta_date(page: Page, names: tuple[str, ...]) -> Found:
    for name in names:
        found = page.meta(name)
        day = page_date(page, found[0]) if found else None
        if day:
            return Found(iso(day), f"meta:{name}")
    return NOT_FOUND


# How far each kind of evidence for the publication date is to be trusted (`corpus/data/date_evidence.toml`):
# about the share of pages on which it gave the right day, where it gave one, on extraction-dev. Votes weigh
# log(p / (1 - p)).
DATE_EVIDENCE: dict[str, float] = dict(data.table("date_evidence.toml"))


def _htmldate(page: Page) -> dt.date | None:
    """htmldate's guess at the original publication date, searching the whole page."""
    try:
        from htmldate import find_date as htmldate_find

        found = htmldate_find(page.html, url=page.url, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - one voter fewer
        return None
    day = parse_date(found) if found else None
    return day if day and plausible(day) else None


def _weight(kind: str, weights: Mapping[str, float] | None = None) -> float:
    p = (DATE_EVIDENCE if weights is None else weights)[kind]
    return math.log(p / (1 - p))


def page_evidence(page: Page) -> list[tuple[str, dt.date, str]]:
    """(kind, day, source) of every date the page gives for itself, strongest kinds first, htmldate's
    search of the whole page aside (`with_htmldate` adds it)."""
    article = page.jsonld_article or {}
    found: list[tuple[str, dt.date | None, str]] = [
        ("jsonld:datePublished", page_date(page, ld_text(article.get("datePublished") or article.get("dateCreated"))),
         "jsonld:datePublished"),
    ]
    meta = _meta_date(page, rules.PUBLISHED_METAS)
    found.append(("meta:published", parse_date(meta.value) if meta.value else None, meta.source))
    day, shown = _time_elements(page)
    found.append(("time:shown" if shown else "time", day, "time:shown" if shown else "time"))
    day, where = _line_date(page, _PUBLISHED_LINE)
    found.append(("text:published-line", day, f"text:published-line:{where}"))
    found.append(("text:near-headline", _unlabelled_header_date(page), "text:near-headline"))
    found.append(("text:date-element", _date_element(page), "text:date-element"))
    found.append(("url", _url_date(page.url), "url"))
    day, where = _line_date(page, _UPDATED_LINE)
    found.append(("text:updated-line", day, f"text:updated-line:{where}"))
    found.append(("jsonld:dateModified", page_date(page, ld_text(article.get("dateModified"))), "jsonld:dateModified"))
    meta = _meta_date(page, rules.UPDATED_METAS)
    found.append(("meta:modified", parse_date(meta.value) if meta.value else None, meta.source))
    return [(kind, day, source) for kind, day, source in found if day]


def with_htmldate(evidence: list[tuple[str, dt.date, str]], htmldate: Callable[[], dt.date | None],
                  weights: Mapping[str, float] | None = None) -> list[tuple[str, dt.date, str]]:
    """`evidence` with htmldate's answer (`htmldate()`, the slowest piece of evidence) added when its
    vote could change the outcome. `weights` are `DATE_EVIDENCE` unless given (bench/crossval.py votes
    with weights measured on other sites)."""
    totals = sorted(_tally(evidence, weights).values(), reverse=True) + [0.0, 0.0]
    if totals[0] - totals[1] > _weight("htmldate", weights):
        return evidence
    day = htmldate()
    # htmldate reads the same metadata first: agreeing with it, it is no second witness
    if not day or any(kind in ("meta:published", "jsonld:datePublished") and seen == day
                      for kind, seen, _source in evidence):
        return evidence
    return evidence[:6] + [("htmldate", day, "htmldate")] + evidence[6:]


def _tally(evidence: list[tuple[str, dt.date, str]], weights: Mapping[str, float] | None = None
           ) -> dict[dt.date, float]:
    weight: dict[dt.date, float] = {}
    for kind, day, _source in evidence:
        weight[day] = weight.get(day, 0.0) + _weight(kind, weights)
    return weight


def winner(evidence: list[tuple[str, dt.date, str]], weights: Mapping[str, float] | None = None
           ) -> dt.date | None:
    """The heaviest day of `evidence`, a tie going to the stronger kind (the one listed first)."""
    if not evidence:
        return None
    weight = _tally(evidence, weights)
    best = max(weight.values())
    return next(day for _kind, day, _source in evidence if weight[day] == best)


def dates(page: Page) -> tuple[Found, Found]:
    """(publication date, updated date), ISO strings.

    The publication date is voted: every piece of evidence (JSON-LD, metas, `<time>`, the dateline
    under the headline, the URL, htmldate's search of the whole page, and the updated dates) votes for
    its day with the weight of `DATE_EVIDENCE`; the heaviest day wins, ties going to the stronger kind.
    Sources that agree outvote one that is off by a time zone or names another day. A page that shows
    only an updated date has it as its publication date too. The source recorded is the strongest
    evidence for the winning day, with the number of votes it had."""
    evidence = with_htmldate(page_evidence(page), lambda: _htmldate(page))
    if not evidence:
        return NOT_FOUND, NOT_FOUND
    day = winner(evidence)
    votes = [source for _kind, seen, source in evidence if seen == day]
    published = Found(iso(day), votes[0] + (f"+{len(votes) - 1}" if len(votes) > 1 else ""))

    updated = NOT_FOUND
    for kind, day, source in evidence:
        if kind in ("text:updated-line", "jsonld:dateModified", "meta:modified"):
            updated = Found(iso(day), source)
            break
    if updated.value and updated.value < published.value:
        updated = NOT_FOUND  # a "modified" date before publication is a template default
    return published, updated

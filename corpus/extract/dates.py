"""Dates as pages write them, turned into ISO `YYYY-MM-DD`.

- `parse_date()` reads one date value (a meta content, a `datetime` attribute, a JSON-LD string):
  ISO forms directly, anything else through `dateutil`.
- `DATE_PATTERN` finds a date written in running text ("Nov 11, 2010", "11 November 2010",
  "2010-11-11", "11.11.2010", "11/12/2010" (month or day first, as the page's language has it), and month names in the main languages of European sites: "11. November
  2010", "11 novembre 2010", "11 de noviembre de 2010"), and `find_date()` parses the first one.
- A date is only accepted within `plausible()` bounds, so a "2099" copyright or a "1970" epoch default
  never becomes a publication date.
"""

from __future__ import annotations

import datetime as dt
import re

# Month names (full and common abbreviations) in English, German, French, Spanish, Italian, Portuguese,
# Dutch and Polish (genitive forms, as dates write them), by month number.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar jänner janvier janv enero ene gennaio gen janeiro januari stycznia sty",
    "february feb februar février févr fevrier febrero febbraio fevereiro fev februari lutego lut",
    "march mar märz maerz mars marzo março marco maart marca",
    "april apr avril abril aprile kwietnia kwi",
    "may mai mayo maggio maio mei maja",
    "june jun juni juin junio giugno junho czerwca cze",
    "july jul juli juillet juil julio luglio lug julho lipca lip",
    "august aug août aout agosto ago augustus sierpnia sie",
    "september sep sept septembre septiembre settembre set setembro wrzesnia września wrz",
    "october oct oktober octobre octubre ottobre ott outubro out okt października pazdziernika paź",
    "november nov novembre noviembre novembro listopada lis",
    "december dec dezember décembre decembre déc diciembre dic dicembre dezembro dez grudnia gru",
), start=1):
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

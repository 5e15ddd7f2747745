"""Dates as pages write them, turned into ISO `YYYY-MM-DD`.

- `parse_date()` reads one date value (a meta content, a `datetime` attribute, a JSON-LD string):
  ISO forms directly, anything else through `dateutil`.
- `DATE_PATTERN` finds a date written in running text ("Nov 11, 2010", "11 November 2010",
  "2010-11-11", "11.11.2010"), and `find_date()` parses the first one in a string.
- A date is only accepted within `plausible()` bounds, so a "2099" copyright or a "1970" epoch default
  never becomes a publication date.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
DATE_SOURCE = "|".join((
    rf"{_YEAR}-[01]?\d-[0-3]?\d",                 # 2010-11-11
    rf"{_YEAR}/[01]?\d/[0-3]?\d",                 # 2010/11/11
    rf"{_MONTHS}\s+{_DAY},?\s+{_YEAR}",           # Nov 11, 2010
    rf"{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR}",  # 11 November 2010
    rf"[0-3]?\d\.[01]?\d\.{_YEAR}",               # 11.11.2010 (day first)
    rf"[01]?\d/[0-3]?\d/{_YEAR}",                 # 11/11/2010 (month first, as in English)
))
# A date in running text; embed `DATE_SOURCE` in larger patterns compiled with re.IGNORECASE.
DATE_PATTERN = re.compile(rf"\b(?:{DATE_SOURCE})\b", re.I)
_ISO = re.compile(r"^\s*((?:19|20)\d\d)-?([01]\d)-?([0-3]\d)(?:$|[T\s])")
_ISO_SLASH = re.compile(r"^\s*((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)\b")
_DOTTED = re.compile(r"^\s*([0-3]?\d)\.([01]?\d)\.((?:19|20)\d\d)\b")


def plausible(day: dt.date) -> bool:
    return dt.date(1990, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=2)


def parse_date(value: str | None) -> dt.date | None:
    """One date value to a `date`, or None when it holds no plausible full date."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
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


def find_date(text: str) -> dt.date | None:
    """The first plausible full date written in `text`."""
    for m in DATE_PATTERN.finditer(text):
        day = parse_date(m.group(0))
        if day:
            return day
    return None


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""

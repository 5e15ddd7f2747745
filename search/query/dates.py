"""Dates in queries and filters: `date:2010..2012`, `--from 2015-06`. Whole periods, both ends included.

`parse_date_range()` reads a year, a month or a day (`2010`, `2010-05`, `2010-05-03`), a range of them
(`2010..2012`, open at either end: `2010..`, `..2012`) or a comparison (`>=2015-06`, `>2015`, `<=2012`,
`<2012`) into a `DateRange` of days: `2010..2012` is 2010-01-01 to 2012-12-31, `>2015` starts on
2016-01-01.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from ..errors import QueryError
from .syntax import DateRange

_PERIOD = re.compile(r"^((?:19|20)\d\d)(?:-(\d\d?)(?:-(\d\d?))?)?$")


def _period(text: str, query: str, pos: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a year, month or day written as 2010, 2010-05 or 2010-05-03."""
    m = _PERIOD.match(text)
    if not m:
        raise QueryError(f"bad date {text!r}", query, pos, "write dates as 2010, 2010-05 or 2010-05-03")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
        month_n = int(month)
        if day is None:
            last = calendar.monthrange(year, month_n)[1]
            return dt.date(year, month_n, 1), dt.date(year, month_n, last)
        one = dt.date(year, month_n, int(day))
        return one, one
    except ValueError:
        raise QueryError(f"bad date {text!r}", query, pos, "no such day or month") from None


def parse_date_range(text: str, query: str, pos: int, year_only: bool = False) -> DateRange:
    """`2010`, `2010..2012`, `2010..`, `..2012`, `>=2015-06`, `>2015`, `<=2012`, `<2012`: whole periods,
    inclusive. `query` and `pos` place errors; `year_only` for `year:`."""
    if year_only and not re.fullmatch(r"[<>=.\d]+", text):
        raise QueryError(f"bad year {text!r}", query, pos)
    m = re.fullmatch(r"(>=|<=|>|<)(.+)", text)
    if m:
        op, value = m.groups()
        first, last = _period(value, query, pos + len(op))
        if op == ">=":
            return DateRange(first, None, pos=pos)
        if op == ">":
            return DateRange(last + dt.timedelta(days=1), None, pos=pos)
        if op == "<=":
            return DateRange(None, last, pos=pos)
        return DateRange(None, first - dt.timedelta(days=1), pos=pos)
    if ".." in text:
        left, _, right = text.partition("..")
        if not left and not right:
            raise QueryError("a date range needs at least one end", query, pos)
        start = _period(left, query, pos)[0] if left else None
        end = _period(right, query, pos + len(left) + 2)[1] if right else None
        if start and end and start > end:
            raise QueryError("the range ends before it starts", query, pos)
        return DateRange(start, end, pos=pos)
    first, last = _period(text, query, pos)
    return DateRange(first, last, pos=pos)

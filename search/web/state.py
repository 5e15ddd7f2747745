"""The page's state, all of it in the URL: query, filters, sort, view, page, timeline options.

`State.from_args()` reads a request's query string (checking every value against the limits the CLI
has); `State.url()` writes a state, with changes, back into a link. A filter's change goes back to the
first page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from ..errors import SearchError

SORTS = ("relevance", "date", "-date")
VIEWS = ("hits", "kwic")
PERIODS = ("year", "month")
VALUES = ("count", "share")
MULTI = ("source", "author", "entity", "tag")
MAX_QUERY_CHARS = 2000   # a pasted paragraph fits; the parser also caps words and nesting
MAX_PAGE_SIZE = 100      # hits or KWIC lines per page
MAX_PAGE = 1000          # deeper than this, an export is the way to read on
MAX_FILTER_VALUES = 20


class BadState(SearchError):
    """A URL the page cannot show (a value out of range): shown in place as a one-line message."""


@dataclass(frozen=True)
class State:
    q: str = ""
    page: int = 1
    n: int = 10
    sort: str = "relevance"
    view: str = "hits"
    by: str = "year"
    values: str = "count"
    date_from: str = ""
    date_to: str = ""
    source: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    dedupe: bool = False
    problems: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_args(cls, args: Any) -> State:
        problems: list[str] = []

        def choice(name: str, options: tuple[str, ...]) -> str:
            value = args.get(name, options[0])
            if value not in options:
                problems.append(f"{name} must be one of {', '.join(options)}")
                return options[0]
            return value

        def number(name: str, default: int, low: int, high: int) -> int:
            raw = args.get(name, "")
            if raw == "":
                return default
            try:
                value = int(raw)
            except ValueError:
                problems.append(f"{name} must be a whole number")
                return default
            if not low <= value <= high:
                problems.append(f"{name} must be from {low} to {high}")
                return max(low, min(value, high))
            return value

        q = args.get("q", "")
        if len(q) > MAX_QUERY_CHARS:
            problems.append(f"the query is too long: {len(q)} characters, at most {MAX_QUERY_CHARS}")
            q = q[:MAX_QUERY_CHARS]
        multi = {}
        for name in MULTI:
            values = tuple(dict.fromkeys(v for v in args.getlist(name) if v.strip()))
            if len(values) > MAX_FILTER_VALUES:
                problems.append(f"at most {MAX_FILTER_VALUES} {name} filters")
                values = values[:MAX_FILTER_VALUES]
            multi[name] = tuple(v[:200] for v in values)
        return cls(q=q, page=number("page", 1, 1, MAX_PAGE), n=number("n", 10, 1, MAX_PAGE_SIZE),
                   sort=choice("sort", SORTS), view=choice("view", VIEWS), by=choice("by", PERIODS),
                   values=choice("values", VALUES), date_from=args.get("from", "")[:10].strip(),
                   date_to=args.get("to", "")[:10].strip(), dedupe=args.get("dedupe") == "1",
                   problems=tuple(problems), **multi)

    def params(self) -> list[tuple[str, str]]:
        """The state as query-string pairs, defaults left out (short, stable URLs)."""
        pairs: list[tuple[str, str]] = []
        defaults = State()
        for name in ("q", "sort", "view", "by", "values", "n"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                pairs.append((name, str(value)))
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        for name in MULTI:
            pairs.extend((name, v) for v in getattr(self, name))
        if self.dedupe:
            pairs.append(("dedupe", "1"))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, path: str = "/", **changes: Any) -> str:
        """A link to this state with `changes`; any change but `page` goes back to page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        state = replace(self, **changes) if changes else self
        query = urlencode(state.params())
        return f"{path}?{query}" if query else path

    def adding(self, name: str, value: str) -> str:
        current = getattr(self, name)
        return self.url(**{name: current if value in current else current + (value,)})

    def removing(self, name: str, value: str) -> str:
        return self.url(**{name: tuple(v for v in getattr(self, name) if v != value)})

    @property
    def active(self) -> list[tuple[str, str, str]]:
        """The filters in force as (label, value, link that removes it)."""
        found = []
        if self.date_from:
            found.append(("from", self.date_from, self.url(date_from="")))
        if self.date_to:
            found.append(("to", self.date_to, self.url(date_to="")))
        for name in MULTI:
            for value in getattr(self, name):
                found.append((name, value, self.removing(name, value)))
        if self.dedupe:
            found.append(("copies", "counted once", self.url(dedupe=False)))
        return found

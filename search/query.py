"""The query language: parse a researcher's query into a tree, then into a Whoosh query.

Syntax (see the README for examples):
    words            sanctions cambodia       every word must match (implicit AND), stemmed
    "phrase"         "debt of Lon Nol"        those words in that order, stop words included
    AND OR NOT ( )   (aid OR loans) NOT china  operators only in capitals; -word is NOT word
    field:value      title:momentum author:"Jane Smith" entity:ASEAN source:meridian tag:trade
    wildcard         sanction*  wom?n
    dates            date:2010  date:2010..2012  date:2015-06..  date:..2012-03  date:>=2015-06  date:<2020

Moving parts: `tokenize()` (positions kept for error messages), `Parser` (recursive descent: or > and >
unary > atom) producing `Node`s, `compile_query()` (nodes to Whoosh queries with the index's analyzers),
and `match_spec()` (what the highlighter should mark: positive words and phrases only).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import QueryError
from .ranking import TITLE_BOOST

# Field names a user may type, and the index field each means.
FIELD_ALIASES = {
    "title": "title", "body": "body", "text": "body",
    "author": "author", "authors": "author", "by": "author",
    "entity": "entity", "entities": "entity",
    "source": "source", "site": "source", "publisher": "source",
    "tag": "tag", "tags": "tag", "topic": "tag",
    "date": "date", "year": "date",
    "lang": "language", "language": "language",
    "id": "id",
}
PROSE_FIELDS = ("title", "body")
NAME_FIELDS = ("author", "entity", "source", "tag")


# -- tree ----------------------------------------------------------------------------------------------
@dataclass
class Node:
    pos: int = field(default=0, kw_only=True)


@dataclass
class Word(Node):
    text: str
    field: str | None = None  # None: title and body


@dataclass
class Phrase(Node):
    text: str
    field: str | None = None


@dataclass
class Wildcard(Node):
    pattern: str
    field: str | None = None


@dataclass
class DateRange(Node):
    start: dt.date | None
    end: dt.date | None


@dataclass
class And(Node):
    items: list[Node]


@dataclass
class Or(Node):
    items: list[Node]


@dataclass
class Not(Node):
    item: Node


# -- tokens ---------------------------------------------------------------------------------------------
@dataclass
class Tok:
    kind: str  # WORD PHRASE LPAREN RPAREN AND OR NOT MINUS FIELD
    text: str
    pos: int


_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<quote>")
  | (?P<field>[A-Za-z]+:(?=\S))
  | (?P<word>[^\s()"]+)
""", re.X)


def tokenize(query: str) -> list[Tok]:
    tokens: list[Tok] = []
    i = 0
    while i < len(query):
        m = _TOKEN.match(query, i)
        if m is None:  # pragma: no cover - the pattern accepts every character
            raise QueryError("unexpected character", query, i)
        kind = m.lastgroup
        if kind == "quote":
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed quote", query, i, 'close the phrase with "')
            tokens.append(Tok("PHRASE", query[i + 1:end], i))
            i = end + 1
            continue
        text = m.group(0)
        if kind == "word" and text in ("AND", "OR", "NOT"):
            tokens.append(Tok(text, text, i))
        elif kind == "word" and text in ("&&", "||"):
            tokens.append(Tok("AND" if text == "&&" else "OR", text, i))
        elif kind == "word" and text.startswith("-") and len(text) > 1:
            tokens.append(Tok("MINUS", "-", i))
            tokens.append(Tok("WORD", text[1:], i + 1))
        elif kind == "word" and text.startswith("+") and len(text) > 1:
            tokens.append(Tok("WORD", text[1:], i + 1))
        elif kind != "space":
            tokens.append(Tok(kind.upper(), text, i))
        i = m.end()
    return tokens


# -- parser ---------------------------------------------------------------------------------------------
class Parser:
    """`match="all"`: words side by side must all match (implicit AND); `match="any"`: any of them
    (implicit OR, ranked by how many and how well they match), for questions in plain language."""

    def __init__(self, query: str, match: str = "all") -> None:
        if match not in ("all", "any"):
            raise ValueError(f"match must be 'all' or 'any', not {match!r}")
        self.query = query
        self.tokens = tokenize(query)
        self.i = 0
        self.match = match

    def error(self, message: str, pos: int | None = None, hint: str = "") -> QueryError:
        if pos is None:
            pos = self.tokens[self.i].pos if self.i < len(self.tokens) else len(self.query)
        return QueryError(message, self.query, pos, hint)

    def peek(self) -> Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty query", 0, "type some words to search for")
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "RPAREN":
                raise self.error("unbalanced parenthesis: ')' without '('", tok.pos)
            raise self.error(f"unexpected {tok.text!r}", tok.pos)
        return node

    def parse_or(self) -> Node:
        start = self.peek()
        items = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            if self.peek() is None or self.peek().kind in ("OR", "AND", "RPAREN"):
                raise self.error("OR needs something on its right", tok.pos)
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(items, pos=start.pos if start else 0)

    def parse_and(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("query ends where a word was expected")
        if tok.kind in ("AND", "OR"):
            raise self.error(f"{tok.kind} needs something on its left", tok.pos)
        items = [self.parse_unary()]
        explicit = False
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RPAREN"):
            if tok.kind == "AND":
                explicit = True
                self.take()
                nxt = self.peek()
                if nxt is None or nxt.kind in ("OR", "AND", "RPAREN"):
                    raise self.error("AND needs something on its right", tok.pos)
            items.append(self.parse_unary())
        if len(items) == 1:
            return items[0]
        if self.match == "any" and not explicit:
            positives = [i for i in items if not isinstance(i, Not)]
            negatives = [i for i in items if isinstance(i, Not)]
            if positives:
                alternatives = positives[0] if len(positives) == 1 else Or(positives, pos=positives[0].pos)
                return And([alternatives, *negatives], pos=items[0].pos) if negatives else alternatives
        return And(items, pos=items[0].pos)

    def parse_unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind in ("NOT", "MINUS"):
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "AND", "RPAREN"):
                raise self.error(f"{tok.text} needs something on its right", tok.pos)
            return Not(self.parse_unary(), pos=tok.pos)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("query ends where a word was expected")
        if tok.kind == "LPAREN":
            self.take()
            if self.peek() is not None and self.peek().kind == "RPAREN":
                raise self.error("empty parentheses", tok.pos)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise self.error("unbalanced parenthesis: '(' is never closed", tok.pos)
            self.take()
            return node
        if tok.kind == "RPAREN":
            raise self.error("unbalanced parenthesis: ')' without '('", tok.pos)
        if tok.kind == "FIELD":
            return self.parse_field(self.take())
        if tok.kind == "PHRASE":
            self.take()
            return self.phrase(tok, None)
        if tok.kind == "WORD":
            self.take()
            return self.word(tok, None)
        raise self.error(f"unexpected {tok.text!r}", tok.pos)

    def phrase(self, tok: Tok, fieldname: str | None) -> Node:
        if not re.search(r"\w", tok.text):
            raise self.error("empty phrase", tok.pos, "put some words between the quotes")
        return Phrase(tok.text, fieldname, pos=tok.pos)

    def word(self, tok: Tok, fieldname: str | None) -> Node:
        text = tok.text
        if "*" in text or "?" in text:
            stem = text.replace("*", "").replace("?", "")
            if len(re.findall(r"\w", stem)) < 2:
                raise self.error("a wildcard needs at least two letters", tok.pos)
            return Wildcard(text, fieldname, pos=tok.pos)
        if not re.search(r"\w", text):
            raise self.error(f"nothing to search for in {text!r}", tok.pos)
        return Word(text, fieldname, pos=tok.pos)

    def parse_field(self, tok: Tok) -> Node:
        name = tok.text[:-1].lower()
        target = FIELD_ALIASES.get(name)
        if target is None:
            known = ", ".join(sorted({k for k, v in FIELD_ALIASES.items() if k == v or k in ("text",)}))
            raise self.error(f"unknown field {name!r}", tok.pos,
                             f"fields: {known}; to search for the text, put it in quotes")
        value = self.peek()
        if value is None:
            raise self.error(f"{name}: needs a value", tok.pos)
        if target == "date":
            if value.kind != "WORD":
                raise self.error("date: needs a date or a range such as 2010..2012", value.pos)
            self.take()
            return parse_date_range(value.text, self.query, value.pos, year_only=(name == "year"))
        if value.kind == "LPAREN":
            node = self.parse_atom()
            return _with_field(node, target, self)
        self.take()
        if value.kind == "PHRASE":
            return self.phrase(value, target)
        if value.kind == "WORD":
            return self.word(value, target)
        raise self.error(f"{name}: needs a value", value.pos)


def _with_field(node: Node, fieldname: str, parser: Parser) -> Node:
    """`title:(a OR "b c")`: the field applies to every word inside."""
    if isinstance(node, (Word, Phrase, Wildcard)):
        if node.field is not None and node.field != fieldname:
            raise parser.error("a field inside another field", node.pos)
        node.field = fieldname
    elif isinstance(node, (And, Or)):
        for item in node.items:
            _with_field(item, fieldname, parser)
    elif isinstance(node, Not):
        _with_field(node.item, fieldname, parser)
    elif isinstance(node, DateRange):
        raise parser.error("a date inside another field", node.pos)
    return node


# -- dates ---------------------------------------------------------------------------------------------
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
    inclusive."""
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


def parse(query: str, match: str = "all") -> Node:
    """The query's tree; `QueryError` (with the position) when it cannot be read."""
    return Parser(query, match).parse()


# -- to Whoosh -----------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def _analyzer(kind: str):
    from indexer.analysis import exact_analyzer, name_analyzer, prose_analyzer

    return {"prose": prose_analyzer, "name": name_analyzer, "exact": exact_analyzer}[kind]()


def analyse(text: str, fieldname: str) -> list[str]:
    """`text` as the index saw it in `fieldname`: the list of its terms."""
    kind = "prose" if fieldname in PROSE_FIELDS else "name"
    return [t.text for t in _analyzer(kind)(text)]


def _fields_for(node_field: str | None) -> tuple[str, ...]:
    return PROSE_FIELDS if node_field is None else (node_field,)


def _terms_query(fieldname: str, terms: list[str], boost: float):
    from whoosh import query as wq

    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    return wq.Phrase(fieldname, terms, boost=boost)


def compile_query(node: Node):
    """The Whoosh query for a parsed tree."""
    from whoosh import query as wq

    if isinstance(node, (Word, Phrase)):
        if node.field in ("id", "language"):
            return wq.Term(node.field, node.text.lower() if node.field == "language" else node.text)
        parts = []
        for fieldname in _fields_for(node.field):
            terms = analyse(node.text, fieldname)
            if terms:
                parts.append(_terms_query(fieldname, terms, TITLE_BOOST if fieldname == "title" and
                                          node.field is None else 1.0))
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, Wildcard):
        pattern = node.pattern.lower()
        parts = [wq.Wildcard(f, pattern) for f in _fields_for(node.field)]
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, DateRange):
        start = dt.datetime.combine(node.start, dt.time.min) if node.start else None
        end = dt.datetime.combine(node.end, dt.time.max) if node.end else None
        return wq.DateRange("date", start, end)
    if isinstance(node, Or):
        return wq.Or([compile_query(i) for i in node.items])
    if isinstance(node, And):
        # And + Not, never Whoosh's AndNot: its matcher (whoosh3 3.54, as Whoosh 2.7) fails to exclude the
        # first positive document when the excluded term's postings start before it.
        return wq.And([wq.Not(compile_query(i.item)) if isinstance(i, Not) else compile_query(i)
                       for i in node.items])
    if isinstance(node, Not):
        return wq.Not(compile_query(node.item))
    raise TypeError(f"unknown node {node!r}")  # pragma: no cover


# -- what to highlight ---------------------------------------------------------------------------------
@dataclass
class MatchSpec:
    """Terms and phrases to mark in titles and bodies (analysed terms), and wildcard patterns."""
    terms: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    wildcards: list[re.Pattern[str]] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.terms or self.phrases or self.wildcards)


def match_spec(node: Node) -> MatchSpec:
    spec = MatchSpec()
    _collect(node, spec)
    return spec


def _collect(node: Node, spec: MatchSpec) -> None:
    if isinstance(node, Not):
        return  # what a query excludes is not what it found
    if isinstance(node, (And, Or)):
        for item in node.items:
            _collect(item, spec)
    elif isinstance(node, (Word, Phrase)) and node.field in (None, "title", "body"):
        terms = analyse(node.text, "body")
        if len(terms) == 1:
            spec.terms.add(terms[0])
        elif terms:
            spec.phrases.append(tuple(terms))
    elif isinstance(node, Wildcard) and node.field in (None, "title", "body"):
        regex = re.escape(node.pattern.lower()).replace(r"\*", r"\w*").replace(r"\?", r"\w")
        spec.wildcards.append(re.compile(f"^{regex}$"))


def describe(node: Node) -> str:
    """The tree written back as a query, fully bracketed: how the query was understood."""
    if isinstance(node, Word):
        return f"{node.field + ':' if node.field else ''}{node.text}"
    if isinstance(node, Phrase):
        return f'{node.field + ":" if node.field else ""}"{node.text}"'
    if isinstance(node, Wildcard):
        return f"{node.field + ':' if node.field else ''}{node.pattern}"
    if isinstance(node, DateRange):
        return f"date:{node.start or ''}..{node.end or ''}"
    if isinstance(node, Not):
        return f"NOT {describe(node.item)}"
    if isinstance(node, And):
        return "(" + " AND ".join(describe(i) for i in node.items) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(describe(i) for i in node.items) + ")"
    return repr(node)

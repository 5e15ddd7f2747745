"""The query language: parse a researcher's query into a tree, then into a Whoosh query.

Syntax (see the README for examples):
    words            sanctions cambodia       every word must match (implicit AND), stemmed
    "phrase"         "debt of Lon Nol"        those words in that order, stop words included
    AND OR NOT ( )   (aid OR loans) NOT china  operators only in capitals; -word is NOT word
    field:value      title:momentum author:"Jane Smith" entity:ASEAN source:meridian tag:trade
    wildcard, fuzzy  sanction*  wom?n  Sihanuk~  Sihanuk~2
    proximity        "sanctions regime"~5     the words within 5 positions of each other, any order
                     aid w/5 china            within 5 words, either order; pre/5: aid first
                     (aid OR loans) w/s china in the same sentence; w/p: in the same paragraph
    exact form       exact:sanctioned  exact:"the debt"   no stemming
    dates            date:2010  date:2010..2012  date:2015-06..  date:..2012-03  date:>=2015-06  date:<2020

Moving parts: `tokenize()` (positions kept for error messages), `Parser` (recursive descent: or > and >
unary > proximity > atom) producing `Node`s, `compile_query()` (nodes to Whoosh queries with the index's
analyzers; proximity as span queries), `needs_text()` (nodes the index can only narrow down: same
sentence or paragraph, exact forms — `verify.py` checks those against the stored text), and
`match_spec()` (what the highlighter should mark: the occurrences that satisfy the query, never words it
excludes).
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
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
    "exact": "exact",
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
    exact: bool = False       # exact:word — the form as written, no stemming


@dataclass
class Phrase(Node):
    text: str
    field: str | None = None
    exact: bool = False
    slop: int = 0             # "..."~N: the words within N positions of each other, any order


@dataclass
class Wildcard(Node):
    pattern: str
    field: str | None = None


@dataclass
class Fuzzy(Node):
    text: str
    field: str | None = None
    distance: int = 1         # edits allowed (Damerau-Levenshtein), 1 or 2


@dataclass
class Near(Node):
    """Two operands close together: within `distance` words (`w/N`, `pre/N` with `ordered`), or in the
    same sentence (`unit="sentence"`, `w/s`) or paragraph (`unit="paragraph"`, `w/p`)."""
    left: Node
    right: Node
    distance: int = 0
    ordered: bool = False
    unit: str = "words"


@dataclass
class DateRange(Node):
    start: dt.date | None
    end: dt.date | None


@dataclass
class FieldValue(Node):
    """An exact value of an index field, for filters the command line adds (not typed in queries)."""
    field: str
    value: str


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
_CONNECTOR = re.compile(r"^(w|pre)/(\d+|s|p)$", re.I)
_FUZZY = re.compile(r"^(.*\w)~([12])?$")
_SLOP = re.compile(r"~(\d+)")
# The most words a proximity connector may allow between its sides.
MAX_DISTANCE = 1000
# The largest query read: Whoosh builds its matchers (and this package walks trees) recursively, so a
# pasted essay or thousands of nested parentheses would exhaust Python's stack. No research query comes
# near these.
MAX_QUERY_WORDS = 256
MAX_QUERY_DEPTH = 32


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
            slop = _SLOP.match(query, i)
            if slop:
                tokens.append(Tok("SLOP", slop.group(1), i))
                i = slop.end()
            continue
        text = m.group(0)
        if kind == "word" and _CONNECTOR.match(text):
            tokens.append(Tok("CONN", text.lower(), i))
        elif kind == "word" and text in ("AND", "OR", "NOT"):
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
        self.depth = 0
        self._check_size()

    def _check_size(self) -> None:
        words = 0
        for tok in self.tokens:
            if tok.kind in ("WORD", "PHRASE"):
                words += max(1, len(re.findall(r"\w+", tok.text)))
                if words > MAX_QUERY_WORDS:
                    raise self.error(f"too many words: a query takes {MAX_QUERY_WORDS} at most", tok.pos,
                                     "split it into several searches")

    def _nest(self, tok: Tok) -> None:
        self.depth += 1
        if self.depth > MAX_QUERY_DEPTH:
            raise self.error(f"the query nests too deeply: more than {MAX_QUERY_DEPTH} levels of "
                             "parentheses, NOT and proximity", tok.pos)

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
            if nxt is None or nxt.kind in ("OR", "AND", "RPAREN", "CONN"):
                raise self.error(f"{tok.text} needs something on its right", tok.pos)
            self._nest(tok)
            node = Not(self.parse_unary(), pos=tok.pos)
            self.depth -= 1
            return node
        return self.parse_near()

    def parse_near(self) -> Node:
        """`A w/5 B pre/3 C`: connectors bind tighter than AND and OR, left to right."""
        tok = self.peek()
        if tok is not None and tok.kind == "CONN":
            raise self.error(f"{tok.text} needs something on its left", tok.pos)
        left = self.parse_atom()
        depth = self.depth
        while (tok := self.peek()) is not None and tok.kind == "CONN":
            self._nest(tok)  # each connector nests the chain so far one level deeper
            self.take()
            nxt = self.peek()
            if nxt is None or nxt.kind in ("OR", "AND", "RPAREN", "CONN", "NOT", "MINUS"):
                raise self.error(f"{tok.text} needs something on its right", tok.pos)
            right = self.parse_atom()
            kind, arg = _CONNECTOR.match(tok.text).groups()
            if arg in ("s", "p"):
                if kind == "pre":
                    raise self.error(f"{tok.text}: pre/ takes a number of words", tok.pos,
                                     "use w/s or w/p for the same sentence or paragraph")
                node = Near(left, right, unit="sentence" if arg == "s" else "paragraph", pos=tok.pos)
            else:
                distance = int(arg)
                if not 1 <= distance <= MAX_DISTANCE:
                    raise self.error(f"{tok.text}: the distance must be 1 to {MAX_DISTANCE}", tok.pos)
                node = Near(left, right, distance, ordered=(kind == "pre"), pos=tok.pos)
            self._check_near(node, tok)
            left = node
        self.depth = depth
        return left

    def _check_near(self, node: Near, tok: Tok) -> None:
        fields = set()
        for side in (node.left, node.right):
            for leaf in _leaves(side):
                if isinstance(leaf, (And, Not, DateRange)) or (isinstance(leaf, Near) and leaf.unit != "words"):
                    raise self.error(f"{tok.text} takes words, phrases, wildcards or OR-groups on each side",
                                     tok.pos, "put AND, NOT and dates outside the proximity")
                if isinstance(leaf, (Word, Phrase)) and leaf.exact:
                    raise self.error(f"{tok.text}: exact forms cannot be used with proximity", leaf.pos)
                fields.add(getattr(leaf, "field", None))
        if fields - {None, "title", "body"} or len(fields - {None}) > 1:
            raise self.error(f"{tok.text}: both sides must search the same text (title or body)", tok.pos)

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise self.error("query ends where a word was expected")
        if tok.kind == "LPAREN":
            self.take()
            if self.peek() is not None and self.peek().kind == "RPAREN":
                raise self.error("empty parentheses", tok.pos)
            self._nest(tok)
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise self.error("unbalanced parenthesis: '(' is never closed", tok.pos)
            self.take()
            self.depth -= 1
            return node
        if tok.kind == "RPAREN":
            raise self.error("unbalanced parenthesis: ')' without '('", tok.pos)
        if tok.kind == "FIELD":
            return self.parse_field(self.take())
        if tok.kind == "PHRASE":
            self.take()
            return self.phrase(tok, None)
        if tok.kind == "CONN":
            raise self.error(f"{tok.text} needs something on its left", tok.pos)
        if tok.kind == "WORD":
            self.take()
            return self.word(tok, None)
        raise self.error(f"unexpected {tok.text!r}", tok.pos)

    def phrase(self, tok: Tok, fieldname: str | None, exact: bool = False) -> Node:
        if not re.search(r"\w", tok.text):
            raise self.error("empty phrase", tok.pos, "put some words between the quotes")
        slop = 0
        nxt = self.peek()
        if nxt is not None and nxt.kind == "SLOP":
            self.take()
            slop = int(nxt.text)
            if not 1 <= slop <= MAX_DISTANCE:
                raise self.error(f"~{nxt.text}: the distance must be 1 to {MAX_DISTANCE}", nxt.pos)
            if exact:
                raise self.error("exact forms cannot be used with ~N", nxt.pos)
        return Phrase(tok.text, fieldname, exact=exact, slop=slop, pos=tok.pos)

    def word(self, tok: Tok, fieldname: str | None, exact: bool = False) -> Node:
        text = tok.text
        fuzzy = _FUZZY.match(text)
        if fuzzy and not exact:
            if "*" in fuzzy.group(1) or "?" in fuzzy.group(1):
                raise self.error("a word cannot be both a wildcard and fuzzy", tok.pos)
            return Fuzzy(fuzzy.group(1), fieldname, int(fuzzy.group(2) or 1), pos=tok.pos)
        if text.endswith("~"):
            raise self.error("~ needs a word before it (Sihanuk~) or a number after a phrase (\"a b\"~5)",
                             tok.pos)
        if "*" in text or "?" in text:
            if exact:
                raise self.error("exact forms cannot have wildcards", tok.pos)
            stem = text.replace("*", "").replace("?", "")
            if len(re.findall(r"\w", stem)) < 2:
                raise self.error("a wildcard needs at least two letters", tok.pos)
            return Wildcard(text, fieldname, pos=tok.pos)
        if not re.search(r"\w", text):
            raise self.error(f"nothing to search for in {text!r}", tok.pos)
        return Word(text, fieldname, exact=exact, pos=tok.pos)

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
        if target == "exact":
            if value.kind not in ("WORD", "PHRASE"):
                raise self.error("exact: takes a word or a phrase", value.pos)
            self.take()
            return self.phrase(value, None, exact=True) if value.kind == "PHRASE" else \
                self.word(value, None, exact=True)
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
    if isinstance(node, (Word, Phrase, Wildcard, Fuzzy)):
        if node.field is not None and node.field != fieldname:
            raise parser.error("a field inside another field", node.pos)
        node.field = fieldname
    elif isinstance(node, Near):
        _with_field(node.left, fieldname, parser)
        _with_field(node.right, fieldname, parser)
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


def _leaves(node: Node) -> list[Node]:
    """The operands of a proximity expression: through ORs and nested word proximities."""
    if isinstance(node, Or):
        return [leaf for item in node.items for leaf in _leaves(item)]
    if isinstance(node, Near) and node.unit == "words":
        return _leaves(node.left) + _leaves(node.right)
    return [node]


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


def _terms_query(fieldname: str, terms: list[str], boost: float, slop: int = 0):
    from whoosh import query as wq
    from whoosh.query import spans

    from .phrase import AdjacentPhrase

    if len(terms) == 1:
        return wq.Term(fieldname, terms[0], boost=boost)
    if slop:
        return spans.SpanNear2([wq.Term(fieldname, t) for t in terms], slop=slop, ordered=False)
    return AdjacentPhrase(fieldname, terms, boost=boost)


# Wildcards and fuzzy words expand to at most this many index terms (issue a warning past it).
MAX_EXPANSIONS = 2000


def _expand(query, reader, warnings: list[str] | None, label: str) -> list[str]:
    """The index terms a wildcard or fuzzy query stands for: at most MAX_EXPANSIONS, those in the most
    documents when there are more (the first ones in alphabetical order would be an arbitrary cut)."""
    texts = [text.decode("utf-8") if isinstance(text, bytes) else text
             for _field, text in query.expanded_terms(reader)]
    if len(texts) <= MAX_EXPANSIONS:
        return texts
    fieldname = query.field()
    if warnings is not None:
        warnings.append(f"{label} matches {len(texts):,} words in the {fieldname}; only the "
                        f"{MAX_EXPANSIONS:,} most frequent are searched")
    return heapq.nlargest(MAX_EXPANSIONS, texts, key=lambda text: reader.doc_frequency(fieldname, text))


def _multi_term(node: Wildcard | Fuzzy, fieldname: str):
    from whoosh import query as wq

    if isinstance(node, Wildcard):
        return wq.Wildcard(fieldname, node.pattern.lower())
    terms = analyse(node.text, fieldname)
    text = terms[0] if terms else node.text.lower()
    return wq.FuzzyTerm(fieldname, text, maxdist=node.distance, prefixlength=1)


@lru_cache(maxsize=1)
def _span_or_class():
    from whoosh.query import spans

    class SpanOr(spans.SpanOr):
        """Whoosh's SpanOr, which (whoosh3 3.54) cannot estimate its size, so that a SpanNear2 over it
        fails to run: an OR matches at most the documents of its parts together."""

        def estimate_size(self, ixreader):
            return sum(q.estimate_size(ixreader) for q in self.subqs)

        def estimate_min_size(self, ixreader):
            return min((q.estimate_min_size(ixreader) for q in self.subqs), default=0)

    return SpanOr


def _span(node: Node, fieldname: str, reader, warnings: list[str] | None):
    """A span query (positions kept) for a proximity operand in one field."""
    from whoosh import query as wq
    from whoosh.query import spans

    if isinstance(node, (Word, Phrase)):
        terms = analyse(node.text, fieldname)
        if not terms:
            return wq.NullQuery
        if len(terms) == 1:
            return wq.Term(fieldname, terms[0])
        slop = node.slop if isinstance(node, Phrase) and node.slop else 1
        return spans.SpanNear2([wq.Term(fieldname, t) for t in terms], slop=slop,
                               ordered=not (isinstance(node, Phrase) and node.slop))
    if isinstance(node, (Wildcard, Fuzzy)):
        if reader is None:
            raise ValueError("expanding a wildcard inside a proximity needs an index reader")
        label = node.pattern if isinstance(node, Wildcard) else f"{node.text}~{node.distance}"
        texts = _expand(_multi_term(node, fieldname), reader, warnings, label)
        if not texts:
            return wq.NullQuery
        return _span_or_class()([wq.Term(fieldname, t) for t in texts])
    if isinstance(node, Or):
        parts = [_span(i, fieldname, reader, warnings) for i in node.items]
        parts = [p for p in parts if p is not wq.NullQuery]
        return _span_or_class()(parts) if parts else wq.NullQuery
    if isinstance(node, Near) and node.unit == "words":
        left = _span(node.left, fieldname, reader, warnings)
        right = _span(node.right, fieldname, reader, warnings)
        if left is wq.NullQuery or right is wq.NullQuery:
            return wq.NullQuery
        return spans.SpanNear2([left, right], slop=node.distance, ordered=node.ordered)
    raise TypeError(f"not a proximity operand: {node!r}")  # the parser lets none through


def _near_field(node: Near) -> str | None:
    fields = {getattr(leaf, "field", None) for leaf in _leaves(node)} - {None}
    return fields.pop() if fields else None


def needs_text(node: Node) -> bool:
    """Whether the index alone cannot decide the node: same sentence or paragraph, exact forms. The
    compiled query then finds a superset, and `verify.py` checks each candidate's text."""
    if isinstance(node, Near):
        return node.unit != "words"
    if isinstance(node, (Word, Phrase)):
        return node.exact
    if isinstance(node, (And, Or)):
        return any(needs_text(i) for i in node.items)
    if isinstance(node, Not):
        return needs_text(node.item)
    return False


def compile_query(node: Node, reader=None, warnings: list[str] | None = None):
    """The Whoosh query for a parsed tree. `reader` (an index reader) is needed for wildcards and fuzzy
    words inside proximity; `warnings` collects notes such as a capped wildcard. Nodes that need the
    text (`needs_text`) compile to a superset of their matches."""
    from whoosh import query as wq

    if isinstance(node, (Word, Phrase)):
        if node.field in ("id", "language"):
            return wq.Term(node.field, node.text.lower() if node.field == "language" else node.text)
        parts = []
        slop = node.slop if isinstance(node, Phrase) else 0
        for fieldname in _fields_for(node.field):
            terms = analyse(node.text, fieldname)
            if terms:
                parts.append(_terms_query(fieldname, terms, TITLE_BOOST if fieldname == "title" and
                                          node.field is None else 1.0, slop))
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, (Wildcard, Fuzzy)):
        parts = []
        for fieldname in _fields_for(node.field):
            query = _multi_term(node, fieldname)
            if reader is not None:  # expand here, so that a huge expansion is capped with a warning
                label = node.pattern if isinstance(node, Wildcard) else f"{node.text}~{node.distance}"
                texts = _expand(query, reader, warnings, label)
                query = wq.Or([wq.Term(fieldname, t) for t in texts]) if texts else wq.NullQuery
            parts.append(query)
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, Near):
        if node.unit != "words":  # candidates: both sides in the document; the text decides
            return wq.And([compile_query(node.left, reader, warnings), compile_query(node.right, reader, warnings)])
        parts = [_span(node, f, reader, warnings) for f in _fields_for(_near_field(node))]
        parts = [p for p in parts if p is not wq.NullQuery]
        if not parts:
            return wq.NullQuery
        return parts[0] if len(parts) == 1 else wq.Or(parts)
    if isinstance(node, FieldValue):
        return wq.Term(node.field, node.value)
    if isinstance(node, DateRange):
        start = dt.datetime.combine(node.start, dt.time.min) if node.start else None
        end = dt.datetime.combine(node.end, dt.time.max) if node.end else None
        return wq.DateRange("date", start, end)
    if isinstance(node, Or):
        return wq.Or([compile_query(i, reader, warnings) for i in node.items])
    if isinstance(node, And):
        # And + Not, never Whoosh's AndNot: its matcher (whoosh3 3.54, as Whoosh 2.7) fails to exclude the
        # first positive document when the excluded term's postings start before it. A NOT over a node
        # the index cannot decide excludes nothing here: the text check decides.
        return wq.And([_not(i.item, reader, warnings) if isinstance(i, Not) else compile_query(i, reader, warnings)
                       for i in node.items])
    if isinstance(node, Not):
        return _not(node.item, reader, warnings)
    raise TypeError(f"unknown node {node!r}")  # pragma: no cover


def _not(item: Node, reader, warnings):
    from whoosh import query as wq

    if needs_text(item):
        return wq.Every()
    return wq.Not(compile_query(item, reader, warnings))


# -- what to highlight ---------------------------------------------------------------------------------
@dataclass
class MatchSpec:
    """What to mark in a title or body: analysed terms, phrases (term sequences) and wildcard patterns,
    found quickly; and `nodes` that must be evaluated word by word (proximity, "..."~N, exact forms),
    whose satisfying occurrences only are marked (`textmatch.instances`). `fuzzy_terms` maps a fuzzy
    node to the index terms it stands for."""
    terms: set[str] = field(default_factory=set)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    wildcards: list[re.Pattern[str]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    fuzzy_terms: dict[int, list[str]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.terms or self.phrases or self.wildcards or self.nodes)


def match_spec(node: Node, fuzzy_terms: dict[int, list[str]] | None = None) -> MatchSpec:
    """What the highlighter marks for a tree. `fuzzy_terms` maps a Fuzzy node's id to the index terms it
    expanded to (read from the index at search time)."""
    spec = MatchSpec(fuzzy_terms=dict(fuzzy_terms or {}))
    _collect(node, spec)
    return spec


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    regex = re.escape(pattern.lower()).replace(r"\*", r"\w*").replace(r"\?", r"\w")
    return re.compile(f"^{regex}$")


def _collect(node: Node, spec: MatchSpec) -> None:
    if isinstance(node, Not):
        return  # what a query excludes is not what it found
    if isinstance(node, (And, Or)):
        for item in node.items:
            _collect(item, spec)
    elif isinstance(node, Near):
        spec.nodes.append(node)
    elif isinstance(node, (Word, Phrase)) and node.field in (None, "title", "body"):
        terms = analyse(node.text, "body")
        if node.exact or (isinstance(node, Phrase) and node.slop and len(terms) > 1):
            spec.nodes.append(node)
        elif len(terms) == 1:
            spec.terms.add(terms[0])
        elif terms:
            spec.phrases.append(tuple(terms))
    elif isinstance(node, Wildcard) and node.field in (None, "title", "body"):
        spec.wildcards.append(_wildcard_regex(node.pattern))
    elif isinstance(node, Fuzzy) and node.field in (None, "title", "body"):
        spec.terms.update(spec.fuzzy_terms.get(id(node), ()))


def fuzzy_nodes(node: Node) -> list[Fuzzy]:
    if isinstance(node, Fuzzy):
        return [node]
    if isinstance(node, (And, Or)):
        return [f for i in node.items for f in fuzzy_nodes(i)]
    if isinstance(node, Not):
        return fuzzy_nodes(node.item)
    if isinstance(node, Near):
        return fuzzy_nodes(node.left) + fuzzy_nodes(node.right)
    return []


def describe(node: Node) -> str:
    """The tree written back as a query, fully bracketed: how the query was understood."""
    if isinstance(node, Word):
        prefix = "exact:" if node.exact else (node.field + ":" if node.field else "")
        return f"{prefix}{node.text}"
    if isinstance(node, Phrase):
        prefix = "exact:" if node.exact else (node.field + ":" if node.field else "")
        return f'{prefix}"{node.text}"' + (f"~{node.slop}" if node.slop else "")
    if isinstance(node, Wildcard):
        return f"{node.field + ':' if node.field else ''}{node.pattern}"
    if isinstance(node, Fuzzy):
        return f"{node.field + ':' if node.field else ''}{node.text}~{node.distance}"
    if isinstance(node, Near):
        connector = {"sentence": "w/s", "paragraph": "w/p"}.get(node.unit) or \
            f"{'pre' if node.ordered else 'w'}/{node.distance}"
        return f"({describe(node.left)} {connector} {describe(node.right)})"
    if isinstance(node, DateRange):
        return f"date:{node.start or ''}..{node.end or ''}"
    if isinstance(node, FieldValue):
        return "one per copy group" if node.field == "is_copy" else f"{node.field}={node.value}"
    if isinstance(node, Not):
        return f"NOT {describe(node.item)}"
    if isinstance(node, And):
        return "(" + " AND ".join(describe(i) for i in node.items) + ")"
    if isinstance(node, Or):
        return "(" + " OR ".join(describe(i) for i in node.items) + ")"
    return repr(node)

"""Reading a query: the tokenizer and a recursive-descent parser, from text to a `syntax` tree.

`tokenize()` cuts the text into `Tok`s, each with its position for error messages: words, phrases
(with a `~N` slop), parentheses, `AND`/`OR`/`NOT` (operators only in capitals; `&&`, `||`, `-word`
too), `field:` prefixes and proximity connectors (`w/5`, `pre/3`, `w/s`, `w/p`). `Parser` reads them
by precedence — or > and > unary (NOT) > proximity > atom — and checks what each operator may join;
a query it cannot read raises `QueryError` saying what and where. `parse()` is the entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QueryError
from .dates import parse_date_range
from .syntax import PROSE_FIELDS, And, DateRange, Fuzzy, Near, Node, Not, Or, Phrase, Text, Wildcard, Word, Words

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


# -- parser -----------------------------------------------------------------------------------------------
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
            for leaf in side.operands():
                if not isinstance(leaf, Text):  # AND, NOT, a date, w/s or w/p
                    raise self.error(f"{tok.text} takes words, phrases, wildcards or OR-groups on each side",
                                     tok.pos, "put AND, NOT and dates outside the proximity")
                if isinstance(leaf, Words) and leaf.exact:
                    raise self.error(f"{tok.text}: exact forms cannot be used with proximity", leaf.pos)
                fields.add(leaf.field)
        if fields - {None, *PROSE_FIELDS} or len(fields - {None}) > 1:
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
    for inner in node.walk():
        if isinstance(inner, Text):
            if inner.field is not None and inner.field != fieldname:
                raise parser.error("a field inside another field", inner.pos)
            inner.field = fieldname
        elif isinstance(inner, DateRange):
            raise parser.error("a date inside another field", inner.pos)
    return node


def parse(query: str, match: str = "all") -> Node:
    """The query's tree; `QueryError` (with the position) when it cannot be read."""
    return Parser(query, match).parse()

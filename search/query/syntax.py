"""The query tree: one dataclass per kind of node, and the walks that need nothing but the tree.

Leaves are the `Text` nodes — `Word` and `Phrase` (both `Words`: words as typed, stemmed unless
`exact`), `Wildcard` and `Fuzzy` — which search one field, or the title and the body when `field` is
None; and `DateRange` and `FieldValue` (the filters the command line adds). Branches are `And`, `Or`,
`Not` and `Near` (two operands within N words, or in one sentence or paragraph).

Every node names its `children()`, and `walk()` visits a tree from them. What a node means by itself
is a method of each kind: `describe()` (the node written back as a query), `needs_text()` (whether the
index alone cannot decide it), `operands()` (what a proximity joins). Walks that need more than the
tree — compiling to Whoosh (`compile.py`), what to highlight (`marks.py`), evaluating a node on a text
(`search/textmatch.py`, `search/verify.py`) — are `Visitor`s: a method per kind of node, in the module
that needs them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator

# The fields a word searches when the query names none.
PROSE_FIELDS = ("title", "body")


@dataclass
class Node:
    pos: int = field(default=0, kw_only=True)  # where the node starts in the query as typed

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self, negated: bool = True) -> Iterator[Node]:
        """This node and every node below it, in query order; with `negated=False`, not what a NOT
        excludes."""
        yield self
        for child in self.children():
            yield from child.walk(negated)

    def operands(self) -> list[Node]:
        """The operands of a proximity expression this node stands for: itself, unless it is an OR or
        a proximity in words, whose operands are those of its parts."""
        return [self]

    def needs_text(self) -> bool:
        """Whether the index alone cannot decide the node: same sentence or paragraph, exact forms. The
        compiled query then finds a superset, and `verify.py` checks each candidate's text."""
        return any(child.needs_text() for child in self.children())

    def describe(self) -> str:
        """The tree written back as a query, fully bracketed: how the query was understood."""
        return repr(self)


def describe(node: Node) -> str:
    return node.describe()


# -- leaves ---------------------------------------------------------------------------------------------
@dataclass
class Text(Node):
    """A leaf that searches words: in `field` (each subclass has one), or in the title and the body."""

    def fields(self) -> tuple[str, ...]:
        return PROSE_FIELDS if self.field is None else (self.field,)

    @property
    def in_prose(self) -> bool:
        """Whether it searches the title or the body (not a name field such as `author:`)."""
        return self.field in (None, *PROSE_FIELDS)

    @property
    def written(self) -> str:
        """The leaf as typed, without its field."""
        raise NotImplementedError

    def describe(self) -> str:
        return f"{self.field}:{self.written}" if self.field else self.written


@dataclass
class Words(Text):
    """Words as typed, stemmed as the index stems them, or `exact`: the forms as written."""
    text: str
    field: str | None = None  # None: title and body
    exact: bool = False       # exact:word — the form as written, no stemming

    def needs_text(self) -> bool:
        return self.exact

    def describe(self) -> str:
        return "exact:" + self.written if self.exact else super().describe()


@dataclass
class Word(Words):
    slop = 0  # a word is a phrase of one word

    @property
    def written(self) -> str:
        return self.text


@dataclass
class Phrase(Words):
    slop: int = 0             # "..."~N: the words within N positions of each other, any order

    @property
    def written(self) -> str:
        return f'"{self.text}"' + (f"~{self.slop}" if self.slop else "")


@dataclass
class Wildcard(Text):
    pattern: str
    field: str | None = None

    @property
    def written(self) -> str:
        return self.pattern


@dataclass
class Fuzzy(Text):
    text: str
    field: str | None = None
    distance: int = 1         # edits allowed (Damerau-Levenshtein), 1 or 2

    @property
    def written(self) -> str:
        return f"{self.text}~{self.distance}"


@dataclass
class DateRange(Node):
    start: dt.date | None
    end: dt.date | None

    def describe(self) -> str:
        return f"date:{self.start or ''}..{self.end or ''}"


@dataclass
class FieldValue(Node):
    """An exact value of an index field, for filters the command line adds (not typed in queries)."""
    field: str
    value: str

    def describe(self) -> str:
        return "one per copy group" if self.field == "is_copy" else f"{self.field}={self.value}"


# -- branches -------------------------------------------------------------------------------------------
@dataclass
class Near(Node):
    """Two operands close together: within `distance` words (`w/N`, `pre/N` with `ordered`), or in the
    same sentence (`unit="sentence"`, `w/s`) or paragraph (`unit="paragraph"`, `w/p`)."""
    left: Node
    right: Node
    distance: int = 0
    ordered: bool = False
    unit: str = "words"

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)

    def operands(self) -> list[Node]:
        if self.unit != "words":
            return [self]
        return self.left.operands() + self.right.operands()

    def fields(self) -> tuple[str, ...]:
        """The fields it is looked for in: the one its operands name, else the title and the body."""
        named = {leaf.field for leaf in self.operands() if isinstance(leaf, Text)} - {None}
        return (named.pop(),) if named else PROSE_FIELDS

    def needs_text(self) -> bool:
        return self.unit != "words"

    @property
    def connector(self) -> str:
        return {"sentence": "w/s", "paragraph": "w/p"}.get(self.unit) or \
            f"{'pre' if self.ordered else 'w'}/{self.distance}"

    def describe(self) -> str:
        return f"({self.left.describe()} {self.connector} {self.right.describe()})"


@dataclass
class And(Node):
    items: list[Node]

    def children(self) -> tuple[Node, ...]:
        return tuple(self.items)

    def describe(self) -> str:
        return "(" + " AND ".join(i.describe() for i in self.items) + ")"


@dataclass
class Or(Node):
    items: list[Node]

    def children(self) -> tuple[Node, ...]:
        return tuple(self.items)

    def operands(self) -> list[Node]:
        return [leaf for item in self.items for leaf in item.operands()]

    def describe(self) -> str:
        return "(" + " OR ".join(i.describe() for i in self.items) + ")"


@dataclass
class Not(Node):
    item: Node

    def children(self) -> tuple[Node, ...]:
        return (self.item,)

    def walk(self, negated: bool = True) -> Iterator[Node]:
        if negated:
            yield from super().walk(negated)

    def describe(self) -> str:
        return f"NOT {self.item.describe()}"


# -- walks elsewhere --------------------------------------------------------------------------------------
class Visitor:
    """A walk written as one method per kind of node, as `ast.NodeVisitor`: `visit(node, *args)` calls
    `visit_<Kind>(node, *args)` for the node's class or the nearest base class that has one
    (`visit_Words` serves `Word` and `Phrase`, `visit_Text` every leaf that searches words), else
    `generic_visit`, which visits the children."""

    def visit(self, node: Node, *args: Any) -> Any:
        for kind in type(node).__mro__:
            method = getattr(self, "visit_" + kind.__name__, None)
            if method is not None:
                return method(node, *args)
        return self.generic_visit(node, *args)

    def generic_visit(self, node: Node, *args: Any) -> Any:
        for child in node.children():
            self.visit(child, *args)

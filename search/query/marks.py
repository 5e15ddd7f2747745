"""What to highlight for a query: the occurrences that satisfy it, never the words it excludes.

`match_spec()` turns a tree into a `MatchSpec`: analysed terms, phrases (term sequences) and wildcard
patterns, which `highlight.find_matches` finds quickly in a text; and the nodes that must be evaluated
word by word (proximity, `"..."~N`, exact forms), whose satisfying occurrences only are marked
(`textmatch.instances`). Only words searched in the title or the body are marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .compile import analyse
from .syntax import Fuzzy, Near, Node, Not, Visitor, Wildcard, Words


@dataclass
class MatchSpec:
    """What to mark in a title or body. `fuzzy_terms` maps a fuzzy node's id to the index terms it
    stands for."""
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
    _Marks(spec).visit(node)
    return spec


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """The terms a wildcard pattern stands for, as a regular expression over one lowercase word."""
    regex = re.escape(pattern.lower()).replace(r"\*", r"\w*").replace(r"\?", r"\w")
    return re.compile(f"^{regex}$")


class _Marks(Visitor):
    """Fills a `MatchSpec`; AND and OR are walked through (`generic_visit`)."""

    def __init__(self, spec: MatchSpec) -> None:
        self.spec = spec

    def visit_Not(self, node: Not) -> None:
        pass  # what a query excludes is not what it found

    def visit_Near(self, node: Near) -> None:
        self.spec.nodes.append(node)

    def visit_Words(self, node: Words) -> None:
        if not node.in_prose:
            return
        terms = analyse(node.text, "body")
        if node.exact or (node.slop and len(terms) > 1):
            self.spec.nodes.append(node)
        elif len(terms) == 1:
            self.spec.terms.add(terms[0])
        elif terms:
            self.spec.phrases.append(tuple(terms))

    def visit_Wildcard(self, node: Wildcard) -> None:
        if node.in_prose:
            self.spec.wildcards.append(wildcard_regex(node.pattern))

    def visit_Fuzzy(self, node: Fuzzy) -> None:
        if node.in_prose:
            self.spec.terms.update(self.spec.fuzzy_terms.get(id(node), ()))

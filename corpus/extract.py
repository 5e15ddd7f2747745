"""Body extraction: find the article's main text and turn it into paragraphs.

Moving parts:
- `strip_chrome()` removes what never holds article text from the shared tree: scripts, forms, navigation,
  asides, footers, and elements whose class or id names page chrome (share bars, related links,
  newsletter boxes, bylines, captions, ...; see `rules.BOILERPLATE_WORDS`). An element holding most of
  the page's paragraph text is never removed, whatever its class says.
- Strategies each propose a container: `semantic` (the page's own article markup, `rules.CONTENT_SELECTORS`)
  and `density` (the block whose paragraphs carry the most text with the fewest links, scored as
  readability-style extractors do). `choose()` picks between them on evidence: text length, paragraph
  count and link density.
- `paragraphs_of()` walks a container and emits paragraphs (block elements, list items, headings, double
  `<br>`), dropping the headline, byline and date lines, and pointer lines ("Read also: ...").

This module runs last among the stages: it mutates the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from bs4 import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from . import rules
from .dates import DATE_PATTERN
from .page import Page

_SKIPPED_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_SPLIT_CLASS = re.compile(r"[-_]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass
class Candidate:
    strategy: str
    paragraphs: list[str]
    link_density: float = 0.0
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    def score(self) -> float:
        """Evidence that this is the article: long, in several paragraphs, few links."""
        long_paragraphs = sum(1 for p in self.paragraphs if len(p) >= 80)
        return self.chars * (1.0 - min(self.link_density, 0.9)) * (1.0 + 0.1 * min(long_paragraphs, 10))


# -- removing chrome -----------------------------------------------------------------------------------
def _marks(tag: Tag) -> list[str]:
    classes = tag.get("class") or []
    if isinstance(classes, str):
        classes = classes.split()
    ident = tag.get("id")
    marks = [c.lower() for c in classes]
    if isinstance(ident, str) and ident:
        marks.append(ident.lower())
    return marks


def is_chrome(tag: Tag) -> bool:
    """Whether an element's class, id or role names page chrome."""
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in ("navigation", "banner", "contentinfo", "complementary",
                                                  "search", "dialog", "alert"):
        return True
    marks = _marks(tag)
    if any(m in rules.CONTENT_WORDS for m in marks):
        return False
    for mark in marks:
        if mark in rules.BOILERPLATE_WORDS:
            return True
        for piece in _SPLIT_CLASS.split(mark):
            if piece in rules.BOILERPLATE_WORDS or piece.startswith(rules.BOILERPLATE_PREFIXES):
                return True
    return False


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDDEN_STYLE.search(style))


def _paragraph_chars(tag: Tag) -> int:
    return sum(len(p.get_text()) for p in tag.find_all("p"))


def strip_chrome(page: Page) -> None:
    soup = page.soup
    for node in soup.find_all(string=lambda s: isinstance(s, _SKIPPED_STRINGS)):
        node.extract()
    for tag in soup.find_all(list(rules.DROP_TAGS)):
        if tag.name in ("aside", "footer", "nav", "figure") and _holds_most_text(tag, soup):
            continue
        tag.decompose()
    total = max(_paragraph_chars(soup), 1)
    for tag in soup.find_all(True):
        if tag.decomposed:
            continue
        if tag.name in ("html", "body"):
            continue
        if _is_hidden(tag) or is_chrome(tag):
            if _paragraph_chars(tag) > 0.5 * total:
                continue
            tag.decompose()


def _holds_most_text(tag: Tag, soup: Tag) -> bool:
    return _paragraph_chars(tag) > 0.5 * max(_paragraph_chars(soup), 1)


# -- paragraphs --------------------------------------------------------------------------------------
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})


class _Collector:
    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, float, bool]] = []  # text, link density, is a heading
        self.headline_at: int | None = None  # paragraphs before the page's <h1> are not the article
        self.in_heading = 0
        self._parts: list[str] = []
        self._link_chars = 0
        self._brs = 0

    def text(self, s: str, in_link: bool) -> None:
        if not s:
            return
        self._parts.append(s)
        if in_link:
            self._link_chars += len(s.strip())
        if s.strip():
            self._brs = 0

    def br(self) -> None:
        self._brs += 1
        if self._brs >= 2:
            self.flush()
        else:
            self._parts.append(" ")

    def headline(self) -> None:
        self.flush()
        if self.headline_at is None:
            self.headline_at = len(self.paragraphs)

    def flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.paragraphs.append((text, self._link_chars / max(len(text), 1), self.in_heading > 0))
        self._parts, self._link_chars, self._brs = [], 0, 0


_FLUSH = object()
_END_HEADING = object()


def _walk(root: Tag, out: _Collector) -> None:
    """Depth-first over the container without recursion (deeply nested markup must not overflow)."""
    stack: list[tuple[object, bool]] = [(child, False) for child in reversed(list(root.children))]
    while stack:
        node, in_link = stack.pop()
        if node is _FLUSH:
            out.flush()
        elif node is _END_HEADING:
            out.flush()
            out.in_heading -= 1
        elif isinstance(node, NavigableString):
            if not isinstance(node, _SKIPPED_STRINGS):
                out.text(str(node), in_link)
        elif isinstance(node, Tag):
            if node.name == "br":
                out.br()
                continue
            if node.name == "h1":
                out.headline()
                continue
            if node.name in _HEADINGS:
                out.flush()
                out.in_heading += 1
                stack.append((_END_HEADING, False))
            elif node.name in rules.BLOCK_TAGS:
                out.flush()
                stack.append((_FLUSH, False))
            inner = in_link or node.name == "a"
            stack.extend((child, inner) for child in reversed(list(node.children)))


def _is_noise(text: str, link_density: float, title_folded: str) -> bool:
    short = len(text) < 200
    folded = " ".join(re.findall(r"\w+", text.casefold()))
    if not folded:
        return True
    if title_folded and folded == title_folded:
        return True
    if short and link_density > 0.6:
        return True
    if short and rules.LINK_LINE.match(text):
        return True
    if len(text) < 120:
        # Byline and dateline: "By Jane Doe", "Posted 3 March 2015 by Jane Doe", "Updated On: Nov 11, 2010".
        if re.match(r"^(?:written\s+)?by\s+\S", text, re.I) and len(text.split()) <= 12:
            return True
        if DATE_PATTERN.search(text) and len(re.findall(r"\w+", DATE_PATTERN.sub("", text))) <= 8:
            return True
    return False


def paragraphs_of(container: Tag, title: str = "") -> tuple[list[str], float]:
    """The container's paragraphs, and their overall link density."""
    out = _Collector()
    _walk(container, out)
    out.flush()
    title_folded = " ".join(re.findall(r"\w+", title.casefold()))
    found = out.paragraphs[out.headline_at or 0:]
    kept = [(text, density, heading) for text, density, heading in found
            if not _is_noise(text, density, title_folded)]
    while kept and kept[-1][2]:  # a heading with nothing after it introduces chrome, not text
        kept.pop()
    total = sum(len(text) for text, _, _ in kept)
    link_chars = sum(density * len(text) for text, density, _ in kept)
    return [text for text, _, _ in kept], (link_chars / total if total else 0.0)


# -- strategies ----------------------------------------------------------------------------------------
def semantic(page: Page, title: str) -> Candidate | None:
    """The container the page itself marks as its article."""
    for selector in rules.CONTENT_SELECTORS:
        tags = page.soup.select(selector)
        if not tags:
            continue
        best = max(tags, key=_paragraph_chars)
        paras, density = paragraphs_of(best, title)
        if sum(len(p) for p in paras) >= 150:
            return Candidate(f"semantic:{selector}", paras, density)
    return None


def density(page: Page, title: str) -> Candidate | None:
    """The block whose paragraphs carry the most text with the fewest links."""
    scores: dict[int, float] = {}
    nodes: dict[int, Tag] = {}
    body = page.soup.body or page.soup
    for tag in body.find_all(["p", "pre", "td", "blockquote", "li", "div"]):
        if tag.name in ("div", "td", "li"):
            own = "".join(str(s) for s in tag.find_all(string=True, recursive=False)).strip()
            if len(own) < 80:
                continue
            text = own
        else:
            text = tag.get_text(" ", strip=True)
        if len(text) < 25:
            continue
        link_text = sum(len(a.get_text()) for a in tag.find_all("a"))
        score = (1.0 + text.count(",") + min(len(text) / 100.0, 3.0)) * (1.0 - min(link_text / len(text), 0.95))
        parent = tag.parent
        for weight in (1.0, 0.5, 0.25):
            if not isinstance(parent, Tag) or parent.name in ("html", "[document]"):
                break
            scores[id(parent)] = scores.get(id(parent), 0.0) + score * weight
            nodes[id(parent)] = parent
            parent = parent.parent
    if not scores:
        return None
    best_id = max(scores, key=scores.get)
    paras, link_density = paragraphs_of(nodes[best_id], title)
    if not paras:
        return None
    return Candidate("density", paras, link_density, {"score": round(scores[best_id], 1)})


STRATEGIES: tuple[Callable[[Page, str], Candidate | None], ...] = (semantic, density)


def choose(candidates: Iterable[Candidate | None]) -> Candidate | None:
    """The page's own article markup wins unless another strategy finds clearly more article text
    (markup that wraps only a teaser or a single paragraph is common)."""
    found = [c for c in candidates if c is not None and c.paragraphs]
    if not found:
        return None
    semantic_pick = next((c for c in found if c.strategy.startswith("semantic")), None)
    best = max(found, key=Candidate.score)
    if semantic_pick is not None and semantic_pick.score() >= 0.6 * best.score():
        return semantic_pick
    return best


def extract_body(page: Page, title: str = "") -> Candidate | None:
    strip_chrome(page)
    return choose(strategy(page, title) for strategy in STRATEGIES)

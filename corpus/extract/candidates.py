"""Body extraction on the page's own tree: find the article's main text and turn it into paragraphs.

Moving parts:
- `strip_chrome()` removes what never holds article text from the shared tree: forms, navigation, asides,
  footers, figures, and elements whose class or id names page chrome (share bars, related links,
  newsletter boxes, bylines, captions, ...; see `rules.BOILERPLATE_WORDS`). An element holding most of
  the page's paragraph text is never removed, whatever its class says.
- Strategies each propose a `Candidate`: `semantic` (the page's own article markup,
  `rules.CONTENT_XPATHS`) and `density` (the block whose paragraphs carry the most text with the fewest
  links, scored as readability-style extractors do). Other extractors (trafilatura, readability) and site
  profiles add candidates elsewhere (`candidates.py`, `profiles.py`); `choose()` decides among them.
- `paragraphs_of()` walks a container and emits paragraphs (block elements, list items, headings, double
  `<br>`), dropping what comes before the headline, byline and date lines, pointer lines ("Read also:
  ..."), footnote markers, and headings with nothing after them.

This module mutates the tree (`strip_chrome`): it runs after the metadata stages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from lxml.html import HtmlElement

from . import rules
from .dates import DATE_PATTERN
from .page import Page, classes

_SPLIT_CLASS = re.compile(r"[-_]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_FOOTNOTE_MARK = re.compile(r"^\W*\d{1,3}\W*$|^\W*[*†‡§]\W*$")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6", "head"})  # "head": trafilatura's headings


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
def _marks(el: HtmlElement) -> list[str]:
    marks = [c.lower() for c in classes(el)]
    ident = el.get("id")
    if ident:
        marks.append(ident.lower())
    return marks


def is_chrome(el: HtmlElement) -> bool:
    """Whether an element's class, id or role names page chrome."""
    attrib = el.attrib
    if "class" not in attrib and "id" not in attrib and "role" not in attrib:
        return False
    role = attrib.get("role")
    if role and role.lower() in ("navigation", "banner", "contentinfo", "complementary", "search", "dialog",
                                 "alert"):
        return True
    marks = _marks(el)
    if not marks:
        return False
    if any(m in rules.CONTENT_WORDS for m in marks):
        return False
    for mark in marks:
        if mark in rules.BOILERPLATE_WORDS or mark in rules.BOILERPLATE_TOKENS:
            return True
        if rules.MODIFIER_TOKEN.match(mark):
            continue
        for piece in _SPLIT_CLASS.split(mark):
            if piece in rules.BOILERPLATE_WORDS or rules.BOILERPLATE_PREFIX.match(piece):
                return True
    return False


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style) and bool(_HIDDEN_STYLE.search(style))


def paragraph_chars(el: HtmlElement) -> int:
    return sum(len(p.text_content()) for p in el.iter("p"))


def strip_chrome(page: Page, root: HtmlElement | None = None) -> None:
    """Remove chrome from the page's body (or from `root`, one part of it)."""
    body = page.body if root is None else root
    total_p = max(paragraph_chars(body), 1)
    total_text = max(len(body.text_content()), 1)
    doomed = []
    for el in body.iterdescendants():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag in rules.DROP_TAGS or is_chrome(el):
            doomed.append((el, False))
        elif _is_hidden(el):
            doomed.append((el, True))
    for el, hidden in doomed:
        if el.getparent() is None:
            continue
        # Already inside a removed element: its whole subtree went with it.
        if next((a for a in el.iterancestors() if a is body), None) is None:
            continue
        p_chars = paragraph_chars(el)
        if p_chars > 0.5 * total_p or len(el.text_content()) > 0.6 * total_text:
            continue  # an element with most of the page's text is the article, whatever its class
        if (hidden or el.tag == "figure") and p_chars >= 200:
            continue  # text folded behind a "read more" toggle, or set as a figure, is still the article's
        el.drop_tree()


# -- paragraphs --------------------------------------------------------------------------------------
class _Collector:
    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, float, bool]] = []  # text, link density, is a heading
        self.headline_at: int | None = None  # paragraphs before the page's <h1> are not the article
        self.in_heading = 0
        self._parts: list[str] = []
        self._link_chars = 0
        self._brs = 0

    def text(self, s: str, in_link: bool) -> None:
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


_TEXT, _ENTER, _EXIT = 0, 1, 2


def _walk(root: HtmlElement, out: _Collector) -> None:
    """Depth-first over the container without recursion (deeply nested markup must not overflow)."""
    stack: list[tuple[int, object, bool]] = [(_ENTER, child, False) for child in reversed(root)]
    if root.text:
        stack.append((_TEXT, root.text, False))
    while stack:
        kind, node, in_link = stack.pop()
        if kind == _TEXT:
            out.text(node, in_link)  # type: ignore[arg-type]
            continue
        el: HtmlElement = node  # type: ignore[assignment]
        tag = el.tag
        if kind == _EXIT:
            if tag in _HEADINGS:
                out.flush()
                out.in_heading -= 1
            elif tag in rules.BLOCK_TAGS:
                out.flush()
            if el.tail:
                out.text(el.tail, in_link)
            continue
        if not isinstance(tag, str) or tag in ("br", "lb") or tag == "h1" or \
                (tag == "sup" and _FOOTNOTE_MARK.match("".join(el.itertext()))):
            if tag in ("br", "lb"):
                out.br()
            elif tag == "h1":
                out.headline()
            if el.tail:
                out.text(el.tail, in_link)
            continue
        if tag in _HEADINGS:
            out.flush()
            out.in_heading += 1
        elif tag in rules.BLOCK_TAGS:
            out.flush()
        inner = in_link or tag == "a"
        stack.append((_EXIT, el, in_link))
        stack.extend((_ENTER, child, inner) for child in reversed(el))
        if el.text:
            stack.append((_TEXT, el.text, inner))


def _is_noise(text: str, link_density: float, title_folded: str) -> bool:
    short = len(text) < 200
    folded = " ".join(re.findall(r"\w+", text.casefold()))
    if not folded:
        return True
    if title_folded and folded == title_folded:
        return True
    if short and link_density > 0.6:
        return True
    if len(text) < rules.LINK_LINE_MAX and rules.LINK_LINE.match(text):
        return True
    if len(text) < 120:
        # Byline and dateline: "By Jane Doe", "Posted 3 March 2015 by Jane Doe", "Updated On: Nov 11, 2010".
        if re.match(r"^(?:written\s+)?by\s+\S", text, re.I) and len(text.split()) <= 12:
            return True
        if DATE_PATTERN.search(text) and len(re.findall(r"\w+", DATE_PATTERN.sub("", text))) <= 8:
            return True
    return False


def paragraphs_of(container: HtmlElement, title: str = "") -> tuple[list[str], float]:
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
    for xpath in rules.CONTENT_XPATHS:
        found = page.body.xpath(xpath)
        if not found:
            continue
        best = max(found, key=paragraph_chars)
        paras, density = paragraphs_of(best, title)
        if sum(len(p) for p in paras) >= 150:
            return Candidate(f"semantic:{xpath.lstrip('./')}", paras, density)
    return None


def _own_text(el: HtmlElement) -> str:
    return (el.text or "") + "".join(child.tail or "" for child in el)


def density(page: Page, title: str) -> Candidate | None:
    """The block whose paragraphs carry the most text with the fewest links."""
    scores: dict[HtmlElement, float] = {}
    body = page.body
    for el in body.iter("p", "pre", "td", "blockquote", "li", "div"):
        if el.tag in ("div", "td", "li"):
            text = _own_text(el).strip()
            if len(text) < 80:
                continue
        else:
            text = el.text_content().strip()
        if len(text) < 25:
            continue
        link_text = sum(len(a.text_content()) for a in el.iter("a"))
        score = (1.0 + text.count(",") + min(len(text) / 100.0, 3.0)) * (1.0 - min(link_text / len(text), 0.95))
        parent = el.getparent()
        for weight in (1.0, 0.5, 0.25):
            if parent is None or parent.tag == "html":
                break
            scores[parent] = scores.get(parent, 0.0) + score * weight
            parent = parent.getparent()
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    paras, link_density = paragraphs_of(best, title)
    if not paras:
        return None
    return Candidate("density", paras, link_density, {"score": round(scores[best], 1)})


_SENTENCE_END = re.compile(r"[.!?…:;»«“”\"')\]]\s*$")


def _block_score(text: str, link_density: float, heading: bool) -> float:
    """How much a block of text says "article": long prose counts, links and chrome lines count against."""
    n = len(text)
    if link_density > 0.5:
        return -1.0 * n - 20.0
    if heading:
        return 0.0
    if n < 40 and not _SENTENCE_END.search(text):
        return -10.0
    return n * (1.0 - 2.0 * link_density)


def region(page: Page, title: str) -> Candidate | None:
    """The contiguous run of blocks, in reading order, that carries the most prose: the maximum-sum
    stretch (Kadane) of block scores, so a lead outside the main container or an article split over
    several sibling containers is kept whole, while link lists and chrome lines end it."""
    out = _Collector()
    _walk(page.body, out)
    out.flush()
    blocks = out.paragraphs[out.headline_at or 0:] or out.paragraphs
    best_sum, best = 0.0, (0, -1)
    run_sum, run_start = 0.0, 0
    for i, (text, density_, heading) in enumerate(blocks):
        score = _block_score(text, density_, heading)
        if run_sum <= 0:
            run_sum, run_start = score, i
        else:
            run_sum += score
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i)
    if best[1] < best[0]:
        return None
    title_folded = " ".join(re.findall(r"\w+", title.casefold()))
    kept = [(t, d, h) for t, d, h in blocks[best[0]:best[1] + 1] if not _is_noise(t, d, title_folded)]
    while kept and kept[-1][2]:
        kept.pop()
    if not kept:
        return None
    total = sum(len(t) for t, _, _ in kept)
    link = sum(d * len(t) for t, d, _ in kept) / total if total else 0.0
    return Candidate("region", [t for t, _, _ in kept], link, {"score": round(best_sum)})


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

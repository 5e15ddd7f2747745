"""Paragraphs from a container of the page's tree: the walk every body strategy shares.

Moving parts:
- `blocks(root)`: the text blocks of a container in reading order (block elements, list items,
  headings, double `<br>`), each with its link density and whether it is a heading, and where the
  page's `<h1>` stands among them (what comes before the headline is not the article). The walk is
  depth-first without recursion, so deeply nested markup cannot overflow the stack; footnote markers
  are left out;
- `is_noise()`: a block that is not article text: a pointer line ("Read also: ..."), a byline or
  dateline, a short run of links, the headline again;
- `kept_text(blocks, title)`: the blocks that are article text, without a heading that has nothing
  after it, and their overall link density; `paragraphs_of(container, title)` is both steps at once.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from . import rules
from .dates import DATE_PATTERN

_FOOTNOTE_MARK = re.compile(r"^\W*\d{1,3}\W*$|^\W*[*†‡§]\W*$")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6", "head"})  # "head": trafilatura's headings

Block = tuple[str, float, bool]  # text, link density, is a heading


def fold_words(text: str) -> str:
    """Words only, case folded: how a block is compared with the headline."""
    return " ".join(re.findall(r"\w+", text.casefold()))


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


def blocks(root: HtmlElement) -> tuple[list[Block], int]:
    """The text blocks of `root` in reading order, and the position of the first after the `<h1>` (0
    when there is none)."""
    out = _Collector()
    _walk(root, out)
    out.flush()
    return out.paragraphs, out.headline_at or 0


def is_noise(text: str, link_density: float, title_folded: str) -> bool:
    """Not article text: empty, the headline again, a short run of links, a pointer or credit line
    (`rules.LINK_LINE`), a byline or a dateline."""
    short = len(text) < 200
    folded = fold_words(text)
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


def kept_text(found: list[Block], title_folded: str) -> tuple[list[str], float]:
    """The paragraphs among `found` that are article text, and their overall link density."""
    kept = [(text, density, heading) for text, density, heading in found
            if not is_noise(text, density, title_folded)]
    while kept and kept[-1][2]:  # a heading with nothing after it introduces chrome, not text
        kept.pop()
    total = sum(len(text) for text, _, _ in kept)
    link_chars = sum(density * len(text) for text, density, _ in kept)
    return [text for text, _, _ in kept], (link_chars / total if total else 0.0)


def paragraphs_of(container: HtmlElement, title: str = "") -> tuple[list[str], float]:
    """The container's paragraphs, and their overall link density."""
    found, start = blocks(container)
    return kept_text(found[start:], fold_words(title))

"""Removing page chrome from the shared tree: what never holds article text.

Moving parts:
- `is_chrome(el)`: whether an element's class, id or role names page chrome (share bars, related links,
  newsletter boxes, bylines, captions, ...; the words are `rules.BOILERPLATE_WORDS` and its neighbours);
- `strip_chrome(page, root)`: removes forms, navigation, asides, footers, figures, hidden elements and
  chrome from the page's body (or one part of it). An element holding most of the page's paragraph text
  is never removed, whatever its class says;
- `paragraph_chars(el)`: the text in an element's paragraphs, the measure of "most of the page".

This mutates the tree: the body stage calls it after the metadata stages have read the page whole.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from . import rules
from .page import Page, classes

_SPLIT_CLASS = re.compile(r"[-_]")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


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

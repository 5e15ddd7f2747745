"""Tags: the page's own topic labels, from metas, JSON-LD keywords, or a visible tag box.

Moving parts: `tags(page)` (tag metas, else JSON-LD `keywords`, else the tag links of the page) and
`_visible_tags()`, which finds `rel=tag` links, or the links of a box labelled "Tags:", "Topics",
"Filed under:"... or classed as a tag list, outside sidebars (a site-wide tag cloud is not this page's).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from . import rules
from .page import Found, Page, classes, dedupe, inside_chrome, text_of


def tags(page: Page) -> Found:
    values: list[str] = []
    source = ""
    for name in rules.TAG_METAS:
        for v in page.metas.get(name, []):
            values.extend(t.strip() for t in v.split(",") if t.strip())
            source = source or f"meta:{name}"
    if not values:
        keywords = (page.jsonld_article or {}).get("keywords")
        if isinstance(keywords, str):
            values = [k.strip() for k in keywords.split(",") if k.strip()]
        elif isinstance(keywords, list):
            values = [k.strip() for k in keywords if isinstance(k, str) and k.strip()]
        source = "jsonld:keywords" if values else ""
    if not values:
        values = _visible_tags(page)
        source = "links" if values else ""
    return Found(dedupe(values), source)


def _visible_tags(page: Page) -> list[str]:
    """HtmlElement links: `rel=tag`, or the links of a box labelled "Tags:", "Topics", "Filed under:"... or classed
    as a tag list, outside sidebars (a site-wide tag cloud is not this page's tags)."""
    tree = page.tree
    links = [a for a in tree.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")
             if not inside_chrome(a)]
    if not links:
        for box in tree.iter("div", "p", "ul", "section", "span", "footer", "nav", "dl"):
            label, owner = _first_text(box)
            # The label must be the box's own (its text, or its first child's), not a descendant box's.
            labelled = bool(label and rules.TAG_LABEL.match(label)) and owner is not None and \
                (owner is box or owner.getparent() is box)
            classed = any(rules.TAG_BOX_CLASS.search(c) for c in classes(box))
            if (labelled or classed) and not inside_chrome(box):
                links = list(box.iter("a"))
                if links:
                    break
                if labelled and owner is box:  # "Keywords: a, b, c" without links
                    listed = rules.TAG_LABEL.sub("", text_of(box), count=1)
                    return [t.strip() for t in listed.split(",") if 0 < len(t.strip()) < 60]
    return [text_of(a) for a in links if 0 < len(text_of(a)) < 60]


def _first_text(box: HtmlElement) -> tuple[str, HtmlElement | None]:
    """The first non-blank text inside `box`, and the element whose text (or tail's parent) it is."""
    if box.text and box.text.strip():
        return box.text.strip(), box
    for el in box.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        if el.text and el.text.strip():
            return el.text.strip(), el
        if el.tail and el.tail.strip():
            return el.tail.strip(), el.getparent()
    return "", None

"""One parsed page, shared by every extraction stage.

A `Page` holds the decoded HTML, the URL it came from, and one lxml tree. The tree is built once: the
metadata stages read it, and the body stage (which runs last) removes page chrome from it. Views that
several stages read are computed once and cached: `<meta>` values by name, the JSON-LD objects and the
article-like one among them, the `<title>`, the document language.

Why lxml and not a BeautifulSoup tree: on the extraction-dev pages (130 KB on average) building a soup
takes 34 ms against lxml's 1.6 ms, and walking it in Python made the whole normaliser twice as slow as
trafilatura (see docs/architecture.md). BeautifulSoup stays for what it does best here: finding the
encoding a page declares (`decode.py`) and parsing markup that lxml rejects (`parse_html`).

What the field stages share is here too: `Found` (a value and where it came from), `fold()` (text
compared without case, punctuation or spacing), `ld_text()`, `dedupe()`, `inside_chrome()` (sidebars,
navigation and other articles' teasers, where no field of this page is read), `headline_element()`
and `header_lines()` (the short lines around the headline, where datelines and bylines live).

Scripts, styles and comments are removed when the tree is built (JSON-LD is read first), so an
element's `text_content()` is what a reader sees.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Iterator

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from ..errors import SkipPage
from . import rules

# schema.org types that describe a commentary or article page.
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "opinionnewsarticle", "analysisnewsarticle",
    "reportagenewsarticle", "backgroundnewsarticle", "scholarlyarticle", "report", "socialmediaposting",
    "techarticle", "posting", "liveblogposting", "reviewnewsarticle", "creativework", "medicalscholarlyarticle",
})
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})
# Removed at parse time: never visible text.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "math", "object", "embed", "canvas")

_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def parse_html(html: str) -> HtmlElement:
    """An lxml document tree for `html`; BeautifulSoup's more forgiving parser when lxml refuses."""
    html = _XML_DECLARATION.sub("", html, count=1)
    try:
        root = lxml.html.document_fromstring(html, parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        root = None
    if root is None or not isinstance(root, HtmlElement):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "html.parser")
        if not soup.find(True):
            raise SkipPage("empty", "no HTML elements in the page")
        root = lxml.html.document_fromstring(str(soup), parser=_PARSER)
    return root


def text_of(el: HtmlElement) -> str:
    """An element's visible text with whitespace collapsed."""
    return " ".join(el.text_content().split())


def classes(el: HtmlElement) -> list[str]:
    value = el.get("class")
    return value.split() if value else []


class Page:
    def __init__(self, html: str, url: str | None = None, encoding: str = "unicode") -> None:
        self.html = html
        self.url = url
        self.encoding = encoding
        self.cache: dict[str, object] = {}  # views computed by one stage and read by another
        self.tree = parse_html(html)
        self.jsonld = list(self._read_jsonld())
        for el in list(self.tree.iter(*INVISIBLE_TAGS)):
            el.drop_tree()

    @property
    def body(self) -> HtmlElement:
        body = self.tree.find("body")
        return body if body is not None else self.tree

    # -- metas ---------------------------------------------------------------------------------------
    @cached_property
    def metas(self) -> dict[str, list[str]]:
        """`<meta>` contents by lowercased `name`, `property`, `itemprop` or `http-equiv`."""
        found: dict[str, list[str]] = {}
        for tag in self.tree.iter("meta"):
            content = tag.get("content")
            if not content or not content.strip():
                continue
            for attr in ("name", "property", "itemprop", "http-equiv"):
                key = tag.get(attr)
                if key and key.strip():
                    found.setdefault(key.strip().lower(), []).append(" ".join(content.split()))
        return found

    def meta(self, *names: str) -> tuple[str, str] | None:
        """The first non-empty meta among `names` as (value, name)."""
        for name in names:
            values = self.metas.get(name)
            if values:
                return values[0], name
        return None

    # -- JSON-LD -------------------------------------------------------------------------------------
    def _read_jsonld(self) -> Iterator[dict[str, Any]]:
        for script in self.tree.iter("script"):
            if "ld+json" not in (script.get("type") or "").lower():
                continue
            raw = script.text or ""
            if not raw.strip():
                continue
            try:
                data = json.loads(raw.strip().rstrip(";"))
            except ValueError:
                continue
            yield from _flatten_jsonld(data)

    @cached_property
    def jsonld_by_id(self) -> dict[str, dict[str, Any]]:
        return {obj["@id"]: obj for obj in self.jsonld if isinstance(obj.get("@id"), str)}

    def jsonld_resolve(self, value: Any) -> Any:
        """A JSON-LD reference (`{"@id": ...}`, as Yoast's @graph writes authors) replaced by the object
        it names; anything else unchanged."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and isinstance(value.get("@id"), str):
            return self.jsonld_by_id.get(value["@id"], value)
        return value

    @cached_property
    def jsonld_article(self) -> dict[str, Any] | None:
        for obj in self.jsonld:
            if _types(obj) & ARTICLE_TYPES:
                return obj
        return None

    @cached_property
    def jsonld_webpage(self) -> dict[str, Any] | None:
        for obj in self.jsonld:
            if "webpage" in _types(obj):
                return obj
        return None

    @cached_property
    def jsonld_is_listing(self) -> bool:
        return any(_types(obj) & LISTING_TYPES for obj in self.jsonld) and self.jsonld_article is None

    # -- elements ------------------------------------------------------------------------------------
    @cached_property
    def title_tag(self) -> str:
        tag = self.tree.find(".//title")
        return text_of(tag) if tag is not None else ""

    @cached_property
    def lang(self) -> str:
        value = self.tree.get("lang") or self.tree.get("{http://www.w3.org/XML/1998/namespace}lang") or \
            self.tree.get("xml:lang")
        return value.strip() if value else ""

    def link_href(self, rel: str) -> str | None:
        for link in self.tree.iter("link"):
            rels = (link.get("rel") or "").lower().split()
            href = (link.get("href") or "").strip()
            if rel in rels and href:
                return href
        return None


def _flatten_jsonld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_jsonld(item)
    elif isinstance(data, dict):
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten_jsonld(graph)
        if "@type" in data:
            yield data
            main = data.get("mainEntity")
            if isinstance(main, (dict, list)):
                yield from _flatten_jsonld(main)


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


# -- what the field stages share ----------------------------------------------------------------------
@dataclass(frozen=True)
class Found:
    """A field's value and where it came from (`jsonld:headline`, `meta:og:title`, `h1`, ...)."""
    value: Any
    source: str


NOT_FOUND = Found("", "")


def fold(text: str) -> str:
    """Compare headlines ignoring case, punctuation and spacing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def ld_text(value: Any) -> str:
    """The text of a JSON-LD value: a string, an object's name or @value, a list's first item."""
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list) and value:
        return ld_text(value[0])
    return ""


def dedupe(names: list[str]) -> list[str]:
    """`names` without repeats (compared with `fold`), in order."""
    seen, out = set(), []
    for n in names:
        key = fold(n)
        if key and key not in seen:
            seen.add(key)
            out.append(n)
    return out


def inside_chrome(tag: HtmlElement) -> bool:
    """Whether `tag` stands in page chrome for the metadata stages: an `<aside>` or `<nav>`, a footer
    outside the article, or a container of other articles (`rules.SIDEBAR_MARKS`)."""
    for parent in tag.iterancestors():
        if parent.tag in ("body", "html"):
            return False
        if parent.tag in ("aside", "nav"):
            return True
        if parent.tag == "footer" and next(parent.iterancestors("article", "main"), None) is None:
            return True
        marks = (parent.get("class") or "") + " " + (parent.get("id") or "")
        if marks.strip() and rules.SIDEBAR_MARKS.search(marks):
            return True
    return False


def headline_element(page: Page) -> HtmlElement | None:
    """The page's headline element: the first <h1> outside page chrome, else the first <h2>."""
    for level in ("h1", "h2"):
        for h in page.tree.iter(level):
            if text_of(h) and not inside_chrome(h):
                return h
    return None


def header_lines(page: Page) -> list[str]:
    """Short lines around the headline, nearest first: where datelines and bylines live. The texts after
    the headline come first, up to where the body starts (the first long text), each also joined with
    the next (labels and values are often split over elements: "Updated On:" <span>date</span>); then a
    few texts before the headline."""
    cached = page.cache.get("header_lines")
    if cached is not None:
        return cached  # type: ignore[return-value]
    lines: list[str] = []
    h1 = headline_element(page)
    if h1 is not None:
        after: list[str] = []
        for node in h1.xpath("following::text()[position() <= 150]"):
            text = " ".join(node.split())
            if not text:
                continue
            if len(text) > 200:
                break
            parent = node.getparent()
            if parent is not None and inside_chrome(parent):
                continue
            after.append(text)
        for a, b in zip(after, after[1:] + [""]):
            lines.append(a)
            if b:
                lines.append(f"{a} {b}")
        before = [" ".join(t.split()) for t in h1.xpath("preceding::text()[position() <= 12]")]
        lines.extend(t for t in reversed(before) if 0 < len(t) <= 120)
    page.cache["header_lines"] = lines
    return lines

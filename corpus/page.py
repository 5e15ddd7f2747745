"""One parsed page, shared by every extraction stage.

A `Page` holds the decoded HTML, the URL it came from, and one BeautifulSoup tree built with the lxml
parser (building a soup costs far more than anything done with it, so it is built once and shared).
Views that several stages read are computed once and cached: the `<meta>` values by name, the JSON-LD
objects, and the article-like JSON-LD object if there is one.

Metadata stages read the tree; the body stage runs last because it removes boilerplate from it.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Any, Iterator

from bs4 import BeautifulSoup, Tag

# schema.org types that describe a commentary or article page.
ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "opinionnewsarticle", "analysisnewsarticle",
    "reportagenewsarticle", "backgroundnewsarticle", "scholarlyarticle", "report", "socialmediaposting",
    "techarticle", "posting", "liveblogposting", "reviewnewsarticle", "creativework",
})
LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})


class Page:
    def __init__(self, html: str, url: str | None = None, encoding: str = "unicode") -> None:
        self.html = html
        self.url = url
        self.encoding = encoding
        self.cache: dict[str, object] = {}  # views computed by one stage and read by another
        # lxml drops a leading XML declaration it cannot use with a str; strip it ourselves.
        self.soup = BeautifulSoup(re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1), "lxml")

    # -- metas ---------------------------------------------------------------------------------------
    @cached_property
    def metas(self) -> dict[str, list[str]]:
        """`<meta>` contents by lowercased `name`, `property`, `itemprop` or `http-equiv`."""
        found: dict[str, list[str]] = {}
        for tag in self.soup.find_all("meta"):
            content = tag.get("content")
            if not isinstance(content, str) or not content.strip():
                continue
            for attr in ("name", "property", "itemprop", "http-equiv"):
                key = tag.get(attr)
                if isinstance(key, str) and key.strip():
                    found.setdefault(key.strip().lower(), []).append(content.strip())
        return found

    def meta(self, *names: str) -> tuple[str, str] | None:
        """The first non-empty meta among `names` as (value, name)."""
        for name in names:
            values = self.metas.get(name)
            if values:
                return values[0], name
        return None

    # -- JSON-LD -------------------------------------------------------------------------------------
    @cached_property
    def jsonld(self) -> list[dict[str, Any]]:
        """Every JSON-LD object of the page, `@graph` members flattened."""
        objects: list[dict[str, Any]] = []
        for script in self.soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
            raw = script.string or script.get_text()
            if not raw or not raw.strip():
                continue
            try:
                data = json.loads(raw.strip().rstrip(";"))
            except ValueError:
                continue
            objects.extend(_flatten_jsonld(data))
        return objects

    @cached_property
    def jsonld_article(self) -> dict[str, Any] | None:
        for obj in self.jsonld:
            if _types(obj) & ARTICLE_TYPES:
                return obj
        return None

    @cached_property
    def jsonld_is_listing(self) -> bool:
        return any(_types(obj) & LISTING_TYPES for obj in self.jsonld) and self.jsonld_article is None

    # -- elements ------------------------------------------------------------------------------------
    @cached_property
    def title_tag(self) -> str:
        tag = self.soup.find("title")
        return " ".join(tag.get_text(" ").split()) if tag else ""

    @cached_property
    def lang(self) -> str:
        html = self.soup.find("html")
        value = html.get("lang") or html.get("xml:lang") if isinstance(html, Tag) else None
        return value.strip() if isinstance(value, str) else ""

    def link_href(self, rel: str) -> str | None:
        for link in self.soup.find_all("link", href=True):
            rels = link.get("rel") or []
            if isinstance(rels, str):
                rels = rels.split()
            if rel in (r.lower() for r in rels):
                href = link["href"].strip()
                if href:
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


def text_of(tag: Tag) -> str:
    """An element's text with whitespace collapsed."""
    return " ".join(tag.get_text(" ").split())

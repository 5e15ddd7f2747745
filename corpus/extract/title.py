"""The page's names for itself: the site (the publisher, `Document.source`), the canonical URL, the headline.

Moving parts:
- `site_name(page)`: `og:site_name` and its kin, JSON-LD's publisher or WebSite, the part of the
  `<title>` that names the host, else the host;
- `canonical_url(page)`: `<link rel="canonical">`, then `og:url`;
- `title(page, site)`: a heading the page's metadata confirms (its text is the JSON-LD headline, the
  og:title or a part of the `<title>`), else that metadata cleaned of the site name (`clean_title()`),
  else the only `<h1>`;
- `site_names()` and `is_site_name()`: the site's names folded, and whether a text is one of them (the
  authors stage uses them too: the site itself is not an author).

Each returns a `Found`: the value and the place it came from.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

from . import rules
from .page import NOT_FOUND, Found, Page, fold, inside_chrome, ld_text, text_of


# -- source (site name) -------------------------------------------------------------------------------
def site_name(page: Page) -> Found:
    found = page.meta(*rules.SITE_NAME_METAS)
    if found and not found[0].startswith("@") and not found[0].startswith("http"):
        return Found(found[0], f"meta:{found[1]}")
    article = page.jsonld_article
    if article:
        name = ld_text(article.get("publisher"))
        if name:
            return Found(name, "jsonld:publisher")
    for obj in page.jsonld:
        if isinstance(obj.get("@type"), str) and obj["@type"].lower() in ("website", "organization"):
            name = ld_text(obj.get("name"))
            if name:
                return Found(name, f"jsonld:{obj['@type'].lower()}")
    segments = [s.strip() for s in rules.TITLE_SEPARATORS.split(page.title_tag) if s.strip()]
    host_words = site_names(page, "")
    if len(segments) > 1:
        # The segment that names the host ("Four Years Remaining" does not, "seelenradio" does)...
        for seg in segments:
            if host_words and is_site_name(seg, host_words):
                return Found(seg, "title-segment:host")
        # ...else the segment that is not a heading of the page, at either end, the last first.
        headings = {fold(text_of(h)) for h in page.tree.iter("h1", "h2")}
        for seg in (segments[-1], segments[0]):
            if fold(seg) not in headings:
                return Found(seg, "title-segment")
    host = urlsplit(page.url or "").hostname or ""
    if host:
        return Found(re.sub(r"^www\d?\.", "", host), "url-host")
    return NOT_FOUND


# -- canonical URL -------------------------------------------------------------------------------------
def canonical_url(page: Page) -> Found:
    for href, source in ((page.link_href("canonical"), "link:canonical"),
                         ((page.meta("og:url") or ("", ""))[0], "meta:og:url")):
        if not href:
            continue
        absolute = urljoin(page.url, href) if page.url else href
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).hostname:
            return Found(absolute, source)
    return NOT_FOUND


# -- title ----------------------------------------------------------------------------------------------
def site_names(page: Page, site: str) -> list[str]:
    """Folded names of the site: its name, and its host's main label ("whiskyverkostung")."""
    names = [fold(site)] if site else []
    host = urlsplit(page.url or "").hostname or ""
    if not host:
        canonical = page.link_href("canonical") or (page.meta("og:url") or ("", ""))[0]
        host = urlsplit(canonical).hostname or ""
    labels = [part for part in host.split(".") if part not in ("www", "m", "amp")]
    if len(labels) >= 2:
        names.append(labels[-2])
    return [n for n in names if n]


def is_site_name(text: str, site_words: list[str]) -> bool:
    folded = fold(text)
    if not folded:
        return True
    squashed = folded.replace(" ", "")
    for name in site_words:
        flat = name.replace(" ", "")
        if folded == name or squashed == flat or (flat and flat in squashed and len(squashed) <= len(flat) + 12):
            return True
    return False


def clean_title(title: str, site: str = "", site_words: list[str] | None = None) -> str:
    """Drop a site name glued to a headline with a separator ("Headline | Site Name")."""
    title = " ".join(title.split())
    words = site_words if site_words is not None else ([fold(site)] if site else [])
    segments = rules.TITLE_SEPARATORS.split(title)
    if len(segments) == 1:
        # Glued on without spaces or with a colon ("Headline-Site", "Headline : site.org").
        loose = rules.LOOSE_TITLE_SEPARATORS.split(title)
        if len(loose) > 1 and words:
            if is_site_name(loose[-1], words):
                return title[: len(title) - len(loose[-1])].rstrip(" -–—:|·»«").strip()
            if is_site_name(loose[0], words):
                return title[len(loose[0]):].lstrip(" -–—:|·»«").strip()
        return title
    kept = [s for s in segments if not is_site_name(s, words)] if words else segments
    if kept and len(kept) < len(segments):
        return " - ".join(kept) if len(kept) > 1 else kept[0]
    # No known site name: a short last segment after a longer headline is the site name.
    head, last = segments[:-1], segments[-1]
    if len(last.split()) <= 5 and sum(len(s.split()) for s in head) >= len(last.split()):
        return " | ".join(head) if len(head) > 1 else head[0]
    return title


def _headings(page: Page) -> list[tuple[str, str]]:
    """(level, text) of the page's h1s, then its h2s, outside chrome."""
    found = []
    for level in ("h1", "h2"):
        for h in page.tree.iter(level):
            text = text_of(h)
            if 0 < len(text) < 400 and not inside_chrome(h):
                found.append((level, text))
    return found


def title(page: Page, site: str = "") -> Found:
    """The headline: a heading the page's metadata confirms (its text is the JSON-LD headline, the
    og:title or a part of the <title>), else that metadata cleaned of the site name, else the h1."""
    article = page.jsonld_article or {}
    ld = html.unescape(ld_text(article.get("headline") or article.get("name")))
    meta = page.meta(*rules.TITLE_METAS)
    meta_title = meta[0] if meta else ""
    site_words = site_names(page, site)
    references = [x for x in (ld, meta_title, page.title_tag) if x]
    confirmed = {fold(r) for r in references} | {fold(clean_title(r, site, site_words)) for r in references}
    confirmed |= {fold(seg) for r in references for seg in rules.TITLE_SEPARATORS.split(r)}
    confirmed.discard("")
    headings = [(level, text) for level, text in _headings(page) if not is_site_name(text, site_words)]
    for level, text in headings:
        if fold(text) in confirmed:
            return Found(text, level)
    # A long h1 inside a reference ("Section: Headline - the subtitle" in og:title).
    for level, text in headings:
        folded = fold(text)
        if level == "h1" and len(folded) > 12 and any(folded in fold(r) for r in references):
            return Found(text, level)
    # One h1 on the page: the visible headline, where metadata often carries a search-engine variant.
    h1s = [text for level, text in headings if level == "h1"]
    if len(h1s) == 1 and sum(1 for _ in page.tree.iter("h1")) == 1:
        return Found(h1s[0], "h1:only")
    if ld:
        return Found(clean_title(ld, site, site_words), "jsonld:headline")
    if meta_title:
        return Found(clean_title(meta_title, site, site_words), f"meta:{meta[1]}")
    if page.title_tag:
        return Found(clean_title(page.title_tag, site, site_words), "title")
    # No metadata at all: the first heading.
    if headings:
        return Found(headings[0][1], headings[0][0])
    tag = next(page.body.iter("h3"), None)
    if tag is not None and 0 < len(text_of(tag)) < 300:
        return Found(text_of(tag), "h3")
    return NOT_FOUND

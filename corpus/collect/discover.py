"""What a fetched seed points to: the links `scrape` follows from a listing, a sitemap or a feed.

`discover(body, url, content_type, charset)` recognises the document and returns its `Links`:
- a sitemap (`<urlset>`): its `<loc>`s are pages; a sitemap index (`<sitemapindex>`): its `<loc>`s are
  more sitemaps; a gzipped sitemap (`.xml.gz`) is unpacked first (at most `MAX_XML_BYTES`);
- an RSS 2.0, RSS 1.0 (RDF) or Atom feed: its items' links are pages;
- an HTML page is a listing: links that page through it (`rel=next`, pager markup, "Next"/"Older"
  links, `?page=N` or `/page/N` URLs) are more listings, every other link is a page — unless the page
  says `<meta name="robots" content="nofollow">`.
XML is parsed without DTDs, entity expansion or network access. Links come back absolute, without
fragments, http(s) only; deciding which are in scope is the crawler's job. The words and markup that
mark pagination are data: the link texts in `corpus/data/words.txt`, the markup patterns below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from .. import data
from ..inputs.records import HTML_TYPES

MAX_XML_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one uncompressed sitemap

# Link texts that mean "the next page of this listing" (compared lowercased, without spaces at the ends).
NEXT_TEXTS = frozenset(data.sections("words.txt")["next_page_texts"])
# Class or id of an element around pagination links.
PAGER_MARKUP = re.compile(r"pagination|pager|page-numbers|page-nav|pagenav|nav-links|paging|page-link",
                          re.IGNORECASE)
# URLs that are pages of a listing.
PAGED_URL = re.compile(r"[?&](?:page|paged|pg|p|start|offset)=\d+(?:&|$)|/page/\d+/?$", re.IGNORECASE)
_PAGER_ANCESTORS = 4


@dataclass
class Links:
    kind: str                                        # "sitemap", "sitemap-index", "feed", "listing", "other"
    pages: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)  # more pages of a listing
    sitemaps: list[str] = field(default_factory=list)
    note: str = ""


def discover(body: bytes, url: str, content_type: str = "", charset: str | None = None) -> Links:
    """The links in `body` (already content-decoded) fetched from `url`."""
    head = body[:2048].lstrip()
    if head.startswith(b"\x1f\x8b"):
        from .wire import gunzip

        try:
            body = gunzip(body, MAX_XML_BYTES)
        except ValueError as exc:
            return Links("other", note=f"unreadable gzip: {exc}")
        head = body[:2048].lstrip()
    if _looks_xml(head, content_type):
        links = _from_xml(body, url)
        if links is not None:
            return links
    if _looks_html(head, content_type):
        return _from_html(body, url, charset)
    return Links("other", note=f"neither HTML nor a sitemap or feed ({content_type or 'no type'})")


def _looks_xml(head: bytes, content_type: str) -> bool:
    lowered = head.lower()
    return ("xml" in content_type or lowered.startswith(b"<?xml")
            or any(tag in lowered for tag in (b"<urlset", b"<sitemapindex", b"<rss", b"<feed", b"<rdf:rdf")))


def _looks_html(head: bytes, content_type: str) -> bool:
    if content_type in HTML_TYPES:
        return True
    lowered = head.lower()
    return any(marker in lowered for marker in (b"<html", b"<!doctype html", b"<head", b"<body", b"<a "))


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    try:
        target = urldefrag(urljoin(base, href))[0]
    except ValueError:
        return None
    return target if urlsplit(target).scheme in ("http", "https") else None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _from_xml(body: bytes, url: str) -> Links | None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    kind = _local(root.tag)
    if kind in ("urlset", "sitemapindex"):
        locs = [_absolute(url, el.text) for el in root.iter() if _local(el.tag) == "loc"]
        locs = _unique(locs)
        if kind == "urlset":
            return Links("sitemap", pages=locs)
        return Links("sitemap-index", sitemaps=locs)
    if kind in ("rss", "rdf"):
        links = [_absolute(url, el.text) for item in root.iter() if _local(item.tag) == "item"
                 for el in item if _local(el.tag) == "link"]
        return Links("feed", pages=_unique(links))
    if kind == "feed":
        links = []
        for entry in root.iter():
            if _local(entry.tag) != "entry":
                continue
            for el in entry:
                if _local(el.tag) == "link" and el.get("rel", "alternate") == "alternate":
                    links.append(_absolute(url, el.get("href")))
        return Links("feed", pages=_unique(links))
    return None


def _from_html(body: bytes, url: str, charset: str | None) -> Links:
    import lxml.html

    from ..extract.decode import decode_html
    from ..errors import SkipPage

    try:
        text, _encoding = decode_html(body, charset)
    except SkipPage as exc:
        return Links("other", note=str(exc))
    try:
        doc = lxml.html.document_fromstring(text.encode("utf-8"),
                                            parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return Links("listing", note="no links: unparseable HTML")
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() in ("robots", "polsearch") and \
                re.search(r"\b(nofollow|none)\b", meta.get("content") or "", re.IGNORECASE):
            return Links("listing", note="the page asks robots not to follow its links")
    base = url
    for el in doc.iter("base"):
        base = _absolute(url, el.get("href")) or url
        break
    links = Links("listing")
    for el in doc.iter("link"):
        if "next" in (el.get("rel") or "").lower().split():
            target = _absolute(base, el.get("href"))
            if target:
                links.listings.append(target)
    for a in doc.iter("a"):
        target = _absolute(base, a.get("href"))
        if not target or target == url:
            continue
        (links.listings if _is_pager_link(a, target) else links.pages).append(target)
    links.listings = _unique(links.listings)
    links.pages = [u for u in _unique(links.pages) if u not in set(links.listings)]
    return links


def _is_pager_link(a, target: str) -> bool:
    rel = (a.get("rel") or "").lower().split()
    if "next" in rel or "prev" in rel or "previous" in rel:
        return True
    text = " ".join(a.text_content().split()).lower()
    if text in NEXT_TEXTS or text.isdigit():
        return True
    if PAGED_URL.search(target):
        return True
    el = a
    for _ in range(_PAGER_ANCESTORS):
        el = el.getparent()
        if el is None:
            break
        if PAGER_MARKUP.search(" ".join((el.get("class") or "", el.get("id") or ""))):
            return True
    return PAGER_MARKUP.search(" ".join((a.get("class") or "", a.get("aria-label") or ""))) is not None


def _unique(urls) -> list[str]:
    seen: dict[str, None] = {}
    for u in urls:
        if u:
            seen.setdefault(u, None)
    return list(seen)

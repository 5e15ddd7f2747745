"""Metadata stages: title, dates, authors, tags, source, canonical URL, language, summary.

Each stage reads the shared `Page` and returns its value with the place it came from (`jsonld`,
`meta:og:title`, `h1`, `text:updated-line`, ...), which the normaliser records in
`Document.extraction` so that a wrong value can be traced to its source. Every stage is a cascade:
structured data first (JSON-LD, metas), then visible markup, then heuristics.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from . import rules
from .dates import DATE_PATTERN, DATE_SOURCE, find_date, iso, parse_date
from .page import Page, classes, text_of

Tag = HtmlElement


@dataclass(frozen=True)
class Found:
    value: Any
    source: str


NOT_FOUND = Found("", "")


def _fold(text: str) -> str:
    """Compare headlines ignoring case, punctuation and spacing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"\w+", text))


def _ld_text(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@value") or "")
    if isinstance(value, list) and value:
        return _ld_text(value[0])
    return ""


# -- site profiles ------------------------------------------------------------------------------------
def from_profile(page: Page, profile, name: str) -> Found:
    """A field read with a site profile's selectors (see `profiles.py`); NOT_FOUND when the profile has
    no selector for it or finds nothing on this page."""
    if profile is None or not profile.fields.get(name):
        return NOT_FOUND
    elements = profile.elements(page.tree, name)
    source = f"profile:{profile.name}"
    if not elements:
        return NOT_FOUND
    if name == "title":
        text = text_of(elements[0])
        return Found(text, source) if text else NOT_FOUND
    if name in ("date", "updated"):
        for el in elements:
            day = parse_date(el.get("datetime") or el.get("content")) or find_date(text_of(el))
            if day:
                return Found(iso(day), source)
        return NOT_FOUND
    if name == "authors":
        names = _dedupe([n for el in elements for n in clean_author_names(text_of(el))])
        return Found(names, source) if names else NOT_FOUND
    if name == "tags":
        tags = _dedupe([t for t in (text_of(el) for el in elements) if 0 < len(t) < 60])
        return Found(tags, source) if tags else NOT_FOUND
    return NOT_FOUND


# -- source (site name) -------------------------------------------------------------------------------
def site_name(page: Page) -> Found:
    found = page.meta(*rules.SITE_NAME_METAS)
    if found and not found[0].startswith("@") and not found[0].startswith("http"):
        return Found(found[0], f"meta:{found[1]}")
    article = page.jsonld_article
    if article:
        name = _ld_text(article.get("publisher"))
        if name:
            return Found(name, "jsonld:publisher")
    for obj in page.jsonld:
        if isinstance(obj.get("@type"), str) and obj["@type"].lower() in ("website", "organization"):
            name = _ld_text(obj.get("name"))
            if name:
                return Found(name, f"jsonld:{obj['@type'].lower()}")
    segments = rules.TITLE_SEPARATORS.split(page.title_tag)
    if len(segments) > 1:
        h1 = {_fold(text_of(h)) for h in page.tree.iter("h1")}
        rest = [s for s in segments if _fold(s) not in h1]
        if len(rest) < len(segments) and rest:
            return Found(rest[-1].strip(), "title-suffix")
        return Found(segments[-1].strip(), "title-suffix")
    host = urlsplit(page.url or "").hostname or ""
    if host:
        return Found(re.sub(r"^www\d?\.", "", host), "url-host")
    return NOT_FOUND


# -- title ----------------------------------------------------------------------------------------------
def clean_title(title: str, site: str = "") -> str:
    """Drop a site name glued to a headline with a separator ("Headline | Site Name")."""
    title = " ".join(title.split())
    segments = rules.TITLE_SEPARATORS.split(title)
    if len(segments) == 1:
        return title
    site_f = _fold(site)
    if site_f:
        kept = [s for s in segments if not (_fold(s) == site_f or (_fold(s) and _fold(s) in site_f)
                                            or (site_f in _fold(s) and len(_fold(s)) < len(site_f) + 8))]
        if kept and len(kept) < len(segments):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    # No known site name: a short last segment after a longer headline is the site name.
    head, last = segments[:-1], segments[-1]
    if len(last.split()) <= 5 and sum(len(s.split()) for s in head) >= len(last.split()):
        return " | ".join(head) if len(head) > 1 else head[0]
    return title


def title(page: Page, site: str = "") -> Found:
    article = page.jsonld_article or {}
    ld = _ld_text(article.get("headline") or article.get("name"))
    meta = page.meta(*rules.TITLE_METAS)
    meta_title = meta[0] if meta else ""
    h1s = [t for t in (text_of(h) for h in page.tree.iter("h1")) if 0 < len(t) < 400]
    references = [x for x in (ld, meta_title, page.title_tag) if x]
    # A headline shown in an <h1> that the metadata confirms is the best evidence there is.
    for h in h1s:
        fh = _fold(h)
        if fh and any(fh == _fold(r) or fh == _fold(clean_title(r, site)) for r in references):
            return Found(h, "h1")
    for h in h1s:
        fh = _fold(h)
        if len(fh) > 12 and any(_fold(r).startswith(fh) or fh in _fold(r) for r in references):
            return Found(h, "h1")
    if ld:
        return Found(clean_title(ld, site), "jsonld:headline")
    if meta_title:
        return Found(clean_title(meta_title, site), f"meta:{meta[1]}")
    if page.title_tag:
        return Found(clean_title(page.title_tag, site), "title")
    # No metadata at all: the first <h1>, else the first heading inside the content.
    if h1s:
        return Found(h1s[0], "h1")
    for level in ("h2", "h3"):
        tag = next(page.body.iter(level), None)
        if tag is not None and 0 < len(text_of(tag)) < 300:
            return Found(text_of(tag), level)
    return NOT_FOUND


# -- dates ---------------------------------------------------------------------------------------------
_UPDATED_LINE = re.compile(rf"\b{rules.UPDATED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)
_PUBLISHED_LINE = re.compile(rf"\b{rules.PUBLISHED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)


def headline_element(page: Page) -> Tag | None:
    """The page's headline element: the first <h1> outside page chrome."""
    for h1 in page.tree.iter("h1"):
        if text_of(h1) and not _inside_chrome(h1):
            return h1
    return None


def header_lines(page: Page) -> list[str]:
    """Short lines around the headline, nearest first: where datelines and bylines live. Lines after the
    headline come first, up to where the body starts (the first long paragraph); then a few before it."""
    cached = page.cache.get("header_lines")
    if cached is not None:
        return cached  # type: ignore[return-value]
    lines: list[str] = []
    h1 = headline_element(page)
    if h1 is not None:
        for el in h1.xpath("following::*[position() <= 120]"):
            text = text_of(el)
            if el.tag == "p" and len(text) > 200:
                break
            if 0 < len(text) <= 200 and not _inside_chrome(el):
                lines.append(text)
        for el in reversed(h1.xpath("preceding::*[position() <= 12]")):
            if el.tag in ("head", "title", "meta", "link", "html"):
                continue
            text = text_of(el)
            if 0 < len(text) <= 120 and not _inside_chrome(el):
                lines.append(text)
    page.cache["header_lines"] = lines
    return lines


def _short_texts(region: Tag, limit: int = 200) -> list[str]:
    texts = []
    for string in region.xpath(".//text()"):
        text = " ".join(string.split())
        if text and len(text) <= limit:
            texts.append(text)
    return texts


def _line_date(page: Page, pattern: re.Pattern[str]) -> tuple[dt.date | None, str]:
    """A date after a label ("Updated On: Nov 11, 2010"): in the header lines, then anywhere in the page
    outside chrome."""
    for where, texts in (("header", header_lines(page)), ("page", None)):
        if texts is None:
            texts = _short_texts(page.body)
            # Labels and dates are often split over adjacent elements ("Updated On:" <span>date</span>).
            texts = texts + [f"{a} {b}" for a, b in zip(texts, texts[1:])]
        for text in texts:
            m = pattern.search(text)
            if m:
                day = parse_date(m.group(1))
                if day:
                    return day, where
    return None, ""


def _unlabelled_header_date(page: Page) -> dt.date | None:
    for text in header_lines(page):
        day = find_date(text)
        if day:
            return day
    return None


def _time_elements(page: Page) -> dt.date | None:
    tree = page.tree
    for tag in tree.xpath("//*[@itemprop='datePublished'] | //time[@pubdate]"):
        day = parse_date(tag.get("datetime") or tag.get("content") or text_of(tag))
        if day:
            return day
    scopes = [s for s in (tree.find(".//article"), tree.find(".//main")) if s is not None] + [tree]
    for scope in scopes:
        for tag in scope.iter("time"):
            if _inside_chrome(tag):
                continue
            day = parse_date(tag.get("datetime")) or find_date(text_of(tag))
            if day:
                return day
    return None


_CHROME_MARKS = re.compile(r"sidebar|related|recommend|most-read|popular|widget|teaser", re.I)


def _inside_chrome(tag: Tag) -> bool:
    for parent in tag.iterancestors():
        if parent.tag in ("body", "html"):
            return False
        if parent.tag in ("aside", "nav"):
            return True
        if parent.tag == "footer" and next(parent.iterancestors("article", "main"), None) is None:
            return True
        marks = (parent.get("class") or "") + " " + (parent.get("id") or "")
        if marks.strip() and _CHROME_MARKS.search(marks):
            return True
    return False


def _url_date(url: str | None) -> dt.date | None:
    if not url:
        return None
    m = re.search(r"/((?:19|20)\d\d)[/-]([01]?\d)[/-]([0-3]?\d)(?:/|-|$)", url)
    if m:
        return parse_date("-".join(f"{int(g):02d}" for g in m.groups()))
    return None


def _meta_date(page: Page, names: tuple[str, ...]) -> Found:
    for name in names:
        found = page.meta(name)
        day = parse_date(found[0]) if found else None
        if day:
            return Found(iso(day), f"meta:{name}")
    return NOT_FOUND


def dates(page: Page) -> tuple[Found, Found]:
    """(publication date, updated date), ISO strings. A page that shows only an updated date has it
    as its publication date too."""
    article = page.jsonld_article or {}
    published: Found = NOT_FOUND
    updated: Found = NOT_FOUND

    day = parse_date(_ld_text(article.get("datePublished") or article.get("dateCreated")))
    if day:
        published = Found(iso(day), "jsonld:datePublished")
    if not published.value:
        published = _meta_date(page, rules.PUBLISHED_METAS)
    if not published.value:
        day = _time_elements(page)
        if day:
            published = Found(iso(day), "time")
    if not published.value:
        day, where = _line_date(page, _PUBLISHED_LINE)
        if day:
            published = Found(iso(day), f"text:published-line:{where}")

    day = parse_date(_ld_text(article.get("dateModified")))
    if day:
        updated = Found(iso(day), "jsonld:dateModified")
    if not updated.value:
        updated = _meta_date(page, rules.UPDATED_METAS)
    if not updated.value:
        day, where = _line_date(page, _UPDATED_LINE)
        if day:
            updated = Found(iso(day), f"text:updated-line:{where}")

    if not published.value and not updated.value:
        day = _unlabelled_header_date(page)
        if day:
            published = Found(iso(day), "text:near-headline")
    if not published.value:
        day = _url_date(page.url)
        if day:
            published = Found(iso(day), "url")
    if not published.value and updated.value:
        published = Found(updated.value, updated.source)
    if published.value and updated.value and updated.value < published.value:
        updated = NOT_FOUND  # a "modified" date before publication is a template default
    return published, updated


# -- authors -------------------------------------------------------------------------------------------
_BY_PREFIX = re.compile(r"^\s*(?:written\s+)?by[:\s]+", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\||\band\b|\bund\b|\bet\b)\s*", re.I)


def clean_author_names(raw: str) -> list[str]:
    """Names in a byline string: "By Jane Doe and John Roe, Senior Fellow" -> [Jane Doe, John Roe]."""
    raw = " ".join(raw.split())
    raw = _BY_PREFIX.sub("", raw)
    raw = re.split(r"\s+(?:on|posted|published|updated)\s+(?=\w)|\s+[|·•]\s+", raw, maxsplit=1, flags=re.I)[0]
    names = []
    for part in _NAME_SPLIT.split(raw):
        part = part.strip(" .:-–—\u00a0")
        if _plausible_name(part):
            names.append(part)
    return names


def _plausible_name(name: str) -> bool:
    if not name or len(name) > 60 or re.search(r"[\d@/<>{}=]|https?:|www\.", name):
        return False
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    if sum(1 for w in words if w.lower().strip(".,") in rules.AUTHOR_ROLE_WORDS) > 0:
        return False
    capitalised = sum(1 for w in words if w[:1].isupper() or w.lower() in ("de", "van", "von", "al", "bin", "da", "di", "le", "la", "der"))
    return capitalised == len(words)


def _dedupe(names: list[str]) -> list[str]:
    seen, out = set(), []
    for n in names:
        key = _fold(n)
        if key and key not in seen:
            seen.add(key)
            out.append(n)
    return out


def authors(page: Page) -> Found:
    article = page.jsonld_article or {}
    ld_authors = article.get("author") or article.get("creator")
    if ld_authors:
        items = ld_authors if isinstance(ld_authors, list) else [ld_authors]
        names = []
        for item in items:
            if isinstance(item, dict) and str(item.get("@type", "")).lower() == "organization":
                continue
            names.extend(clean_author_names(_ld_text(item)))
        if names:
            return Found(_dedupe(names), "jsonld:author")
    for name in rules.AUTHOR_METAS:
        values = page.metas.get(name)
        if values:
            if name in rules.ONE_AUTHOR_PER_META:
                values = [_uninvert(v) for v in values]
            names = [n for v in values if not v.startswith("http") for n in clean_author_names(v)]
            if names:
                return Found(_dedupe(names), f"meta:{name}")
    names = _byline_elements(page)
    if names:
        return Found(names, "byline")
    names = _byline_text(page)
    if names:
        return Found(names, "text:by-line")
    return Found([], "")


def _uninvert(name: str) -> str:
    """Scholarly metas write "Hale, Marcus": one author, surname first."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and len(parts[0].split()) <= 2 and 1 <= len(parts[1].split()) <= 3 \
            and _plausible_name(parts[0]) and _plausible_name(parts[1]):
        return f"{parts[1]} {parts[0]}"
    return name


def _byline_elements(page: Page) -> list[str]:
    tree = page.tree
    scope = tree.find(".//article")
    if scope is None:
        scope = tree.find(".//main")
    if scope is None:
        scope = page.body
    for xpath in (".//*[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]",
                  ".//*[@itemprop='author']"):
        tags = [t for t in scope.xpath(xpath) if not _inside_chrome(t)]
        names = []
        for tag in tags:
            inner = tag.find(".//*[@itemprop='name']") if tag.tag != "a" else None
            names.extend(clean_author_names(text_of(inner if inner is not None else tag)))
        if names:
            return _dedupe(names)
    for tag in scope.iter():
        if not isinstance(tag.tag, str):
            continue
        marks = " ".join(classes(tag))
        if not marks or not rules.BYLINE_PATTERN.search(marks) or re.search(r"bio|box|about|desc", marks, re.I):
            continue
        if _inside_chrome(tag):
            continue
        text = text_of(tag)
        if len(text) > 160:
            continue
        links = [text_of(a) for a in tag.iter("a")]
        names = [n for link in links for n in clean_author_names(link)] or clean_author_names(text)
        if names:
            return _dedupe(names)
    return []


_POSTED_BY = re.compile(r"\b(?:posted|published|written|updated)\b.*?\bby\s+(.+)$", re.I)
_LINE_SEPARATORS = re.compile(r"\s+[·|•–—]\s+|\s{2,}")


def _byline_text(page: Page) -> list[str]:
    """Bylines in the lines around the headline: "By A and B", "Posted 3 March 2015 by A", or a name
    beside the date ("A · 15 November 2022")."""
    for text in header_lines(page):
        if len(text) > 160:
            continue
        if _BY_PREFIX.match(text):
            names = clean_author_names(_LINE_SEPARATORS.split(text)[0])
            if names:
                return _dedupe(names)
        m = _POSTED_BY.search(text)
        if m:
            names = clean_author_names(_LINE_SEPARATORS.split(m.group(1))[0])
            if names:
                return _dedupe(names)
        if DATE_PATTERN.search(text):
            parts = [p for p in _LINE_SEPARATORS.split(text) if p and not DATE_PATTERN.search(p)]
            if len(parts) == 1 and 1 < len(parts[0].split()) <= 4:
                names = clean_author_names(parts[0])
                if names:
                    return _dedupe(names)
    return []


# -- tags, canonical URL, language, summary -------------------------------------------------------------
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
    return Found(_dedupe(values), source)


def _visible_tags(page: Page) -> list[str]:
    """Tag links: `rel=tag`, or the links of a box labelled "Tags:", "Topics", "Filed under:"... or classed
    as a tag list, outside sidebars (a site-wide tag cloud is not this page's tags)."""
    tree = page.tree
    links = [a for a in tree.xpath("//a[contains(concat(' ', normalize-space(@rel), ' '), ' tag ')]")
             if not _inside_chrome(a)]
    if not links:
        for box in tree.iter("div", "p", "ul", "section", "span", "footer", "nav", "dl"):
            label, owner = _first_text(box)
            # The label must be the box's own (its text, or its first child's), not a descendant box's.
            labelled = bool(label and rules.TAG_LABEL.match(label)) and owner is not None and \
                (owner is box or owner.getparent() is box)
            classed = any(rules.TAG_BOX_CLASS.search(c) for c in classes(box))
            if (labelled or classed) and not _inside_chrome(box):
                links = list(box.iter("a"))
                if links:
                    break
                if labelled and owner is box:  # "Keywords: a, b, c" without links
                    listed = rules.TAG_LABEL.sub("", text_of(box), count=1)
                    return [t.strip() for t in listed.split(",") if 0 < len(t.strip()) < 60]
    return [text_of(a) for a in links if 0 < len(text_of(a)) < 60]


def _first_text(box: Tag) -> tuple[str, Tag | None]:
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


def canonical_url(page: Page) -> Found:
    for href, source in ((page.link_href("canonical"), "link:canonical"),
                         ((page.meta("og:url") or ("", ""))[0], "meta:og:url")):
        if not href:
            continue
        absolute = urljoin(page.url, href) if page.url else href
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).hostname:
            return Found(absolute, source)
    return NOT_FOUND


_STOPWORDS = {
    "en": "the of and to in is that for it as with on was be by this are",
    "de": "der die und in den von zu das mit sich des auf für ist im nicht",
    "fr": "le la les de des et est en que un une du dans pour pas",
    "es": "el la de que y en los del se las por un una para con",
    "it": "il di che la e per un in del della non una sono le",
    "pt": "o de que e do da em um para com não uma os no se",
    "nl": "de het een en van in is dat op te zijn met voor niet",
    "pl": "i w na z się nie do to że jest o jak po co",
}
_STOPSETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


def language(page: Page, body: str) -> Found:
    if page.lang:
        return Found(page.lang.split("-")[0].split("_")[0].lower(), "html:lang")
    found = page.meta(*rules.LANGUAGE_METAS)
    if found:
        return Found(re.split(r"[-_,;\s]", found[0])[0].lower(), f"meta:{found[1]}")
    words = re.findall(r"\w+", body[:5000].lower())
    if len(words) >= 20:
        counts = {lang: sum(1 for w in words if w in stops) for lang, stops in _STOPSETS.items()}
        best = max(counts, key=counts.get)
        if counts[best] >= len(words) * 0.08:
            return Found(best, "stopwords")
    return NOT_FOUND


def summary(page: Page, paragraphs: list[str]) -> Found:
    found = page.meta(*rules.DESCRIPTION_METAS)
    if found:
        return Found(" ".join(found[0].split()), f"meta:{found[1]}")
    description = _ld_text((page.jsonld_article or {}).get("description"))
    if description:
        return Found(description, "jsonld:description")
    if paragraphs:
        first = paragraphs[0]
        if len(first) > 300:
            cut = first[:300]
            end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
            first = cut[: end + 1] if end > 80 else cut.rsplit(" ", 1)[0] + " …"
        return Found(first, "body:first-paragraph")
    return NOT_FOUND

"""Authors: from the places that say who wrote the page, never from sidebars or teasers.

Moving parts:
- `authors(page, site)`: in order, JSON-LD's author (a Yoast graph's one Person too), author metas
  (`citation_author` written "Surname, Given" turned round), Twitter's "Written by" label, byline
  markup (`rel=author`, `itemprop=author`, vcards, byline classes) and bylines in the lines around the
  headline ("By A and B", "Posted 3 March 2015 by A", a name beside the date). The site is not an
  author;
- `clean_author_names(raw, strict)`: the names in a byline string, without labels ("By", "Von",
  "Text:"), roles ("Senior Fellow"), dates or user-interface words.
"""

from __future__ import annotations

import html
import re

from lxml.html import HtmlElement

from . import rules
from .dates import DATE_PATTERN
from .page import Found, Page, classes, dedupe, header_lines, inside_chrome, ld_text, text_of
from .title import is_site_name, site_names

_BY_PREFIX = re.compile(rf"^\s*(?:{rules.BYLINE_LABEL})\s*:?\s+", re.I)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\||\band\b|\bund\b|\bet\b|\by\b|\bi\b|\be\b)\s*", re.I)


def clean_author_names(raw: str, strict: bool = True) -> list[str]:
    """Names in a byline string: "By Jane Doe and John Roe, Senior Fellow" -> [Jane Doe, John Roe];
    "Von Petra Ruland", "Text: Petra Ruland", "Erstellt von Andri Bryner" -> [the name]. `strict`
    (for text found in running markup) wants capitalised words; markup that says "this is the author"
    (JSON-LD, metas, rel=author) may also give a user name such as "tlow" or "freeman1984"."""
    raw = " ".join(re.sub(r"\([^)]*\)", " ", raw).split())  # "(Pressesprecher des EJW)": a role
    for _ in range(2):  # "Text und Interview: ..." has two labels
        raw = _BY_PREFIX.sub("", raw)
    raw = re.split(r"\s+(?:on|posted|published|updated|am|le|el)\s+(?=\w)|\s+[|·•]\s+", raw, maxsplit=1,
                   flags=re.I)[0]
    names = []
    for part in _NAME_SPLIT.split(raw):
        part = part.strip(" :-–—\u00a0")
        # A final period belongs to an initial or "Jr."; after a full word it ends a sentence.
        if part.endswith(".") and len(part.split()[-1]) > 4:
            part = part.rstrip(".")
        if _plausible_name(part) or (not strict and _plausible_handle(part)):
            names.append(part)
    return names


def _plausible_handle(name: str) -> bool:
    """A user name: one token of letters, digits, dots, dashes or underscores."""
    return bool(re.fullmatch(r"[^\W\d_][\w.-]{1,30}", name)) and name.lower() not in rules.NOT_A_NAME


def _plausible_name(name: str) -> bool:
    if not name or len(name) > 60 or re.search(r"[\d@/<>{}=]|https?:|www\.", name):
        return False
    words = name.split()
    if not 1 <= len(words) <= 5:
        return False
    if any(w.lower().strip(".,") in rules.AUTHOR_ROLE_WORDS for w in words):
        return False
    if len(words) == 1 and words[0].lower() in rules.NOT_A_NAME:
        return False
    capitalised = sum(1 for w in words if w[:1].isupper() or w.lower() in rules.NAME_PARTICLES)
    return capitalised == len(words)


def authors(page: Page, site: str = "") -> Found:
    """Authors from trustworthy places only, in order: JSON-LD, author metas, byline markup
    (`rel=author`, `itemprop=author`, byline classes) and bylines around the headline. Never from
    sidebars or teasers; the site itself is not an author."""
    site_words = site_names(page, site)

    def keep(names: list[str]) -> list[str]:
        return dedupe([n for n in names if not is_site_name(n, site_words)])

    article = page.jsonld_article or page.jsonld_webpage or {}
    ld_authors = article.get("author") or article.get("creator")
    people = [obj for obj in page.jsonld if "person" in str(obj.get("@type", "")).lower()]
    if not ld_authors and len(people) == 1 and page.jsonld_webpage is not None:
        ld_authors = people  # Yoast's graph: the page's author is its one Person
    if ld_authors:
        items = ld_authors if isinstance(ld_authors, list) else [ld_authors]
        names = []
        for item in map(page.jsonld_resolve, items):
            kind = item.get("@type", "") if isinstance(item, dict) else ""
            if "organization" in str(kind).lower():
                continue
            names.extend(clean_author_names(html.unescape(ld_text(item)), strict=False))
        names = keep(names)
        if names:
            return Found(names, "jsonld:author")
    for name in rules.AUTHOR_METAS:
        values = page.metas.get(name)
        if values:
            if name in rules.ONE_AUTHOR_PER_META:
                values = [_uninvert(v) for v in values]
            names = keep([n for v in values if not v.startswith("http") for n in clean_author_names(v, strict=False)])
            if names:
                return Found(names, f"meta:{name}")
    names = keep(_labelled_meta_authors(page))
    if names:
        return Found(names, "meta:twitter:data")
    names = keep(_byline_elements(page))
    if names:
        return Found(names, "byline")
    names = keep(_byline_text(page))
    if names:
        return Found(names, "text:by-line")
    return Found([], "")


def _labelled_meta_authors(page: Page) -> list[str]:
    """Twitter's label/data pairs: `twitter:label1` "Written by", `twitter:data1` the name."""
    for i in range(1, 5):
        label = page.meta(f"twitter:label{i}")
        data = page.meta(f"twitter:data{i}")
        if label and data and re.match(rf"^(?:{rules.BYLINE_LABEL})\b", label[0], re.I):
            return clean_author_names(data[0])
    return []


def _uninvert(name: str) -> str:
    """Scholarly metas write "Hale, Marcus": one author, surname first."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and len(parts[0].split()) <= 2 and 1 <= len(parts[1].split()) <= 3 \
            and _plausible_name(parts[0]) and _plausible_name(parts[1]):
        return f"{parts[1]} {parts[0]}"
    return name


def _byline_elements(page: Page) -> list[str]:
    tree = page.tree
    for xpath in ("//*[contains(concat(' ', normalize-space(@rel), ' '), ' author ')]",
                  "//*[@itemprop='author']",
                  "//*[contains(concat(' ', normalize-space(@class), ' '), ' vcard ')]"
                  "//*[contains(concat(' ', normalize-space(@class), ' '), ' fn ')]"):
        names = []
        for tag in tree.xpath(xpath):
            if inside_chrome(tag) or _inside_bio(tag):
                continue
            inner = tag.find(".//*[@itemprop='name']") if tag.tag != "a" else None
            names.extend(clean_author_names(text_of(inner if inner is not None else tag), strict=False))
        if names and len(dedupe(names)) <= 4:
            return dedupe(names)
    scope = tree.find(".//article")
    if scope is None:
        scope = tree.find(".//main")
    if scope is None:
        scope = page.body
    for tag in scope.iter():
        if not isinstance(tag.tag, str):
            continue
        marks = " ".join(classes(tag))
        if not marks or not rules.BYLINE_PATTERN.search(marks) or re.search(r"bio|box|about|desc", marks, re.I):
            continue
        if inside_chrome(tag):
            continue
        text = text_of(tag)
        if len(text) > 160:
            continue
        links = [text_of(a) for a in tag.iter("a")]
        names = [n for link in links for n in clean_author_names(link)] or clean_author_names(text)
        names = dedupe(names)
        if names and len(names) <= 4:  # more is a list of tags or categories, not a byline
            return names
    return []


def _inside_bio(tag: HtmlElement) -> bool:
    """An author box at the end of an article names the author too, but so do "more from" boxes."""
    for parent in tag.iterancestors():
        marks = " ".join(classes(parent)) + " " + (parent.get("id") or "")
        if re.search(r"related|teaser|recommend|more-from|(?<![a-z])card", marks, re.I):
            return True
        if parent.tag in ("article", "main", "body"):
            return False
    return False


_POSTED_BY = re.compile(r"\b(?:posted|published|written|updated|veröffentlicht|publié|publicado)\b.*?"
                        r"\b(?:by|von|par|por)\s+(.+)$", re.I)
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
                return dedupe(names)
        m = _POSTED_BY.search(text)
        if m:
            names = clean_author_names(_LINE_SEPARATORS.split(m.group(1))[0])
            if names:
                return dedupe(names)
        if DATE_PATTERN.search(text):
            parts = [p for p in _LINE_SEPARATORS.split(text)
                     if p and not DATE_PATTERN.search(p) and not re.search(r"\d", p)]
            if len(parts) == 1 and 1 < len(parts[0].split()) <= 4:
                names = clean_author_names(parts[0])
                if names:
                    return dedupe(names)
    return []

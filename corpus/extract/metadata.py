"""Metadata stages: title, dates, authors, tags, source, canonical URL, language, summary.

Each stage reads the shared `Page` and returns its value with the place it came from (`jsonld`,
`meta:og:title`, `h1`, `text:updated-line`, ...), which the normaliser records in
`Document.extraction` so that a wrong value can be traced to its source. Every stage is a cascade:
structured data first (JSON-LD, metas), then visible markup, then heuristics.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from . import rules
from .dates import DATE_PATTERN, DATE_SOURCE, find_date, iso, parse_date, plausible
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
            day = _date(page, el.get("datetime") or el.get("content")) or _text_date(page, text_of(el))
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
    segments = [s.strip() for s in rules.TITLE_SEPARATORS.split(page.title_tag) if s.strip()]
    host_words = _site_words(page, "")
    if len(segments) > 1:
        # The segment that names the host ("Four Years Remaining" does not, "seelenradio" does)...
        for seg in segments:
            if host_words and _site_like(seg, host_words):
                return Found(seg, "title-segment:host")
        # ...else the segment that is not a heading of the page, at either end, the last first.
        headings = {_fold(text_of(h)) for h in page.tree.iter("h1", "h2")}
        for seg in (segments[-1], segments[0]):
            if _fold(seg) not in headings:
                return Found(seg, "title-segment")
    host = urlsplit(page.url or "").hostname or ""
    if host:
        return Found(re.sub(r"^www\d?\.", "", host), "url-host")
    return NOT_FOUND


# -- title ----------------------------------------------------------------------------------------------
def _site_words(page: Page, site: str) -> list[str]:
    """Folded names of the site: its name, and its host's main label ("whiskyverkostung")."""
    names = [_fold(site)] if site else []
    host = urlsplit(page.url or "").hostname or ""
    if not host:
        canonical = page.link_href("canonical") or (page.meta("og:url") or ("", ""))[0]
        host = urlsplit(canonical).hostname or ""
    labels = [part for part in host.split(".") if part not in ("www", "m", "amp")]
    if len(labels) >= 2:
        names.append(labels[-2])
    return [n for n in names if n]


def _site_like(text: str, site_words: list[str]) -> bool:
    folded = _fold(text)
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
    words = site_words if site_words is not None else ([_fold(site)] if site else [])
    segments = rules.TITLE_SEPARATORS.split(title)
    if len(segments) == 1:
        # Glued on without spaces or with a colon ("Headline-Site", "Headline : site.org").
        loose = rules.LOOSE_TITLE_SEPARATORS.split(title)
        if len(loose) > 1 and words:
            if _site_like(loose[-1], words):
                return title[: len(title) - len(loose[-1])].rstrip(" -–—:|·»«").strip()
            if _site_like(loose[0], words):
                return title[len(loose[0]):].lstrip(" -–—:|·»«").strip()
        return title
    kept = [s for s in segments if not _site_like(s, words)] if words else segments
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
            if 0 < len(text) < 400 and not _inside_chrome(h):
                found.append((level, text))
    return found


def title(page: Page, site: str = "") -> Found:
    """The headline: a heading the page's metadata confirms (its text is the JSON-LD headline, the
    og:title or a part of the <title>), else that metadata cleaned of the site name, else the h1."""
    article = page.jsonld_article or {}
    ld = html.unescape(_ld_text(article.get("headline") or article.get("name")))
    meta = page.meta(*rules.TITLE_METAS)
    meta_title = meta[0] if meta else ""
    site_words = _site_words(page, site)
    references = [x for x in (ld, meta_title, page.title_tag) if x]
    confirmed = {_fold(r) for r in references} | {_fold(clean_title(r, site, site_words)) for r in references}
    confirmed |= {_fold(seg) for r in references for seg in rules.TITLE_SEPARATORS.split(r)}
    confirmed.discard("")
    headings = [(level, text) for level, text in _headings(page) if not _site_like(text, site_words)]
    for level, text in headings:
        if _fold(text) in confirmed:
            return Found(text, level)
    # A long h1 inside a reference ("Section: Headline - the subtitle" in og:title).
    for level, text in headings:
        folded = _fold(text)
        if level == "h1" and len(folded) > 12 and any(folded in _fold(r) for r in references):
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


# -- dates ---------------------------------------------------------------------------------------------
_UPDATED_LINE = re.compile(rf"\b{rules.UPDATED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)
_PUBLISHED_LINE = re.compile(rf"\b{rules.PUBLISHED_LABEL}\s*[:\-–]?\s*\b({DATE_SOURCE})\b", re.I)


def headline_element(page: Page) -> Tag | None:
    """The page's headline element: the first <h1> outside page chrome, else the first <h2>."""
    for level in ("h1", "h2"):
        for h in page.tree.iter(level):
            if text_of(h) and not _inside_chrome(h):
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
            if parent is not None and _inside_chrome(parent):
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


def _day_first(page: Page) -> bool:
    """Whether the page writes "03/05/2022" for 3 May: every language but US English does. A page that
    does not say its language is read as month first (English)."""
    lang = (page.lang or "").lower().replace("_", "-")
    return bool(lang) and not (lang == "en" or lang.startswith("en-us"))


def _date(page: Page, value: str | None) -> dt.date | None:
    return parse_date(value, _day_first(page))


def _text_date(page: Page, text: str) -> dt.date | None:
    return find_date(text, _day_first(page))


def _line_date(page: Page, pattern: re.Pattern[str]) -> tuple[dt.date | None, str]:
    """A date after a label ("Updated On: Nov 11, 2010"): in the header lines, then anywhere in the page
    (its texts joined with spaces, so a label and a date in adjacent elements still meet)."""
    for text in header_lines(page):
        m = pattern.search(text)
        if m:
            day = _date(page, m.group(1))
            if day:
                return day, "header"
    page_text = page.cache.setdefault("page_text", " ".join(page.body.itertext()))
    for m in pattern.finditer(page_text):  # type: ignore[arg-type]
        day = _date(page, m.group(1))
        if day:
            return day, "page"
    return None, ""


def _unlabelled_header_date(page: Page) -> dt.date | None:
    for text in header_lines(page):
        day = _text_date(page, text)
        if day:
            return day
    return None


def _time_elements(page: Page) -> tuple[dt.date | None, bool]:
    """The publication date a `<time>` (or an `itemprop="datePublished"`) element gives, and whether the
    element also shows it as text (a dateline the reader sees, not only a machine-readable attribute)."""
    tree = page.tree
    for tag in tree.xpath("//*[@itemprop='datePublished'] | //time[@pubdate]"):
        day = _date(page, tag.get("datetime") or tag.get("content") or text_of(tag))
        if day:
            return day, _text_date(page, text_of(tag)) == day
    scopes = [s for s in (tree.find(".//article"), tree.find(".//main")) if s is not None] + [tree]
    for scope in scopes:
        for tag in scope.iter("time"):
            if _inside_chrome(tag):
                continue
            shown = _text_date(page, text_of(tag))
            day = _date(page, tag.get("datetime")) or shown
            if day:
                return day, shown == day
    return None, False


# Elements whose class or id says they hold a date ("date", "post-date", "news-date", "datum", "fecha").
_DATE_CLASS = re.compile(r"(?:^|[\s_-])(?:date|dateline|datum|fecha|pubdate|published|posted-on)(?:$|[\s_-])",
                         re.I)


def _date_element(page: Page) -> dt.date | None:
    """The date shown in the first element marked as a date by its class or id (a dateline a template
    prints, `<span class="date">27.01.2022</span>`), outside page chrome: its own short text must be
    little more than the date."""
    for el in page.tree.xpath("//body//*[@class or @id]"):
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _DATE_CLASS.search(marks) or el.tag in ("script", "style", "body", "html"):
            continue
        text = " ".join(text_of(el).split())
        if not text or len(text) > 60 or _inside_chrome(el):
            continue
        day = _text_date(page, text)
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
        day = _date(page, found[0]) if found else None
        if day:
            return Found(iso(day), f"meta:{name}")
    return NOT_FOUND


# How far each kind of evidence for the publication date is to be trusted: about the share of pages on
# which it gave the right day, where it gave one, on extraction-dev. Votes weigh log(p / (1 - p)). The
# dateline a reader sees under the headline outranks what the page's metadata says when they disagree
# (metadata is often the first version's or the CMS's time, in another time zone).
DATE_EVIDENCE = {
    "url": 0.94, "text:near-headline": 0.97, "text:date-element": 0.92, "text:published-line": 0.95, "meta:published": 0.89,
    "jsonld:datePublished": 0.87, "time": 0.87, "time:shown": 0.93, "htmldate": 0.87,
    "jsonld:dateModified": 0.70, "text:updated-line": 0.67, "meta:modified": 0.66,
}


def _htmldate(page: Page) -> dt.date | None:
    """htmldate's guess at the original publication date, searching the whole page."""
    try:
        from htmldate import find_date as htmldate_find

        found = htmldate_find(page.html, url=page.url, original_date=True, outputformat="%Y-%m-%d")
    except Exception:  # noqa: BLE001 - one voter fewer
        return None
    day = parse_date(found) if found else None
    return day if day and plausible(day) else None


def _weight(kind: str) -> float:
    p = DATE_EVIDENCE[kind]
    return math.log(p / (1 - p))


def _date_evidence(page: Page) -> list[tuple[str, dt.date, str]]:
    """(kind, day, source) of every date the page gives for itself, strongest kinds first. htmldate's
    search of the whole page (the slowest piece of evidence) is asked only when its vote could change
    the outcome."""
    article = page.jsonld_article or {}
    found: list[tuple[str, dt.date | None, str]] = [
        ("jsonld:datePublished", _date(page, _ld_text(article.get("datePublished") or article.get("dateCreated"))),
         "jsonld:datePublished"),
    ]
    meta = _meta_date(page, rules.PUBLISHED_METAS)
    found.append(("meta:published", parse_date(meta.value) if meta.value else None, meta.source))
    day, shown = _time_elements(page)
    found.append(("time:shown" if shown else "time", day, "time:shown" if shown else "time"))
    day, where = _line_date(page, _PUBLISHED_LINE)
    found.append(("text:published-line", day, f"text:published-line:{where}"))
    found.append(("text:near-headline", _unlabelled_header_date(page), "text:near-headline"))
    found.append(("text:date-element", _date_element(page), "text:date-element"))
    found.append(("url", _url_date(page.url), "url"))
    day, where = _line_date(page, _UPDATED_LINE)
    found.append(("text:updated-line", day, f"text:updated-line:{where}"))
    found.append(("jsonld:dateModified", _date(page, _ld_text(article.get("dateModified"))), "jsonld:dateModified"))
    meta = _meta_date(page, rules.UPDATED_METAS)
    found.append(("meta:modified", parse_date(meta.value) if meta.value else None, meta.source))
    evidence = [(kind, day, source) for kind, day, source in found if day]
    totals = sorted(_tally(evidence).values(), reverse=True) + [0.0, 0.0]
    if totals[0] - totals[1] <= _weight("htmldate"):
        day = _htmldate(page)
        # htmldate reads the same metadata first: agreeing with it, it is no second witness
        if day and not any(kind in ("meta:published", "jsonld:datePublished") and seen == day
                           for kind, seen, _source in evidence):
            evidence.insert(6, ("htmldate", day, "htmldate"))
    return evidence


def _tally(evidence: list[tuple[str, dt.date, str]]) -> dict[dt.date, float]:
    weight: dict[dt.date, float] = {}
    for kind, day, _source in evidence:
        weight[day] = weight.get(day, 0.0) + _weight(kind)
    return weight


def dates(page: Page) -> tuple[Found, Found]:
    """(publication date, updated date), ISO strings.

    The publication date is voted: every piece of evidence (JSON-LD, metas, `<time>`, the dateline
    under the headline, the URL, htmldate's search of the whole page, and the updated dates) votes for
    its day with the weight of `DATE_EVIDENCE`; the heaviest day wins, ties going to the stronger kind.
    Sources that agree outvote one that is off by a time zone or names another day. A page that shows
    only an updated date has it as its publication date too. The source recorded is the strongest
    evidence for the winning day, with the number of votes it had."""
    evidence = _date_evidence(page)
    if not evidence:
        return NOT_FOUND, NOT_FOUND
    weight = _tally(evidence)
    best = max(weight.values())
    winner = next(day for _kind, day, _source in evidence if weight[day] == best)
    votes = [source for _kind, day, source in evidence if day == winner]
    published = Found(iso(winner), votes[0] + (f"+{len(votes) - 1}" if len(votes) > 1 else ""))

    updated = NOT_FOUND
    for kind, day, source in evidence:
        if kind in ("text:updated-line", "jsonld:dateModified", "meta:modified"):
            updated = Found(iso(day), source)
            break
    if updated.value and updated.value < published.value:
        updated = NOT_FOUND  # a "modified" date before publication is a template default
    return published, updated


# -- authors -------------------------------------------------------------------------------------------
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


def authors(page: Page, site: str = "") -> Found:
    """Authors from trustworthy places only, in order: JSON-LD, author metas, byline markup
    (`rel=author`, `itemprop=author`, byline classes) and bylines around the headline. Never from
    sidebars or teasers; the site itself is not an author."""
    site_words = _site_words(page, site)

    def keep(names: list[str]) -> list[str]:
        return _dedupe([n for n in names if not _site_like(n, site_words)])

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
            names.extend(clean_author_names(html.unescape(_ld_text(item)), strict=False))
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
            if _inside_chrome(tag) or _inside_bio(tag):
                continue
            inner = tag.find(".//*[@itemprop='name']") if tag.tag != "a" else None
            names.extend(clean_author_names(text_of(inner if inner is not None else tag), strict=False))
        if names and len(_dedupe(names)) <= 4:
            return _dedupe(names)
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
        if _inside_chrome(tag):
            continue
        text = text_of(tag)
        if len(text) > 160:
            continue
        links = [text_of(a) for a in tag.iter("a")]
        names = [n for link in links for n in clean_author_names(link)] or clean_author_names(text)
        names = _dedupe(names)
        if names and len(names) <= 4:  # more is a list of tags or categories, not a byline
            return names
    return []


def _inside_bio(tag: Tag) -> bool:
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
                return _dedupe(names)
        m = _POSTED_BY.search(text)
        if m:
            names = clean_author_names(_LINE_SEPARATORS.split(m.group(1))[0])
            if names:
                return _dedupe(names)
        if DATE_PATTERN.search(text):
            parts = [p for p in _LINE_SEPARATORS.split(text)
                     if p and not DATE_PATTERN.search(p) and not re.search(r"\d", p)]
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

"""The normaliser: one HTML page in, one `Document` out.

`normalise()` runs the stages in order on one shared parse tree:
decode (`decode.py`) -> parse (`page.py`) -> classify, before (`classify.py`) -> canonical URL, site
profile (`profiles.py`), site name, title (`title.py`) -> dates (`dates.py`) -> authors (`authors.py`)
-> tags (`tags.py`) -> body (`body.py`, which mutates the tree) -> classify, after -> language
(`language.py`), summary (`summary.py`) -> entities (`entities/`) -> `Document`. A field a site
profile gives is taken from it, else from the generic stage. Where each value came from is recorded
in `Document.extraction`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..document import Document, canonical_url, make_id
from ..errors import PageError, SkipPage
from . import authors, classify, dates, language, summary, tags, title
from .body import extract_body
from .decode import decode_html
from .page import Found, Page
from .profiles import Profile, find_profile, from_profile, load_profiles

EXTRACTOR_VERSION = "1"
# Larger pages are skipped: no commentary needs this much markup, and parsing it costs seconds.
MAX_PAGE_BYTES = 16 * 1024 * 1024
# Skips that are a judgement on a readable page (`classify.py`): the page's would-be Document is kept.
_CLASSIFIED = frozenset({"bot-check", "error", "login", "listing"})


def normalise(
    html: str | bytes,
    url: str | None = None,
    *,
    http_charset: str | None = None,
    fallback_key: str | None = None,
    fallback_url: str | None = None,
    provenance: dict[str, Any] | None = None,
    fetched_at: str = "",
    profiles: tuple[Profile, ...] | None = None,
) -> Document:
    """Extract one commentary page into a `Document`.

    `html` is text or raw bytes (the encoding is detected: BOM, `http_charset`, `<meta>` declaration,
    then statistics). `url` is the address the page was fetched from, if any. For pages without any
    URL, `fallback_key` (e.g. the file path relative to the folder indexed) gives the id and
    `fallback_url` (e.g. the file's path) the `url` field. `profiles` are the site profiles to use
    (default: the built-in ones and those in `$POLSEARCH_PROFILES`).

    Raises `SkipPage` for pages that are not commentaries (with the kind and reason) and `PageError`
    for pages that cannot be parsed.
    """
    size = len(html)
    if size > MAX_PAGE_BYTES:
        raise SkipPage("too-large", f"page too large ({size / 2**20:.0f} MB; the limit is "
                                    f"{MAX_PAGE_BYTES // 2**20} MB)")
    text, encoding = decode_html(html, http_charset)
    if not _looks_like_html(text):
        raise SkipPage("not-html", "not an HTML page")
    profiles = load_profiles() if profiles is None else profiles
    try:
        page = Page(text, url, encoding)
        return _run_stages(page, fallback_key, fallback_url, provenance or {}, fetched_at, profiles)
    except SkipPage as exc:
        if exc.kind in _CLASSIFIED:  # the page was judged, not unreadable: keep what it would give
            try:
                exc.document = _run_stages(Page(text, url, encoding), fallback_key, fallback_url,
                                           provenance or {}, fetched_at, profiles, classify_pages=False)
            except Exception:  # noqa: BLE001 - nothing to keep; the skip stands
                exc.document = None
        raise
    except PageError:
        raise
    except RecursionError as exc:
        raise SkipPage("too-deep", "markup nested too deeply to process") from exc
    except Exception as exc:  # a parser or stage bug must cost one page, not the run
        raise PageError(f"could not extract the page: {type(exc).__name__}: {exc}") from exc


def _looks_like_html(text: str) -> bool:
    head = text[:65536].lower()
    return any(marker in head for marker in ("<html", "<body", "<p", "<div", "<title", "<!doctype html",
                                              "<article", "<h1", "<head", "<meta"))


def _without_author_bio(paragraphs: list[str], authors: list[str]) -> list[str]:
    """Drop a closing "Jane Doe is a senior fellow at ..." line: the author's biography, not the text."""
    while paragraphs and len(paragraphs[-1]) < 400 and any(
            paragraphs[-1].startswith(f"{name} is ") or paragraphs[-1].startswith(f"{name}, ")
            for name in authors if name):
        paragraphs = paragraphs[:-1]
    return paragraphs


def _either(first: Found, fallback) -> Found:
    return first if first.value else fallback()


def _run_stages(page: Page, fallback_key: str | None, fallback_url: str | None,
                provenance: dict[str, Any], fetched_at: str, profiles: tuple[Profile, ...],
                classify_pages: bool = True) -> Document:
    signals = classify.before_extraction(page) if classify_pages else None
    canonical = title.canonical_url(page)
    profile = find_profile(page.tree, canonical.value or page.url, profiles)
    if profile is not None and profile.source:
        site = Found(profile.source, f"profile:{profile.name}")
    else:
        site = title.site_name(page)
    found_title = _either(from_profile(page, profile, "title"), lambda: title.title(page, site.value))
    published, updated = dates.dates(page)
    published = _either(from_profile(page, profile, "date"), lambda: published)
    updated = _either(from_profile(page, profile, "updated"), lambda: updated)
    found_authors = _either(from_profile(page, profile, "authors"), lambda: authors.authors(page, site.value))
    found_tags = _either(from_profile(page, profile, "tags"), lambda: tags.tags(page))

    body = extract_body(page, found_title.value, profile)
    paragraphs = _without_author_bio(body.paragraphs if body else [], found_authors.value)
    if signals is not None:
        classify.after_extraction(paragraphs, signals)
    elif not paragraphs:
        raise SkipPage("empty", "no article text found")
    if not found_title.value:
        raise SkipPage("no-title", "no title found")
    text = "\n\n".join(paragraphs)
    lang = language.language(page, text)
    found_summary = summary.summary(page, paragraphs)

    from .entities import find_entities

    entities = find_entities(found_title.value, paragraphs)

    url = canonical.value or (canonical_url(page.url) if page.url else "") or (fallback_url or "")
    if canonical.value or page.url:
        key = canonical_url(url)
    else:
        key = fallback_key or fallback_url or f"content:{found_title.value}\n{text[:2000]}"
    return Document(
        id=make_id(key),
        url=url,
        source=site.value,
        title=found_title.value,
        date=published.value,
        updated=updated.value,
        authors=tuple(found_authors.value),
        summary=found_summary.value,
        body=text,
        entities=tuple(entities),
        tags=tuple(found_tags.value),
        language=lang.value,
        fetched_at=fetched_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        provenance=dict(provenance, encoding=page.encoding),
        extraction={
            "version": EXTRACTOR_VERSION,
            "title_source": found_title.source,
            "date_source": published.source,
            "updated_source": updated.source,
            "authors_source": found_authors.source,
            "source_source": site.source,
            "url_source": canonical.source or ("fetched" if page.url else "file"),
            "tags_source": found_tags.source,
            "language_source": lang.source,
            "summary_source": found_summary.source,
            "body_strategy": body.strategy if body else "",
            "profile": profile.name if profile else "",
        },
    )

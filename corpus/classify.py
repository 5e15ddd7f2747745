"""Is this page a commentary at all? Recognise the pages a crawl or a saved folder brings in that are not:
bot-check interstitials, error pages, login walls, and listing (index) pages.

Two checks, before and after body extraction: `before_extraction()` looks at the whole page (title,
structured data, the shape of its links) while the chrome is still there; `after_extraction()` looks at
what the body stage found. Each raises `SkipPage` with a kind and a reason.
"""

from __future__ import annotations

import re

from . import rules
from .errors import SkipPage
from .page import Page, text_of


def _visible_words(page: Page) -> int:
    return len(page.body.text_content().split())


def before_extraction(page: Page) -> bool:
    """Raise `SkipPage` for a page that is plainly not a commentary; return whether the page asks the
    reader to log in or subscribe (decided after extraction, by how much text there is)."""
    title = page.title_tag
    h1 = next(page.tree.iter("h1"), None)
    heading = text_of(h1) if h1 is not None else ""
    words = _visible_words(page)
    if rules.BOT_CHECK.search(title) or (words < 400 and rules.BOT_CHECK.search(heading or "")):
        raise SkipPage("bot-check", "a bot-check or access-denied interstitial, not a commentary")
    if words < 600 and (rules.ERROR_TITLE.search(title) or rules.ERROR_TITLE.search(heading)):
        if not page.jsonld_article:
            raise SkipPage("error", f"an error page ({title or heading})")
    if page.jsonld_is_listing:
        raise SkipPage("listing", "a listing page (structured data says so)")
    if _looks_like_listing(page):
        raise SkipPage("listing", "a listing page: many linked teasers, no article text")
    return bool(rules.LOGIN_WALL.search(page.body.text_content()))


def _looks_like_listing(page: Page) -> bool:
    """Many headings that are links (teasers), and few paragraphs that are not inside teasers."""
    body = page.body
    teaser_headings = [h for h in body.iter("h2", "h3", "h4") if h.find(".//a") is not None
                       and len(text_of(h)) > 15]
    if len(teaser_headings) < 6:
        return False
    long_unlinked = 0
    for p in body.iter("p"):
        text = text_of(p)
        if len(text) < 200:
            continue
        linked = sum(len(text_of(a)) for a in p.iter("a"))
        if linked < 0.3 * len(text):
            long_unlinked += 1
    return long_unlinked < 3


def after_extraction(paragraphs: list[str], login_prompt: bool) -> None:
    text = " ".join(paragraphs)
    if (login_prompt or rules.LOGIN_WALL.search(text)) and len(text.split()) < 250:
        raise SkipPage("login", "a login or subscription wall with only a teaser")
    if not text.strip():
        raise SkipPage("empty", "no article text found")

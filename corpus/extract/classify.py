"""Is this page a commentary at all? Recognise the pages a crawl or a saved folder brings in that are not:
bot-check interstitials, error pages, login walls, and listing (index) pages.

Two checks, before and after body extraction: `before_extraction()` looks at the whole page (title,
structured data, the shape of its links) while the chrome is still there, and returns the `Signals` it
saw; `after_extraction()` weighs them against what the body stage found (a page with many linked
teasers is a listing only if little article text was found). Each raises `SkipPage` with a kind and a
reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import rules
from ..errors import SkipPage
from .page import Page, headline_element, text_of


def _page_text(page: Page) -> str:
    return page.cache.setdefault("page_text", " ".join(page.body.itertext()))  # type: ignore[return-value]


def _visible_words(page: Page) -> int:
    return len(_page_text(page).split())


@dataclass(frozen=True)
class Signals:
    login_prompt: bool      # the page asks the reader to log in or subscribe
    teasers: int            # headings that are links: a listing has many
    listing_markup: bool    # structured data says "collection page" and names no article
    article_markup: bool    # structured data, og:type or an <article> element says "one article"
    headline: bool          # a headline outside the page chrome


def before_extraction(page: Page) -> Signals:
    """Raise `SkipPage` for a page that is plainly not a commentary; return what the decision after
    extraction needs."""
    title = page.title_tag
    h1 = next(page.tree.iter("h1"), None)
    heading = text_of(h1) if h1 is not None else ""
    words = _visible_words(page)
    if rules.BOT_CHECK.search(title) or (words < 400 and rules.BOT_CHECK.search(heading or "")):
        raise SkipPage("bot-check", "a bot-check or access-denied interstitial, not a commentary")
    if words < 600 and (rules.ERROR_TITLE.search(title) or rules.ERROR_TITLE.search(heading)):
        if not page.jsonld_article:
            raise SkipPage("error", f"an error page ({title or heading})")
    teasers = sum(1 for h in page.body.iter("h2", "h3", "h4")
                  if h.find(".//a") is not None and len(text_of(h)) > 15)
    return Signals(bool(rules.LOGIN_WALL.search(_page_text(page))), teasers, page.jsonld_is_listing,
                   _article_markup(page), headline_element(page) is not None)


def _article_markup(page: Page) -> bool:
    og_type = page.meta("og:type")
    if page.jsonld_article is not None or (og_type and og_type[0].strip().lower() == "article"):
        return True
    articles = page.tree.findall(".//article")
    return len(articles) == 1  # a listing repeats <article> once per teaser


def after_extraction(paragraphs: list[str], signals: Signals) -> None:
    text = " ".join(paragraphs)
    if not text.strip():
        raise SkipPage("empty", "no article text found")
    if (signals.login_prompt or rules.LOGIN_WALL.search(text)) and len(text.split()) < 250:
        raise SkipPage("login", "a login or subscription wall with only a teaser")
    # A listing's teasers are one or two lines each; an article has at least one real paragraph. But
    # one-sentence news paragraphs are short too: a page that marks itself as one article, has a
    # headline and several paragraphs of text is an article, whatever teasers surround it (a wrongly
    # refused article is a document lost; a listing let in costs one odd hit).
    if signals.article_markup and signals.headline and (len(paragraphs) >= 3 or len(text.split()) >= 60):
        return
    if max(len(p) for p in paragraphs) < 200:
        if signals.listing_markup:
            raise SkipPage("listing", "a listing page (structured data says so, and it has no article text)")
        if signals.teasers >= 6:
            raise SkipPage("listing", "a listing page: many linked teasers, no article text")

"""The body stage: several extractors' candidates, combined on evidence from the page.

Candidates:
- a site profile's body selector, when the page's site has a profile (`profiles.py`): trusted as is;
- trafilatura (`trafilatura.bare_extraction`, body only), the strongest general extractor we measured
  (snippet F1 0.925 on extraction-dev): high recall, but it keeps pointer lines, credits and teasers;
- our own strategies on the page's tree after chrome is removed (`chrome.py`, `candidates.py`):
  `region` (the contiguous run of prose blocks with the most text), `semantic` (the page's article
  markup) and `density`.

`combine()` starts from trafilatura's paragraphs, drops pointer and credit lines (`rules.LINK_LINE`), and
fills in what it missed: a long paragraph of our `region` that trafilatura does not have is added where
it stands in the page when it lies inside the stretch of the page trafilatura took, or just before it
(a lead or standfirst). Where trafilatura finds nothing, our own candidates decide
(`candidates.choose`). On extraction-dev this scores 0.935 snippet F1 against 0.926 for trafilatura
alone (see the README).

trafilatura is imported with this module, and a broken or missing install stops here with an
`ImportError` that names it: every page would otherwise quietly get only the weaker candidates.
"""

from __future__ import annotations

import copy
import logging
import re

from .candidates import Candidate, choose, density, region, semantic
from .chrome import strip_chrome
from .page import Page
from .paragraphs import is_noise, paragraphs_of
from .profiles import Profile, select

try:
    import trafilatura
except ImportError as exc:  # a broken install must not pass for pages without a trafilatura body
    raise ImportError(f"polsearch extracts article text with the trafilatura package, which cannot be "
                      f"imported ({exc}); install it with: pip install 'trafilatura>=2.3,<3'",
                      name="trafilatura") from exc

log = logging.getLogger(__name__)

_WORDS = re.compile(r"\w+")
# A paragraph of our own that trafilatura lacks is added if it is at least this long...
FILL_MIN_CHARS = 100
# ...and shares fewer than this share of its word trigrams with trafilatura's text.
FILL_MAX_OVERLAP = 0.5
# Where our body has fewer than this share of trafilatura's words, trafilatura's answer is taken.
DEFER_UNDER = 0.5


def _key(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def _trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def _overlap(text: str, known: set[tuple[str, ...]]) -> float:
    grams = _trigrams(_key(text).split())
    return sum(1 for g in grams if g in known) / len(grams) if grams else 0.0


def _trafilatura_body(tree, url: str | None, tables: bool):
    # A copy of the tree (trafilatura prunes what it is given): no second parse of the page.
    result = trafilatura.bare_extraction(tree if isinstance(tree, str) else copy.deepcopy(tree), url=url, with_metadata=False,
                                         include_comments=False, include_tables=tables, deduplicate=False)
    return getattr(result, "body", None)


def trafilatura_candidate(tree, url: str | None, title: str, html: str | None = None) -> Candidate | None:
    """trafilatura's main text, from the page's tree as parsed (before our own strategies remove chrome
    from it: trafilatura does better with the page whole). Its result is a small tree (`p`, `head`, `list`/`item`,
    `quote`, `table`/`row`/`cell`), walked into paragraphs like ours. When table cells hold most of the
    text, the page is laid out with tables, and it is asked again without."""
    try:
        body = _trafilatura_body(tree, url, tables=True)
        if body is not None:
            cells = sum(len("".join(c.itertext())) for c in body.iter("cell"))
            if cells > 0.5 * len("".join(body.itertext())):
                body = _trafilatura_body(tree, url, tables=False)
        elif html:  # trafilatura parsing the page itself can find what it missed in our tree
            body = _trafilatura_body(html, url, tables=True)
    except Exception as exc:  # noqa: BLE001 - a candidate that fails is just not a candidate
        log.debug("trafilatura failed on %s: %s", url, exc)
        return None
    if body is None:
        return None
    paragraphs, _ = paragraphs_of(body, title)
    return Candidate("trafilatura", paragraphs) if paragraphs else None


def _position(paragraph: str, page_key: str) -> int:
    words = _key(paragraph).split()
    return page_key.find(" ".join(words[:6])) if words else -1


def combine(base: Candidate, own: Candidate | None, page_key: str, title: str) -> Candidate:
    """`base` (trafilatura's) without pointer lines, with `own`'s long paragraphs that it missed filled in
    at their place in the page."""
    title_folded = _key(title)
    title_at = page_key.find(title_folded) if title_folded else -1
    kept = []
    for p in base.paragraphs:
        if is_noise(p, 0.0, title_folded):
            continue
        if title_at > 0 and len(p) < 100 and 0 <= _position(p, page_key) < title_at:
            continue  # a kicker or label above the headline ("Note", "Global Economy · Commentary")
        kept.append(p)
    if not kept:
        kept = list(base.paragraphs)
    placed: list[tuple[int, str]] = []
    last = -1
    for p in kept:
        x = _position(p, page_key)
        last = x if x >= 0 else last  # a paragraph not found keeps its place after its predecessor
        placed.append((last, p))
    found = [x for x, _ in placed if x >= 0]
    added = 0
    if own is not None and found:
        lo, hi = min(found), max(found)
        known = _trigrams(_key(" ".join(kept)).split())
        for p in own.paragraphs:
            if len(p) < FILL_MIN_CHARS or _overlap(p, known) >= FILL_MAX_OVERLAP:
                continue
            x = _position(p, page_key)
            if x < 0 or x > hi:
                continue
            if x >= lo or len(p) >= 80:  # inside trafilatura's stretch, or a lead just before it
                placed.append((x, p))
                added += 1
    placed.sort(key=lambda item: item[0])
    strategy = f"trafilatura+region({added} filled)" if added else "trafilatura"
    return Candidate(strategy, [p for _, p in placed], notes={"filled": added})


def extract_body(page: Page, title: str, profile: Profile | None = None) -> Candidate | None:
    """The page's body. Mutates the page's tree (chrome is removed): call after the metadata stages."""
    if profile is not None and profile.fields.get("body"):
        candidate = _profile_body(page, title, profile)
        if candidate is not None:
            return candidate
    page_key = _key(page.body.text_content())
    base = trafilatura_candidate(page.tree, page.url, title, page.html)
    strip_chrome(page)
    own_region = region(page, title)
    blob = base is not None and _fallback_blob(base, _key(page.body.text_content()))
    if base is not None and base.chars >= 100 and not blob:
        chosen = combine(base, own_region, page_key, title)
    else:
        chosen = choose([semantic(page, title), density(page, title), own_region])
    # never defer to trafilatura's whole-page fallback: that is a listing's or a menu's text
    return chosen if blob else _or_trafilatura(chosen, base)


def _or_trafilatura(chosen: Candidate | None, base: Candidate | None) -> Candidate | None:
    """trafilatura's own answer where ours has less than `DEFER_UNDER` of its words (or none): chosen
    by `bench/crossval.py` on training folds of whole sites, and better on every held-out fold."""
    if base is None:
        return chosen
    words = len(" ".join(chosen.paragraphs).split()) if chosen is not None else 0
    if words < DEFER_UNDER * len(" ".join(base.paragraphs).split()):
        return Candidate("trafilatura (ours had under half its text)", base.paragraphs)
    return chosen


def _fallback_blob(candidate: Candidate, kept_key: str) -> bool:
    """trafilatura, when it finds no article, falls back to the page's whole text as one or two blocks,
    menus and all. Such a block does not stand in the page once chrome is removed."""
    if len(candidate.paragraphs) > 2:
        return False
    inside = sum(len(p) for p in candidate.paragraphs if _position(p, kept_key) >= 0)
    return inside < 0.5 * candidate.chars


def _profile_body(page: Page, title: str, profile: Profile) -> Candidate | None:
    for css in profile.fields.get("remove", ()):
        for el in select(page.tree, css):
            el.drop_tree()
    parts = profile.elements(page.tree, "body")
    if not parts:
        return None
    paragraphs: list[str] = []
    link_chars = total = 0.0
    for el in parts:
        strip_chrome(page, el)  # the generic chrome rules still apply inside the profile's body
        paras, density_ = paragraphs_of(el, title)
        paragraphs.extend(paras)
        chars = sum(len(p) for p in paras)
        total += chars
        link_chars += density_ * chars
    if not paragraphs:
        return None
    return Candidate(f"profile:{profile.name}", paragraphs, link_chars / total if total else 0.0)

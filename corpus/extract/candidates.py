"""Our own candidates for the article body, each a `Candidate` with the strategy that found it.

Moving parts:
- `Candidate`: paragraphs, their link density, notes, and `score()` (long, in several paragraphs, few
  links);
- strategies on the page's tree once chrome is removed (`chrome.py`), each reading paragraphs with
  `paragraphs.py`: `semantic` (the page's own article markup, `rules.CONTENT_XPATHS`), `density` (the
  block whose paragraphs carry the most text with the fewest links, scored as readability-style
  extractors do) and `region` (the contiguous run of blocks that carries the most prose);
- `choose()`: the page's own article markup wins unless another candidate finds clearly more text.

The body stage (`body.py`) adds trafilatura's candidate and a site profile's, and combines them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from lxml.html import HtmlElement

from . import rules
from .chrome import paragraph_chars
from .page import Page
from .paragraphs import blocks, fold_words, kept_text, paragraphs_of


@dataclass
class Candidate:
    strategy: str
    paragraphs: list[str]
    link_density: float = 0.0
    notes: dict[str, object] = field(default_factory=dict)

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paragraphs)

    def score(self) -> float:
        """Evidence that this is the article: long, in several paragraphs, few links."""
        long_paragraphs = sum(1 for p in self.paragraphs if len(p) >= 80)
        return self.chars * (1.0 - min(self.link_density, 0.9)) * (1.0 + 0.1 * min(long_paragraphs, 10))



def semantic(page: Page, title: str) -> Candidate | None:
    """The container the page itself marks as its article."""
    for xpath in rules.CONTENT_XPATHS:
        found = page.body.xpath(xpath)
        if not found:
            continue
        best = max(found, key=paragraph_chars)
        paras, density = paragraphs_of(best, title)
        if sum(len(p) for p in paras) >= 150:
            return Candidate(f"semantic:{xpath.lstrip('./')}", paras, density)
    return None


def _own_text(el: HtmlElement) -> str:
    return (el.text or "") + "".join(child.tail or "" for child in el)


def density(page: Page, title: str) -> Candidate | None:
    """The block whose paragraphs carry the most text with the fewest links."""
    scores: dict[HtmlElement, float] = {}
    body = page.body
    for el in body.iter("p", "pre", "td", "blockquote", "li", "div"):
        if el.tag in ("div", "td", "li"):
            text = _own_text(el).strip()
            if len(text) < 80:
                continue
        else:
            text = el.text_content().strip()
        if len(text) < 25:
            continue
        link_text = sum(len(a.text_content()) for a in el.iter("a"))
        score = (1.0 + text.count(",") + min(len(text) / 100.0, 3.0)) * (1.0 - min(link_text / len(text), 0.95))
        parent = el.getparent()
        for weight in (1.0, 0.5, 0.25):
            if parent is None or parent.tag == "html":
                break
            scores[parent] = scores.get(parent, 0.0) + score * weight
            parent = parent.getparent()
    if not scores:
        return None
    best = max(scores, key=scores.__getitem__)
    paras, link_density = paragraphs_of(best, title)
    if not paras:
        return None
    return Candidate("density", paras, link_density, {"score": round(scores[best], 1)})


_SENTENCE_END = re.compile(r"[.!?…:;»«“”\"')\]]\s*$")


def _block_score(text: str, link_density: float, heading: bool) -> float:
    """How much a block of text says "article": long prose counts, links and chrome lines count against."""
    n = len(text)
    if link_density > 0.5:
        return -1.0 * n - 20.0
    if heading:
        return 0.0
    if n < 40 and not _SENTENCE_END.search(text):
        return -10.0
    return n * (1.0 - 2.0 * link_density)


def region(page: Page, title: str) -> Candidate | None:
    """The contiguous run of blocks, in reading order, that carries the most prose: the maximum-sum
    stretch (Kadane) of block scores, so a lead outside the main container or an article split over
    several sibling containers is kept whole, while link lists and chrome lines end it."""
    found, start = blocks(page.body)
    found = found[start:] or found
    best_sum, best = 0.0, (0, -1)
    run_sum, run_start = 0.0, 0
    for i, (text, density_, heading) in enumerate(found):
        score = _block_score(text, density_, heading)
        if run_sum <= 0:
            run_sum, run_start = score, i
        else:
            run_sum += score
        if run_sum > best_sum:
            best_sum, best = run_sum, (run_start, i)
    if best[1] < best[0]:
        return None
    paragraphs, link = kept_text(found[best[0]:best[1] + 1], fold_words(title))
    if not paragraphs:
        return None
    return Candidate("region", paragraphs, link, {"score": round(best_sum)})



def choose(candidates: Iterable[Candidate | None]) -> Candidate | None:
    """The page's own article markup wins unless another strategy finds clearly more article text
    (markup that wraps only a teaser or a single paragraph is common)."""
    found = [c for c in candidates if c is not None and c.paragraphs]
    if not found:
        return None
    semantic_pick = next((c for c in found if c.strategy.startswith("semantic")), None)
    best = max(found, key=Candidate.score)
    if semantic_pick is not None and semantic_pick.score() >= 0.6 * best.score():
        return semantic_pick
    return best

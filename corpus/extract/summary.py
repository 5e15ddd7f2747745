"""The summary: the page's own description (metas, JSON-LD), else the body's first paragraph, cut at a
sentence end near 300 characters."""

from __future__ import annotations

from . import rules
from .page import NOT_FOUND, Found, Page, ld_text


def summary(page: Page, paragraphs: list[str]) -> Found:
    found = page.meta(*rules.DESCRIPTION_METAS)
    if found:
        return Found(" ".join(found[0].split()), f"meta:{found[1]}")
    description = ld_text((page.jsonld_article or {}).get("description"))
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

"""The page's language: what the page declares (`<html lang>`, language metas), else a guess from the
stop words of the text it gives (`_STOPSETS`, the commonest words of eight European languages).
"""

from __future__ import annotations

import re

from . import rules
from .page import NOT_FOUND, Found, Page


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

"""The page's language: what the page declares (`<html lang>`, language metas), else a guess from the
stop words of the text it gives (`_STOPSETS`, the commonest words of eight European languages).
"""

from __future__ import annotations

import re

from .. import data
from . import rules
from .page import NOT_FOUND, Found, Page


# The commonest words of each language (`corpus/data/words.txt`); ties go to the language listed first.
_STOPSETS = {lang: set(words) for lang, *words in (line.split() for line in data.sections("words.txt")["stopwords"])}


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

"""Golden pages: the bundled samples and the edge-case pages come out exactly as their JSON says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus import normalise
from corpus.errors import SkipPage

from .conftest import EDGE_PAGES, GOLDEN_SAMPLES, SAMPLES

SAMPLE_CASES = sorted(GOLDEN_SAMPLES.glob("*.json"))
EDGE_CASES = sorted(EDGE_PAGES.glob("*.json"))
FIELDS = ("title", "date", "updated", "authors", "source", "tags", "language", "body")


def _page_for(golden: Path) -> Path:
    folder = SAMPLES if golden.parent == GOLDEN_SAMPLES else EDGE_PAGES
    return folder / (golden.stem + ".html")


def _check(golden: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    page = _page_for(golden)
    if "skip" in expected:
        with pytest.raises(SkipPage) as caught:
            normalise(page.read_bytes())
        assert caught.value.kind == expected["skip"]
        return
    doc = normalise(page.read_bytes(), fallback_key=page.name, fallback_url=str(page))
    got = doc.to_dict()
    for name in FIELDS:
        assert got[name] == expected[name], f"{page.name}: {name}"
    assert doc.url == (expected["url"] or str(page)), f"{page.name}: url"
    if expected.get("summary"):
        assert doc.summary == expected["summary"], f"{page.name}: summary"


def test_there_are_enough_samples_in_enough_layouts():
    layouts = {json.loads(p.read_text())["layout"] for p in SAMPLE_CASES}
    assert len(SAMPLE_CASES) >= 15 and len(layouts) >= 4
    assert {p.stem for p in SAMPLE_CASES} == {p.stem for p in SAMPLES.glob("*.html")}


@pytest.mark.parametrize("golden", SAMPLE_CASES, ids=lambda p: p.stem)
def test_sample_page(golden):
    _check(golden)


@pytest.mark.parametrize("golden", EDGE_CASES, ids=lambda p: p.stem)
def test_edge_page(golden):
    _check(golden)


def test_the_seed_like_page():
    [seed] = [p for p in SAMPLE_CASES if json.loads(p.read_text())["title"] == "US-Cambodia Relations: New Momentum"]
    doc = normalise(_page_for(seed).read_bytes())
    assert doc.title == "US-Cambodia Relations: New Momentum"
    assert doc.date == "2010-11-11" and doc.updated == "2010-11-11"
    assert len(doc.paragraphs) == 8
    expected = json.loads(seed.read_text())["entities"]["must"]
    found = {(e.text, e.type) for e in doc.entities}
    assert {(e["text"], e["type"]) for e in expected} <= found

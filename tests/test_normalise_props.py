"""Normalising never crashes: arbitrary bytes and damaged sample pages give a Document or a skip."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import Document, normalise
from corpus.errors import SkipPage

from .conftest import SAMPLES


def _outcome(data):
    try:
        doc = normalise(data)
    except SkipPage as exc:
        assert exc.kind and str(exc)
        return "skipped"
    assert isinstance(doc, Document) and doc.title and doc.body
    return "document"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_give_a_document_or_a_skip(data):
    _outcome(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000).map(lambda t: f"<html><body><h1>{t[:40]}</h1><p>{t}</p></body></html>"))
def test_arbitrary_text_in_markup_gives_a_document_or_a_skip(text):
    _outcome(text)


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        kind = rng.random()
        pos = rng.randrange(len(out))
        if kind < 0.4:
            out[pos] = rng.randrange(256)
        elif kind < 0.7:
            del out[pos:pos + rng.randint(1, 400)]
        else:
            out[pos:pos] = rng.choice([b"<div>", b"</p>", b"<!--", b"<script>", b"\x00", b"\xff\xfe", b"<h1>"])
    return bytes(out)


@pytest.mark.parametrize("seed", range(60))
def test_damaged_sample_pages_give_a_document_or_a_skip(seed):
    rng = random.Random(seed)
    pages = sorted(SAMPLES.glob("*.html"))
    _outcome(_mutate(pages[seed % len(pages)].read_bytes(), rng))

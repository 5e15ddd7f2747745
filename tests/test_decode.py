"""Encodings: BOM, HTTP charset, <meta> declarations, lies, and detection."""

from __future__ import annotations

import pytest

from corpus.extract.decode import decode_html
from corpus.errors import SkipPage

TEXT = "Macron’s visit to São Tomé – Jürgen’s view: “naïve” £5"


def _page(charset_meta: str = "") -> str:
    return f"<html><head>{charset_meta}<title>t</title></head><body><p>{TEXT}</p></body></html>"


@pytest.mark.parametrize("encoding,meta", [
    ("utf-8", ""),
    ("utf-8", '<meta charset="utf-8">'),
    ("cp1252", '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'),
    ("cp1252", '<meta charset="iso-8859-1">'),  # browsers read latin-1 labels as windows-1252
    ("utf-16", ""),  # with a BOM
])
def test_declared_and_bom_encodings(encoding, meta):
    data = _page(meta).encode(encoding)
    text, _ = decode_html(data)
    assert TEXT in text


def test_http_charset_wins_over_nothing_and_a_lying_meta_is_ignored():
    data = _page('<meta charset="utf-8">').encode("cp1252")  # declares UTF-8, is not
    text, used = decode_html(data)
    assert TEXT in text and used == "cp1252"
    text, used = decode_html(_page().encode("cp1252"), http_charset="windows-1252")
    assert TEXT in text and used == "cp1252"


def test_undeclared_legacy_bytes_are_detected():
    data = _page().encode("cp1252")
    text, _ = decode_html(data)
    assert TEXT in text


def test_binary_data_is_skipped_not_decoded():
    with pytest.raises(SkipPage) as caught:
        decode_html(b"%PDF-1.7\x00\x01\x02binary")
    assert caught.value.kind == "not-html"

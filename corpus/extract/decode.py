"""Bytes to text: find a page's character encoding the way browsers do, then decode.

Order of evidence: a byte-order mark, the HTTP `Content-Type` charset, the page's own `<meta charset>` or
`http-equiv` declaration (found by BeautifulSoup's `EncodingDetector`), then statistical detection
(`charset-normalizer`). A declared encoding that does not decode the bytes cleanly is treated as a lie
and the next piece of evidence is tried. As in the WHATWG encoding standard, `iso-8859-1` and `ascii`
declarations decode as `windows-1252`, a superset that browsers use in their place.

Moving parts: `decode_html()` (text and the encoding used), `detect_encoding()` (the evidence in order),
`looks_binary()`, and `charset_of()`, which reads the charset from a `Content-Type` header for the
fetcher and the WARC reader.
"""

from __future__ import annotations

import codecs

from ..errors import SkipPage

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}  # codecs.lookup() names
# How much of the page is searched for a <meta> declaration, and sampled for detection.
_DECLARATION_WINDOW = 16_384
_DETECTION_SAMPLE = 65_536


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("'\"")).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def looks_binary(data: bytes) -> bool:
    """NUL bytes in the first kilobytes (outside UTF-16/32 text) mean an image, PDF or archive."""
    head = data[:8192]
    return b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def detect_encoding(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """(codec name, evidence) for `data`; evidence is `bom`, `http`, `meta`, `utf-8`, `detected` or
    `fallback`."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, "bom"
    candidates: list[tuple[str | None, str]] = [(_codec_name(http_charset), "http")]
    from bs4.dammit import EncodingDetector

    declared = EncodingDetector.find_declared_encoding(data[:_DECLARATION_WINDOW], is_html=True)
    candidates.append((_codec_name(declared), "meta"))
    candidates.append(("utf-8", "utf-8"))
    for name, evidence in candidates:
        if name and _decodes(data, name):
            # A page declared as UTF-16 in a <meta> but read as bytes here is ASCII-compatible: ignore.
            if evidence == "meta" and name.startswith("utf-16"):
                continue
            return name, evidence
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_DETECTION_SAMPLE]).best()
    if best is not None:
        name = _codec_name(best.encoding)
        if name:
            return name, "detected"
    return "cp1252", "fallback"


def _decodes(data: bytes, name: str) -> bool:
    try:
        codecs.decode(data, name)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decode_html(data: bytes | str, http_charset: str | None = None) -> tuple[str, str]:
    """(text, encoding) for a page given as bytes or text. Raises `SkipPage` for binary data."""
    if isinstance(data, str):
        return data.lstrip("\ufeff"), "unicode"
    if looks_binary(data):
        raise SkipPage("not-html", "not an HTML page (binary data)")
    name, _evidence = detect_encoding(data, http_charset)
    text = data.decode(name, errors="replace")
    return text.lstrip("\ufeff"), name


def charset_of(content_type: str | None) -> str | None:
    """The charset a `Content-Type` header value names (`text/html; charset=utf-8`), or None."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("'\"")
    return None

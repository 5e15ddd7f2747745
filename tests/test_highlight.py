"""Snippets mark what matched: whole phrase occurrences, stemmed words, never excluded words."""

from __future__ import annotations

from search.highlight import snippet, to_html, to_plain
from search.query import match_spec, parse

BODY = ("Cambodia still carries the debt of Lon Nol. Critics call it the debt from the Lon Nol era, "
        "and say sanctions <script> would not help. Lon Nol himself left in 1975.")


def _marks(query: str, text: str = BODY) -> list[str]:
    return [s.text for s in snippet(text, match_spec(parse(query)), width=60) if s.marked]


def test_a_phrase_marks_only_its_own_occurrence_as_one_span():
    assert _marks('"debt of Lon Nol"') == ["debt of Lon Nol"]


def test_words_are_marked_in_their_inflected_forms():
    assert _marks("sanction") == ["sanctions"]
    assert _marks("sanction*") == ["sanctions"]


def test_excluded_words_are_not_marked():
    assert _marks("cambodia NOT sanctions") == ["Cambodia"]


def test_html_is_escaped_and_marks_are_bare():
    html = to_html(snippet(BODY, match_spec(parse("sanctions")), width=60))
    assert "<mark>sanctions</mark>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_long_texts_give_a_window_around_the_matches():
    text = " ".join(["filler"] * 300) + " the debt of Lon Nol " + " ".join(["tail"] * 300)
    parts = snippet(text, match_spec(parse('"debt of Lon Nol"')), width=30)
    plain = to_plain(parts)
    assert plain.startswith("…") and plain.endswith("…")
    assert "debt of Lon Nol" in plain
    assert len(plain.split()) <= 34

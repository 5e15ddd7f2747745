"""Snippets mark what matched: whole phrase occurrences, stemmed words, never excluded words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from search.highlight import snippet, to_html, to_plain
from search.query import parse
from search.query.marks import match_spec

BODY = ("Cambodia still carries the debt of Lon Nol. Critics call it the debt from the Lon Nol era, "
        "and say sanctions <script> would not help. Lon Nol himself left in 1975.")


def _marks(query: str, text: str = BODY) -> list[str]:
    return [s.text for s in snippet(text, match_spec(parse(query)), width=400) if s.marked]


def test_a_phrase_marks_only_its_own_occurrence_as_one_span():
    assert _marks('"debt of Lon Nol"') == ["debt of Lon Nol"]


def test_words_are_marked_in_their_inflected_forms():
    assert _marks("sanction") == ["sanctions"]
    assert _marks("sanction*") == ["sanctions"]


def test_excluded_words_are_not_marked():
    assert _marks("cambodia NOT sanctions") == ["Cambodia"]


def test_html_is_escaped_and_marks_are_bare():
    html = to_html(snippet(BODY, match_spec(parse("sanctions")), width=400))
    assert "<mark>sanctions</mark>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_long_texts_give_a_window_around_the_matches():
    text = " ".join(["filler"] * 300) + " the debt of Lon Nol " + " ".join(["tail"] * 300)
    parts = snippet(text, match_spec(parse('"debt of Lon Nol"')), width=200)
    plain = to_plain(parts)
    assert plain.startswith("…") and plain.endswith("…")
    assert [s.text for s in parts if s.marked] == ["debt of Lon Nol"]
    assert len(plain) <= 220 and " fille " not in f" {plain} "  # cut at word boundaries


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120)
       | st.sampled_from([BODY, "Cambodia’s debt isn't the U.S. Government's, naïve Erdoğan 3.5%"]))
def test_fast_term_spans_agree_with_the_index_analyzer(text):
    from indexer.analysis import prose_analyzer, term_spans

    expected = [(t.text, t.startchar, t.endchar) for t in prose_analyzer()(text, positions=True, chars=True)]
    assert term_spans(text) == expected


PHRASE_WORDS = st.sampled_from(["debt", "of", "lon", "nol", "Lon", "Nol's", "debts", "the", "era", "U.S.", "naïve"])


@settings(max_examples=300, deadline=None)
@given(st.lists(PHRASE_WORDS, max_size=40).map(" ".join),
       st.sampled_from(['"debt of lon nol"', "debt", "nol", '"lon nol" debt', "debt*", "naive", '"the era"']))
def test_marks_are_exactly_the_matching_words(text, query):
    """Brute force: a span is marked iff the analysed words there match the query."""
    from indexer.analysis import term_spans
    from search.highlight import find_matches

    spec = match_spec(parse(query))
    tokens = term_spans(text)
    terms = [t for t, _, _ in tokens]
    expected = set()
    for i, (term, start, end) in enumerate(tokens):
        if term in spec.terms or any(w.match(term) or w.match(text[start:end].lower()) for w in spec.wildcards):
            expected.add((start, end))
        for phrase in spec.phrases:
            if tuple(terms[i:i + len(phrase)]) == phrase:
                expected.add((start, tokens[i + len(phrase) - 1][2]))
    got = {(s, e) for s, e, _ in find_matches(text, spec)}
    # Overlapping matches merge into one span; every expected span lies inside a marked one.
    assert all(any(s <= es and ee <= e for s, e in got) for es, ee in expected)
    assert all(any(s == es for es, _ in expected) for s, _ in got)



NEAR_TEXT = ("Debt talks began in March. Much later, far from any of this, the Lon Nol era came up. "
             "The debt of Lon Nol was discussed.\n\nNow Nol spoke of the debt.")


def test_proximity_marks_only_the_occurrences_that_satisfy_it():
    assert _marks("debt w/3 nol", NEAR_TEXT) == ["debt", "Nol"]
    assert _marks('"debt nol"~3', NEAR_TEXT) == ["debt", "Nol"]
    # "Lon Nol era came up. The debt" (5 apart) and "Nol spoke of the debt" (4 apart)
    assert _marks("nol pre/5 debt", NEAR_TEXT) == ["Nol", "debt", "Nol", "debt"]
    assert _marks("debt pre/5 nol", NEAR_TEXT) == ["debt", "Nol"]


def test_same_sentence_and_exact_forms_mark_what_they_matched():
    # "Debt talks" and "Lon Nol era" are in different sentences; the third sentence has both.
    assert _marks("debt w/s nol", NEAR_TEXT) == ["debt", "Nol", "Nol", "debt"]
    assert _marks("exact:talks", NEAR_TEXT) == ["talks"]
    assert _marks("exact:talk", NEAR_TEXT) == []


# Paragraphs of a few words each, some with no word a query can match, some of punctuation only, words
# with inner dots and apostrophes: the highlighter analyses only the words that can match, and must
# give each its position among all the words.
PARAGRAPH = st.lists(st.sampled_from(["debt", "Debts", "nol", "Nol's", "lon", "the", "era", "talks", "of",
                                      "said.", "Then", "U.S.", "naïve", "—", "filler", "words"]),
                     min_size=0, max_size=9).map(" ".join)
NODE_QUERIES = st.sampled_from([
    "debt w/3 nol", "debt w/8 nol", "nol pre/5 debt", '"debt nol"~4', "debt w/s nol", "debt w/p nol",
    '"lon nol" w/6 debt', "(debt OR era) w/2 nol", "deb* w/3 nol", "debt w/2 *ol",
    "debt w/20 (nol w/1 lon)", '"lon nol" w/2 "the era"', "(debt w/2 nol) w/2 (the w/2 era)", "(debt w/2 the) w/s era", "naive w/3 debt", "exact:debts"])


@settings(max_examples=400, deadline=None)
@given(st.lists(PARAGRAPH, min_size=1, max_size=12), st.sampled_from(["\n\n", "\n \n", "\n\n\n"]), NODE_QUERIES,
       st.sampled_from(["", "before", "after"]))
def test_occurrences_found_from_the_candidate_words_are_those_of_the_whole_text(paragraphs, joint, query, pad):
    """Proximities, sentences, paragraphs and exact forms found from the words that start like the
    query's, at their counted positions, are those found by analysing every word; in short texts
    (a regular expression finds the candidates) and long ones (numpy does)."""
    from search.highlight import _node_matches

    text = joint.join(paragraphs)
    filler = "Words of no interest, “quoted” – here. " * 30
    text = {"": text, "before": filler + joint + text, "after": text + joint + filler}[pad]
    spec = match_spec(parse(query))
    assert sorted(_node_matches(text, spec)) == sorted(_node_matches(text, spec, whole=True))


def test_a_proximity_reaching_over_a_paragraph_without_its_words_is_still_marked():
    text = "Debt, the theme.\n\nIt was.\n\nNol.\n\n" + "Other matters. " * 40 + "\n\nNol again."
    assert _marks("debt w/5 nol", text) == ["Debt", "Nol"]  # 5 positions apart, two paragraphs between
    assert _marks("debt w/4 nol", text) == []


def test_a_word_with_a_leading_wildcard_is_marked():
    assert _marks("*ol", NEAR_TEXT) == ["Nol", "Nol", "Nol"]
    assert _marks("debt w/3 *ol", NEAR_TEXT) == ["debt", "Nol"]


SCAN_TEXT = st.text(alphabet=st.sampled_from(list("ab Z9_.'’\n,-é") + ["ı", "—", "“", "”", "Σ", "ß", "\u0301", "😀", "𝐀"]),
                    max_size=80)


@settings(max_examples=500, deadline=None)
@given(SCAN_TEXT, st.lists(st.sampled_from(["a", "ab", "b.a", "z9", "_", "ba"]), min_size=1, max_size=3))
def test_the_numpy_scan_finds_the_analyzers_words_and_their_positions(text, prefixes):
    from indexer.analysis import term_spans
    from search.highlight import _candidate_pattern
    from search.wordscan import WordScan

    words = [start for _t, start, _e in term_spans(text, stem=False)]
    scan = WordScan(text)
    assert scan.words.tolist() == words
    found = scan.prefix_starts(tuple(prefixes))
    if text.isascii():
        assert found is not None
    if found is not None:  # the words the regular expression's candidates start, at their positions
        expected = sorted({m.start() for m in _candidate_pattern(tuple(prefixes)).finditer(text)} & set(words))
        assert found[0].tolist() == expected
        assert found[1].tolist() == [words.index(s) for s in expected]

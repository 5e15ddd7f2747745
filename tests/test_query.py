"""The query language: how queries are understood, and how bad ones are reported."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.errors import QueryError
from search.query import And, DateRange, Not, Or, Phrase, Wildcard, Word, compile_query, describe, parse


def test_words_are_implicitly_anded_and_lowercase_and_is_a_word():
    tree = parse("rice and fish")
    assert isinstance(tree, And)
    assert [w.text for w in tree.items] == ["rice", "and", "fish"]


def test_operators_only_in_capitals_with_precedence():
    tree = parse("aid OR loans AND china")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[1], And)
    assert describe(parse("(aid OR loans) NOT china")) == "((aid OR loans) AND NOT china)"
    assert describe(parse("aid -china")) == "(aid AND NOT china)"


def test_fields_and_phrases():
    tree = parse('title:momentum author:"Jane Smith" entity:ASEAN source:meridian tag:trade')
    fields = [(type(n).__name__, n.field, n.text) for n in tree.items]
    assert fields == [("Word", "title", "momentum"), ("Phrase", "author", "Jane Smith"),
                      ("Word", "entity", "ASEAN"), ("Word", "source", "meridian"), ("Word", "tag", "trade")]
    grouped = parse('title:(mekong OR "water diplomacy")')
    assert all(item.field == "title" for item in grouped.items)


def test_proximity_fuzzy_and_exact_forms():
    from search.query import Fuzzy, Near

    near = parse("(aid OR loans) pre/3 \"debt relief\"")
    assert isinstance(near, Near) and near.ordered and near.distance == 3 and isinstance(near.left, Or)
    assert describe(parse("a w/5 b c w/s d")) == "((a w/5 b) AND (c w/s d))"
    assert describe(parse("a w/5 b pre/2 c")) == "((a w/5 b) pre/2 c)"
    assert parse('"sanctions regime"~5').slop == 5
    assert isinstance(parse("Sihanuk~"), Fuzzy) and parse("Sihanuk~2").distance == 2
    exact = parse('exact:"the debt"')
    assert isinstance(exact, Phrase) and exact.exact and describe(exact) == 'exact:"the debt"'


def test_wildcards():
    node = parse("sanction*")
    assert isinstance(node, Wildcard) and node.pattern == "sanction*"


@pytest.mark.parametrize("query,start,end", [
    ("date:2010..2012", dt.date(2010, 1, 1), dt.date(2012, 12, 31)),
    ("date:2010", dt.date(2010, 1, 1), dt.date(2010, 12, 31)),
    ("date:2012-02", dt.date(2012, 2, 1), dt.date(2012, 2, 29)),
    ("date:2010-11-11", dt.date(2010, 11, 11), dt.date(2010, 11, 11)),
    ("date:2010..", dt.date(2010, 1, 1), None),
    ("date:..2012", None, dt.date(2012, 12, 31)),
    ("date:>=2015-06", dt.date(2015, 6, 1), None),
    ("date:>2015", dt.date(2016, 1, 1), None),
    ("date:<=2012-03", None, dt.date(2012, 3, 31)),
    ("date:<2012", None, dt.date(2011, 12, 31)),
    ("year:2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31)),
])
def test_date_ranges_are_inclusive_whole_periods(query, start, end):
    node = parse(query)
    assert isinstance(node, DateRange)
    assert (node.start, node.end) == (start, end)


@pytest.mark.parametrize("query,message,column", [
    ('debt "of Lon Nol', "unclosed quote", 6),
    ("(aid OR loans", "'(' is never closed", 1),
    ("aid OR loans)", "')' without '('", 13),
    ("AND china", "AND needs something on its left", 1),
    ("china OR", "OR needs something on its right", 7),
    ("china AND", "AND needs something on its right", 7),
    ("aid NOT", "NOT needs something on its right", 5),
    ("colour:red", "unknown field 'colour'", 1),
    ("date:2010-13", "bad date '2010-13'", 6),
    ("date:20x0", "bad date", 6),
    ("date:2014..2012", "the range ends before it starts", 6),
    ("", "empty query", 1),
    ('""', "empty phrase", 1),
    ("()", "empty parentheses", 1),
    ("*", "a wildcard needs at least two letters", 1),
    ("w/5 china", "w/5 needs something on its left", 1),
    ("aid w/5", "w/5 needs something on its right", 5),
    ("aid w/5 AND china", "w/5 needs something on its right", 5),
    ("aid w/5 OR china", "w/5 needs something on its right", 5),
    ("aid pre/s china", "pre/ takes a number of words", 5),
    ("aid w/0 china", "the distance must be 1 to 1000", 5),
    ("aid w/5000 china", "the distance must be 1 to 1000", 5),
    ("(aid AND loans) w/5 china", "w/5 takes words, phrases, wildcards or OR-groups", 17),
    ("aid w/5 date:2010", "w/5 takes words, phrases, wildcards or OR-groups", 5),
    ("title:aid w/5 body:china", "both sides must search the same text", 11),
    ("author:smith w/3 china", "both sides must search the same text", 14),
    ("exact:sanction*", "exact forms cannot have wildcards", 7),
    ('"aid china"~0', "the distance must be 1 to 1000", 12),
    ("aid~ ~", "~ needs a word before it", 6),
])
def test_malformed_queries_say_what_and_where(query, message, column):
    with pytest.raises(QueryError) as caught:
        parse(query)
    err = caught.value
    assert message in str(err)
    assert f"column {column}" in str(err)
    assert "\n" not in str(err)


def test_not_excluded_words_are_not_highlight_targets():
    from search.query.marks import match_spec

    spec = match_spec(parse('"debt of Lon Nol" cambodia NOT china'))
    assert spec.phrases == [("debt", "of", "lon", "nol")]
    assert spec.terms == {"cambodia"}


def test_words_are_stemmed_like_the_index():
    query = compile_query(parse("sanctions"))
    assert {t.text for t in query.leaves()} == {"sanction"}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list('ab "()*:-~?.<>=') + [" AND ", " OR ", " NOT ", "date:", "title:",
                                                           "2010", "..", "foo"]),
                max_size=14).map("".join))
def test_any_query_parses_or_raises_a_query_error(text):
    try:
        tree = parse(text)
    except QueryError as err:
        assert 0 <= err.position <= len(text)
        return
    compile_query(tree)
    describe(tree)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_unicode_queries_never_crash(text):
    try:
        compile_query(parse(text))
    except QueryError:
        pass


def test_not_alone_excludes_from_everything():
    node = parse("NOT china")
    assert isinstance(node, Not)
    assert isinstance(parse('"a b"'), Phrase)
    assert isinstance(parse("a"), Word)

"""The query language: parse a researcher's query into a tree, then into a Whoosh query.

Syntax (see the README for examples):
    words            sanctions cambodia       every word must match (implicit AND), stemmed
    "phrase"         "debt of Lon Nol"        those words in that order, stop words included
    AND OR NOT ( )   (aid OR loans) NOT china  operators only in capitals; -word is NOT word
    field:value      title:momentum author:"Jane Smith" entity:ASEAN source:meridian tag:trade
    wildcard, fuzzy  sanction*  wom?n  Sihanuk~  Sihanuk~2
    proximity        "sanctions regime"~5     the words within 5 positions of each other, any order
                     aid w/5 china            within 5 words, either order; pre/5: aid first
                     (aid OR loans) w/s china in the same sentence; w/p: in the same paragraph
    exact form       exact:sanctioned  exact:"the debt"   no stemming
    dates            date:2010  date:2010..2012  date:2015-06..  date:..2012-03  date:>=2015-06  date:<2020

One module per stage, as Whoosh splits `qparser` from `query`:
- `syntax`: the tree's nodes, each with its own `describe()`, `needs_text()` and `children()`, and the
  `Visitor` the other stages' walks are written with;
- `parser`: the tokenizer and the recursive-descent parser (`parse()`), with positions for errors;
- `dates`: `date:` values and `--from`/`--to` as whole periods;
- `compile`: the tree to a Whoosh query with the index's analyzers (`compile_query()`, `analyse()`);
- `marks`: what the highlighter marks (`match_spec()`).
"""

from .compile import compile_query
from .parser import parse
from .syntax import (And, DateRange, FieldValue, Fuzzy, Near, Node, Not, Or, Phrase, Text, Wildcard, Word,
                     Words, describe)

__all__ = ["parse", "compile_query", "describe", "Node", "Text", "Words", "Word", "Phrase", "Wildcard",
           "Fuzzy", "Near", "DateRange", "FieldValue", "And", "Or", "Not"]

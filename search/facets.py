"""Facets and trends: how the documents a query matches spread over years, sources, authors, entities and
tags, and how its share of all documents moves over time. Counted on the Whoosh index, not by reading
documents from the store.

Moving parts:
- `facets()`: counts per facet value of the documents matching a query;
- `trend()`: for each of several labelled queries, the matching documents per year or month and their
  share of all documents of that period (after the filters);
- `plot_trend()`: the trend as a PNG or SVG chart (matplotlib, imported only there).

How counting works (Whoosh 2.7 API only). A query's matching document numbers are taken per segment,
unscored (`Query.docs`); a query with parts only the text can decide (`w/s`, `w/p`, `exact:`) has them
checked by `searcher.execute`, as `search` does, so counts and `search`'s total always agree. Then each
facet is counted one of two ways:
- *by column* (document at a time), when the field has a column (`year`, `date`, `source_facet`, and
  the keyword facets once they are made `sortable`): each matching document's value is read directly,
  so the cost follows the number of matches (100,000 documents: ~10 ms at 1 % matching, ~70 ms at 10 %);
- *by term* (term at a time), for keyword fields without a column: each value's postings are
  intersected with the matching documents. With `top=N`, values are visited from the most frequent
  down, and the visit stops as soon as a value's document frequency cannot beat the N-th count found.
  The cost follows the field's vocabulary, not the matches (about a second for 40,000 entities).
A Whoosh `FieldFacet(..., allow_overlap=True)` would decode every posting of the field for every query
(it builds a list per document first): the by-term cost without the early stop.
"""

from __future__ import annotations

import heapq
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Iterable

from whoosh.fields import NUMERIC

from indexer.index import IndexFolder, open_reader
from indexer.shards import is_sharded
from indexer.packs import Damaged
from indexer.schema import facet_value

from .errors import SearchError
from .query import And, compile_query
from .searcher import NO_FILTERS, Filters, Query, execute

# Facet name -> index field. Order is the order of the output.
FACET_FIELDS = {"year": "year", "source": "source_facet", "author": "author_facet",
                "entity": "entity_facet", "tag": "tag_facet"}
FACETS = tuple(FACET_FIELDS)
MULTI_VALUED = frozenset({"author", "entity", "tag"})  # a document counts once for each of its values
NO_DATE = "(no date)"
NO_SOURCE = "(no source)"
PERIODS = ("year", "month")
# Read a whole column rather than one value per matching document when this share of a segment matches.
_WHOLE_COLUMN_SHARE = 0.25


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    type: str | None = None  # an entity's PER/ORG/LOC/MISC

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "count": self.count}
        if self.type is not None:
            data["type"] = self.type
        return data

    @property
    def label(self) -> str:
        return f"{self.value} ({self.type})" if self.type else self.value


@dataclass
class FacetResults:
    query: str
    parsed: str
    total: int
    top: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    missing_shards: list[int] = field(default_factory=list)  # a sharded index's shards left out (--allow-partial)

    def to_json(self) -> dict[str, Any]:
        from .searcher import partial_json

        return {"query": self.query, "total": self.total,
                "facets": {name: [v.to_json() for v in values] for name, values in self.facets.items()},
                **partial_json(self.missing_shards)}


# -- matching documents, per segment -----------------------------------------------------------------------
def _matching(reader, leaves: list[tuple[Any, int]], query: Query | None,
              warnings: list[str] | None = None) -> list[list[int]]:
    """Each segment's document numbers matching `query` (None: every document), deleted documents
    excluded, ascending. Exact as `search`'s total is: a query with parts the
    index cannot decide (`w/s`, `w/p`, `exact:`) has its candidates checked by `execute()`, which reads
    their text; every other query is decided by the index alone."""
    tree = query.full_tree if query is not None else None
    if tree is None:
        from whoosh import query as wq

        compiled = wq.Every()
    else:
        compiled = compile_query(tree, reader.searcher.reader(), warnings)
    found = [sorted(compiled.docs(leaf)) for leaf, _offset in leaves]
    if tree is None or not tree.needs_text():
        return found
    passing = {doc_id for doc_id, _score in execute(reader, query, limit=None, sort="date").ranked}
    return [[d for d in docs if leaf.stored_fields(d)["id"] in passing]
            for (leaf, _offset), docs in zip(leaves, found)]


def _engine(reader):
    """The packed engine (search/engine.py) unless POLSEARCH_ENGINE=whoosh asks for the reference."""
    if os.environ.get("POLSEARCH_ENGINE", "packed") == "whoosh":
        return None
    from .engine import engine_for

    return engine_for(reader)


def _packed_matching(reader, engine, query: Query, warnings: list[str]):
    """`_matching()` on the packed engine: each segment's matching documents as arrays."""
    import numpy as np

    tree = query.full_tree
    compiled = compile_query(tree, reader.searcher.reader(), warnings)
    found = engine.segment_matches(compiled)
    if not tree.needs_text():
        return found
    passing = {doc_id.encode("ascii") for doc_id, _score in execute(reader, query, limit=None, sort="date").ranked}
    out = []
    for seg, docs in zip(engine.segments, found):
        ids = seg.pack.array("ids")[docs] if len(docs) else []
        out.append(docs[np.fromiter((i in passing for i in ids), dtype=bool, count=len(docs))] if len(docs) else docs)
    return out


def _column_values(leaf_reader, fieldname: str, docs: list[int]) -> Iterable[Any]:
    """The raw column values of `docs` in one segment (the column's default for a document without)."""
    column = leaf_reader.column_reader(fieldname, translate=False)
    if len(docs) > _WHOLE_COLUMN_SHARE * leaf_reader.doc_count_all():
        values = list(column)  # one sequential read beats as many random ones
        return map(values.__getitem__, docs)
    return map(column.__getitem__, docs)


def _has_column(schema, fieldname: str) -> bool:
    return bool(schema[fieldname].column_type)


# -- counting one facet -----------------------------------------------------------------------------------
def _count_by_column(leaves, matching, fieldname: str, multi: bool) -> Counter:
    """Raw value -> documents, reading each matching document's value from the field's column."""
    counts: Counter = Counter()
    for (leaf, _offset), docs in zip(leaves, matching):
        if not docs:
            continue
        values = _column_values(leaf.reader(), fieldname, docs)
        if multi:  # a keyword column holds the document's values, space-separated; each counts once
            counts.update(chain.from_iterable(set(v.split()) for v in values))
        else:
            counts.update(values)
    return counts


def _count_by_term(leaves, matching, fieldname: str, top: int) -> Counter:
    """Term -> documents, intersecting each term's postings with the matching documents; with `top`,
    only terms that can still reach the top are decoded (most frequent first)."""
    sets = [set(docs) for docs in matching]
    live = [(leaf.reader(), docs) for (leaf, _o), docs in zip(leaves, sets) if docs]
    if not live:
        return Counter()
    # a numeric field also indexes each value at coarser precisions: count full-precision terms only
    numeric = isinstance(leaves[0][0].schema[fieldname], NUMERIC)
    frequency: Counter = Counter()
    for reader, _docs in live:
        for term, info in reader.iter_field(fieldname):
            if not numeric or term[:1] == b"\x00":
                frequency[term] += info.doc_frequency()
    counts: Counter = Counter()
    best: list[int] = []  # min-heap of the `top` largest counts so far
    for term, df in sorted(frequency.items(), key=lambda kv: -kv[1]):
        if top and len(best) >= top and df <= best[0]:
            break  # no later term (df is an upper bound of its count) can enter the top
        n = 0
        for reader, docs in live:
            if (fieldname, term) in reader:
                n += len(docs.intersection(reader.postings(fieldname, term).all_ids()))
        if n:
            counts[term] = n
            if top:
                if len(best) < top:
                    heapq.heappush(best, n)
                elif n > best[0]:
                    heapq.heapreplace(best, n)
    return counts


def _ranked(items: Iterable[FacetValue], top: int) -> list[FacetValue]:
    ordered = sorted(items, key=lambda v: (-v.count, v.value.casefold(), v.type or "", v.value))
    return ordered[:top] if top else ordered


def facets(index_path: str | os.PathLike[str], query: str, *, names: Iterable[str] = FACETS, top: int = 10,
           filters: Filters = NO_FILTERS, match: str = "all") -> FacetResults:
    """Counts of the documents matching `query` per year, source, author, entity and tag (`names`).

    Each facet lists its `top` values by count (0: all); years are listed in full, in order, with
    documents without a date as "(no date)", so the years' counts add up to `total`. A document with
    three authors counts once for each of them."""
    names = tuple(names) or FACETS
    unknown = [n for n in names if n not in FACET_FIELDS]
    if unknown:
        raise SearchError(f"unknown facet {unknown[0]!r}; use one of {', '.join(FACETS)}")
    if top < 0:
        raise SearchError("--top takes a number from 0 up (0: every value)")
    names = tuple(n for n in FACETS if n in names)
    if is_sharded(index_path):
        from . import merged

        return merged.facets(index_path, query, names=names, top=top, filters=filters, match=match)
    started = time.perf_counter()
    parsed = Query.parse(query, filters, match)
    results = FacetResults(query, parsed.describe(), 0, top, {n: [] for n in names})
    with open_reader(IndexFolder(index_path)) as reader:
        if reader.searcher is None:
            results.seconds = time.perf_counter() - started
            return results
        results.total, raw = counted(reader, parsed, names, top, results.warnings)
        for name in names:
            results.facets[name] = facet_values(name, reader.searcher.schema, *raw[name], top)
    results.seconds = time.perf_counter() - started
    return results


def counted(reader, parsed: Query, names: tuple[str, ...], top: int, warnings: list[str],
            ) -> tuple[int, dict[str, tuple[Counter, int]]]:
    """`raw_counts()` on the packed engine, or on Whoosh when a pack is found cut short as it is read
    (`warnings` then holds Whoosh's run's only)."""
    try:
        return raw_counts(reader, parsed, names, top, warnings, _engine(reader))
    except Damaged:
        reader.engine = None
        warnings.clear()
        return raw_counts(reader, parsed, names, top, warnings, None)


def raw_counts(reader, parsed: Query, names: tuple[str, ...], top: int, warnings: list[str], engine,
               ) -> tuple[int, dict[str, tuple[Counter, int]]]:
    """(matching documents, {facet: (count of each raw value as the index keeps it, documents without
    a value)}); a many-valued facet only its `top` values (0: all). Raw counts of several indexes (a
    sharded index's shards) add up."""
    searcher = reader.searcher
    schema = searcher.schema
    leaves = list(searcher.leaf_searchers())
    matching = None
    if engine is not None:
        from .engine import Unsupported

        try:
            matching = _packed_matching(reader, engine, parsed, warnings)
        except Unsupported:
            engine = None
    if matching is None:
        matching = _matching(reader, leaves, parsed, warnings)
    total = sum(len(docs) for docs in matching)
    found = {}
    for name in names:
        fieldname = FACET_FIELDS[name]
        fieldobj = schema[fieldname]
        multi = name in MULTI_VALUED
        if _has_column(schema, fieldname):
            # a many-valued facet (thousands of entities) is cut to its top counts before any
            # value is decoded; single-valued ones keep every value, their default counts "missing"
            raw = Counter(engine.facet_counts(fieldname, matching, top if multi else 0)) \
                if engine is not None else \
                _count_by_column(leaves, matching, fieldname, multi)
            # single-valued columns give documents without a value the column's default
            missing = 0 if multi else raw.pop(fieldobj.column_type.default_value(), 0)
        else:
            raw = _count_by_term(leaves, matching, fieldname, 0 if name in ("year", "source") else top)
            missing = 0 if multi else total - sum(raw.values())
        found[name] = (raw, missing)
    return total, found


def facet_values(name: str, schema, raw: Counter, missing: int, top: int) -> list[FacetValue]:
    """A facet's values, in order (years by year, the others by count), from `raw_counts()`'s; only the
    `top` values (0: all) are decoded."""
    fieldname = FACET_FIELDS[name]
    fieldobj = schema[fieldname]
    if _has_column(schema, fieldname):
        decode = (lambda key, f=fieldobj: f.from_column_value(key)) if name == "year" else \
            (lambda key: key.decode("utf-8"))
    else:
        decode = (lambda key, f=fieldobj: f.from_bytes(key))
    if top and name != "year" and len(raw) > top:
        # the values at or above the `top`-th count (ties kept: they are ordered by value below)
        cut = sorted(raw.values(), reverse=True)[top - 1]
        raw = Counter({key: n for key, n in raw.items() if n >= cut})
    values = [_facet_value(name, decode(key), count) for key, count in raw.items()]
    if name == "year":
        values.sort(key=lambda v: int(v.value))
        if missing:
            values.append(FacetValue(NO_DATE, missing))
    else:
        values = _ranked(values, top)
        if name == "source" and missing:
            values.append(FacetValue(NO_SOURCE, missing))
    return values


def _facet_value(name: str, text: Any, count: int) -> FacetValue:
    if name == "year":
        return FacetValue(str(int(text)), count)
    text = str(text)
    if name in MULTI_VALUED:
        text = facet_value(text)
    if name == "entity":
        kind, _, entity = text.partition(":")
        return FacetValue(entity, count, kind)
    return FacetValue(text, count)


# -- trends ------------------------------------------------------------------------------------------------
@dataclass
class Series:
    label: str
    query: str
    parsed: str
    counts: list[int]
    shares: list[float | None]
    undated: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "query": self.query, "counts": self.counts,
                "shares": [None if s is None else round(s, 6) for s in self.shares], "undated": self.undated}


@dataclass
class TrendResults:
    by: str
    periods: list[str]
    totals: list[int]
    series: list[Series]
    undated: int = 0  # documents without a date (after the filters): in no period
    filters: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    missing_shards: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        from .searcher import partial_json

        return {"by": self.by, "periods": self.periods, "series": [s.to_json() for s in self.series],
                "totals": self.totals, "undated": self.undated, **partial_json(self.missing_shards)}


def _period_keys(by: str, first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, inclusive: the x axis, with the empty periods in it."""
    if by == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    year, month = int(first[:4]), int(first[5:7])
    keys = []
    while f"{year:04d}-{month:02d}" <= last:
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _per_period(leaves, matching, schema, by: str, memo: dict[Any, str | None]) -> Counter:
    """Matching documents per period ("YYYY" or "YYYY-MM"; None: no date), from the `year` column
    (few distinct values) or the `date` column."""
    fieldname = "year" if by == "year" else "date"
    fieldobj = schema[fieldname]
    raw = _count_by_column(leaves, matching, fieldname, multi=False)
    missing = fieldobj.column_type.default_value()
    counts: Counter = Counter()
    for key, n in raw.items():
        if key not in memo:
            value = None if key == missing else fieldobj.from_column_value(key)
            memo[key] = None if value is None else str(value) if by == "year" else value.strftime("%Y-%m")
        counts[memo[key]] += n
    return counts


def trend(index_path: str | os.PathLike[str], queries: list[tuple[str, str]], *, by: str = "year",
          filters: Filters = NO_FILTERS, match: str = "all") -> TrendResults:
    """For each `(label, query)`: its matching documents per period and their share of all documents of
    that period (the filters apply to both). Periods run from the first to the last that holds a
    document, empty ones included."""
    if by not in PERIODS:
        raise SearchError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
    if not queries:
        raise SearchError("give at least one query")
    if is_sharded(index_path):
        from . import merged

        return merged.trend(index_path, queries, by=by, filters=filters, match=match)
    started = time.perf_counter()
    parsed = [(label, text, Query.parse(text, filters, match)) for label, text in queries]
    result = TrendResults(by, [], [], [], filters=filters.describe())
    with open_reader(IndexFolder(index_path)) as reader:
        if reader.searcher is None:
            result.series = [Series(label, text, q.describe(), [], []) for label, text, q in parsed]
            return result
        searcher = reader.searcher
        leaves = list(searcher.leaf_searchers())
        memo: dict[Any, str | None] = {}
        everything = Query("", And(filters.nodes())) if filters.nodes() else None
        schema = searcher.schema
        totals = _per_period(leaves, _matching(reader, leaves, everything), schema, by, memo)
        per_query = [_per_period(leaves, _matching(reader, leaves, q, result.warnings), schema, by, memo)
                     for _label, _text, q in parsed]
    dated = sorted(k for k in totals if k is not None)
    periods = _period_keys(by, dated[0], dated[-1]) if dated else []
    result.periods = periods
    result.totals = [totals.get(p, 0) for p in periods]
    result.undated = totals.get(None, 0)
    for (label, text, q), counts in zip(parsed, per_query):
        row = [counts.get(p, 0) for p in periods]
        shares = [n / t if t else None for n, t in zip(row, result.totals)]
        result.series.append(Series(label, text, q.describe(), row, shares, counts.get(None, 0)))
    result.seconds = time.perf_counter() - started
    return result


PLOT_VALUES = ("share", "count")
PLOT_FORMATS = {".png": "png", ".svg": "svg"}


def plot_trend(result: TrendResults, path: str | os.PathLike[str], values: str = "share") -> str:
    """Draw the trend as a line chart, one line per query, into a PNG or SVG file (by its extension).
    Returns the format written."""
    fmt = PLOT_FORMATS.get(os.path.splitext(str(path))[1].lower())
    if fmt is None:
        raise SearchError(f"cannot tell the chart format of {str(path)!r}; name it .png or .svg")
    if values not in PLOT_VALUES:
        raise SearchError(f"unknown plot values {values!r}; use one of {', '.join(PLOT_VALUES)}")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise SearchError("--plot needs matplotlib (pip install matplotlib)") from None
    figure = Figure(figsize=(10, 5.5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = list(range(len(result.periods)))
    for series in result.series:
        if values == "share":
            y = [100 * s if s is not None else float("nan") for s in series.shares]
        else:
            y = series.counts
        axes.plot(x, y, marker="o" if len(x) <= 40 else None, markersize=3, linewidth=1.6, label=series.label)
    step = max(1, len(x) // 20)
    axes.set_xticks(x[::step], result.periods[::step], rotation=45 if result.by == "month" else 0,
                    ha="right" if result.by == "month" else "center")
    axes.set_xlabel(result.by)
    axes.set_ylabel("share of all documents in the period (%)" if values == "share" else "documents")
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if result.series:
        axes.legend()
    title = "Documents matching each query, per " + result.by
    axes.set_title(title + (f" ({result.filters})" if result.filters else ""))
    figure.tight_layout()
    try:
        figure.savefig(path, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    except OSError as exc:
        raise SearchError(f"cannot write {path}: {exc.strerror or exc}") from None
    return fmt

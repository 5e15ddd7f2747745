"""The packed engine (search/engine.py) against the reference, Whoosh's own query path: random corpora and
random queries of every kind, compared document by document, total by total, score by score.

Each corpus is written in several runs (several segments, updated documents leaving deleted entries
behind, copies), so segments, deletions and offsets are all exercised. A query kind the engine does not
evaluate falls back to Whoosh; `test_engine_answers_the_kinds` checks that the kinds researchers use are
answered by the engine itself, so a fallback cannot pass for a match.
"""

from __future__ import annotations

import os
import random
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.document import Document, Entity, make_id
from indexer import packs
from indexer.index import IndexFolder, open_reader
from indexer.ingest import ingest_documents
from search import ranking
from search.engine import Unsupported, engine_for
from search.query import compile_query
from search.searcher import Filters, Query, _fold_copies, execute, execute_reference

WORDS = ("the of and to in security energy trade china russia sanctions climate change united states "
         "policy economic development agreement national supply chains market tariffs health vaccine "
         "cambodia growth summit minister").split()
SOURCES = ("Brookings Institution", "Carnegie Endowment", "Chatham House", "RAND")
AUTHORS = ("Ana Silva", "John Smith", "Li Wei", "Maria Garcia", "Omar Haddad")
ENTITIES = (("United States", "LOC"), ("China", "LOC"), ("European Union", "ORG"), ("Hun Sen", "PER"))
TAGS = ("trade", "security", "climate", "asia")


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(WORDS[:8]) for _ in range(n)]
    sentences, start = [], 0
    while start < len(words):
        end = start + rng.randint(4, 14)
        sentences.append(" ".join(words[start:end]).capitalize() + ".")
        start = end
    paragraphs = [" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3)]
    return "\n\n".join(paragraphs)


def _document(rng: random.Random, number: int, version: int = 0) -> Document:
    url = f"https://example.org/{number}"
    year = rng.randint(2005, 2024)
    return Document(
        id=make_id(url), url=url, title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).title(),
        body=_text(rng, rng.randint(8, 120)) + (f" revision{version}" if version else ""),
        source=rng.choice(SOURCES) if rng.random() < 0.9 else "",
        date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.9 else "",
        authors=tuple(rng.sample(AUTHORS, rng.randint(0, 2))),
        entities=tuple(Entity(t, k) for t, k in rng.sample(ENTITIES, rng.randint(0, 3))),
        tags=tuple(rng.sample(TAGS, rng.randint(0, 2))), language="en")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    built = []
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        path = tmp_path_factory.mktemp(f"engine{seed}") / "index"
        count = rng.randint(40, 160)
        docs = [_document(rng, n) for n in range(count)]
        for n in rng.sample(range(count), count // 10):  # copies: the same text under another address
            d = docs[n]
            docs.append(Document(id=make_id(d.url + "?copy"), url=d.url + "?copy", title=d.title, body=d.body,
                                 source=d.source, date=d.date))
        third = len(docs) // 3
        ingest_documents(path, docs[:third])
        ingest_documents(path, docs[third:2 * third])
        ingest_documents(path, docs[2 * third:])
        # updates: new versions of some documents (their old entries stay behind, deleted)
        ingest_documents(path, [_document(rng, n, version=1) for n in rng.sample(range(count), count // 8)])
        built.append(path)
    return built


def _random_query(rng: random.Random) -> str:
    def operand(depth: int = 0) -> str:
        roll = rng.random()
        if roll < 0.35 or depth > 1:
            return rng.choice(WORDS)
        if roll < 0.5:
            n = rng.randint(2, 3)
            start = rng.randrange(len(WORDS) - n)
            return '"' + " ".join(rng.choice(WORDS) for _ in range(n)) + '"' if rng.random() < 0.5 else \
                '"' + " ".join(WORDS[start:start + n]) + '"'
        if roll < 0.6:
            return f"{rng.choice(['title', 'body'])}:{rng.choice(WORDS)}"
        if roll < 0.7:
            return rng.choice(WORDS)[:3] + "*"
        if roll < 0.8:
            return f"({operand(depth + 1)} {rng.choice(['AND', 'OR'])} {operand(depth + 1)})"
        if roll < 0.9:
            return f"{rng.choice(WORDS)} {rng.choice(['w', 'pre'])}/{rng.randint(1, 6)} {rng.choice(WORDS)}"
        if roll < 0.95:  # a phrase on either side (Whoosh joins the two orders differently)
            phrase = f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"'
            sides = [phrase, rng.choice(WORDS)] if rng.random() < 0.5 else [rng.choice(WORDS), phrase]
            return f"{sides[0]} {rng.choice(['w', 'w', 'pre'])}/{rng.randint(1, 8)} {sides[1]}"
        left = rng.choice(WORDS) if rng.random() < 0.7 else f'"{rng.choice(WORDS)} {rng.choice(WORDS)}"'
        field = rng.choice(["", "", "title:"])
        return f"{field}{left} {rng.choice(['w/s', 'w/p'])} {rng.choice(WORDS)}"

    parts = [operand()]
    for _ in range(rng.randint(0, 2)):
        joiner = rng.choice(["AND", "OR", "NOT", ""])
        parts.append(f"{joiner} {operand()}".strip())
    if rng.random() < 0.2:
        low = rng.randint(2005, 2020)
        parts.append(f"date:{low}..{low + rng.randint(0, 5)}")
    return " ".join(parts)


def _random_filters(rng: random.Random) -> Filters:
    import datetime as dt

    roll = rng.random()
    if roll < 0.6:
        return Filters()
    if roll < 0.7:
        return Filters(sources=(rng.choice(SOURCES),))
    if roll < 0.8:
        return Filters(authors=(rng.choice(AUTHORS),), entities=(rng.choice(ENTITIES)[0],))
    if roll < 0.9:
        return Filters(date_from=dt.date(rng.randint(2005, 2015), 1, 1), tags=(rng.choice(TAGS),))
    return Filters(dedupe=True)


def _both(reader, query: Query, **kwargs):
    os.environ["POLSEARCH_ENGINE"] = "whoosh"
    try:
        expected = execute(reader, query, **kwargs)
    finally:
        os.environ.pop("POLSEARCH_ENGINE")
    return expected, execute(reader, query, **kwargs)


def _runs(ranked) -> list:
    """The ranking as runs of equal scores (to 1e-9), each a set: within one, Whoosh's order depends on
    the last bits of float sums it adds in an order of its own, the engine's is document order (the
    documented difference; `test_scores_tie_order_is_document_order` holds the engine to it)."""
    runs: list = []
    last = None
    for doc_id, score in ranked:
        key = round(score, 9)
        if runs and key == last:
            runs[-1].add(doc_id)
        else:
            runs.append({doc_id})
        last = key
    return runs


def _same(expected, got, context: str) -> None:
    assert got.total == expected.total, context
    assert len(got.ranked) == len(expected.ranked), context
    if [i for i, _ in got.ranked] != [i for i, _ in expected.ranked]:
        assert _runs(got.ranked) == _runs(expected.ranked), context
    for (_, a), (_, b) in zip(expected.ranked, got.ranked):
        assert abs(a - b) <= 1e-6 * max(1.0, abs(a)), context
    assert got.copies == expected.copies, context


@pytest.mark.parametrize("which", range(3))
def test_engine_equals_whoosh_on_random_queries(corpora, which):
    rng = random.Random(100 + which)
    with open_reader(IndexFolder(corpora[which]), ranking.weighting()) as reader:
        assert engine_for(reader) is not None
        for _ in range(120):
            text = _random_query(rng)
            query = Query.parse(text, _random_filters(rng), rng.choice(["all", "all", "any"]))
            sort = rng.choice(["relevance", "relevance", "date", "-date"])
            # every match, in order: the whole ranking must agree
            expected, got = _both(reader, query, limit=None, sort=sort)
            _same(expected, got, f"{text} {query.filters} {sort}")
            # a page with copies folded, as `search` asks: the full reference ranking, folded, is the
            # truth (Whoosh's own page counts copies only among the hits it fetched, and its top-N
            # collection can skip a hit)
            limit = rng.choice([0, 1, 10])
            got = execute(reader, query, limit=limit, sort=sort, collapse=True)
            assert got.total == expected.total
            assert execute(reader, query, limit=limit, sort=sort).total == expected.total
            folded, copies = _fold(reader, expected.ranked)
            want = folded[:limit] if limit else []
            assert [i for i, _ in got.ranked] == [i for i, _ in want], text
            assert all(abs(a - b) <= 1e-6 * max(1.0, abs(a)) for (_, a), (_, b) in zip(want, got.ranked))
            if limit:
                shown = {i for i, _ in got.ranked}
                assert got.copies == {k: v for k, v in copies.items() if k in shown}


@pytest.mark.parametrize("which", range(3))
def test_long_phrases_equal_whoosh(corpora, which):
    """Phrases of two to seven words cut from the documents' own text (so that they match), some with
    one word changed (so that most do not), whatever words repeat or how rare each is: the engine's
    anchors and their neighbours give Whoosh's answers."""
    import re

    rng = random.Random(300 + which)
    with open_reader(IndexFolder(corpora[which]), ranking.weighting()) as reader:
        texts = [reader.store.get(f["id"]).body for f in reader.searcher.all_stored_fields()]
        matched = 0
        for _ in range(60):
            words = re.findall(r"[a-z]+", rng.choice(texts).lower())
            n = rng.randint(2, 7)
            if len(words) < n:
                continue
            start = rng.randrange(len(words) - n + 1)
            phrase = words[start:start + n]
            if rng.random() < 0.3:
                phrase[rng.randrange(n)] = rng.choice(WORDS)
            query = Query.parse(f'body:"{" ".join(phrase)}"')
            expected, got = _both(reader, query, limit=None)
            _same(expected, got, " ".join(phrase))
            matched += bool(expected.total)
        assert matched >= 30


def _fold(reader, ranked):
    """The hits one per group of copies, with the copies each stands for, from a full ranking (the
    reference path's own folding, over every match)."""
    groups = reader.searcher.reader().column_reader("copy_group")
    docnum = {reader.searcher.stored_fields(d)["id"]: d for d in reader.searcher.reader().all_doc_ids()}
    return _fold_copies([(docnum[doc_id], doc_id, score) for doc_id, score in ranked], groups)


def test_scores_tie_order_is_document_order(corpora):
    """Equal scores rank by document number, as Whoosh's collector ranks them: a query every document
    matches with the same score shows them in index order."""
    with open_reader(IndexFolder(corpora[0]), ranking.weighting()) as reader:
        query = Query.parse("NOT zzzz")
        expected, got = _both(reader, query, limit=None)
        assert len({s for _, s in got.ranked}) == 1
        _same(expected, got, "tie")


@pytest.mark.parametrize("text", ["security", "security AND energy", "trade OR tariffs", "health NOT vaccine",
                                  '"national security"', '"the united states"', "security w/5 energy",
                                  "trade pre/3 agreement", '"climate change" w/10 economic',
                                  "title:energy date:2010..2020", "sec*", "security w/s energy"])
def test_engine_answers_the_kinds(corpora, text):
    """The kinds of query researchers use are evaluated by the engine itself, not handed back to Whoosh."""
    from search.engine import Engine

    with open_reader(IndexFolder(corpora[1]), ranking.weighting()) as reader:
        engine: Engine = engine_for(reader)
        compiled = compile_query(Query.parse(text).full_tree, reader.searcher.reader(), [])
        docs, scores = engine.matches(compiled)  # raises Unsupported if not
        reference = {d for d in reader.searcher.docs_for_query(compiled)}
        assert set(docs.tolist()) == reference


@pytest.mark.parametrize("text", ["security w/s energy", '"the of" w/p security', 'energy w/p trade',
                                  "title:trade w/s china", "(security w/s energy) OR tariffs NOT health"])
def test_engine_decides_sentences_and_paragraphs(corpora, text):
    """`w/s` and `w/p` are decided from the packs (no stored text read), as the text check decides them."""
    from search.verify import Verifier

    with open_reader(IndexFolder(corpora[0]), ranking.weighting()) as reader:
        engine = engine_for(reader)
        tree = Query.parse(text).full_tree
        compiled = compile_query(tree, reader.searcher.reader(), [])
        docs, _scores = engine.matches(compiled)
        keep = engine.decide(tree, docs, reader.searcher.reader())  # raises Unsupported if not
        verifier = Verifier(tree, reader.searcher)
        stored = reader.store.get_many(engine.column("ids", docs).astype(str).tolist())
        ids = engine.column("ids", docs).astype(str).tolist()
        truth = [verifier.holds(int(d), stored[i]) for d, i in zip(docs.tolist(), ids)]
        assert keep.tolist() == truth
        assert any(truth) and not all(truth)


def test_exact_forms_are_checked_on_the_text(corpora):
    with open_reader(IndexFolder(corpora[0]), ranking.weighting()) as reader:
        tree = Query.parse("exact:security AND (trade w/s energy)").full_tree
        compiled = compile_query(tree, reader.searcher.reader(), [])
        docs, _ = engine_for(reader).matches(compiled)
        with pytest.raises(Unsupported):
            engine_for(reader).decide(tree, docs, reader.searcher.reader())


def _cut_short(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])  # damaged in place: shorter than stamped


def test_missing_or_damaged_pack_falls_back_and_is_rebuilt(tmp_path, monkeypatch):
    """A pack that is gone or cut short is never read, whether its file was mapped by an earlier search
    in this process or is first needed after the damage: searches and facets answer from Whoosh (the
    same results), the damaged pack is not used again, and the next index run rebuilds it."""
    from search.facets import facets

    rng = random.Random(7)
    pristine = tmp_path / "pristine"
    ingest_documents(pristine, [_document(rng, n) for n in range(30)])
    ingest_documents(pristine, [_document(rng, n) for n in range(30, 60)])
    queries = [Query.parse(q) for q in ("security OR trade", '"security trade"', "title:(security OR trade)")]

    def answers(path):
        with open_reader(IndexFolder(path), ranking.weighting()) as reader:
            return [execute(reader, q, limit=None).ranked for q in queries], engine_for(reader)

    def counted(path):
        return facets(path, "security OR trade", top=0).to_json()["facets"]

    def damaged(path, name):
        """Every pack of the index at `path` with `name` cut short."""
        with open_reader(IndexFolder(path)) as reader:
            dirs = sorted((reader.generation / packs.PACK_DIR).iterdir())
        assert len(dirs) >= 2
        for pack in dirs:
            _cut_short(pack / name)
        return dirs

    before, engine = answers(pristine)
    assert engine is not None and all(before)
    facets_before = counted(pristine)

    # files first needed after the damage, in a new process (no pack loaded, no searcher kept)
    for case, name in enumerate(("body.keys.npy", "title.keys.npy", "facet.tag_facet.codes.npy")):
        path = tmp_path / f"cold{case}"
        shutil.copytree(pristine, path)
        damaged(path, name)
        monkeypatch.setenv("POLSEARCH_READER_POOL", "0")
        packs._LOADED.clear()
        with open_reader(IndexFolder(path), ranking.weighting()) as reader:
            assert engine_for(reader) is not None  # nothing is checked before it is needed
            assert [execute(reader, q, limit=None).ranked for q in queries] == before
        assert counted(path) == facets_before
        with open_reader(IndexFolder(path), ranking.weighting()) as reader:
            assert engine_for(reader) is None  # found damaged: not used again
        monkeypatch.delenv("POLSEARCH_READER_POOL")

    # mapped by searches in this process, then cut short: the kept engine is not taken again
    path = tmp_path / "warm"
    shutil.copytree(pristine, path)
    assert answers(path)[0] == before and counted(path) == facets_before
    pack_dirs = damaged(path, "body.keys.npy")
    after, engine = answers(path)
    assert engine is None and after == before

    shutil.rmtree(pack_dirs[0])  # missing
    after, engine = answers(path)
    assert engine is None and after == before
    packs._LOADED.clear()  # an index run is a process of its own, that has mapped nothing
    ingest_documents(path, [])  # an index run with nothing new repairs the packs
    after, engine = answers(path)
    assert engine is not None and after == before
    assert counted(path) == facets_before


def _neighbours_hold(generation) -> int:
    """Checks every pack of the generation: each occurrence's `prev` / `next` are the term numbers at
    the position before / after it in its document's field (-1 past either end), and in a prose field
    its sentence and paragraph are the last starting at or before it. Returns the number of occurrences
    checked."""
    import numpy as np

    checked = 0
    for pack_dir in (generation / packs.PACK_DIR).iterdir():
        for field in packs.TEXT_FIELDS:
            keys = np.load(pack_dir / f"{field}.keys.npy")
            off = np.load(pack_dir / f"{field}.key_off.npy")
            term = np.repeat(np.arange(len(off) - 1), np.diff(off))
            at = {int(k): int(t) for k, t in zip(keys, term)}
            for name, step in (("prev", -1), ("next", 1)):
                got = np.load(pack_dir / f"{field}.{name}.npy")
                want = [at.get(int(k) + step, -1) if (int(k) & 0xFFFFFFFF) + step >= 0 else -1 for k in keys]
                assert got.tolist() == want, (pack_dir.name, field, name)
            if field in packs.PROSE:  # each occurrence's sentence, each sentence's paragraph
                sentences = np.load(pack_dir / f"{field}.sent.npy")
                paragraphs = np.load(pack_dir / f"{field}.para.npy")
                sent_of = np.load(pack_dir / f"{field}.sent_of.npy")
                assert (sent_of == np.searchsorted(sentences, keys, side="right") - 1).all()
                assert (np.load(pack_dir / f"{field}.sent_para.npy")[sent_of] ==
                        np.searchsorted(paragraphs, keys, side="right") - 1).all()
            checked += len(keys)
    return checked


def test_pack_neighbours_and_sentences_are_those_of_the_positions(corpora, tmp_path):
    """Every occurrence's neighbours and sentence in the packs, as the segment writer makes them and as a
    pack built again from a segment and the store makes them (`packs.build`)."""
    with open_reader(IndexFolder(corpora[0]), ranking.weighting()) as reader:
        generation = reader.generation
    assert _neighbours_hold(generation) > 1000
    copy = tmp_path / "index"
    shutil.copytree(corpora[0], copy)
    with open_reader(IndexFolder(copy), ranking.weighting()) as reader:
        generation = reader.generation
        phrase = Query.parse('"security energy" OR "the united states"')
        before = execute(reader, phrase, limit=None).ranked
    shutil.rmtree(generation / packs.PACK_DIR)
    ingest_documents(copy, [])  # builds the packs again from the segments
    assert _neighbours_hold(generation) > 1000
    with open_reader(IndexFolder(copy), ranking.weighting()) as reader:
        assert engine_for(reader) is not None
        assert execute(reader, phrase, limit=None).ranked == before


def test_pack_tokens_are_the_analyzers_tokens():
    """The pack's terms and positions are the prose and name analyzers' own, on awkward text."""
    from indexer.analysis import name_analyzer, prose_analyzer

    text = "Cambodia's U.S.-led talks: don’t STOP—3.5% café Ünïcode naïve 2,500 CEOs' ASEAN's"
    for stem, analyzer in ((True, prose_analyzer()), (False, name_analyzer())):
        tokens = packs._Tokens()
        numbers = tokens.ids(text, stem)
        names = {n: t for t, n in tokens.terms.items()}
        expected = [(t.text, t.pos) for t in analyzer(text, positions=True)]
        assert [(names[n], i) for i, n in enumerate(numbers)] == expected


def test_pack_units_are_the_sentences_and_paragraphs_textmatch_finds():
    """The packs' sentence and paragraph starts divide a text's words as `w/s` and `w/p` do when they read
    the text (`search.textmatch`), on awkward text: abbreviations, quotes, numbers, blank lines."""
    import numpy as np

    from search.textmatch import tokenize

    rng = random.Random(11)
    pieces = ["U.S. officials met.", "“Why?” she asked.", "Talks (in Geneva) ended!", "Then 3.5% growth…",
              "Mr. Smith said so.", "\n\n", "\n \n", "'Quoted' start.", "[Note] ends. 2024 was", "ok"]
    for _ in range(40):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 25)))
        numbers, sentences, paragraphs = packs._Tokens().ids_units(text, True)
        toks = tokenize(text)
        assert len(numbers) == len(toks)
        positions = np.arange(len(numbers))
        for starts, truth in ((sentences, toks.sentence), (paragraphs, toks.paragraph)):
            ours = np.searchsorted(np.array(starts), positions, side="right")
            same = ours[:, None] == ours[None, :]
            theirs = np.array(truth)
            assert (same == (theirs[:, None] == theirs[None, :])).all(), text


def test_unsupported_kinds_fall_back_to_whoosh(corpora):
    """A wildcard inside a proximity (a span OR) is not evaluated by the engine; the search still answers,
    from Whoosh."""
    with open_reader(IndexFolder(corpora[2]), ranking.weighting()) as reader:
        query = Query.parse("sec* w/5 energy")
        compiled = compile_query(query.full_tree, reader.searcher.reader(), [])
        with pytest.raises(Unsupported):
            engine_for(reader).matches(compiled)
        reference = execute_reference(reader, query.full_tree, compiled, limit=None)
        assert execute(reader, query, limit=None).ranked == reference.ranked


@pytest.mark.parametrize("which", range(3))
def test_facets_equal_whoosh(corpora, which):
    """Facet counts from the packs' facet codes are Whoosh's column counts, for random queries and
    filters, every facet, all values."""
    from search.facets import facets

    rng = random.Random(300 + which)
    for _ in range(25):
        text = _random_query(rng)
        filters = _random_filters(rng)
        top = rng.choice([0, 0, 1, 2])
        os.environ["POLSEARCH_ENGINE"] = "whoosh"
        try:
            expected = facets(corpora[which], text, top=top, filters=filters).to_json()
        finally:
            os.environ.pop("POLSEARCH_ENGINE")
        assert facets(corpora[which], text, top=top, filters=filters).to_json() == expected, (text, top)


def test_proximity_with_a_phrase_joins_as_whoosh_does(tmp_path):
    """Whoosh joins `word w/N "phrase"` and `"phrase" w/N word` differently (a phrase before the word
    joins only when it starts within N of it): the engine gives Whoosh's answers both ways, whether
    the phrase comes first or second."""
    texts = ["united states alpha china here", "china alpha united states", "united states china",
             "china united states", "united states alpha beta china"]
    docs = [Document(id=make_id(f"https://example.org/{i}"), url=f"https://example.org/{i}", title="Note",
                     body=body, language="en") for i, body in enumerate(texts)]
    ingest_documents(tmp_path / "index", docs)
    with open_reader(IndexFolder(tmp_path / "index"), ranking.weighting()) as reader:
        assert engine_for(reader) is not None
        totals = {}
        for text in ['china w/2 "united states"', '"united states" w/2 china', 'china w/3 "united states"',
                     'china pre/2 "united states"', '"united states" pre/2 china', 'states w/1 china']:
            expected, got = _both(reader, Query.parse(text, Filters(), "all"), limit=None)
            _same(expected, got, text)
            totals[text] = got.total
    # the first text's phrase ends two words before "china" but starts three before it
    assert totals['china w/2 "united states"'] == 3 and totals['"united states" w/2 china'] == 4


@pytest.mark.parametrize("stretch", [(0, 1), (1, 0)])
def test_a_page_of_folded_copies_is_the_same_whatever_stretch_of_hits_is_ranked_first(corpora, stretch):
    """`search` orders only the best few hits when it folds copies (a page of 10 groups), by score or by
    date, and all of them when those hold too few groups: either way the page and its copy counts are
    the full ordering's."""
    from search import searcher

    rng = random.Random(7)
    kept = searcher._HEAD
    searcher._HEAD = stretch
    try:
        with open_reader(IndexFolder(corpora[0]), ranking.weighting()) as reader:
            for _ in range(60):
                text = _random_query(rng)
                query = Query.parse(text, _random_filters(rng))
                sort = rng.choice(["relevance", "date", "-date"])
                expected = execute_reference(reader, query.full_tree,
                                             compile_query(query.full_tree, reader.searcher.reader(), []),
                                             limit=None, sort=sort)
                folded, copies = _fold(reader, expected.ranked)
                for limit in (1, 3, 10):
                    got = execute(reader, query, limit=limit, sort=sort, collapse=True)
                    assert got.total == expected.total, text
                    assert [i for i, _ in got.ranked] == [i for i, _ in folded[:limit]], text
                    shown = {i for i, _ in got.ranked}
                    assert got.copies == {k: v for k, v in copies.items() if k in shown}, text
    finally:
        searcher._HEAD = kept


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40), st.booleans(), st.integers(0, 45))
def test_the_first_documents_by_date_are_the_full_sorts(dates, newest_first, count):
    """The first few documents by date, from a partition, are the first of the whole sort (equal dates
    by document number, the whole order reversed for newest first)."""
    import numpy as np

    from search.searcher import _date_order

    dates = np.array(dates, dtype=np.uint64)
    docs = np.arange(len(dates), dtype=np.int64) * 3
    whole = np.lexsort((docs, dates))
    whole = whole[::-1] if newest_first else whole
    assert _date_order(docs, dates, newest_first, count).tolist() == whole[:count].tolist()

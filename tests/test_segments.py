"""Segments written from arrays (indexer/segments.py) against segments Whoosh's own writer makes from the
same documents: every term, posting (document, weight, encoded positions), term statistic, field
length, stored value and column must be the same, and so must the pack. Then the writer as `polsearch
index` uses it: segments built in worker processes, incremental runs, updates and merges, each
answering searches exactly as one index built in one run."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from whoosh import index as whoosh_index

from corpus.document import Document, Entity, make_id
from indexer import packs, segments
from indexer.index import IndexFolder, open_reader
from indexer.ingest import ingest_documents
from indexer.schema import build_schema, to_fields
from search.searcher import search

WORDS = ("the of and to in security energy trade china russia sanctions climate change united states U.S. "
         "don't Cambodia's Phnom-Penh café naïve Zürich 2,500 3.5 über 北京 x 0 a1b2 policy tariffs vaccine").split()


def _documents(seed: int, count: int) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for n in range(count):
        url = f"https://example.org/{seed}/{n}"
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 300)))
        if rng.random() < 0.2:
            body = body.replace(" ", "\n\n", 3)
        docs.append(Document(
            id=make_id(url), url=url, title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8))),
            body=body or "x", source=rng.choice(["Chatham House", "RAND", ""]),
            date=f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            if rng.random() < 0.8 else "",
            authors=tuple(rng.sample(["Ana Silva", "Li Wei", "José Núñez", "O'Brien"], rng.randint(0, 3))),
            entities=tuple(Entity(t, k) for t, k in rng.sample(
                [("United States", "LOC"), ("Hun Sen", "PER"), ("European Union", "ORG"), ("Zürich", "LOC")],
                rng.randint(0, 3))),
            tags=tuple(rng.sample(["trade", "asia", "climate change"], rng.randint(0, 2))), language="en"))
    return docs


def _groups(docs):
    # a few documents in another's copy group, as the store would put them
    return {d.id: (docs[0].id if i % 7 == 3 else d.id) for i, d in enumerate(docs)}


def _whoosh_index(path, docs, compound=True):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    groups = _groups(docs)
    writer = ix.writer(compound=compound)
    for doc in docs:
        writer.add_document(**to_fields(doc, groups[doc.id]))
    writer.commit(merge=False)
    return ix


def _built_index(path, docs):
    path.mkdir()
    ix = whoosh_index.create_in(str(path), build_schema())
    groups = _groups(docs)
    builder = segments.SegmentBuilder(ix.storage, ix.indexname, ix.schema, path)
    for doc in docs:
        builder.add(doc, groups[doc.id])
    segment = builder.finish()
    writer = ix.writer()
    writer.commit(mergetype=lambda _w, _s: [segment])
    return ix


def _contents(ix) -> dict:
    schema = ix.schema
    out: dict = {}
    with ix.reader() as r:
        count = r.doc_count_all()
        out["docs"] = count
        out["stored"] = [r.stored_fields(d) for d in range(count)]
        for name in schema.names():
            field = schema[name]
            if field.column_type:
                out[f"column {name}"] = list(r.column_reader(name, translate=False))
            if not field.indexed:
                continue
            out[f"lengths {name}"] = [r.doc_field_length(d, name) for d in range(count)]
            out[f"total length {name}"] = r.field_length(name)
            if field.scorable:
                out[f"longest {name}"] = r.max_field_length(name)
            for term in r.lexicon(name):
                info = r.term_info(name, term)
                m = r.postings(name, term)
                items = []
                while m.is_active():
                    items.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[f"term {name}:{term!r}"] = ((info.weight(), info.doc_frequency(), info.min_length(),
                                                 info.max_length(), info.max_weight()), items)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_segment_from_arrays_holds_what_whoosh_writes(tmp_path, monkeypatch, seed):
    if seed == 3:  # many chunks of documents and slices of postings, as a large segment has
        monkeypatch.setattr(segments, "_TOKENS_PER_CHUNK", 700)
        monkeypatch.setattr(segments, "_POSTINGS_PER_SLICE", 64)
    docs = _documents(seed, 120)
    theirs = _contents(_whoosh_index(tmp_path / "whoosh", docs))
    ours = _contents(_built_index(tmp_path / "arrays", docs))
    assert ours.keys() == theirs.keys()
    different = [k for k in theirs if ours[k] != theirs[k]]
    assert not different, (different[:5], [(ours[k], theirs[k]) for k in different[:1]])
    assert any(k.startswith("term body:") for k in ours) and len(ours["stored"]) == 120


def test_the_pack_written_with_the_segment_is_the_one_built_from_it(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "_TOKENS_PER_CHUNK", 900)
    docs = _documents(4, 150)
    ix = _built_index(tmp_path / "arrays", docs)
    ref = _whoosh_index(tmp_path / "whoosh", docs)
    by_id = {d.id: d for d in docs}
    with ref.reader() as reader:
        target = tmp_path / "reference-pack"
        packs.build(reader, lambda ids: {i: by_id[i] for i in ids}, target)
    with ix.reader() as reader:
        sid = reader.segment().segment_id()
    ours = packs.load(tmp_path / "arrays", sid, len(docs))
    assert ours is not None and packs.verify(tmp_path / "arrays", sid, len(docs))
    import json

    names = json.loads((target / "meta.json").read_text())["files"]
    assert set(names) == set(ours.meta["files"])
    for name in names:
        theirs = np.load(target / f"{name}.npy", allow_pickle=False)
        mine = ours.array(name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name


QUERIES = ["security", '"united states"', "trade AND china", "sanctions OR tariffs", "energy NOT climate",
           "security w/3 energy", "title:policy", "café", "zurich", "date:2000..2010", "author:silva", "sanc*"]


def _answers(path) -> list:
    out = []
    for q in QUERIES:
        r = search(path, q, limit=500)
        out.append((q, r.total, [(h.doc.id, round(h.score, 6), h.copies) for h in r.hits]))
    return out


def test_segments_built_in_worker_processes_answer_as_one_built_in_process(tmp_path, monkeypatch):
    docs = _documents(5, 260)
    ingest_documents(tmp_path / "one", docs, procs=1)
    monkeypatch.setattr(segments, "SEGMENT_DOCS", 60)
    ingest_documents(tmp_path / "workers", docs, procs=2)
    with open_reader(IndexFolder(tmp_path / "workers")) as reader:
        assert len(list(reader.searcher.reader().leaf_readers())) == 5  # 260 documents, 60 a segment
    with open_reader(IndexFolder(tmp_path / "one")) as reader:
        assert reader.searcher.reader().is_atomic()
    assert _answers(tmp_path / "workers") == _answers(tmp_path / "one")


def test_incremental_runs_and_updates_merge_and_answer_as_one_run(tmp_path, monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_DOCS", 40)
    docs = _documents(6, 200)
    updated = [dataclasses.replace(d, body=d.body + " revised sanctions", content_hash="") for d in docs[::9]]
    for start in range(0, 200, 10):  # twenty runs of ten documents
        ingest_documents(tmp_path / "runs", docs[start:start + 10], procs=1)
        with open_reader(IndexFolder(tmp_path / "runs")) as reader:
            top = reader.searcher.reader()
            leaves = [top] if top.is_atomic() else [r for r, _ in top.leaf_readers()]
            small = [r for r in leaves if r.doc_count() < segments.SEGMENT_DOCS // 2]
            assert len(small) < segments.MERGE_FANOUT  # small segments are merged as they pile up
            assert len(leaves) <= (start + 10) // (segments.SEGMENT_DOCS // 2) + segments.MERGE_FANOUT
    # the same documents and scores as one run (merges reorder documents, so ties may come in another order)
    ingest_documents(tmp_path / "once", docs, procs=1)
    assert _by_document(tmp_path / "runs") == _by_document(tmp_path / "once")
    # updates leave deleted entries, which Whoosh's statistics still count: the same documents match
    ingest_documents(tmp_path / "runs", updated, procs=1)
    ingest_documents(tmp_path / "once", updated, procs=1)
    assert _matching(tmp_path / "runs") == _matching(tmp_path / "once")
    result = search(tmp_path / "runs", '"revised sanctions"', limit=100)
    assert result.total == len(updated)


def _by_document(path) -> list:
    return [(q, total, sorted(hits)) for q, total, hits in _answers(path)]


def _matching(path) -> list:
    return [(q, total, sorted(h[0] for h in hits)) for q, total, hits in _answers(path)]


def _jsonl(path, docs) -> None:
    import json

    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"id": d.id, "url": d.url, "title": d.title, "body": d.body, "date": d.date,
                                 "authors": list(d.authors), "source": d.source, "tags": list(d.tags),
                                 "entities": [e.to_json() for e in d.entities], "language": "en"}) + "\n")


@pytest.mark.parametrize("existing", [False, True])
def test_segments_built_while_storing_answer_as_segments_built_after(tmp_path, monkeypatch, existing):
    """A large run builds segments as it stores (one worker, a range of documents each): the index
    answers as one built after storing. A document a later line of the same run changes (an update)
    is deleted from its range's segment and built again."""
    from indexer import ingest as ingest_module

    docs = _documents(8, 560)
    early = docs[30]
    changed = dataclasses.replace(early, body=early.body + " latecomer", content_hash="")
    source = tmp_path / "docs.jsonl"
    _jsonl(source, docs + [changed])
    if existing:  # into an index that has documents already (the current generation)
        for path in (tmp_path / "during", tmp_path / "after"):
            ingest_documents(path, _documents(9, 40), procs=1)
    collected = []
    real_collect = ingest_module._Prebuilder.collect

    def collect(self):
        prepared = real_collect(self)
        collected.append(prepared)
        return prepared

    monkeypatch.setattr(ingest_module._Prebuilder, "collect", collect)
    monkeypatch.setattr(segments, "SEGMENT_DOCS", 150)
    ingest_module.ingest(tmp_path / "during", [source], jobs=2)
    assert collected and collected[0] is not None  # ranges were handed to the builder as the run went
    # (how many it finished before the store was written depends on the machine's speed)
    monkeypatch.setattr(segments, "SEGMENT_DOCS", 10_000)  # nothing built until the store is written
    ingest_module.ingest(tmp_path / "after", [source], jobs=2)
    assert collected[-1] is None
    # the same documents match (the entry of the document updated late is a deleted one in its range's
    # segment, which Whoosh's statistics still count, so scores may differ in the last digits)
    assert _matching(tmp_path / "during") == _matching(tmp_path / "after")
    assert search(tmp_path / "during", "latecomer").total == 1
    with open_reader(IndexFolder(tmp_path / "during")) as reader:
        assert reader.searcher.doc_count() == len(docs) + (40 if existing else 0)
    generations = list((tmp_path / "during" / "whoosh").iterdir())
    assert len(generations) == 1  # no generation left over from the run


def _postings_files(ix) -> dict[str, bytes]:
    """Each field's posting file bytes (blocks, their headers and statistics) of a one-segment index."""
    from whoosh.codec.whoosh3 import W3Codec

    (segment,) = ix._segments()
    out = {}
    for ext in (W3Codec.POSTS_EXT, W3Codec.TERMS_EXT):
        handle = segment.open_file(ix.storage, ext)
        try:
            out[ext] = bytes(handle.read())
        finally:
            handle.close()
    return out


@pytest.mark.parametrize("count", [200, 400])
def test_posting_blocks_are_written_byte_for_byte_as_whoosh_writes_them(tmp_path, monkeypatch, count):
    """Terms in more documents than a block holds (128 postings) cut into blocks at the same places,
    with the same block statistics, compression and term table: the files are the same bytes."""
    monkeypatch.setattr(segments, "_POSTINGS_PER_SLICE", 97)  # runs of one term cut across slices
    docs = _documents(7, count)
    whoosh = _whoosh_index(tmp_path / "whoosh", docs, compound=False)
    with whoosh.reader() as r:
        assert max(r.doc_frequency("body", t) for t in r.lexicon("body")) > (256 if count == 400 else 128)
    theirs = _postings_files(whoosh)
    ours = _postings_files(_built_index(tmp_path / "arrays", docs))
    assert sorted(ours) == sorted(theirs) and ours
    assert [k for k in theirs if ours[k] != theirs[k]] == []


def test_a_codec_without_the_block_buffer_gets_the_generic_path(tmp_path, monkeypatch):
    """Where the postings writer is not the W3 one `postings.write` fills, each posting goes through
    Whoosh's `add_postings`, and the segment holds the same."""
    monkeypatch.setattr(segments.postings, "supported", lambda _fieldwriter: False)
    docs = _documents(5, 60)
    theirs = _contents(_whoosh_index(tmp_path / "whoosh", docs))
    ours = _contents(_built_index(tmp_path / "arrays", docs))
    assert [k for k in theirs if ours.get(k) != theirs[k]] == [] and ours.keys() == theirs.keys()

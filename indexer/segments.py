"""Whoosh segments written from arrays: how a build of 10^5 documents stays fast (issue 11).

Whoosh's own writer (`SegmentWriter.add_document`) sends every posting through a Python tuple into an
external sort (`PostingPool`) and merges the sorted runs from temporary files at commit; at 100,000
documents that ran at 30 documents/s with 14 GB of runs. Here the same segment is written another way:

- each document's words become term numbers, one dict lookup a word (`packs._Tokens`: the analyzers'
  own steps, run once per distinct spelling);
- a field's term numbers are put in term order a chunk of documents at a time (a numpy sort of the
  chunk, its entries placed at each term's running offset in the pack's memory-mapped arrays, as
  `packs.build` does), which gives every posting, its frequency and its positions;
- the sorted postings go to Whoosh's own codec (`FieldWriter.add_postings`, `PerDocumentWriter`), so the
  files are Whoosh's format written by Whoosh's code; only the order of the work differs;
- the same arrays are the segment's pack (`packs.py`), without a second pass over the texts.

A segment holds at most `SEGMENT_DOCS` documents; segments are built in worker processes, one per core
(and, during a large ingest run, one beside the process storing documents: `ingest._Prebuilder`), and
the writer commits them in one new table of contents (`index._write`). The postings, field lengths,
stored values and columns are exactly those `add_document` makes: `tests/test_segments.py` compares every
term, posting, length and column with a segment Whoosh writes itself. How each field is indexed:

- text fields with positions (title, body, author, entity, source, tag): term numbers in token order;
- keyword fields (space-separated values, `Frequency` postings): term numbers, counted per document;
- any other indexed field (id, date, year, the ID columns): Whoosh's own `field.index()`, a few terms a
  document.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from array import array
from pathlib import Path
from pickle import dumps
from typing import Iterator

from . import postings
from .npyfiles import NpyFile
from .packs import PROSE, TEXT_FIELDS, UNITS, _Tokens

# Documents per segment: a builder of 8,000 of the bench's commentaries (1,700 words each) peaks near
# 350 MB (the token stream in memory, 4 bytes a word, and the pack's memory-mapped arrays as they are
# filled), so two builders and the process storing documents stay under 1 GB.
SEGMENT_DOCS = 8_000
# Segments under half that size are merged (rewritten from the store) once there are this many of them.
MERGE_FANOUT = 6
# A build is shared among the worker processes when each gets at least this many documents (fewer are
# quicker in one process than the workers take to start).
PARALLEL_DOCS = 2_500
# A segment with more than this share of its entries deleted (updated documents) is rewritten.
MERGE_DELETED = 0.3
_POSTINGS_PER_SLICE = 1 << 18
_TOKENS_PER_CHUNK = 1 << 19
_ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _keyword_pattern(field):
    """The regex of a keyword field whose analyzer is Whoosh's space-separated tokenizer alone (and
    whose postings are frequencies), else None."""
    from whoosh import formats
    from whoosh.analysis import RegexTokenizer

    ana = field.analyzer
    if type(field.format) is formats.Frequency and type(ana) is RegexTokenizer and not ana.gaps:
        return ana.expression
    return None


class SegmentBuilder:
    """One new segment of `ix`, its documents added in docnum order, then `finish()`ed: the segment
    files and its pack are written and the (uncommitted) `W3Segment` returned."""

    def __init__(self, storage, indexname: str, schema, generation: Path) -> None:
        from whoosh.codec import default_codec
        from whoosh.formats import Positions

        self.storage, self.indexname, self.schema, self.generation = storage, indexname, schema, generation
        self.codec = default_codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self.segment.segid = "".join(secrets.choice(_ID_CHARS) for _ in range(16))
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.count = 0
        self.dates = array("q")
        self.kinds: dict[str, str] = {}
        for name in schema.names():
            field = schema[name]
            if getattr(field, "vector", None) or field.separate_spelling():
                raise ValueError(f"the fast segment writer cannot write field {name!r} (vectors, spelling)")
            if not field.indexed:
                continue
            if name in TEXT_FIELDS and type(field.format) is Positions:
                self.kinds[name] = "positions"
            elif _keyword_pattern(field) is not None:
                self.kinds[name] = "keyword"
            else:
                self.kinds[name] = "other"
        self.tokens = {name: _Tokens() for name, kind in self.kinds.items() if kind != "other"}
        self.patterns = {name: _keyword_pattern(schema[name]) for name, k in self.kinds.items() if k == "keyword"}
        # per positional/keyword field: all term numbers in document order, and each document's count
        self.streams = {name: array("i") for name in self.tokens}
        self.sizes = {name: array("i") for name in self.tokens}
        # per other field: term numbers, documents, weights and value codes of its postings
        self.others = {name: ({}, array("i"), array("i"), array("d"), array("i"))
                       for name, k in self.kinds.items() if k == "other"}
        self.values: dict[bytes, int] = {}
        # where sentences and paragraphs start in the prose fields, as pack keys (packs.UNITS)
        self.units = {name: {u: array("q") for u in UNITS} for name in PROSE if self.kinds.get(name) == "positions"}
        # each document's length in each scorable field, as the per-document file stores it (quantised)
        self.lengths = {name: array("i") for name in self.kinds if schema[name].scorable}

    def add(self, doc, copy_group: str | None) -> None:
        from whoosh.util.times import datetime_to_long

        from .schema import to_fields

        fields = to_fields(doc, copy_group)
        docnum = self.count
        perdoc, schema = self.perdoc, self.schema
        perdoc.start_doc(docnum)
        present = sorted(n for n, v in fields.items() if v is not None and not n.startswith("_"))
        for name in self.tokens:
            if name not in fields or fields[name] is None:
                self.sizes[name].append(0)
        for name in self.lengths:
            if name not in fields or fields[name] is None:
                self.lengths[name].append(0)
        for name in present:
            value = fields[name]
            field = schema[name]
            length = 0
            kind = self.kinds.get(name)
            if kind == "positions" or kind == "keyword":
                if kind == "positions" and name in PROSE:
                    numbers, sentences, paragraphs = self.tokens[name].ids_units(value, True)
                    if numbers:
                        units = self.units[name]
                        units["sent"].extend((docnum << 32) | p for p in sentences)
                        units["para"].extend((docnum << 32) | p for p in paragraphs)
                elif kind == "positions":
                    numbers = self.tokens[name].ids(value, False)
                else:
                    numbers = self.tokens[name].strings(self.patterns[name].findall(value))
                self.streams[name].extend(numbers)
                self.sizes[name].append(len(numbers))
                if field.scorable:
                    length = len(numbers)
            elif kind == "other":
                vocab, terms, docs, weights, codes = self.others[name]
                for tbytes, freq, weight, vbytes in field.index(value):
                    terms.append(vocab.setdefault(tbytes, len(vocab)))
                    docs.append(docnum)
                    weights.append(weight)
                    codes.append(self.values.setdefault(vbytes, len(self.values)))
                    if field.scorable:
                        length += freq
            if field.scorable:
                self.lengths[name].append(length)
            perdoc.add_field(name, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        if doc.date:
            day = dt.date.fromisoformat(doc.date)
            self.dates.append(datetime_to_long(dt.datetime(day.year, day.month, day.day)))
        else:
            from .packs import NO_DATE

            self.dates.append(NO_DATE)
        self.count += 1

    def finish(self):
        """Write the postings and the pack; returns the segment, not yet in any table of contents."""
        import numpy as np

        from . import packs

        self.perdoc.close()
        self.segment.set_doc_count(self.count)
        fieldwriter = self.codec.field_writer(self.storage, self.segment)
        target = packs.pack_path(self.generation, self.segment.segment_id())
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        lengths = postings.Lengths(self.lengths)
        if postings.supported(fieldwriter):
            postings.write(fieldwriter, self.schema, lengths.doc_field_length_reader, self._postings(tmp))
        else:  # another codec: one posting at a time through Whoosh's generic path
            fieldwriter.add_postings(self.schema, lengths, (
                (name, term, *posting) for name, term, *run in self._postings(tmp) for posting in zip(*run)))
        fieldwriter.close()
        from whoosh.reading import SegmentReader

        reader = SegmentReader(self.storage, self.schema, self.segment)
        try:
            dates = np.frombuffer(self.dates, dtype=np.int64) if self.count else np.zeros(0, dtype=np.int64)
            packs.write_columns(tmp, reader, self.count, dates)
        finally:
            reader.close()
        packs.seal(tmp, target, self.segment.segment_id(), self.count)
        return self.segment

    def discard(self) -> None:
        """Remove what was written of this segment (its files, its pack)."""
        from . import packs

        if not self.perdoc.is_closed:
            try:
                self.perdoc.close()
            except Exception:  # noqa: BLE001 - already failing; the files go below
                pass
        remove_segments(self.storage, [self.segment])
        shutil.rmtree(packs.pack_path(self.generation, self.segment.segment_id()), ignore_errors=True)

    # -- postings, field by field in name order -------------------------------------------------------
    def _postings(self, pack_tmp: Path) -> Iterator[tuple]:
        for name in sorted(self.kinds):
            kind = self.kinds[name]
            if kind == "positions":
                yield from self._positional(name, pack_tmp)
            elif kind == "keyword":
                yield from self._keyword(name)
            else:
                yield from self._other(name)
            # what the field held is not needed again
            self.streams.pop(name, None)
            self.others.pop(name, None)

    def _grouped(self, name: str):
        """A keyword field's term numbers in term order: (sorted terms, term rank, document) of each
        value, a term's in document order."""
        import numpy as np

        vocabulary = self.tokens[name].terms
        names = sorted(vocabulary)
        buffer = self.streams.pop(name)
        stream = np.frombuffer(buffer, dtype=np.int32) if buffer else np.zeros(0, dtype=np.int32)
        sizes = np.frombuffer(self.sizes[name], dtype=np.int32) if self.sizes[name] else \
            np.zeros(0, dtype=np.int32)
        rank = np.empty(len(names), dtype=np.int32)
        if names:
            rank[np.array([vocabulary[n] for n in names], dtype=np.int64)] = np.arange(len(names), dtype=np.int32)
        r = rank[stream] if len(stream) else stream
        del stream, buffer
        order = np.argsort(r, kind="stable")
        r = r[order]
        d = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[order]
        return names, r, d

    def _positional(self, name: str, pack_tmp: Path) -> Iterator[tuple]:
        """A text field's postings, from its pack arrays: the term numbers are placed, a chunk of
        documents at a time, at each term's running offset in the pack's memory-mapped files
        (`packs._write_field`, as `packs.build` does), so memory stays near the token stream's size;
        then each posting is read back in term order and encoded as Whoosh's `Positions` format
        encodes it (the frequency, then the first position and the gaps, pickled)."""
        import numpy as np
        from whoosh.system import pack_uint
        from whoosh.util.numeric import byte_to_length, length_to_byte

        from .packs import _as_keys, _write_field, write_units

        fb = self.schema[name].format.field_boost
        vocabulary = self.tokens[name].terms
        nterms = len(vocabulary)
        buffer = self.streams.pop(name)
        stream = np.frombuffer(buffer, dtype=np.int32) if buffer else np.zeros(0, dtype=np.int32)
        sizes = np.frombuffer(self.sizes[name], dtype=np.int32).astype(np.int64) if self.sizes[name] else \
            np.zeros(0, dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(sizes)])  # each document's first token in the stream
        chunks: list[list[int]] = []
        d = 0
        while d < len(sizes):  # chunks of documents of about `_TOKENS_PER_CHUNK` tokens
            end = max(d + 1, int(np.searchsorted(first, first[d] + _TOKENS_PER_CHUNK, side="right")) - 1)
            end = min(end, len(sizes))
            chunks.append(list(range(d, end)))
            d = end

        def chunk_terms(c: int):
            chunk = chunks[c]
            return stream[first[chunk[0]]:first[chunk[-1] + 1]]

        key_counts = np.bincount(stream, minlength=nterms) if len(stream) else np.zeros(nterms, dtype=np.int64)
        post_counts = np.zeros(nterms, dtype=np.int64)
        for c, chunk in enumerate(chunks):
            terms = chunk_terms(c)
            if len(terms):
                local = np.repeat(np.arange(len(chunk), dtype=np.int64), sizes[chunk])
                pairs = np.unique(terms.astype(np.int64) * len(chunk) + local)
                post_counts += np.bincount(pairs // len(chunk), minlength=nterms)
        quantised = {int(s): byte_to_length(length_to_byte(int(s))) for s in np.unique(sizes) if s}
        lengths = np.array([quantised.get(int(s), 0.0) for s in sizes], dtype=np.float64)
        units = self.units.get(name)
        _write_field(pack_tmp, name, vocabulary, key_counts, post_counts, chunks, sizes, lengths, chunk_terms,
                     sentences=_as_keys(units["sent"]) if units else None)
        del stream, buffer, chunk_terms
        if units:
            write_units(pack_tmp, name, units)
        names = sorted(vocabulary)
        btexts = [t.encode("utf-8") for t in names]
        # read back a slice at a time from the files (not mapped: mapped pages would stay resident)
        keys = NpyFile(pack_tmp / f"{name}.keys.npy")
        docs = np.load(pack_tmp / f"{name}.docs.npy")
        tf = np.load(pack_tmp / f"{name}.tf.npy")
        doc_off = np.load(pack_tmp / f"{name}.doc_off.npy")
        npost = len(docs)
        term_of = np.repeat(np.arange(len(names), dtype=np.int32), np.diff(doc_off))
        heads: dict[int, bytes] = {}
        key_at = 0
        for lo in range(0, npost, _POSTINGS_PER_SLICE):
            hi = min(lo + _POSTINGS_PER_SLICE, npost)
            freqs = np.asarray(tf[lo:hi], dtype=np.int64)
            cut = np.concatenate([[0], np.cumsum(freqs)])
            pos = keys.read(key_at, int(cut[-1])) & 0xFFFFFFFF
            key_at += int(cut[-1])
            gaps = pos.copy()
            if len(pos):
                gaps[1:] -= pos[:-1]
                gaps[cut[:-1]] = pos[cut[:-1]]
            gaps_list, cut_list = gaps.tolist(), cut.tolist()
            values = []
            for i, freq in enumerate(freqs.tolist()):
                head = heads.get(freq)
                if head is None:
                    head = heads[freq] = pack_uint(freq)
                values.append(head + dumps(gaps_list[cut_list[i]:cut_list[i + 1]], 2))
            yield from _runs(name, btexts, term_of[lo:hi], docs[lo:hi].tolist(), (freqs * fb).tolist(), values)
        keys.close()
        del docs, tf

    def _keyword(self, name: str) -> Iterator[tuple]:
        import numpy as np
        from whoosh.system import pack_uint

        fb = self.schema[name].format.field_boost
        names, r, d = self._grouped(name)
        n = len(r)
        new = np.ones(n, dtype=bool)
        if n:
            new[1:] = (r[1:] != r[:-1]) | (d[1:] != d[:-1])
        starts = np.flatnonzero(new)
        del new
        freqs = np.diff(np.append(starts, n))
        btexts = [t.encode("utf-8") for t in names]
        heads: dict[int, bytes] = {}
        for lo in range(0, len(starts), _POSTINGS_PER_SLICE):  # a slice at a time: lists of Python ints are big
            at = starts[lo:lo + _POSTINGS_PER_SLICE]
            slice_freqs = freqs[lo:lo + _POSTINGS_PER_SLICE]
            values = []
            for freq in slice_freqs.tolist():
                head = heads.get(freq)
                if head is None:
                    head = heads[freq] = pack_uint(freq)
                values.append(head)
            yield from _runs(name, btexts, r[at], d[at].tolist(), (slice_freqs * fb).tolist(), values)

    def _other(self, name: str) -> Iterator[tuple]:
        import numpy as np

        vocab, terms, docs, weights, codes = self.others[name]
        if not terms:
            return
        names = sorted(vocab)
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.array([vocab[t] for t in names], dtype=np.int64)] = np.arange(len(names))
        r = rank[np.frombuffer(terms, dtype=np.int32)]
        order = np.lexsort((np.frombuffer(docs, dtype=np.int32), r))  # by term, then document
        values = list(self.values)
        w = np.frombuffer(weights, dtype=np.float64)
        c = np.frombuffer(codes, dtype=np.int32)
        dd = np.frombuffer(docs, dtype=np.int32)
        yield from _runs(name, names, r[order], dd[order].tolist(), w[order].tolist(),
                         [values[code] for code in c[order].tolist()])


def _runs(name: str, btexts: list, terms, docs: list, weights: list, values: list) -> Iterator[tuple]:
    """`postings.Run`s of a slice of postings in term order: (name, term, docs, weights, values) of
    each run of one term (`terms`: the term numbers, an array)."""
    import numpy as np

    n = len(docs)
    if not n:
        return
    cuts = [0, *(np.flatnonzero(terms[1:] != terms[:-1]) + 1).tolist(), n]
    first = terms[np.array(cuts[:-1], dtype=np.int64)].tolist()
    for term, a, b in zip(first, cuts, cuts[1:]):
        yield name, btexts[term], docs[a:b], weights[a:b], values[a:b]


def remove_segments(storage, segments) -> None:
    """Delete the files of `segments` (written, never committed) from their storage."""
    prefixes = tuple(f"{s.segment_id()}." for s in segments)
    for filename in list(storage):
        if filename.startswith(prefixes):
            try:
                storage.delete_file(filename)
            except OSError:
                pass


# -- building segments for a writer, in worker processes ---------------------------------------------
def _cuts(n: int, procs: int = 1) -> list[int]:
    """Where to cut `n` documents into segments of at most `SEGMENT_DOCS`, all of about the same size
    (so that no small remainder is left to merge again), and into at least one a worker process when
    each would still get `PARALLEL_DOCS` documents."""
    parts = max(-(-n // SEGMENT_DOCS), min(procs, n // PARALLEL_DOCS), 1)
    return [n * k // parts for k in range(parts + 1)] if n else [0]


def seq_jobs(changed: list[tuple[int, str]], since: int, procs: int = 1) -> list[dict]:
    """The documents changed after `since` ((seq, id) in seq order), as jobs of one segment each: a
    range of `seq`, so that a worker reads its documents from the store itself."""
    cuts = _cuts(len(changed), procs)
    return [{"seq": (changed[a - 1][0] if a else since, changed[b - 1][0]), "docs": b - a}
            for a, b in zip(cuts, cuts[1:]) if b > a]


def id_jobs(ids: list[str], procs: int = 1) -> list[dict]:
    cuts = _cuts(len(ids), procs)
    return [{"ids": ids[a:b], "docs": b - a} for a, b in zip(cuts, cuts[1:]) if b > a]


def plan(segments) -> tuple[list, list]:
    """Which of a writer's segments to keep as they are and which to rewrite (their live documents into
    new segments): many small ones (each incremental run adds one), and those mostly deleted (updated
    documents). Segments with nothing live are dropped."""
    live = [s for s in segments if s.doc_count() > 0]
    worn = [s for s in live if s.deleted_count() > MERGE_DELETED * s.doc_count_all()]
    small = [s for s in live if s not in worn and s.doc_count() < SEGMENT_DOCS // 2]
    rewrite = worn + (small if len(small) >= MERGE_FANOUT else [])
    return [s for s in live if s not in rewrite], rewrite


def live_ids(storage, schema, segments) -> list[str]:
    """The ids of the live entries of `segments`, in their order."""
    from whoosh.reading import SegmentReader

    ids: list[str] = []
    for segment in segments:
        reader = SegmentReader(storage, schema, segment)
        try:
            ids.extend(reader.stored_fields(d)["id"] for d in range(segment.doc_count_all())
                       if not segment.is_deleted(d))
        finally:
            reader.close()
    return ids


def _run_job(job: dict, folder: str, generation: str, report, ids: list | None = None) -> object | None:
    """Build the segment of one job; None when none of its documents is in the store any more. `ids`,
    if given, receives the documents' ids in document-number order."""
    from whoosh import index as whoosh_index

    from corpus.store.documents import Store

    ix = whoosh_index.open_dir(generation)
    builder = SegmentBuilder(ix.storage, ix.indexname, ix.schema, Path(generation))
    try:
        with Store.open(Path(folder), readonly=True) as store:
            for batch in _batches(store, job):
                groups = store.copy_groups(doc.id for doc in batch)
                for doc in batch:
                    builder.add(doc, groups[doc.id])
                    if ids is not None:
                        ids.append(doc.id)
                report(len(batch))
        if not builder.count:
            builder.discard()
            return None
        return builder.finish()
    except BaseException:
        builder.discard()
        raise


def _batches(store, job: dict, size: int = 200) -> Iterator[list]:
    if "seq" in job:
        lo, hi = job["seq"]
        batch: list = []
        for _seq, doc in store.iter_documents(lo, hi, batch=size):
            batch.append(doc)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
    else:
        ids = job["ids"]
        for i in range(0, len(ids), size):
            found = store.get_many(ids[i:i + size])
            yield [found[d] for d in ids[i:i + size] if d in found]


_QUEUE = None  # in a worker: where it reports documents done


def _init_worker(parent: int, queue) -> None:
    global _QUEUE
    from .ingest import _watch_parent

    _QUEUE = queue
    _watch_parent(parent)


def build_one(job: dict, folder: str, generation: str) -> tuple[object | None, list[str]]:
    """One job's segment and its documents' ids in order, built in the calling process without progress
    reports (a worker of `ingest._Prebuilder`)."""
    ids: list[str] = []
    return _run_job(job, folder, generation, lambda _n: None, ids), ids


def _job_in_worker(job: dict, folder: str, generation: str):
    return _run_job(job, folder, generation, _QUEUE.put)


def build(folder: Path, generation: Path, jobs: list[dict], procs: int, progress) -> list:
    """Build the segments of `jobs` (one each, in job order), in `procs` worker processes when there
    is more than one job; returns them (files and packs written, in no table of contents yet). On any
    failure what was written is removed and the error raised."""
    import concurrent.futures as cf
    import multiprocessing
    import queue as queue_module

    if procs <= 1 or len(jobs) <= 1:
        done: list = []
        try:
            for job in jobs:
                segment = _run_job(job, str(folder), str(generation), progress.advance)
                if segment is not None:
                    done.append(segment)
        except BaseException:
            discard(generation, done)
            raise
        return done
    ctx = multiprocessing.get_context("spawn")
    reports = ctx.Queue()
    futures: list = []
    pool = cf.ProcessPoolExecutor(max_workers=min(procs, len(jobs)), mp_context=ctx, initializer=_init_worker,
                                  initargs=(os.getpid(), reports))
    try:
        futures = [pool.submit(_job_in_worker, job, str(folder), str(generation)) for job in jobs]
        pending = set(futures)
        while pending:
            _done, pending = cf.wait(pending, timeout=0.2, return_when=cf.FIRST_COMPLETED)
            while True:
                try:
                    progress.advance(reports.get_nowait())
                except queue_module.Empty:
                    break
        return [s for s in (f.result() for f in futures) if s is not None]
    except BaseException:
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        discard(generation, [f.result() for f in futures
                             if f.done() and not f.cancelled() and f.exception() is None and f.result() is not None])
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        reports.close()


def discard(generation: Path, segments) -> None:
    """Remove the files and packs of segments built but not committed."""
    from whoosh.filedb.filestore import FileStorage

    from . import packs

    if not segments:
        return
    remove_segments(FileStorage(str(generation)), segments)
    for segment in segments:
        shutil.rmtree(packs.pack_path(generation, segment.segment_id()), ignore_errors=True)

"""Packs: a Whoosh segment's postings and columns as numpy arrays, beside the segment, for the engine.

Whoosh stays the index of record; a pack is derived data that makes queries fast (`search/engine.py`
walks arrays in C instead of matchers in Python). One pack per segment, in
`whoosh/<generation>/packs/<segment id>.v<PACK_VERSION>/`, holding for the document numbers of that
segment:

- for each text field (`title`, `body`, `author`, `entity`, `source`, `tag`): the sorted terms; for each
  term its documents with their term frequencies (`docs`, `tf`, sliced by `doc_off`) and its positions as
  int64 keys `document << 32 | position` (sliced by `key_off`), ascending; beside each key, the term
  numbers of the words just before and just after it in the field (`prev`, `next`, -1 at either end),
  so that a phrase is decided from a few of its words' occurrences (`poskeys.anchors`), without
  looking up the other words' positions; and each document's field length as Whoosh scores it (quantised to a byte,
  as the segment stores it);
- for the prose fields (`title`, `body`), where each document's sentences and paragraphs start, as keys
  `document << 32 | position` (`title.sent`, `body.para`, ...), so `w/s` and `w/p` are decided from
  positions (a word's unit is the last one starting at or before it, as `search.textmatch` counts);
  beside each occurrence (`keys`), the number of its sentence there (`sent_of`), and for each sentence
  the number of its paragraph (`sent_para`), so a word's units are read, not looked up;
- columns: the date (Whoosh's long encoding of the day), the id, the copy group.

The terms and positions are those the index's analyzers make (`indexer.analysis.term_spans`, which the
tests hold to the analyzers themselves), of the same document texts the segment was written from: the
store holds exactly the version each live index entry was written from (the index is only ever written
from the store, under the writer lock). A deleted entry is left empty (its stale text is not read); the
engine leaves deleted documents out at query time, from the segment's own deletion set.

Writing is atomic (a temporary folder renamed into place) and stamped (`meta.json`: pack version,
segment id, document count, each file's size and CRC-32). `sync()` builds the packs a generation lacks
and removes those of merged-away segments; `load()` returns None for a missing, stale or damaged pack,
and a file found missing or cut short as a search maps it raises `Damaged`: either way the searcher
answers on Whoosh itself (slower, never wrong) until the next index run rebuilds the pack.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from array import array
from pathlib import Path
from typing import Callable

from . import npyfiles

PACK_VERSION = 6  # 2: copy group numbers; 3: facet codes; 4: sentence and paragraph starts; 5: neighbours;
# 6: each occurrence's sentence
PACK_DIR = "packs"
TEXT_FIELDS = ("title", "body", "author", "entity", "source", "tag")
PROSE = frozenset({"title", "body"})
NO_DATE = -(2 ** 63)
_DOCS_PER_CHUNK = 500
FACET_COLUMNS = ("year", "source_facet", "author_facet", "entity_facet", "tag_facet")
MULTI_VALUED_COLUMNS = frozenset({"author_facet", "entity_facet", "tag_facet"})
_FIELD_ARRAYS = ("terms", "doc_off", "docs", "tf", "key_off", "keys", "prev", "next", "len")
NO_WORD = -1  # in `prev` / `next`: the occurrence is its field's first / last word
UNITS = ("sent", "para")  # where sentences and paragraphs start, as keys, in the prose fields
REQUIRED = frozenset({"dates", "sort_dates", "group_nums", "ids", "groups",
                      *(f"{f}.{a}" for f in TEXT_FIELDS for a in _FIELD_ARRAYS),
                      *(f"{f}.{u}" for f in PROSE for u in UNITS),
                      *(f"{f}.{a}" for f in PROSE for a in ("sent_of", "sent_para")),
                      *(f"facet.{n}.{a}" for n in FACET_COLUMNS for a in ("keys", "codes", "off"))})


def pack_path(generation: Path, segment_id: str) -> Path:
    return generation / PACK_DIR / f"{segment_id}.v{PACK_VERSION}"


def field_texts(doc) -> dict[str, str]:
    """The texts of the text fields as `indexer.schema.to_fields` gives them to Whoosh."""
    return {"title": doc.title or "", "body": doc.body or "", "author": "\n".join(doc.authors),
            "entity": "\n".join(e.text for e in doc.entities), "source": doc.source or "",
            "tag": "\n".join(doc.tags)}


class _Tokens:
    """Words to term numbers, one dict lookup a word: the analyzer's steps (`analysis.word_forms`) run
    once per distinct spelling."""

    def __init__(self) -> None:
        from .analysis import _WORD

        self.find = _WORD.findall
        self.terms: dict[str, int] = {}
        self.words: dict[str, int] = {}

    def ids(self, text: str, stem: bool) -> list[int]:
        from .analysis import word_forms

        words, terms = self.words, self.terms
        which = 0 if stem else 1
        out = []
        for w in self.find(text):
            n = words.get(w)
            if n is None:
                n = words[w] = terms.setdefault(word_forms(w)[which], len(terms))
            out.append(n)
        return out

    def ids_units(self, text: str, stem: bool) -> tuple[list[int], list[int], list[int]]:
        """`ids()`, and the positions at which the text's sentences and paragraphs start, as
        `search.textmatch` divides a text (a word is in the last unit starting at or before it;
        the cuts fall after white space, so no word is cut)."""
        from .analysis import paragraph_starts, sentence_starts

        paras = paragraph_starts(text)
        cuts = sentence_starts(text, paras)
        para_set = set(paras)
        out: list[int] = []
        sentences: list[int] = []
        paragraphs: list[int] = []
        for j, c in enumerate(cuts):
            pos = len(out)
            if not sentences or sentences[-1] != pos:
                sentences.append(pos)
            if c in para_set and (not paragraphs or paragraphs[-1] != pos):
                paragraphs.append(pos)
            out.extend(self.ids(text[c:cuts[j + 1]] if j + 1 < len(cuts) else text[c:], stem))
        return out, sentences, paragraphs

    def strings(self, words) -> list[int]:
        """Keyword values to term numbers, as they are (no analysis beyond the split)."""
        terms = self.terms
        return [terms.setdefault(w, len(terms)) for w in words]


def build(reader, documents: Callable[[list[str]], dict], target: Path, progress=None) -> None:
    """Write the pack of one Whoosh segment (`reader`, a segment reader) to `target`. `documents(ids)`
    returns the stored `Document`s of those ids.

    Memory stays flat whatever the segment's size: a first pass tokenizes the documents a chunk at a
    time, keeping each chunk's term numbers in a temporary file and counting each term's positions and
    postings; a second pass places each chunk's positions and postings straight into the final arrays
    (memory-mapped files), at each term's running offset, so that a term's entries stay in document
    order without a sort of the whole segment."""
    import numpy as np
    from whoosh.util.numeric import byte_to_length, length_to_byte
    from whoosh.util.times import datetime_to_long

    import datetime as dt

    count = reader.doc_count_all()
    segment = reader.segment()
    deleted = set(segment.deleted_docs()) if reader.has_deletions() else set()
    ids = [reader.stored_fields(d).get("id", "") for d in range(count)]
    dates = np.full(count, NO_DATE, dtype=np.int64)
    tokens = {f: _Tokens() for f in TEXT_FIELDS}
    units = {f: {u: array("q") for u in UNITS} for f in PROSE}
    lengths = {f: np.zeros(count, dtype=np.float64) for f in TEXT_FIELDS}   # quantised, as Whoosh scores
    sizes = {f: np.zeros(count, dtype=np.int64) for f in TEXT_FIELDS}       # tokens, exactly
    key_counts = {f: np.zeros(0, dtype=np.int64) for f in TEXT_FIELDS}      # by term number
    post_counts = {f: np.zeros(0, dtype=np.int64) for f in TEXT_FIELDS}
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "chunks").mkdir(parents=True)
    live = [d for d in range(count) if d not in deleted]
    chunks: list[list[int]] = [live[i:i + _DOCS_PER_CHUNK] for i in range(0, len(live), _DOCS_PER_CHUNK)]
    quantised: dict[int, int] = {}
    for c, chunk in enumerate(chunks):  # pass 1: tokenize, count
        docs = documents([ids[d] for d in chunk])
        buffers = {f: array("i") for f in TEXT_FIELDS}
        for d in chunk:
            doc = docs.get(ids[d])
            if doc is None:
                continue
            if doc.date:
                day = dt.date.fromisoformat(doc.date)
                dates[d] = datetime_to_long(dt.datetime(day.year, day.month, day.day))
            for f, text in field_texts(doc).items():
                if not text:
                    continue
                if f in PROSE:
                    numbers, sentences, paragraphs = tokens[f].ids_units(text, True)
                    if numbers:
                        units[f]["sent"].extend((d << 32) | p for p in sentences)
                        units[f]["para"].extend((d << 32) | p for p in paragraphs)
                else:
                    numbers = tokens[f].ids(text, False)
                n = len(numbers)
                if not n:
                    continue
                q = quantised.get(n)
                if q is None:
                    q = quantised[n] = byte_to_length(length_to_byte(n))
                lengths[f][d] = q
                sizes[f][d] = n
                buffers[f].extend(numbers)
        for f in TEXT_FIELDS:
            terms = np.frombuffer(buffers[f], dtype=np.int32) if buffers[f] else np.zeros(0, dtype=np.int32)
            np.save(tmp / "chunks" / f"{f}.{c}.npy", terms)
            nterms = len(tokens[f].terms)
            key_counts[f] = _grow(key_counts[f], nterms) + np.bincount(terms, minlength=nterms)
            docs_of = np.repeat(np.arange(len(chunk), dtype=np.int64), sizes[f][chunk])
            pairs = np.unique(terms.astype(np.int64) * len(chunk) + docs_of) if len(terms) else terms
            post_counts[f] = _grow(post_counts[f], nterms) + \
                np.bincount((pairs // len(chunk)).astype(np.int64), minlength=nterms)
        if progress is not None:
            progress.advance(len(chunk) // 2)

    write_columns(tmp, reader, count, dates)
    for f in PROSE:
        write_units(tmp, f, {u: units[f][u] for u in UNITS})
    for f in TEXT_FIELDS:  # pass 2: place each chunk's entries
        _write_field(tmp, f, tokens[f].terms, key_counts[f], post_counts[f], chunks, sizes[f], lengths[f],
                     sentences=_as_keys(units[f]["sent"]) if f in PROSE else None)
        if progress is not None:
            progress.advance(len(live) // 2 // len(TEXT_FIELDS))
    shutil.rmtree(tmp / "chunks")
    seal(tmp, target, segment.segment_id(), count)


def write_columns(tmp: Path, reader, count: int, dates) -> None:
    """The pack's column files, from the segment (`reader`) and each document's date as Whoosh's long."""
    import numpy as np

    ids = [reader.stored_fields(d).get("id", "") for d in range(count)]
    groups = reader.column_reader("copy_group", translate=True) if reader.has_column("copy_group") else None
    group_list = [groups[d] if groups is not None else "" for d in range(count)]
    # the date column as Whoosh sorts by it (its own value for a document without a date)
    sort_dates = np.array(list(reader.column_reader("date", translate=False)), dtype=np.uint64) \
        if reader.has_column("date") else np.zeros(count, dtype=np.uint64)
    files: dict[str, object] = {"dates": dates, "sort_dates": sort_dates,
                                "group_nums": np.array([_group_num(g) for g in group_list], dtype=np.uint64),
                                "ids": np.array(ids, dtype="S"), "groups": np.array(group_list, dtype="S")}
    for name in FACET_COLUMNS:
        files.update(_facet_arrays(reader, name, count))
    for name, arr in files.items():
        np.save(tmp / f"{name}.npy", arr, allow_pickle=False)


def _as_keys(buffer):
    import numpy as np

    return np.frombuffer(buffer, dtype=np.int64) if buffer else np.zeros(0, dtype=np.int64)


def write_units(tmp: Path, f: str, units: dict) -> None:
    """A prose field's sentence and paragraph starts (keys, as `array('q')` buffers), and the paragraph
    of each sentence (`sent_para`)."""
    import numpy as np

    sentences, paragraphs = _as_keys(units["sent"]), _as_keys(units["para"])
    np.save(tmp / f"{f}.sent.npy", sentences, allow_pickle=False)
    np.save(tmp / f"{f}.para.npy", paragraphs, allow_pickle=False)
    np.save(tmp / f"{f}.sent_para.npy", (np.searchsorted(paragraphs, sentences, side="right") - 1)
            .astype(np.int32), allow_pickle=False)


def seal(tmp: Path, target: Path, segment_id: str, count: int) -> None:
    """Stamp the pack written in `tmp` (meta.json: version, segment, documents, each file's size and
    CRC-32), flush it to disk and rename it into place."""
    meta = {"version": PACK_VERSION, "segment": segment_id, "docs": count, "files": {}}
    for path in sorted(tmp.glob("*.npy")):
        meta["files"][path.name[:-4]] = {"bytes": path.stat().st_size, "crc32": _crc(path)}
    (tmp / "meta.json").write_text(json.dumps(meta))
    _fsync_dir(tmp)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def _grow(counts, size: int):
    import numpy as np

    return counts if len(counts) >= size else np.concatenate([counts, np.zeros(size - len(counts), dtype=np.int64)])


def _write_field(tmp: Path, f: str, vocabulary: dict[str, int], key_counts, post_counts, chunks, sizes,
                 lengths, chunk_terms=None, sentences=None) -> None:
    """One text field's arrays: terms in sorted order; per term, its postings (docs, tf) and its
    position keys, each chunk's written at the term's running offset. `chunk_terms(c)` gives chunk c's
    term numbers (its documents' in order), by default from the chunk files pass 1 wrote. With
    `sentences` (a prose field's sentence start keys), each occurrence's sentence number too."""
    import numpy as np

    names = sorted(vocabulary)
    nterms = len(names)
    rank = np.empty(nterms, dtype=np.int64)  # term number -> place in sorted order
    rank[np.array([vocabulary[n] for n in names], dtype=np.int64)] = np.arange(nterms) if nterms else 0
    key_counts = _grow(key_counts, nterms)[:nterms]
    post_counts = _grow(post_counts, nterms)[:nterms]
    key_off = np.zeros(nterms + 1, dtype=np.int64)
    doc_off = np.zeros(nterms + 1, dtype=np.int64)
    by_rank_keys = np.zeros(nterms, dtype=np.int64)
    by_rank_posts = np.zeros(nterms, dtype=np.int64)
    by_rank_keys[rank] = key_counts
    by_rank_posts[rank] = post_counts
    np.cumsum(by_rank_keys, out=key_off[1:])
    np.cumsum(by_rank_posts, out=doc_off[1:])
    keys = npyfiles.output(tmp / f"{f}.keys.npy", np.int64, int(key_off[-1]))
    prev_out = npyfiles.output(tmp / f"{f}.prev.npy", np.int32, int(key_off[-1]))
    next_out = npyfiles.output(tmp / f"{f}.next.npy", np.int32, int(key_off[-1]))
    sent_out = npyfiles.output(tmp / f"{f}.sent_of.npy", np.int32, int(key_off[-1])) if sentences is not None \
        else None
    docs_out = npyfiles.output(tmp / f"{f}.docs.npy", np.int32, int(doc_off[-1]))
    tf_out = npyfiles.output(tmp / f"{f}.tf.npy", np.int32, int(doc_off[-1]))
    key_cursor = key_off[:-1].copy()
    doc_cursor = doc_off[:-1].copy()
    for c, chunk in enumerate(chunks):
        terms = np.load(tmp / "chunks" / f"{f}.{c}.npy") if chunk_terms is None else chunk_terms(c)
        if not len(terms):
            continue
        chunk_docs = np.asarray(chunk, dtype=np.int64)
        n = sizes[chunk_docs]
        first = np.cumsum(n) - n
        doc_of = np.repeat(chunk_docs, n)
        pos = np.arange(len(terms), dtype=np.int64) - np.repeat(first, n)
        r = rank[terms]
        before, after = _neighbours(r, first[n > 0], (first + n - 1)[n > 0])
        order = np.argsort(r, kind="stable")  # within a term: document, then position order
        in_order = (doc_of << 32) | pos
        r, k = r[order], in_order[order]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
        run = np.diff(np.r_[starts, len(r)])
        within = np.arange(len(r)) - np.repeat(starts, run)
        at = key_cursor[r] + within
        keys[at] = k
        prev_out[at] = before[order]
        next_out[at] = after[order]
        if sent_out is not None:  # the last sentence starting at or before each word (ascending: one pass)
            sent_out[at] = (np.searchsorted(sentences, in_order, side="right") - 1).astype(np.int32)[order]
        del in_order
        key_cursor[r[starts]] += run
        # postings: one per (term, document)
        d = k >> 32
        pstarts = np.flatnonzero(np.r_[True, (r[1:] != r[:-1]) | (d[1:] != d[:-1])])
        pr = r[pstarts]
        prun_starts = np.flatnonzero(np.r_[True, pr[1:] != pr[:-1]])
        prun = np.diff(np.r_[prun_starts, len(pr)])
        pwithin = np.arange(len(pr)) - np.repeat(prun_starts, prun)
        docs_out[doc_cursor[pr] + pwithin] = d[pstarts]
        tf_out[doc_cursor[pr] + pwithin] = np.diff(np.r_[pstarts, len(r)])
        doc_cursor[pr[prun_starts]] += prun
        npyfiles.unmap_written(keys, prev_out, next_out, sent_out, docs_out, tf_out)
    for out in (keys, prev_out, next_out, sent_out, docs_out, tf_out):
        if out is not None:
            out.flush()
    del keys, prev_out, next_out, sent_out, docs_out, tf_out, out
    encoded = np.array([n.encode("utf-8") for n in names], dtype="S") if names else np.zeros(0, dtype="S1")
    for name, arr in ((f"{f}.terms", encoded), (f"{f}.key_off", key_off), (f"{f}.doc_off", doc_off),
                      (f"{f}.len", lengths)):
        np.save(tmp / f"{name}.npy", arr, allow_pickle=False)


def _neighbours(ranks, firsts, lasts):
    """The term numbers of the word before and the word after each word of a chunk's token stream
    (`ranks`, its documents' words one after another; `firsts` / `lasts`: where each document's words
    begin and end), `NO_WORD` across a document's edges."""
    import numpy as np

    ranks = ranks.astype(np.int32)
    before = np.empty_like(ranks)
    after = np.empty_like(ranks)
    if len(ranks):
        before[1:] = ranks[:-1]
        after[:-1] = ranks[1:]
        before[firsts] = NO_WORD
        after[lasts] = NO_WORD
    return before, after


def _facet_arrays(reader, name: str, count: int) -> dict:
    """A facet column as codes: `facet.<name>.keys` (the column's raw values, each once),
    `facet.<name>.codes` (each document's values as key numbers, sliced by `facet.<name>.off`). A
    keyword column's value holds a document's values space-separated; each counts once."""
    import numpy as np

    multi = name in MULTI_VALUED_COLUMNS
    values = list(reader.column_reader(name, translate=False)) if reader.has_column(name) else [None] * count
    vocabulary: dict = {}
    codes = array("i")
    off = np.zeros(count + 1, dtype=np.int64)
    for d, value in enumerate(values):
        parts = sorted(set(value.split())) if multi and value is not None else ([] if value is None else [value])
        for part in parts:
            codes.append(vocabulary.setdefault(part, len(vocabulary)))
        off[d + 1] = len(codes)
    keys = list(vocabulary)
    if keys and all(isinstance(k, int) for k in keys):
        key_array = np.array(keys, dtype=np.int64)
    else:
        key_array = np.array([k if isinstance(k, bytes) else str(k).encode("utf-8") for k in keys], dtype="S") \
            if keys else np.zeros(0, dtype="S1")
    return {f"facet.{name}.keys": key_array, f"facet.{name}.codes": np.frombuffer(codes, dtype=np.int32).copy()
            if codes else np.zeros(0, dtype=np.int32), f"facet.{name}.off": off}


def _group_num(group: str) -> int:
    """A copy group as a number (64 bits of its hash): groups are compared in arrays, not as strings."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(group.encode("utf-8"), digest_size=8).digest(), "little")


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(1 << 22)
            if not block:
                return crc
            crc = zlib.crc32(block, crc)


def _fsync_dir(path: Path) -> None:
    for child in path.iterdir():
        with open(child, "rb") as fh:
            os.fsync(fh.fileno())


class Damaged(Exception):
    """A pack file found missing or of another size than stamped as a query went to read it: the query
    is answered on Whoosh instead, and the pack is not used again (the next index run rebuilds it)."""


class Pack:
    """A loaded pack: arrays memory-mapped, read on first use. Each file is checked against its stamped
    size as it is mapped, and the mapped ones again by each `load` (`intact`), so no file cut short is
    read; files a search never needs are never opened."""

    def __init__(self, path: Path, meta: dict) -> None:
        self.path = path
        self.meta = meta
        self.docs = meta["docs"]
        self.damaged = False
        self._arrays: dict = {}
        self._mapped: list = []  # (mapping, stamped size) of each mapped file
        self.sizes = {name: info["bytes"] for name, info in meta["files"].items()}

    def array(self, name: str):
        arr = self._arrays.get(name)
        if arr is None:
            try:
                arr, mapping = npyfiles.mapped(f"{self.path}/{name}.npy", self.sizes[name])
            except (OSError, ValueError) as exc:
                self.damaged = True
                raise Damaged(f"{self.path}/{name}.npy: {exc}") from None
            self._mapped.append((mapping, self.sizes[name]))
            self._arrays[name] = arr
        return arr

    def intact(self, every_file: bool = False) -> bool:
        """True unless a file was found damaged or a mapped one no longer has its stamped size (an
        `fstat` of the mapping's own descriptor: about 1 us a file, where a `stat` by path costs ten
        times that); with `every_file`, every file of the pack is checked by path too."""
        if self.damaged or any(mapping.size() != size for mapping, size in self._mapped):
            return False
        if every_file:
            try:
                return all(os.stat(f"{self.path}/{name}.npy").st_size == size
                           for name, size in self.sizes.items())
            except OSError:
                return False
        return True

    def term_index(self, field: str, term: str) -> int:
        """The term's number in `field`, or -1."""
        import numpy as np

        terms = self.array(f"{field}.terms")
        key = term.encode("utf-8")
        if not len(terms) or len(key) > terms.dtype.itemsize:
            return -1
        i = int(np.searchsorted(terms, key))
        return i if i < len(terms) and terms[i] == key else -1

    def postings(self, field: str, t: int):
        off = self.array(f"{field}.doc_off")
        a, b = int(off[t]), int(off[t + 1])
        return self.array(f"{field}.docs")[a:b], self.array(f"{field}.tf")[a:b]

    def keys(self, field: str, t: int):
        off = self.array(f"{field}.key_off")
        return self.array(f"{field}.keys")[int(off[t]):int(off[t + 1])]

    def key_count(self, field: str, t: int) -> int:
        off = self.array(f"{field}.key_off")
        return int(off[t + 1]) - int(off[t])

    def sentences(self, field: str, t: int):
        """The sentence number (in `<field>.sent`) of each of the term's occurrences (a prose field)."""
        off = self.array(f"{field}.key_off")
        return self.array(f"{field}.sent_of")[int(off[t]):int(off[t + 1])]

    def neighbours(self, field: str, t: int):
        """The term numbers of the words before and after each of the term's occurrences (`keys`)."""
        off = self.array(f"{field}.key_off")
        a, b = int(off[t]), int(off[t + 1])
        return self.array(f"{field}.prev")[a:b], self.array(f"{field}.next")[a:b]


_LOADED: dict[str, tuple[int, Pack]] = {}  # packs open in this process, by path (meta.json's mtime)


def load(generation: Path, segment_id: str, doc_count: int, every_file: bool = False) -> Pack | None:
    """The segment's pack, or None when it is missing, of another version or segment, or damaged
    (`Pack.intact`: a file of another size than stamped). A pack stays open for the process's later
    searches. A search checks the files it maps as it maps them and those mapped before on each load,
    so a pack cut short is never read; `every_file` checks every file now (an index run's sync)."""
    path = pack_path(generation, segment_id)
    where = str(path)
    try:
        stamp = os.stat(f"{where}/meta.json").st_mtime_ns
        cached = _LOADED.get(where)
        if cached is not None and cached[0] == stamp:
            pack = cached[1]
        else:
            cached = None
            meta = json.loads((path / "meta.json").read_text())
            if meta.get("version") != PACK_VERSION or meta.get("segment") != segment_id \
                    or not REQUIRED <= set(meta.get("files", ())):
                return None
            pack = Pack(path, meta)
    except (OSError, ValueError, AttributeError, KeyError, TypeError):  # unreadable or not a pack's meta
        return None
    if pack.docs != doc_count or not pack.intact(every_file):
        return None
    if cached is None:
        _LOADED[where] = (stamp, pack)
    return pack


def verify(generation: Path, segment_id: str, doc_count: int) -> bool:
    """True when the pack is there, current and every file matches its stamped CRC-32."""
    pack = load(generation, segment_id, doc_count, every_file=True)
    if pack is None:
        return False
    return all(_crc(pack.path / f"{name}.npy") == info["crc32"] for name, info in pack.meta["files"].items())


def sync(generation: Path, documents: Callable[[list[str]], dict], progress=None, check: bool = False) -> int:
    """Build the packs the generation's segments lack (or, with `check`, whose CRC fails), remove those of
    segments gone; returns the number built."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(generation))
    built = 0
    with ix.reader() as reader:
        leaves = [r for r, _offset in reader.leaf_readers()] if not reader.is_atomic() else [reader]
        wanted = set()
        for leaf in leaves:
            segment = leaf.segment()
            if segment is None:
                continue
            sid = segment.segment_id()
            wanted.add(pack_path(generation, sid).name)
            ok = verify(generation, sid, leaf.doc_count_all()) if check else \
                load(generation, sid, leaf.doc_count_all(), every_file=True) is not None
            if not ok:
                if progress is not None:
                    progress.start("packing", leaf.doc_count() or 1)
                build(leaf, documents, pack_path(generation, sid), progress)
                if progress is not None:
                    progress.finish()
                built += 1
    root = generation / PACK_DIR
    if root.is_dir():
        for child in root.iterdir():
            if child.name not in wanted:
                shutil.rmtree(child, ignore_errors=True)
    return built

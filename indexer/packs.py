"""Packs: a Whoosh segment's postings and columns as numpy arrays, beside the segment, for the engine.

Whoosh stays the index of record; a pack is derived data that makes queries fast (`search/engine.py`
walks arrays in C instead of matchers in Python). One pack per segment, in
`whoosh/<generation>/packs/<segment id>.v<PACK_VERSION>/`, holding for the document numbers of that
segment:

- for each text field (`title`, `body`, `author`, `entity`, `source`, `tag`): the sorted terms; for each
  term its documents with their term frequencies (`docs`, `tf`, sliced by `doc_off`) and its positions as
  int64 keys `document << 32 | position` (sliced by `key_off`), ascending; and each document's field
  length as Whoosh scores it (quantised to a byte, as the segment stores it);
- columns: the date (Whoosh's long encoding of the day), the id, the copy group.

The terms and positions are those the index's analyzers make (`indexer.analysis.term_spans`, which the
tests hold to the analyzers themselves), of the same document texts the segment was written from: the
store holds exactly the version each live index entry was written from (the index is only ever written
from the store, under the writer lock). A deleted entry is left empty (its stale text is not read); the
engine leaves deleted documents out at query time, from the segment's own deletion set.

Writing is atomic (a temporary folder renamed into place) and stamped (`meta.json`: pack version,
segment id, document count, each file's size and CRC-32). `sync()` builds the packs a generation lacks
and removes those of merged-away segments; `load()` returns None for a missing, stale or damaged pack,
and the searcher then answers that query on Whoosh itself (slower, never wrong) until the next index
run rebuilds it.
"""

from __future__ import annotations

import json
import os
import shutil
import zlib
from array import array
from pathlib import Path
from typing import Callable, Iterable

PACK_VERSION = 3  # 2: copy group numbers; 3: facet codes
PACK_DIR = "packs"
TEXT_FIELDS = ("title", "body", "author", "entity", "source", "tag")
PROSE = frozenset({"title", "body"})
NO_DATE = -(2 ** 63)
_DOCS_PER_CHUNK = 2000
FACET_COLUMNS = ("year", "source_facet", "author_facet", "entity_facet", "tag_facet")
MULTI_VALUED_COLUMNS = frozenset({"author_facet", "entity_facet", "tag_facet"})
_FIELD_ARRAYS = ("terms", "doc_off", "docs", "tf", "key_off", "keys", "len")
REQUIRED = frozenset({"dates", "sort_dates", "group_nums", "ids", "groups",
                      *(f"{f}.{a}" for f in TEXT_FIELDS for a in _FIELD_ARRAYS),
                      *(f"facet.{n}.{a}" for n in FACET_COLUMNS for a in ("keys", "codes", "off"))})


def pack_path(generation: Path, segment_id: str) -> Path:
    return generation / PACK_DIR / f"{segment_id}.v{PACK_VERSION}"


def field_texts(doc) -> dict[str, str]:
    """The texts of the text fields as `indexer.schema.to_fields` gives them to Whoosh."""
    return {"title": doc.title or "", "body": doc.body or "", "author": "\n".join(doc.authors),
            "entity": "\n".join(e.text for e in doc.entities), "source": doc.source or "",
            "tag": "\n".join(doc.tags)}


class _Tokens:
    """Words to term numbers, one dict lookup a word: the analyzer's steps run once per distinct
    spelling (`term_spans` on the word alone gives exactly the term it gives the word in a text)."""

    def __init__(self) -> None:
        import re

        from .analysis import WORD_PATTERN

        self.find = re.compile(WORD_PATTERN).findall
        self.terms: dict[str, int] = {}
        self.words: dict[str, int] = {}

    def ids(self, text: str, stem: bool) -> list[int]:
        words = self.words
        out = []
        for w in self.find(text):
            n = words.get(w)
            if n is None:
                n = words[w] = self._term_of(w, stem)
            out.append(n)
        return out

    def _term_of(self, word: str, stem: bool) -> int:
        from .analysis import term_spans

        spans = term_spans(word, stem=stem)
        term = spans[0][0] if len(spans) == 1 else word.lower()
        return self.terms.setdefault(term, len(self.terms))


def build(reader, documents: Callable[[list[str]], dict], target: Path) -> None:
    """Write the pack of one Whoosh segment (`reader`, a segment reader) to `target`. `documents(ids)`
    returns the stored `Document`s of those ids."""
    import numpy as np
    from whoosh.util.numeric import byte_to_length, length_to_byte
    from whoosh.util.times import datetime_to_long

    import datetime as dt

    count = reader.doc_count_all()
    segment = reader.segment()
    deleted = set(segment.deleted_docs()) if reader.has_deletions() else set()
    ids: list[str] = []
    for docnum in range(count):
        ids.append(reader.stored_fields(docnum).get("id", ""))
    groups = reader.column_reader("copy_group", translate=True) if reader.has_column("copy_group") else None
    group_list = [groups[d] if groups is not None else "" for d in range(count)]
    dates = np.full(count, NO_DATE, dtype=np.int64)
    # the date column as Whoosh sorts by it (its own value for a document without a date)
    sort_dates = np.array(list(reader.column_reader("date", translate=False)), dtype=np.uint64) \
        if reader.has_column("date") else np.zeros(count, dtype=np.uint64)
    tokens = {f: _Tokens() for f in TEXT_FIELDS}
    lengths = {f: np.zeros(count, dtype=np.float64) for f in TEXT_FIELDS}
    # per field: term numbers and keys (doc << 32 | position), in document order, in chunks
    term_chunks: dict[str, list] = {f: [] for f in TEXT_FIELDS}
    key_chunks: dict[str, list] = {f: [] for f in TEXT_FIELDS}
    live = [d for d in range(count) if d not in deleted]
    quantised = {}
    for start in range(0, len(live), _DOCS_PER_CHUNK):
        chunk = live[start:start + _DOCS_PER_CHUNK]
        docs = documents([ids[d] for d in chunk])
        terms_buf = {f: array("i") for f in TEXT_FIELDS}
        keys_buf = {f: array("q") for f in TEXT_FIELDS}
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
                numbers = tokens[f].ids(text, f in PROSE)
                n = len(numbers)
                if not n:
                    continue
                q = quantised.get(n)
                if q is None:
                    q = quantised[n] = byte_to_length(length_to_byte(n))
                lengths[f][d] = q
                terms_buf[f].extend(numbers)
                base = d << 32
                keys_buf[f].extend(range(base, base + n))
        for f in TEXT_FIELDS:
            if terms_buf[f]:
                term_chunks[f].append(np.frombuffer(terms_buf[f], dtype=np.int32).copy())
                key_chunks[f].append(np.frombuffer(keys_buf[f], dtype=np.int64).copy())

    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    files: dict[str, np.ndarray] = {"dates": dates, "sort_dates": sort_dates,
                                    "group_nums": np.array([_group_num(g) for g in group_list], dtype=np.uint64), "ids": np.array(ids, dtype="S"),
                                    "groups": np.array(group_list, dtype="S")}
    for name in FACET_COLUMNS:
        files.update(_facet_arrays(reader, name, count))
    for f in TEXT_FIELDS:
        files.update(_field_arrays(f, tokens[f].terms, term_chunks[f], key_chunks[f], lengths[f]))
        term_chunks[f] = key_chunks[f] = []
    meta = {"version": PACK_VERSION, "segment": segment.segment_id(), "docs": count, "files": {}}
    for name, arr in files.items():
        path = tmp / f"{name}.npy"
        np.save(path, arr, allow_pickle=False)
        meta["files"][name] = {"bytes": path.stat().st_size, "crc32": _crc(path)}
    (tmp / "meta.json").write_text(json.dumps(meta))
    _fsync_dir(tmp)
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)


def _field_arrays(f: str, vocabulary: dict[str, int], term_chunks: list, key_chunks: list, lengths):
    import numpy as np

    names = sorted(vocabulary)
    order = np.empty(len(vocabulary), dtype=np.int32)  # term number -> rank in sorted order
    for rank, name in enumerate(names):
        order[vocabulary[name]] = rank
    if term_chunks:
        terms = order[np.concatenate(term_chunks)]
        keys = np.concatenate(key_chunks)
        perm = np.argsort(terms, kind="stable")  # keys stay ascending within a term
        terms = terms[perm]
        keys = keys[perm]
        del perm
    else:
        terms = np.zeros(0, dtype=np.int32)
        keys = np.zeros(0, dtype=np.int64)
    nterms = len(names)
    key_off = np.zeros(nterms + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=nterms), out=key_off[1:])
    docnums = (keys >> 32).astype(np.int32)
    # one posting per (term, document): where the term or the document changes
    first = np.ones(len(keys), dtype=bool)
    if len(keys):
        first[1:] = (terms[1:] != terms[:-1]) | (docnums[1:] != docnums[:-1])
    starts = np.flatnonzero(first)
    docs = docnums[starts]
    tf = np.diff(np.append(starts, len(keys))).astype(np.float64)
    post_terms = terms[starts]
    doc_off = np.zeros(nterms + 1, dtype=np.int64)
    np.cumsum(np.bincount(post_terms, minlength=nterms), out=doc_off[1:])
    encoded = np.array([n.encode("utf-8") for n in names], dtype="S") if names else np.zeros(0, dtype="S1")
    return {f"{f}.terms": encoded, f"{f}.doc_off": doc_off, f"{f}.docs": docs, f"{f}.tf": tf,
            f"{f}.key_off": key_off, f"{f}.keys": keys, f"{f}.len": lengths}


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


class Pack:
    """A loaded pack: arrays memory-mapped, read on first use."""

    def __init__(self, path: Path, meta: dict) -> None:
        self.path = path
        self.meta = meta
        self.docs = meta["docs"]
        self._arrays: dict = {}

    def array(self, name: str):
        arr = self._arrays.get(name)
        if arr is None:
            import numpy as np

            arr = self._arrays[name] = np.load(self.path / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        return arr

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


_LOADED: dict[str, tuple[int, Pack]] = {}  # packs open in this process, by path (meta.json's mtime)


def load(generation: Path, segment_id: str, doc_count: int) -> Pack | None:
    """The segment's pack, or None when it is missing, of another version or segment, or damaged
    (a file whose size is not the one stamped). A pack stays open for the process's later searches."""
    path = pack_path(generation, segment_id)
    try:
        stamp = (path / "meta.json").stat().st_mtime_ns
        cached = _LOADED.get(str(path))
        if cached is not None and cached[0] == stamp:
            meta = cached[1].meta
        else:
            cached = None
            meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    if meta.get("version") != PACK_VERSION or meta.get("segment") != segment_id or meta.get("docs") != doc_count \
            or not REQUIRED <= set(meta.get("files", ())):
        return None
    for name, info in meta.get("files", {}).items():
        try:
            if (path / f"{name}.npy").stat().st_size != info["bytes"]:
                return None
        except OSError:
            return None
    if cached is not None:
        return cached[1]
    pack = Pack(path, meta)
    _LOADED[str(path)] = (stamp, pack)
    return pack


def verify(generation: Path, segment_id: str, doc_count: int) -> bool:
    """True when the pack is there, current and every file matches its stamped CRC-32."""
    pack = load(generation, segment_id, doc_count)
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
                load(generation, sid, leaf.doc_count_all()) is not None
            if not ok:
                if progress is not None:
                    progress.start("packing", leaf.doc_count_all())
                build(leaf, documents, pack_path(generation, sid))
                if progress is not None:
                    progress.advance(leaf.doc_count_all())
                    progress.finish()
                built += 1
    root = generation / PACK_DIR
    if root.is_dir():
        for child in root.iterdir():
            if child.name not in wanted:
                shutil.rmtree(child, ignore_errors=True)
    return built


def segments_of(searcher) -> Iterable:
    """(segment reader, offset) for each segment of a searcher."""
    reader = searcher.reader()
    if reader.is_atomic():
        return [(reader, 0)]
    return reader.leaf_readers()

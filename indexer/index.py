"""An index folder: the document store, the Whoosh index derived from it, and the writer lock.

Layout of `--index DIR`:
- `documents.sqlite`: the document store (`corpus.store.documents`), the source of truth;
- `whoosh/<generation>/`: the Whoosh index. The store's `state` table names the generation in use and the
  store `seq` it has reached, in one transaction, so a reader always opens a complete index and a
  rebuild is swapped in atomically;
- `write.lock`: held (with `flock`) by the one process writing; it records that process's pid. The
  kernel releases it when the process dies, so a killed writer never leaves a stale lock.

Moving parts: `IndexFolder` (paths, opening), `writing()` (the lock), `sync()` (bring the Whoosh index up
to the store's `seq`: incremental, idempotent), `rebuild()` (a new generation from the whole store,
swapped in when complete), `open_reader()` (the store and a Whoosh searcher for queries).
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from corpus.progress import SILENT, Progress
from corpus.store.documents import STORE_FILE, Store

from .errors import IndexCorrupt, IndexLocked, IndexMissing, IndexWriteError
from .schema import SCHEMA_VERSION, build_schema, to_fields

WHOOSH_DIR = "whoosh"
LOCK_FILE = "write.lock"


class IndexFolder:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @property
    def store_path(self) -> Path:
        return self.path / STORE_FILE

    @property
    def whoosh_root(self) -> Path:
        return self.path / WHOOSH_DIR

    def require(self) -> None:
        if not self.path.is_dir():
            raise IndexMissing(f"no index at {self.path} (create one with: polsearch index --index "
                               f"{self.path} PAGES...)")

    def create(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexMissing(f"cannot create the index folder {self.path}: {exc.strerror}") from exc

    def has_store(self) -> bool:
        return self.store_path.exists()

    def open_store(self, *, create: bool = False, readonly: bool = False) -> Store:
        return Store.open(self.path, create=create, readonly=readonly)

    def size_bytes(self) -> int:
        total = 0
        for root, _dirs, files in os.walk(self.path):
            for name in files:
                try:
                    total += os.stat(os.path.join(root, name)).st_size
                except OSError:
                    pass
        return total


@contextmanager
def writing(folder: IndexFolder) -> Iterator[None]:
    """Hold the index folder's writer lock; `IndexLocked` names the process holding it."""
    lock_path = folder.path / LOCK_FILE
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only folder or file system
        raise IndexWriteError(f"cannot write to the index folder {folder.path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise IndexLocked(f"the index {folder.path} is being updated by process {holder}; "
                              "try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# -- the Whoosh generations ------------------------------------------------------------------------------
def _generation_path(folder: IndexFolder, name: str) -> Path:
    return folder.whoosh_root / name


def _index_is_current(folder: IndexFolder, store: Store) -> bool:
    name = store.get_state("index_generation")
    return bool(name) and store.get_state("index_schema") == str(SCHEMA_VERSION) and \
        _generation_path(folder, name).is_dir()


def _write(ix, folder: IndexFolder, generation: Path, store: Store, since: int, until: int, progress: Progress,
           procs: int | None, replace: bool, prebuilt: list | tuple = ()) -> None:
    """Write the documents changed in (since, until] into `ix` and commit; nothing is committed if
    anything fails. `replace` deletes earlier entries of the same ids (not needed in a new index).

    New entries go into new segments built from arrays (`segments.py`, in worker processes when there
    are several), never through Whoosh's posting pool; Whoosh's writer holds its lock, records the
    deletions and commits the table of contents naming the new segments. Small segments that
    incremental runs leave behind, and segments mostly made of deleted entries, are rewritten from the
    store in the same commit. `prebuilt` segments (`Prebuilt.parts`) whose ranges still hold the
    documents they were built from are committed as they are."""
    import bisect

    from . import segments

    procs = procs or os.cpu_count() or 1
    # Segments stay as separate files (compound=False): whoosh3 3.54 reads a compound segment's parts
    # into memory (a copy of the whole postings file) every time an index is opened.
    writer = ix.writer(compound=False)
    built: list = []
    changed = store.changed(since, until)
    ready, stale = [], []
    for lo, hi, segment, ids in sorted(prebuilt, key=lambda p: p[0]):
        fits = since <= lo and hi <= until and (not ready or ready[-1][1] <= lo) and \
            len(ids) == segment.doc_count_all()
        (ready if fits else stale).append((lo, hi, segment, ids))
    segments.discard(generation, [p[2] for p in stale])
    progress.start("indexing", len(changed))
    try:
        if replace:
            for _seq, doc_id in changed:
                writer.delete_by_term("id", doc_id)
        seq_of = {doc_id: seq for seq, doc_id in changed} if ready else {}
        for lo, hi, segment, ids in ready:  # entries whose document has moved on since
            for docnum, doc_id in enumerate(ids):
                if not lo < seq_of.get(doc_id, -1) <= hi:
                    segment.delete_document(docnum)
        built = [p[2] for p in ready]
        progress.advance(sum(p[2].doc_count() for p in ready))
        if ready:  # the documents no segment built during the run holds, by id
            starts = [p[0] for p in ready]

            def covered(seq: int) -> bool:
                i = bisect.bisect_left(starts, seq) - 1
                return i >= 0 and seq <= ready[i][1]

            rest = [doc_id for seq, doc_id in changed if not covered(seq)]
            jobs = segments.id_jobs(rest, procs)
        else:
            jobs = segments.seq_jobs(changed, since, procs)
        built += segments.build(folder.path, generation, jobs, procs, progress)
        kept, rewrite = segments.plan(writer.segments + built)
        merged: list = []
        if rewrite:
            ids = segments.live_ids(ix.storage, ix.schema, rewrite)
            progress.finish()
            progress.start("merging", len(ids))
            merged = segments.build(folder.path, generation, segments.id_jobs(ids, procs), procs, progress)
        final = kept + merged
        built += merged
        writer.commit(mergetype=lambda _writer, _segments: final)
        # segments built in this run and merged away in it: their files went with the commit
        segments.discard(generation, [s for s in rewrite if s in built])
    except BaseException:
        segments.discard(generation, built)
        # A commit that failed half-way (a full disk) has closed the writer already; cancelling it
        # again would raise and hide the error that matters.
        if not getattr(writer, "is_closed", False):
            writer.cancel()
        raise
    finally:
        progress.finish()


@dataclass
class Prebuilt:
    """Segments built while an ingest run was still storing documents (`ingest.py`), for `sync()` to
    commit with the rest: each holds the documents of one `seq` range as they were then, with their ids
    in document-number order. A document updated or put in another copy group later in the run has
    moved past the range (a new `seq`): its entry is deleted from the segment and it is built again."""
    generation: Path
    new: bool  # a generation made for this run: the index was missing or of another schema
    parts: list[tuple[int, int, object, list]] = field(default_factory=list)  # (since, until, segment, ids)


def prepare(folder: IndexFolder, store: Store) -> Prebuilt:
    """Where segments built during an ingest run go: the current generation, or a new one (not yet in
    use) when `sync()` will rebuild."""
    from whoosh import index as whoosh_index

    if _index_is_current(folder, store):
        return Prebuilt(_generation_path(folder, store.get_state("index_generation")), new=False)
    path = _generation_path(folder, f"g{time.time_ns():x}")
    path.mkdir(parents=True)
    whoosh_index.create_in(str(path), build_schema())
    return Prebuilt(path, new=True)


@dataclass(frozen=True)
class SyncReport:
    documents: int
    rebuilt: bool
    seconds: float


def sync(folder: IndexFolder, store: Store, progress: Progress = SILENT, procs: int | None = None,
         prebuilt: Prebuilt | None = None) -> SyncReport:
    """Bring the Whoosh index up to date with the store. Call with the writer lock held.

    Only documents whose `seq` is past the index's are written, so a re-run after a crash (store
    committed, index not) finishes the job and a run with nothing new writes nothing. `prebuilt`: the
    segments an ingest run built as it went (`prepare()`)."""
    if not _index_is_current(folder, store):
        return rebuild(folder, store, progress, procs, prebuilt if prebuilt is not None and prebuilt.new else None)
    from whoosh import index as whoosh_index

    started = time.perf_counter()
    synced = int(store.get_state("index_synced_seq", "0"))
    target = store.seq
    pending = store.count(since_seq=synced)
    generation = _generation_path(folder, store.get_state("index_generation"))
    if target <= synced or pending == 0:
        _sync_packs(folder, generation, store, progress)  # a pack lost or damaged since is rebuilt
        return SyncReport(0, False, time.perf_counter() - started)
    try:
        ix = whoosh_index.open_dir(str(generation))
        parts = prebuilt.parts if prebuilt is not None and prebuilt.generation == generation else []
        _write(ix, folder, generation, store, synced, target, progress, procs, replace=True, prebuilt=parts)
    except OSError as exc:
        raise _cannot_write(folder, exc) from exc
    _sync_packs(folder, generation, store, progress)
    with store.transaction():
        store.set_state("index_synced_seq", str(target))
    return SyncReport(pending, False, time.perf_counter() - started)


def rebuild(folder: IndexFolder, store: Store, progress: Progress = SILENT,
            procs: int | None = None, prebuilt: Prebuilt | None = None) -> SyncReport:
    """Build a new Whoosh generation from every stored document and swap it in when complete. Searches
    keep using the previous generation until the swap. Call with the writer lock held. `prebuilt`: a
    new generation `prepare()` made, with the segments an ingest run built in it as it went."""
    from whoosh import index as whoosh_index

    started = time.perf_counter()
    if not store.readonly:
        with store.transaction():
            store.fingerprint_missing()  # a store from before copies were kept
    target = store.seq
    total = store.count()
    path = prebuilt.generation if prebuilt is not None else _generation_path(folder, f"g{time.time_ns():x}")
    name = path.name
    try:
        if prebuilt is not None:
            ix = whoosh_index.open_dir(str(path))
        else:
            path.mkdir(parents=True)
            ix = whoosh_index.create_in(str(path), build_schema())
        _write(ix, folder, path, store, 0, target, progress, procs, replace=False,
               prebuilt=prebuilt.parts if prebuilt is not None else [])
        _sync_packs(folder, path, store, progress, check=False)
    except BaseException as exc:
        shutil.rmtree(path, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _cannot_write(folder, exc) from exc
        raise
    previous = store.get_state("index_generation")
    with store.transaction():
        store.set_state("index_generation", name)
        store.set_state("index_synced_seq", str(target))
        store.set_state("index_schema", str(SCHEMA_VERSION))
    _remove_old_generations(folder, keep={name, previous})
    return SyncReport(total, True, time.perf_counter() - started)


def _sync_packs(folder: IndexFolder, generation: Path, store: Store, progress: Progress,
                check: bool = False) -> None:
    """Build the packs (`packs.py`) the generation's segments lack; searches use Whoosh for a query
    until every segment has its pack."""
    from . import packs

    try:
        packs.sync(generation, store.get_many, progress, check=check)
    except OSError as exc:
        raise _cannot_write(folder, exc) from exc


def _cannot_write(folder: IndexFolder, exc: OSError) -> IndexWriteError:
    """A full disk or a read-only folder while writing Whoosh files: nothing of this write is in use,
    searches go on with the index as it was, and the store keeps what it was given."""
    reason = exc.strerror or str(exc)
    if exc.errno is None and " written" in reason:  # numpy's short write of an array to a file
        reason = f"the disk is full (a write was cut short: {reason})"
    return IndexWriteError(f"cannot write the search index in {folder.path}: {reason}; "
                           "searches use the index as it was, and the next run finishes it")


def _remove_old_generations(folder: IndexFolder, keep: set[str]) -> None:
    """Generations before the previous one: no search can still be reading them. The previous one
    stays until the next swap, for searches that opened it just before this one."""
    if not folder.whoosh_root.is_dir():
        return
    for child in folder.whoosh_root.iterdir():
        if child.is_dir() and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


# -- reading ----------------------------------------------------------------------------------------
class Reader:
    """The store and a Whoosh searcher over the current generation (None for an empty index)."""

    def __init__(self, folder: IndexFolder, store: Store | None, searcher, generation: Path | None = None,
                 pool_key: object = None, pool_store: bool = False) -> None:
        self.folder = folder
        self.store = store
        self.searcher = searcher
        self.generation = generation  # the Whoosh generation's folder, beside which its packs are
        self.engine: object = False  # the packed engine over it (search/engine.py), opened on first use
        self._pool_key = pool_key  # set when the searcher may go back to the pool when closed
        self._pool_store = pool_store  # whether the store connection may go back to its pool

    def close(self) -> None:
        if self.searcher is not None:
            if self._pool_key is None or not _POOL.give(self):
                self.searcher.close()
            self.searcher = None
        if self.store is not None:
            if not (self._pool_store and _STORES.give(self.folder, self.store)):
                _STORES.discard(self.store)
            self.store = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Pool:
    """Searchers kept open between queries in one process (`serve`, the Python API, a bench): opening a
    generation's segments and packs costs tens of milliseconds at 100,000 documents, often more than
    the query. An idle searcher is taken again only for the same generation folder and weighting and
    while it is up to date (any Whoosh commit, a sync's or a merge's, makes a new Whoosh generation);
    one query at a time uses it, so threads never share a searcher. A searcher whose packs were missing
    is not kept, so that packs built since are used."""

    # index folders whose searchers are kept, the most recently used: each shard of a sharded index is
    # one (8 shards behind a pool of 4 reopened every shard at every query: 4x slower)
    FOLDERS = 64
    IDLE = 8     # idle searchers kept per folder (per weighting, one per thread that searched at once)

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[str, list[tuple]] = {}  # folder -> [(key, searcher, engine)], the newest last

    def take(self, folder: IndexFolder, key: object):
        """An open (searcher, engine) for `key`, or None; stale ones are closed on the way. The
        checks (a directory listing, a `stat` per pack file) run outside the lock: the entry taken
        is this thread's alone."""
        while True:
            with self.lock:
                entries = self.idle.get(str(folder.path), [])
                at = next((i for i in range(len(entries) - 1, -1, -1) if entries[i][0] == key), None)
                if at is None:
                    return None  # searchers for other weightings stay for their own queries
                _key, searcher, engine = entries.pop(at)
            if _up_to_date(searcher) and (engine is False or engine.current()):
                return searcher, engine
            _close_quietly(searcher)

    def give(self, reader: Reader) -> bool:
        """Keep `reader`'s searcher (and engine) for another query; False when it should be closed (its
        packs were missing). Whether it is still current is checked when it is taken again."""
        if reader.engine is None:
            return False
        with self.lock:
            name = str(reader.folder.path)
            entries = self.idle.pop(name, [])
            self.idle[name] = entries  # now the most recently used
            entries.append((reader._pool_key, reader.searcher, reader.engine))
            while len(entries) > self.IDLE:
                _close_quietly(entries.pop(0)[1])
            while len(self.idle) > self.FOLDERS:
                for _key, old, _engine in self.idle.pop(next(iter(self.idle))):
                    _close_quietly(old)
        return True

    def clear(self) -> None:
        with self.lock:
            for entries in self.idle.values():
                for _key, searcher, _engine in entries:
                    _close_quietly(searcher)
            self.idle.clear()


def _up_to_date(searcher) -> bool:
    try:
        return searcher.up_to_date()
    except OSError:  # the generation's folder is gone (a rebuild replaced it)
        return False


def _close_quietly(searcher) -> None:
    try:
        searcher.close()
    except OSError:
        pass


_POOL = _Pool()


class _StorePool:
    """Read-only store connections kept between queries, as the searchers are (opening and closing one
    cost about 3 ms a query). A kept connection sees every commit made since (each query is a new
    read transaction); it is taken again only while its file is the one at the store's path: a
    descriptor kept open on the file holds its inode, so a store deleted and made anew at the same
    path (a new inode) is told apart."""

    IDLE = 8

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[str, list[tuple[Store, int]]] = {}  # folder -> [(store, descriptor)]
        self.taken: dict[int, int] = {}  # a taken store's descriptor, by the store's id, until given back

    def take(self, folder: IndexFolder) -> Store | None:
        while True:
            with self.lock:
                entries = self.idle.get(str(folder.path))
                if not entries:
                    return None
                store, fd = entries.pop()
            try:
                kept, now = os.fstat(fd), os.stat(store.path)
                if kept.st_nlink and (kept.st_dev, kept.st_ino) == (now.st_dev, now.st_ino):
                    with self.lock:
                        self.taken[id(store)] = fd
                    return store
            except OSError:
                pass
            self._close(store, fd)

    def give(self, folder: IndexFolder, store: Store) -> bool:
        with self.lock:
            fd = self.taken.pop(id(store), None)
        if fd is None:
            try:
                fd = os.open(store.path, os.O_RDONLY)
            except OSError:
                return False
        with self.lock:
            name = str(folder.path)
            entries = self.idle.pop(name, [])
            self.idle[name] = entries  # now the most recently used
            entries.append((store, fd))
            dropped = entries[:-self.IDLE] if len(entries) > self.IDLE else []
            del entries[:len(dropped)]
            while len(self.idle) > _Pool.FOLDERS:
                dropped += self.idle.pop(next(iter(self.idle)))
        for old, old_fd in dropped:
            self._close(old, old_fd)
        return True

    def discard(self, store: Store) -> None:
        """Close a store connection for good (with the descriptor it was kept with, if it was taken
        from the pool)."""
        with self.lock:
            fd = self.taken.pop(id(store), None)
        if fd is None:
            store.close()
        else:
            self._close(store, fd)

    @staticmethod
    def _close(store: Store, fd: int) -> None:
        try:
            store.close()
        finally:
            os.close(fd)

    def clear(self) -> None:
        with self.lock:
            entries = [e for kept in self.idle.values() for e in kept]
            self.idle.clear()
        for store, fd in entries:
            self._close(store, fd)


_STORES = _StorePool()


def open_reader(folder: IndexFolder, weighting=None) -> Reader:
    """The store and a searcher over the current Whoosh generation, scoring with `weighting` (BM25F
    with Whoosh's defaults when not given). The searcher comes from the process's pool when an open one
    is up to date; a `weighting` is pooled only when it has a `cache_key` saying what it computes."""
    folder.require()
    if not folder.has_store():
        return Reader(folder, None, None)
    pooling = os.environ.get("POLSEARCH_READER_POOL") != "0"
    store = (_STORES.take(folder) if pooling else None) or folder.open_store(readonly=True)
    from whoosh import index as whoosh_index
    from whoosh.index import EmptyIndexError

    scoring = "BM25F()" if weighting is None else getattr(weighting, "cache_key", None)
    for attempt in range(3):
        name = store.get_state("index_generation")
        if not name:
            return Reader(folder, store, None, pool_store=pooling)
        path = _generation_path(folder, name)
        key = (str(path), scoring) if pooling and scoring is not None else None
        pooled = _POOL.take(folder, key) if key is not None else None
        if pooled is not None:
            reader = Reader(folder, store, pooled[0], path, key, pooling)
            reader.engine = pooled[1]
            return reader
        try:
            ix = whoosh_index.open_dir(str(path))
            from whoosh.scoring import BM25F

            return Reader(folder, store, ix.searcher(weighting=weighting or BM25F()), path, key, pooling)
        except (EmptyIndexError, FileNotFoundError) as exc:
            # A rebuild swapped generations between reading the name and opening it: read it again.
            if attempt == 2:
                _STORES.discard(store)
                raise IndexCorrupt(f"cannot open the search index in {folder.path} ({exc}); "
                                   "rebuild it with: polsearch reindex") from exc
            time.sleep(0.05)
    raise AssertionError("unreachable")

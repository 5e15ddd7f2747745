"""Ingest into a sharded index (`shards.py`), on this machine or on a Dask cluster (`cluster.py`).

The run is a map and a reduce:
1. the coordinator (the `polsearch index` process) lists the inputs and cuts them into tasks:
   `CONTAINER_CHUNK` pages of a WARC or JSON Lines file (the next chunk is sent when one comes back,
   from where it stopped), or a batch of `PAGE_BATCH` HTML files; never one page a task. With each
   task go the catalogue's records of its inputs, so that unchanged pages are passed over without
   reading (same size and time) or without parsing (same digest), as in an unsharded index;
2. map (`normalise_task`, in a worker): read and normalise each page; the result is a document, a
   skipped page (with its reason and what it would give) or a failure, never an exception;
3. reduce (`store_task`, on the worker that owns the shard): the documents routed to one shard are
   stored in one transaction, so a worker killed half-way stores nothing and the task, run again,
   counts each document once; a shard's reduces run one after another;
4. the coordinator records each input in the catalogue once its document is stored, and at the end
   every shard brings its Whoosh index up to its store (`sync_task`).
A task lost with a worker is run again by another (Dask does so for a task whose worker died); a run
stopped half-way leaves its stored documents stored, and the next run reads only what is not in the
catalogue yet.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Sequence

from corpus.document import Document
from corpus.inputs.files import check_paths, iter_inputs
from corpus.inputs.records import InputProblem, RawContainer, RawPage
from corpus.progress import SILENT, Progress

from . import shards
from .index import IndexFolder, writing
from .ingest import (IngestReport, _container_done, _count_inputs, _normalise_job, _now, _Pending, _record,
                     _watch_parent, page_job)

PAGE_BATCH = 20      # HTML files per map task (a few seconds of work: the last ones end together)
CONTAINER_CHUNK = 200  # pages of a WARC or JSON Lines file per map task (what a task holds at once)
STORE_BATCH = 100    # documents parsed before they go to their shards (a transaction in each)


# -- in the workers -----------------------------------------------------------------------------------
@dataclass
class PageResult:
    page: RawPage     # what the catalogue records of it (its bytes and reader dropped)
    digest: str
    status: str       # "document", "skipped", "failed", "unchanged" (same size and time, or same digest)
    payload: Any = None


@dataclass
class TaskResult:
    pages: list[PageResult] = field(default_factory=list)
    passed_over: Counter = field(default_factory=Counter)
    container: RawContainer | None = None  # the container a chunk of was read (None for HTML files)
    clean: bool = True                     # no record of the chunk failed to list
    resume: int | None = None              # where the container's next chunk starts (None: read to its end)
    seen: set[str] = field(default_factory=set)


def _bare(page: RawPage) -> RawPage:
    """The page as the catalogue records it: without its bytes, or the reader of them."""
    return replace(page, reader=None, data=None)


def normalise_task(items: list, prior: dict[str, tuple], force: bool, profile_dirs: tuple[str, ...],
                   resume: int = 0) -> TaskResult:
    """Map: normalise the pages of `items`: RawPages, or the path of one container file, of which a
    chunk of `CONTAINER_CHUNK` pages is read from `resume` on (a WARC file: the offset of the chunk's
    first page record; another container: the pages read before). `prior`: the catalogue's (size,
    mtime_ns, raw_digest, status) of the inputs, by key. Never raises for a page."""
    result = TaskResult()
    if len(items) == 1 and isinstance(items[0], str):
        return _container_chunk(items[0], prior, force, profile_dirs, resume)
    for page in items:
        result.seen.add(page.key)
        result.pages.append(_normalise_page(page, prior.get(page.key), force, profile_dirs))
    return result


def _container_chunk(path: str, prior: dict[str, tuple], force: bool, profile_dirs: tuple[str, ...],
                     resume: int) -> TaskResult:
    from corpus.inputs import warc

    result = TaskResult()
    found = [c for c in iter_inputs([path]) if not isinstance(c, RawPage)]
    if not found or isinstance(found[0], InputProblem):
        reason = found[0].reason if found else "not a WARC or JSON Lines file"
        result.pages.append(PageResult(RawPage(path, path), "", "failed", f"cannot read: {reason}"))
        result.clean = False
        return result
    container = found[0]
    result.container = RawContainer(container.key, container.label, container.size, container.mtime_ns,
                                    container.page_prefix)
    is_warc = warc.is_warc(Path(path))
    pages = warc.pages(Path(path), result.passed_over, start=resume) if is_warc else container.pages()
    count, skipped = 0, 0
    for page in pages:
        if not is_warc and skipped < resume:  # read by the chunks before
            skipped += 1
            continue
        if count == CONTAINER_CHUNK and not isinstance(page, InputProblem):
            # the next chunk starts at this page's record
            result.resume = page.provenance["offset"] if is_warc else resume + count
            break
        count += 1
        if isinstance(page, InputProblem):
            result.clean = False
            result.pages.append(PageResult(RawPage(page.label, page.label), "", "failed", page.reason))
            continue
        result.seen.add(page.key)
        result.pages.append(_normalise_page(page, prior.get(page.key), force, profile_dirs))
    if not is_warc:
        result.passed_over.update(container.passed_over)
    return result


def _normalise_page(page: RawPage, prior: tuple | None, force: bool, profile_dirs: tuple[str, ...]) -> PageResult:
    from corpus.errors import InputError, SkipPage

    cached = prior is not None and prior[3] in ("document", "skipped") and not force
    if cached and page.size is not None and (prior[0], prior[1]) == (page.size, page.mtime_ns):
        return PageResult(_bare(page), prior[2], "unchanged")
    try:
        data = page.read()
    except (OSError, InputError) as exc:
        return PageResult(_bare(page), "", "failed", f"cannot read: {getattr(exc, 'strerror', None) or exc}")
    except SkipPage as exc:
        return PageResult(_bare(page), "", "skipped", (exc.kind, str(exc), None))
    digest = hashlib.sha256(data).hexdigest()
    if cached and prior[2] == digest:
        return PageResult(_bare(page), digest, "unchanged")
    status, payload = _normalise_job(dict(page_job(page, data, digest), profile_dirs=profile_dirs))
    return PageResult(_bare(page), digest, status, payload)


def store_task(shard_path: str, documents: list[tuple[dict, tuple | None]], *_after: Any) -> list[str]:
    """Reduce: store `documents` (a document's dict and its fingerprint) in the shard at `shard_path`,
    in one transaction; each one's outcome (added, updated, unchanged, older) in order. `_after`: the
    shard's previous reduce, which Dask runs first."""
    from corpus.store.copies import Fingerprint

    folder = IndexFolder(shard_path)
    folder.create()
    with writing(folder), folder.open_store(create=True) as store:
        with store.transaction():
            return [store.put(Document.from_dict(doc), Fingerprint(*fp) if fp else None) for doc, fp in documents]


def sync_task(shard_path: str, procs: int | None, *_after: Any) -> tuple[str, int]:
    """Bring the shard's Whoosh index up to its store; (the worker's name, documents indexed)."""
    from .index import sync

    folder = IndexFolder(shard_path)
    folder.create()
    with writing(folder), folder.open_store(create=True) as store:
        report = sync(folder, store, procs=procs)
    return worker_name(), report.documents


def rebuild_task(shard_path: str, procs: int | None) -> tuple[str, int]:
    from . import reindex

    return worker_name(), reindex(shard_path, procs=procs).documents


def worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return ""


# -- running tasks: here or on a cluster ---------------------------------------------------------------
class LocalRunner:
    """Map tasks in a pool of `jobs` processes; reduces and syncs in this process, as they come."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        # the pool's processes end with this one, even when it is killed (`ingest._watch_parent`)
        self.pool = cf.ProcessPoolExecutor(jobs, initializer=_watch_parent, initargs=(os.getpid(),)) \
            if jobs > 1 else None
        self.slots = max(2, jobs * 2)
        self.procs = jobs

    def map(self, fn, *args) -> cf.Future:
        if self.pool is not None:
            return self.pool.submit(fn, *args)
        return self.now(fn, *args)

    def on_shard(self, k: int, fn, *args) -> cf.Future:
        return self.now(fn, *args)

    @staticmethod
    def share(value: Any) -> Any:
        """`value` for several tasks to take (on a cluster, sent to the workers once)."""
        return value

    @staticmethod
    def now(fn, *args) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future

    def wait(self, futures: Iterable, timeout: float | None = None) -> set:
        done, _ = cf.wait(list(futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


# -- the coordinator ----------------------------------------------------------------------------------
def ingest(index_path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]], *, shard_count: int | None,
           jobs: int | None = None, progress: Progress = SILENT, follow_symlinks: bool = False, force: bool = False,
           profile_dirs: Sequence[str] = (), include_skipped: bool = False, cluster: str | None = None) -> IngestReport:
    """`ingest.ingest()` for a sharded index: made with `shard_count` shards if new; on the Dask cluster at
    the scheduler address `cluster`, else on this machine with `jobs` processes."""
    started = time.perf_counter()
    paths = check_paths([Path(s) for s in inputs]) if inputs or not include_skipped else []
    layout = shards.load(index_path) if shard_count is None else shards.create(index_path, shard_count)
    report = IngestReport()
    with writing(IndexFolder(layout.path)):
        if cluster:
            from .cluster import DaskRunner

            runner: Any = DaskRunner(cluster, layout)
        else:
            runner = LocalRunner(jobs or os.cpu_count() or 1)
        try:
            with IndexFolder(layout.catalogue_path).open_store(create=True) as catalogue:
                _Run(layout, catalogue, runner, report, progress, force, tuple(map(str, profile_dirs)),
                     include_skipped).go(paths, follow_symlinks)
        finally:
            runner.close()
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    def __init__(self, layout: shards.Layout, catalogue, runner, report: IngestReport, progress: Progress,
                 force: bool, profile_dirs: tuple[str, ...], include_skipped: bool) -> None:
        self.layout, self.catalogue, self.runner, self.report = layout, catalogue, runner, report
        self.progress, self.force, self.profile_dirs = progress, force, profile_dirs
        self.include_skipped = include_skipped
        self.maps: dict = {}                      # future -> (its items, where in a container it starts)
        self.stores: dict = {}                    # future -> (shard, [PageResult])
        self.last: dict[int, Any] = {}            # shard -> its latest reduce (the next one waits for it)
        self.buffers: dict[int, list[PageResult]] = {k: [] for k in range(layout.count)}
        self.containers: list[tuple[RawContainer, set[str]]] = []  # read whole and clean
        self.reading: dict[str, tuple[set[str], bool, Any]] = {}  # container key -> (seen, clean, prior)

    # listing and handing out the work
    def go(self, paths: list[Path], follow_symlinks: bool) -> None:
        self.progress.start("reading", _count_inputs(paths, follow_symlinks))
        try:
            if not paths:
                for key in self.catalogue.skipped_keys():
                    state = self.catalogue.input_state(key)
                    self._unchanged(state, state.label or key)
            batch: list[RawPage] = []
            for item in iter_inputs(paths, follow_symlinks=follow_symlinks):
                if isinstance(item, InputProblem):
                    self.report.count("failed")
                    self.report.errors.append({"source": item.label, "error": item.reason})
                elif isinstance(item, RawContainer):
                    self._container(item)
                else:
                    batch.append(item)
                    if len(batch) >= PAGE_BATCH:
                        self._submit(batch)
                        batch = []
            if batch:
                self._submit(batch)
            while self.maps:
                self._collect()
            for k in range(self.layout.count):
                self._flush(k)
            while self.stores:
                self._collect()
            with self.catalogue.transaction():
                for container, seen in self.containers:
                    _container_done(container, seen, self.catalogue)
        finally:
            self.progress.finish()
        self._sync()

    def _container(self, container: RawContainer) -> None:
        state = self.catalogue.input_state(container.key)
        if (not self.force and state is not None and state.status == "container" and state.size == container.size
                and state.mtime_ns == container.mtime_ns):
            for record in self.catalogue.input_states_under(container.page_prefix):
                self._unchanged(record, record.label or record.key)
                self.progress.advance()
            return
        prior = self.runner.share({s.key: (s.size, s.mtime_ns, s.raw_digest, s.status)
                                   for s in self.catalogue.input_states_under(container.page_prefix)})
        self.reading[container.key] = (set(), True, prior)
        self._submit([container.key.split("file:", 1)[1]], prior)

    def _submit(self, items: list, prior: Any = None, resume: int = 0, wait: bool = True) -> None:
        """A map task: RawPages (each reads its own file in the worker), or one container's path (a
        chunk of it, from `resume` on). `wait`: for a free slot first (a chunk's follower takes the
        slot its predecessor left)."""
        if prior is None:
            prior = {}
            for page in items:
                state = self.catalogue.input_state(page.key)
                if state is not None:
                    prior[page.key] = (state.size, state.mtime_ns, state.raw_digest, state.status)
        while wait and len(self.maps) >= self.runner.slots:
            self._collect()
        self.maps[self.runner.map(normalise_task, items, prior, self.force, self.profile_dirs, resume)] = \
            (items, resume)

    # what comes back
    def _collect(self) -> None:
        for future in self.runner.wait(list(self.maps) + list(self.stores)):
            if future in self.maps:
                self._mapped(future, *self.maps.pop(future))
            else:
                shard, pages = self.stores.pop(future)
                self._stored(shard, pages, future)

    def _mapped(self, future, items: list, resume: int) -> None:
        try:
            result: TaskResult = future.result()
        except Exception as exc:  # noqa: BLE001 - a task failed for good (each worker that ran it died)
            self._lost(items, resume, f"worker failed: {type(exc).__name__}: {exc}")
            return
        self.report.passed_over.update(result.passed_over)
        if result.container is not None:
            self._chunk_read(result)
        with self.catalogue.transaction():
            for page in result.pages:
                self.progress.advance()
                if page.status == "document":
                    doc_id = page.payload["doc"]["id"]
                    k = self.layout.route(doc_id)
                    self.buffers[k].append(page)
                elif page.status == "unchanged":
                    state = self.catalogue.input_state(page.page.key)
                    if state is None:  # its record went since the task was sent: it was as the run found it
                        self.report.count("unchanged")
                        continue
                    p = page.page
                    self.catalogue.set_input_state(p.key, size=p.size, mtime_ns=p.mtime_ns, raw_digest=page.digest,
                                                   doc_id=state.doc_id, status=state.status, reason=state.reason,
                                                   seen_at=_now(), label=p.label)
                    self._unchanged(state, p.label)
                elif page.status == "skipped" and self.include_skipped and page.payload[2] is not None:
                    page.status, page.payload = "document", {"doc": page.payload[2], "fingerprint": None}
                    k = self.layout.route(page.payload["doc"]["id"])
                    self.buffers[k].append(page)
                else:  # skipped or failed: recorded in the catalogue as an unsharded run records them
                    _record(_Pending(page.page, page.digest), (page.status, page.payload), self.catalogue,
                            self.report)
        self._flush_full()

    def _lost(self, items: list, resume: int, error: str) -> None:
        """A map task that could not be run: each of its pages failed (recorded so, to be read again
        next run); of a container, the rest of the file from where the task started."""
        if len(items) == 1 and isinstance(items[0], str):  # the file is read again whole next run
            where = f"from position {resume}" if resume else "from its start"
            self.report.count("failed")
            self.report.errors.append({"source": items[0], "error": f"{error}; not read {where} on"})
            return
        with self.catalogue.transaction():
            for page in items:
                self.progress.advance()
                _record(_Pending(_bare(page), ""), ("failed", error), self.catalogue, self.report)

    def _chunk_read(self, result: TaskResult) -> None:
        """A chunk of a container came back: the next one is sent; after the last, the container is
        recorded as read whole, if no record of it failed to list."""
        key = result.container.key
        seen, clean, prior = self.reading.get(key, (set(), True, {}))
        seen |= result.seen
        clean = clean and result.clean
        if result.resume is not None:
            self.reading[key] = (seen, clean, prior)
            self._submit([key.split("file:", 1)[1]], prior, result.resume, wait=False)
            return
        self.reading.pop(key, None)
        if clean:
            self.containers.append((result.container, seen))

    def _flush_full(self) -> None:
        """Once `STORE_BATCH` documents wait, every shard's are sent to be stored: what is parsed is
        stored as the run goes (a run stopped half-way keeps it), whatever the number of shards."""
        if sum(len(b) for b in self.buffers.values()) >= STORE_BATCH:
            for k in self.buffers:
                self._flush(k)

    def _flush(self, k: int) -> None:
        pages, self.buffers[k] = self.buffers[k], []
        if not pages:
            return
        docs = [(p.payload["doc"], p.payload.get("fingerprint")) for p in pages]
        after = (self.last[k],) if k in self.last else ()
        future = self.runner.on_shard(k, store_task, str(self.layout.shard_path(k)), docs, *after)
        self.last[k] = future
        self.stores[future] = (k, pages)

    def _stored(self, k: int, pages: list[PageResult], future) -> None:
        try:
            outcomes = future.result()
        except Exception as exc:  # noqa: BLE001 - the shard could not take them: each page failed
            with self.catalogue.transaction():
                for page in pages:
                    _record(_Pending(page.page, page.digest), ("failed", f"cannot store in shard {k}: {exc}"),
                            self.catalogue, self.report)
            return
        with self.catalogue.transaction():
            for page, outcome in zip(pages, outcomes):
                p = page.page
                self.report.count("unchanged" if outcome == "older" else outcome)
                self.catalogue.drop_skipped(p.key)
                self.catalogue.set_input_state(p.key, size=p.size, mtime_ns=p.mtime_ns, raw_digest=page.digest,
                                               doc_id=page.payload["doc"]["id"], status="document", seen_at=_now(),
                                               label=p.label)

    def _unchanged(self, state, label: str) -> None:
        kept = self.catalogue.skipped_document(state.key) if self.include_skipped and state.status == "skipped" \
            else None
        if kept is not None:  # brought in from the catalogue: no fetch, no parse
            page = RawPage(state.key, label, state.size, state.mtime_ns)
            result = PageResult(page, state.raw_digest, "document", {"doc": kept.to_dict(), "fingerprint": None})
            k = self.layout.route(kept.id)
            self.buffers[k].append(result)
            self._flush_full()
        elif state.status == "skipped":
            self.report.count("skipped")
            self.report.skips.append({"source": label, "reason": state.reason})
        else:
            self.report.count("unchanged")

    def _sync(self) -> None:
        self.report.indexed += every_shard(self.runner, self.layout, sync_task, self.progress)


def every_shard(runner, layout: shards.Layout, task, progress: Progress) -> int:
    """`task(shard path, procs)` (`sync_task`, `rebuild_task`) on every shard, on its owner on a
    cluster; the documents indexed in all. The manifest records who did each: the shard's owner now."""
    progress.start("indexing", layout.count)
    try:
        futures = {runner.on_shard(k, task, str(layout.shard_path(k)), runner.procs): k for k in range(layout.count)}
        owners = dict(layout.owners)
        documents = 0
        while futures:
            for future in runner.wait(list(futures)):
                k = futures.pop(future)
                name, indexed = future.result()
                documents += indexed
                if name:
                    owners[k] = name
                progress.advance()
        if owners != layout.owners:
            layout.owners = owners
            layout.save()
        return documents
    finally:
        progress.finish()


def ingest_documents(index_path: str | os.PathLike[str], documents: Iterable[Document], *,
                     shard_count: int | None = None, progress: Progress = SILENT,
                     procs: int | None = None) -> IngestReport:
    """`ingest.ingest_documents()` for a sharded index, on this machine."""
    started = time.perf_counter()
    layout = shards.load(index_path) if shard_count is None else shards.create(index_path, shard_count)
    report = IngestReport()
    with writing(IndexFolder(layout.path)):
        buffers: dict[int, list] = {k: [] for k in range(layout.count)}

        def flush(k: int) -> None:
            for outcome in store_task(str(layout.shard_path(k)), buffers[k]):
                report.count("unchanged" if outcome == "older" else outcome)
            buffers[k] = []

        for doc in documents:
            k = layout.route(doc.id)
            buffers[k].append((doc.to_dict(), None))
            if len(buffers[k]) >= STORE_BATCH * 5:
                flush(k)
        progress.start("indexing", layout.count)
        try:
            for k in range(layout.count):
                flush(k)
                report.indexed += sync_task(str(layout.shard_path(k)), procs)[1]
                progress.advance()
        finally:
            progress.finish()
    report.seconds = time.perf_counter() - started
    return report


def shard_documents(shard_path: str) -> int:
    """How many documents the shard's store holds."""
    folder = IndexFolder(shard_path)
    if not folder.has_store():
        return 0
    with folder.open_store(readonly=True) as store:
        return store.count()


def reindex(index_path: str | os.PathLike[str], progress: Progress = SILENT, procs: int | None = None,
            cluster: str | None = None):
    """`indexer.reindex()` for a sharded index: every shard rebuilt, here or on the cluster."""
    from .index import SyncReport

    started = time.perf_counter()
    layout = shards.load(index_path)
    with writing(IndexFolder(layout.path)):
        if cluster:
            from .cluster import DaskRunner

            runner: Any = DaskRunner(cluster, layout)
        else:
            runner = LocalRunner(1)
            runner.procs = procs
        try:
            documents = every_shard(runner, layout, rebuild_task, progress)
        finally:
            runner.close()
    return SyncReport(documents, True, time.perf_counter() - started)

"""Ingest: raw pages in, stored documents and an up-to-date search index out.

`ingest()` runs the pipeline of `polsearch index`:
1. list the inputs (`corpus.inputs`), without reading them: HTML files, and WARC files as containers;
2. for each raw page, decide from the store whether it needs work: the same size and mtime as last time
   means unchanged without reading; the same raw digest means unchanged without parsing. A WARC file
   whose size and mtime are those it had when all its records were indexed is not opened at all (its
   records' outcomes are reported from the store); otherwise each record is a raw page keyed by file
   and offset, and only records not seen before are read;
3. normalise what is new or changed, in worker processes (`jobs`), bounded in flight so memory stays flat;
4. store each result (added / updated / unchanged by content hash; skipped with a reason; failed),
   committing in batches so work done stays done if the run is stopped;
5. `index.sync()` the Whoosh index with the store.

A page that fails costs that page only; the report lists it.

`ingest_documents()` is steps 4 and 5 for `Document`s made elsewhere (a test collection, an export).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import os
import sqlite3
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from corpus.document import Document
from corpus.errors import InputError, PageError, SkipPage, StoreError
from corpus.progress import SILENT, Progress
from corpus.inputs.files import check_paths, iter_inputs
from corpus.inputs.records import InputProblem, RawContainer, RawPage

from .index import IndexFolder, sync, writing

_STORE_BATCH = 100


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    skips: list[dict[str, str]] = field(default_factory=list)
    indexed: int = 0
    seconds: float = 0.0
    # WARC records read this run that are not pages, by kind (revisit, request, not-html, ...)
    passed_over: Counter = field(default_factory=Counter)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def pages(self) -> int:
        return self.added + self.updated + self.unchanged + self.skipped + self.failed

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "failed": self.failed, "errors": self.errors,
                "skips": self.skips, "seconds": round(self.seconds, 3),
                **({"passed_over": dict(sorted(self.passed_over.items()))} if self.passed_over else {})}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _normalise_job(job: dict[str, Any]) -> tuple[str, Any]:
    """Run in a worker: one raw page to ("document", {doc, fingerprint}) / ("skipped", (kind, reason, dict or None)) /
    ("failed", message). Never raises, so one bad page cannot take the pool down."""
    try:
        if job.get("kind") == "jsonl":
            from corpus.inputs.jsonl import to_document

            doc = to_document(job["data"], fallback_key=job["fallback_key"], provenance=job["provenance"])
            return _document_result(doc)
        from corpus.extract.pipeline import normalise
        from corpus.extract.profiles import load_profiles

        doc = normalise(job["data"], job["url"], http_charset=job["http_charset"],
                        fallback_key=job["fallback_key"], fallback_url=job["fallback_url"],
                        provenance=job["provenance"], fetched_at=job["fetched_at"],
                        profiles=load_profiles(job.get("profile_dirs", ())))
    except SkipPage as exc:
        doc = exc.document.to_dict() if isinstance(exc.document, Document) else None
        return "skipped", (exc.kind, str(exc), doc)
    except PageError as exc:
        return "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per page, never fatal
        return "failed", f"{type(exc).__name__}: {exc}"
    return _document_result(doc)


def _document_result(doc: Document) -> tuple[str, Any]:
    """A worker's result for a document: the document, and the fingerprint its copy detection needs
    (made here, in the worker, rather than in the process that writes the store)."""
    from corpus.store import copies

    fp = copies.fingerprint(doc.body)
    return "document", {"doc": doc.to_dict(), "fingerprint": (fp.exact, fp.sketch, fp.words)}


def _watch_parent(parent: int) -> None:
    """In a worker: exit when the indexer that started it is gone. A killed indexer (SIGKILL, the OOM
    killer) cannot stop its pool, and a worker waiting for jobs would otherwise wait forever."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


class _Prebuilder:
    """Segments built while a large run is still storing documents: each time `SEGMENT_DOCS` documents
    are committed past the last range, one worker process builds their segment (`indexer/segments.py`)
    from the store, beside the process storing the next ones. `collect()` hands the finished ones to
    `sync()` (a document that has moved on since, updated or put in another copy group, is deleted from
    its range's segment and built again); a range not started by then is left to `sync()`, which builds
    it in as many processes as there are cores."""

    def __init__(self, folder: IndexFolder, store) -> None:
        self.folder = folder
        self.store = store
        self.since = store.seq  # documents stored before this run are not this run's to build
        self.prepared = None
        self.pool: cf.ProcessPoolExecutor | None = None
        self.pending: list[tuple[int, int, cf.Future]] = []

    def committed(self) -> None:
        from . import index, segments

        until = self.store.seq
        count = self.store.count_between(self.since, until)
        if count < segments.SEGMENT_DOCS:
            return
        if self.prepared is None:
            self.prepared = index.prepare(self.folder, self.store)
            import multiprocessing

            self.pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_watch_parent, initargs=(os.getpid(),))
        job = {"seq": (self.since, until), "docs": count}
        future = self.pool.submit(segments.build_one, job, str(self.folder.path), str(self.prepared.generation))
        self.pending.append((self.since, until, future))
        self.since = until

    def collect(self):
        """The prepared generation with the segments finished (waiting for the one being built); None
        if nothing was built. A range whose build failed is left to `sync()`."""
        if self.prepared is None:
            return None
        for _lo, _hi, future in self.pending:
            future.cancel()  # not started: `sync()` builds these with every core
        for lo, hi, future in self.pending:
            if future.cancelled():
                continue
            try:
                segment, ids = future.result()
            except Exception:  # noqa: BLE001 - a worker that died: sync() builds the range instead
                continue
            if segment is not None:
                self.prepared.parts.append((lo, hi, segment, ids))
        self.pool.shutdown(wait=True)
        return self.prepared

    def abandon(self) -> None:
        """A run stopped: no segment built here is used (the next commit's cleaning removes them)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Pending:
    page: RawPage
    digest: str


class _Runner:
    """Normalises jobs in-process or in a pool, at most `limit` in flight."""

    def __init__(self, jobs: int, profile_dirs: tuple[str, ...] = ()) -> None:
        self.jobs = jobs
        self.profile_dirs = profile_dirs
        self.pool: cf.ProcessPoolExecutor | None = None
        self.inflight: dict[cf.Future, _Pending] = {}
        self.limit = max(4, jobs * 4)

    def submit(self, pending: _Pending, job: dict[str, Any]) -> Iterator[tuple[_Pending, tuple[str, Any]]]:
        job["profile_dirs"] = self.profile_dirs
        if self.jobs <= 1:
            yield pending, _normalise_job(job)
            return
        if self.pool is None:
            self.pool = cf.ProcessPoolExecutor(max_workers=self.jobs, initializer=_watch_parent,
                                               initargs=(os.getpid(),))
        self.inflight[self.pool.submit(_normalise_job, job)] = pending
        if len(self.inflight) >= self.limit:
            yield from self._collect(cf.FIRST_COMPLETED)

    def drain(self) -> Iterator[tuple[_Pending, tuple[str, Any]]]:
        while self.inflight:
            yield from self._collect(cf.FIRST_COMPLETED)

    def _collect(self, when: str) -> Iterator[tuple[_Pending, tuple[str, Any]]]:
        done, _ = cf.wait(list(self.inflight), return_when=when)
        for future in done:
            pending = self.inflight.pop(future)
            try:
                yield pending, future.result()
            except Exception as exc:  # noqa: BLE001 - a worker died (memory, signal): this page failed
                yield pending, ("failed", f"worker failed: {type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _count_inputs(paths: Sequence[Path], follow_symlinks: bool) -> int | None:
    """The number of pages to read, or None when a container (WARC, JSON Lines) is among them: its
    records are counted as they are read, and the progress shows a count without a total."""
    try:
        count = 0
        for item in iter_inputs(paths, follow_symlinks=follow_symlinks):
            if isinstance(item, RawContainer):
                return None
            count += isinstance(item, RawPage)
        return count
    except InputError:
        return None


def ingest(index_path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]], *,
           jobs: int | None = None, progress: Progress = SILENT, follow_symlinks: bool = False,
           force: bool = False, profile_dirs: Sequence[str] = (), include_skipped: bool = False,
           shards: int | None = None, cluster: str | None = None) -> IngestReport:
    """Index `inputs` (HTML files and folders, WARC files, `scrape` archive folders, JSON Lines files of
    clean documents) into the index
    folder at `index_path`, creating it if needed. `force` re-parses every page even when unchanged
    (after an extractor upgrade or a new site profile); `profile_dirs` are folders of site profiles to
    use besides the built-in ones. `include_skipped` brings in the pages skipped as not commentaries
    (listings, error pages) as documents, from what the store kept of them, without parsing again; with
    no `inputs`, every such page the store holds. `shards`: make a sharded index of that many shards
    (`sharded.py`); an existing sharded index is written shard by shard, on the Dask cluster at the
    scheduler address `cluster` if given."""
    if _to_shards(index_path, shards, cluster):
        from . import sharded

        return sharded.ingest(index_path, inputs, shard_count=shards, jobs=jobs, progress=progress,
                              follow_symlinks=follow_symlinks, force=force, profile_dirs=profile_dirs,
                              include_skipped=include_skipped, cluster=cluster)
    started = time.perf_counter()
    paths = check_paths([Path(s) for s in inputs]) if inputs or not include_skipped else []
    folder = IndexFolder(index_path)
    folder.create()
    jobs = jobs or os.cpu_count() or 1
    report = IngestReport()
    with writing(folder), folder.open_store(create=True) as store:
        progress.start("reading", _count_inputs(paths, follow_symlinks))
        runner = _Runner(jobs, tuple(str(d) for d in profile_dirs))
        prebuilder = _Prebuilder(folder, store)
        batch = 0
        containers: list[tuple[RawContainer, set[str]]] = []
        try:
            with _keeping_done(store):
                store.conn.execute("BEGIN IMMEDIATE")
                if not paths:
                    for key in store.skipped_keys():
                        state = store.input_state(key)
                        _unchanged(state, state.label or key, report, store, include_skipped)
                for item in iter_inputs(paths, follow_symlinks=follow_symlinks):
                    pages = _container_pages(item, store, report, force, containers,
                                             include_skipped) \
                        if isinstance(item, RawContainer) else (item,)
                    in_container = isinstance(item, RawContainer)
                    for page in pages:
                        for pending, result in _handle_input(page, store, report, runner, force,
                                                           include_skipped):
                            _record(pending, result, store, report, include_skipped)
                            batch += 1
                        if batch >= _STORE_BATCH:
                            store.conn.execute("COMMIT")
                            prebuilder.committed()
                            store.conn.execute("BEGIN IMMEDIATE")
                            batch = 0
                        if in_container:
                            progress.advance()  # each record of a WARC or JSON Lines file
                    if not in_container:
                        progress.advance()
                for pending, result in runner.drain():
                    _record(pending, result, store, report, include_skipped)
                for container, seen in containers:
                    _container_done(container, seen, store)
                store.conn.execute("COMMIT")
        except BaseException:
            prebuilder.abandon()
            raise
        finally:
            runner.close()
            progress.finish()
        report.indexed = _sync(folder, store, progress, jobs, prebuilder.collect())
    report.seconds = time.perf_counter() - started
    return report


def ingest_documents(index_path: str | os.PathLike[str], documents: Iterable[Document], *,
                     progress: Progress = SILENT, procs: int | None = None) -> IngestReport:
    """Store ready-made `Document`s (no HTML to parse: a test collection, another tool's export) in the
    index folder at `index_path`, creating it if needed, and bring the search index up to date. Each is
    added, updated or unchanged as in `ingest()` (by id and content hash); the report counts them. A
    sharded index's documents go to their shards."""
    if _to_shards(index_path, None, None):
        from . import sharded

        return sharded.ingest_documents(index_path, documents, progress=progress, procs=procs)
    started = time.perf_counter()
    folder = IndexFolder(index_path)
    folder.create()
    report = IngestReport()
    with writing(folder), folder.open_store(create=True) as store:
        batch = 0
        with _keeping_done(store):
            store.conn.execute("BEGIN IMMEDIATE")
            for doc in documents:
                outcome = store.put(doc)
                report.count("unchanged" if outcome == "older" else outcome)
                batch += 1
                if batch >= _STORE_BATCH:
                    store.conn.execute("COMMIT")
                    store.conn.execute("BEGIN IMMEDIATE")
                    batch = 0
            store.conn.execute("COMMIT")
        report.indexed = _sync(folder, store, progress, procs)
    report.seconds = time.perf_counter() - started
    return report


def _to_shards(index_path, shards: int | None, cluster: str | None) -> bool:
    """Whether a run goes to a sharded index; a cluster only takes a sharded one."""
    from .errors import IndexerError
    from .shards import is_sharded

    if shards is not None or is_sharded(index_path):
        return True
    if cluster:
        raise IndexerError(f"--cluster writes a sharded index, and {index_path} is not one; make one with "
                           "--shards N")
    return False


@contextmanager
def _keeping_done(store) -> Iterator[None]:
    """Around a run's store writes: after an error, what is done stays done (the index catches up next
    run), and SQLite's own errors (a full disk) are reported as the store's."""
    try:
        yield
    except BaseException as exc:
        _keep_done(store)
        if isinstance(exc, sqlite3.Error):
            raise _store_error(store, exc) from exc
        raise


def _keep_done(store) -> None:
    """After an error, commit the batch in progress. SQLite has already rolled it back if the error was
    its own (a full disk); if the commit fails too, the batch is rolled back, so that the error reported
    is the one that stopped the run, not this one."""
    if not store.conn.in_transaction:
        return
    try:
        store.conn.execute("COMMIT")
    except sqlite3.Error:
        try:
            store.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _store_error(store, exc: sqlite3.Error) -> StoreError:
    return StoreError(f"cannot write to the document store {store.path}: {exc}; what was stored before "
                      "is kept")


def _sync(folder: IndexFolder, store, progress: Progress, procs: int | None = None, prebuilt=None) -> int:
    try:
        return sync(folder, store, progress, procs, prebuilt).documents
    except sqlite3.Error as exc:
        raise _store_error(store, exc) from exc


def _container_pages(container: RawContainer, store, report: IngestReport, force: bool,
                     containers: list[tuple[RawContainer, set[str]]],
                     include_skipped: bool = False) -> Iterator[RawPage | InputProblem]:
    """The pages of a WARC file to handle, or none when the file is as it was when all its records
    were indexed: then their outcomes are reported from the store, and the file is not opened."""
    state = store.input_state(container.key)
    if (not force and state is not None and state.status == "container" and state.size == container.size
            and state.mtime_ns == container.mtime_ns):
        for record in store.input_states_under(container.page_prefix):
            _unchanged(record, record.label or record.key, report, store, include_skipped)
        return
    seen: set[str] = set()
    clean = True
    for item in container.pages():
        if isinstance(item, InputProblem):
            clean = False
        else:
            seen.add(item.key)
        yield item
    report.passed_over.update(container.passed_over)
    if clean:
        containers.append((container, seen))


def _container_done(container: RawContainer, seen: set[str], store) -> None:
    """Remember a WARC file as indexed whole, unless a record in it failed (then it is read again next
    time, and the failed records retried). Records no longer in the file are forgotten."""
    records = list(store.input_states_under(container.page_prefix))
    if any(r.status == "failed" and r.key in seen for r in records):
        return
    for record in records:
        if record.key not in seen:
            store.conn.execute("DELETE FROM sources WHERE key = ?", (record.key,))
    store.set_input_state(container.key, size=container.size, mtime_ns=container.mtime_ns, raw_digest="",
                          doc_id="", status="container", seen_at=_now(), label=container.label)


def _handle_input(item: RawPage | InputProblem, store, report: IngestReport, runner: _Runner,
                   force: bool, include_skipped: bool = False) -> Iterable[tuple[_Pending, tuple[str, Any]]]:
    if isinstance(item, InputProblem):
        report.count("failed")
        report.errors.append({"source": item.label, "error": item.reason})
        return ()
    page = item
    state = store.input_state(page.key)
    cached = state is not None and state.status in ("document", "skipped") and not force
    if cached and page.size is not None and state.size == page.size and state.mtime_ns == page.mtime_ns:
        return _unchanged(state, page.label, report, store, include_skipped)
    try:
        data = page.read()
    except (OSError, InputError) as exc:
        report.count("failed")
        reason = getattr(exc, "strerror", None) or str(exc)
        report.errors.append({"source": page.label, "error": f"cannot read: {reason}"})
        return ()
    except SkipPage as exc:  # the reader can tell (a WARC record too large once decompressed)
        _record(_Pending(page, ""), ("skipped", (exc.kind, str(exc), None)), store, report)
        return ()
    digest = hashlib.sha256(data).hexdigest()
    if cached and state.raw_digest == digest:
        store.set_input_state(page.key, size=page.size, mtime_ns=page.mtime_ns, raw_digest=digest,
                              doc_id=state.doc_id, status=state.status, reason=state.reason, seen_at=_now(),
                              label=page.label)
        return _unchanged(state, page.label, report, store, include_skipped)
    return runner.submit(_Pending(page, digest), page_job(page, data, digest))


def page_job(page: RawPage, data: bytes, digest: str) -> dict[str, Any]:
    """What `_normalise_job` takes for one raw page read as `data` (its SHA-256 `digest`)."""
    return {"data": data, "url": page.url, "http_charset": page.http_charset,
            "fallback_key": page.fallback_key, "fallback_url": page.fallback_url,
            "provenance": dict(page.provenance, sha256=digest), "fetched_at": page.fetched_at, "kind": page.kind}


def _unchanged(state, label: str, report: IngestReport, store=None, include_skipped: bool = False) -> tuple:
    kept = store.skipped_document(state.key) if include_skipped and state.status == "skipped" else None
    if kept is not None:  # brought in from the store: no fetch, no parse
        _keep_document(kept, state.key, state.size, state.mtime_ns, state.raw_digest, label, store, report)
        store.drop_skipped(state.key)
    elif state.status == "skipped":
        report.count("skipped")
        report.skips.append({"source": label, "reason": state.reason})
    else:
        report.count("unchanged")
    return ()


def _keep_document(doc: Document, key: str, size, mtime_ns, digest: str, label: str, store,
                   report: IngestReport, fingerprint=None) -> None:
    outcome = store.put(doc, fingerprint)
    report.count("unchanged" if outcome == "older" else outcome)
    store.set_input_state(key, size=size, mtime_ns=mtime_ns, raw_digest=digest,
                          doc_id=doc.id, status="document", seen_at=_now(), label=label)


def _record(pending: _Pending, result: tuple[str, Any], store, report: IngestReport,
            include_skipped: bool = False) -> None:
    page, digest = pending.page, pending.digest
    status, payload = result
    if status == "skipped" and include_skipped and payload[2] is not None:
        status, payload = "document", payload[2]
        store.drop_skipped(page.key)
    if status == "document":
        fingerprint = None
        if "fingerprint" in payload:  # from a worker: the document and its fingerprint
            from corpus.store.copies import Fingerprint

            fingerprint = Fingerprint(*payload["fingerprint"])
            payload = payload["doc"]
        _keep_document(Document.from_dict(payload), page.key, page.size, page.mtime_ns, digest, page.label,
                       store, report, fingerprint)
    elif status == "skipped":
        kind, reason, kept = payload
        store.put_skipped(page.key, kind, Document.from_dict(kept) if kept is not None else None)
        report.count("skipped")
        report.skips.append({"source": page.label, "reason": reason})
        store.set_input_state(page.key, size=page.size, mtime_ns=page.mtime_ns, raw_digest=digest,
                              doc_id="", status="skipped", reason=f"{reason}", seen_at=_now(), label=page.label)
    else:
        report.count("failed")
        report.errors.append({"source": page.label, "error": str(payload)})
        store.set_input_state(page.key, size=page.size, mtime_ns=page.mtime_ns, raw_digest=digest,
                              doc_id="", status="failed", reason=str(payload), seen_at=_now(), label=page.label)

"""The archive folder that `scrape` writes: WARC files, and the state file beside them.

- WARC files `polsearch-<UTC time to the millisecond>-<serial>.warc.gz`: WARC/1.1, one gzip member per
  record, a `warcinfo` record first and every other record pointing at it (`WARC-Warcinfo-ID`). A run
  starts a new file, and so does a file that has grown past `max_warc_size`; a file is never written
  again once its run is over, so the indexer can skip it whole when its size and mtime are unchanged.
  Records are written by `warcfile.py`.
- `scrape.sqlite` (SQLite, WAL): `urls`, the state of every URL ever visited (last status and visit,
  outcome, ETag / Last-Modified, digest of the content, and which WARC file and offset hold it);
  `crawls` and `queue`, the frontier of the current crawl, so that an interrupted run resumes; and
  `warc_files`, each file's committed length.
- `scrape.lock`: held (`flock`) by the one process writing; the kernel releases it if that process dies.

`Archive.capture(exchange)` turns a successful exchange into records: a `response` with its `request`
(`WARC-Concurrent-To`), or — when the content's digest equals the last capture's, or the server
answered 304 to a conditional request — a `revisit` (profile identical-payload-digest or
server-not-modified) that refers to the capture it repeats (`WARC-Refers-To`); a 304's revisit has an
empty block, so that it replays as the page, and the 304 itself goes into a `metadata` record beside it
(`WarcFile.not_modified`). `Archive.keep()` writes
any other answer (an error page, a redirect) as a plain pair.

Crash safety: records are written inside `Archive.transaction()`; before it commits, the WARC file is
flushed and fsynced and its new length is committed with the state that points into it. A rolled-back
transaction cuts the file back, and so does opening the archive after a crash: bytes past the committed
length (a half-written record) are removed, and the URLs they held are fetched again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..closing import Closing
from ..errors import ArchiveError
from .settings import DEFAULTS
from .warcfile import PROFILE_IDENTICAL, WarcFile, Written, file_name, sha1_digest
from .wire import Exchange

log = logging.getLogger(__name__)

STATE_FILE = "scrape.sqlite"
LOCK_FILE = "scrape.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    kind TEXT NOT NULL,              -- seed, listing, sitemap or page
    status INTEGER,                  -- the last HTTP status; NULL when there was no answer
    outcome TEXT NOT NULL,           -- of the last visit: new, changed, unchanged, redirect, skipped, failed
    reason TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,        -- the last visit (UTC)
    etag TEXT,                       -- validators of the capture below: If-None-Match, If-Modified-Since
    last_modified TEXT,
    digest TEXT,                     -- SHA-1 of the capture's entity body, sha1:BASE32
    payload_digest TEXT,             -- the capture's WARC-Payload-Digest
    content_type TEXT,
    warc_file TEXT,                  -- where the current content is: the last response record
    warc_offset INTEGER,
    warc_length INTEGER,
    record_id TEXT,
    captured_at TEXT                 -- its WARC-Date
);
CREATE TABLE IF NOT EXISTS crawls (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    state TEXT NOT NULL,             -- running, paused (--max-pages), done
    seeds TEXT NOT NULL              -- JSON: [{"url", "prefix"}]
);
CREATE TABLE IF NOT EXISTS queue (
    n INTEGER PRIMARY KEY,
    crawl INTEGER NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    hops INTEGER NOT NULL DEFAULT 0, -- redirects followed to get here
    seed INTEGER NOT NULL DEFAULT 0, -- whose scope it is in
    done INTEGER NOT NULL DEFAULT 0,
    UNIQUE (crawl, url)
);
CREATE TABLE IF NOT EXISTS warc_files (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    size INTEGER NOT NULL,           -- committed length: bytes past it are cut on the next open
    closed INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class UrlState:
    url: str
    kind: str
    status: int | None
    outcome: str
    reason: str
    fetched_at: str
    etag: str | None
    last_modified: str | None
    digest: str | None
    payload_digest: str | None
    content_type: str | None
    warc_file: str | None
    warc_offset: int | None
    warc_length: int | None
    record_id: str | None
    captured_at: str | None

    @property
    def captured(self) -> bool:
        return bool(self.record_id and self.digest)

    def conditional_headers(self) -> list[tuple[str, str]]:
        if not self.captured:
            return []
        headers = []
        if self.etag:
            headers.append(("If-None-Match", self.etag))
        if self.last_modified:
            headers.append(("If-Modified-Since", self.last_modified))
        return headers


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Archive(Closing):
    """Open with `Archive.open(folder, ...)`; use as a context manager."""

    def __init__(self, folder: Path, conn: sqlite3.Connection, lock_fd: int, warcinfo: dict[str, str],
                 max_warc_size: int) -> None:
        self.folder = folder
        self.conn = conn
        self._lock_fd = lock_fd
        self.warcinfo = warcinfo
        self.max_warc_size = max_warc_size
        self._current: WarcFile | None = None
        self.files_written: list[str] = []

    @classmethod
    def open(cls, folder: str | os.PathLike[str], *, warcinfo: dict[str, str] | None = None,
             max_warc_size: int = DEFAULTS["max_warc_size"]) -> Archive:
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ArchiveError(f"cannot create the archive folder {folder}: {exc.strerror}") from exc
        lock_fd = _lock(folder)
        try:
            conn = sqlite3.connect(folder / STATE_FILE, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            os.close(lock_fd)
            raise ArchiveError(f"cannot open the scrape state {folder / STATE_FILE}: {exc}") from exc
        archive = cls(folder, conn, lock_fd, dict(warcinfo or {}), max_warc_size)
        archive._repair()
        return archive

    def close(self) -> None:
        if self._current is not None:
            self._close_current()
        self.conn.close()
        os.close(self._lock_fd)

    # -- transactions ------------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """State changes and the WARC records they point to, committed together."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            current = self._current
            if current is not None and current.size() != current.committed:
                current.fh.flush()
                os.fsync(current.fh.fileno())
                self.conn.execute("UPDATE warc_files SET size = ? WHERE name = ?",
                                  (current.size(), current.path.name))
            self.conn.execute("COMMIT")
        except BaseException:
            if not self.conn.in_transaction and self._state_holds_current():
                self._mark_committed()  # the commit went through; an interrupt (Ctrl-C) came just after it
            else:
                if self.conn.in_transaction:  # (SQLite itself rolls back after some errors: a full disk)
                    self.conn.execute("ROLLBACK")
                self._undo_writes()
            raise
        self._mark_committed()
        if self._current is not None and self._current.committed >= self.max_warc_size:
            self._close_current()

    def _mark_committed(self) -> None:
        if self._current is not None:
            self._current.committed = self._current.size()

    def _state_holds_current(self) -> bool:
        """True when the state's size of the open WARC file is its size now (what a commit writes)."""
        current = self._current
        if current is None:
            return True
        try:
            row = self.conn.execute("SELECT size FROM warc_files WHERE name = ?", (current.path.name,)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == current.size()

    def _undo_writes(self) -> None:
        current = self._current
        if current is None:
            return
        current.cut_back()
        if current.committed == 0:  # created in the rolled-back transaction
            current.fh.close()
            current.path.unlink(missing_ok=True)
            if current.path.name in self.files_written:
                self.files_written.remove(current.path.name)
            self._current = None

    def _repair(self) -> None:
        """After a crash: cut each unclosed file back to its committed length, then close it."""
        rows = self.conn.execute("SELECT name, size FROM warc_files WHERE closed = 0").fetchall()
        for name, size in rows:
            path = self.folder / name
            try:
                actual = path.stat().st_size
            except FileNotFoundError:
                log.warning("%s: listed in %s but missing", path, STATE_FILE)
                actual = size
            if actual > size:
                log.warning("%s: cutting %d bytes written after the last commit (an interrupted run)",
                            path, actual - size)
                with path.open("r+b") as fh:
                    fh.truncate(size)
            elif actual < size:
                log.warning("%s: %d bytes shorter than committed; captures in them will be fetched again "
                            "when their pages change", path, size - actual)
            self.conn.execute("UPDATE warc_files SET closed = 1 WHERE name = ?", (name,))

    # -- WARC files ----------------------------------------------------------------------------------
    def _out(self) -> WarcFile:
        if self._current is None:
            self._open_new()
        assert self._current is not None
        return self._current

    def _open_new(self) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        serial = self.conn.execute("SELECT COUNT(*) FROM warc_files").fetchone()[0] + 1
        name = file_name(now, serial)
        self.conn.execute("INSERT INTO warc_files(name, created_at, size) VALUES (?, ?, 0)", (name, _now()))
        current = WarcFile(self.folder / name, committed=0)
        self._current = current
        self.files_written.append(name)
        current.begin(now, self.warcinfo)

    def _close_current(self) -> None:
        current = self._current
        if current is None:
            return
        current.cut_back()  # anything not committed goes
        current.fh.close()
        self.conn.execute("UPDATE warc_files SET closed = 1 WHERE name = ?", (current.path.name,))
        self._current = None

    # -- what the crawler calls ------------------------------------------------------------------------
    def state(self, url: str) -> UrlState | None:
        row = self.conn.execute(f"SELECT {_URL_COLUMNS} FROM urls WHERE url = ?", (url,)).fetchone()
        return UrlState(*row) if row else None

    def capture(self, ex: Exchange, kind: str) -> str:
        """Archive a complete 2xx or a 304 answer; returns "new", "changed" or "unchanged"."""
        prev = self.state(ex.url)
        if ex.status == 304 and prev is not None and prev.captured:
            self._out().not_modified(ex, _refers_to(prev), prev.payload_digest or "")
            self._remember(ex, kind, "unchanged", validators=_validators(ex, prev))
            return "unchanged"
        digest = sha1_digest(ex.body)
        if prev is not None and prev.captured and prev.digest == digest:
            headers = [("WARC-Profile", PROFILE_IDENTICAL), ("WARC-Payload-Digest", prev.payload_digest or "")]
            headers += _refers_to(prev)
            self._out().pair(ex, ("revisit", ex.head, headers, None))
            self._remember(ex, kind, "unchanged", validators=_validators(ex, None))
            return "unchanged"
        written = self._out().pair(ex, ("response", ex.head + ex.raw_body, [], ex.raw_body))
        outcome = "changed" if prev is not None and prev.captured else "new"
        self._remember(ex, kind, outcome, validators=_validators(ex, None), capture=(digest, written))
        return outcome

    def keep(self, ex: Exchange, kind: str, outcome: str, reason: str = "") -> None:
        """Record any other visit: an answer that is not a capture of the page (a redirect, an error page,
        a truncated body) is written as a plain pair; the URL's last capture stays what it was."""
        if ex.status:
            headers = [("WARC-Truncated", ex.truncated)] if ex.truncated else []
            self._out().pair(ex, ("response", ex.head + ex.raw_body, headers, ex.raw_body))
        self._remember(ex, kind, outcome, reason=reason)

    def note(self, url: str, kind: str, outcome: str, reason: str, status: int | None = None) -> None:
        """A visit that leaves nothing to archive: decided without a request (robots.txt, scope), or
        without a complete answer (a timeout, a type that is not collected)."""
        self.conn.execute(
            "INSERT INTO urls(url, kind, status, outcome, reason, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET status = COALESCE(excluded.status, status), "
            "outcome = excluded.outcome, reason = excluded.reason, fetched_at = excluded.fetched_at",
            (url, kind, status, outcome, reason, _now()))

    def _remember(self, ex: Exchange, kind: str, outcome: str, *, reason: str = "",
                  validators: tuple[str | None, str | None] | None = None,
                  capture: tuple[str, Written] | None = None) -> None:
        fetched = ex.started.isoformat(timespec="seconds")
        self.conn.execute(
            "INSERT INTO urls(url, kind, status, outcome, reason, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO UPDATE SET kind = excluded.kind, status = excluded.status, "
            "outcome = excluded.outcome, reason = excluded.reason, fetched_at = excluded.fetched_at",
            (ex.url, kind, ex.status or None, outcome, reason, fetched))
        if validators is not None:
            self.conn.execute("UPDATE urls SET etag = ?, last_modified = ? WHERE url = ?",
                              (validators[0], validators[1], ex.url))
        if capture is not None:
            digest, written = capture
            self.conn.execute(
                "UPDATE urls SET digest = ?, payload_digest = ?, content_type = ?, warc_file = ?, "
                "warc_offset = ?, warc_length = ?, record_id = ?, captured_at = ? WHERE url = ?",
                (digest, sha1_digest(ex.raw_body), ex.content_type, written.file, written.offset,
                 written.length, written.record_id, written.date, ex.url))

    def stored_content(self, state: UrlState, limit: int) -> bytes | None:
        """The content of a URL's last capture, read back from its WARC file (decoded), or None."""
        if not state.captured or state.warc_file is None or state.warc_offset is None:
            return None
        from ..inputs.warc import read_payload

        try:
            return read_payload(self.folder / state.warc_file, state.warc_offset, limit)
        except Exception as exc:  # noqa: BLE001 - a damaged old file costs its links, not the crawl
            log.warning("cannot read back %s from %s: %s", state.url, state.warc_file, exc)
            return None

    # -- crawls and their queue ------------------------------------------------------------------------
    def open_crawl(self, *, fresh: bool) -> tuple[int, list[dict[str, Any]], bool]:
        """(crawl id, seeds, resumed?): the last crawl and its seeds if it did not finish (unless
        `fresh`); else a new crawl, with the last crawl's seeds as a hint (their scopes as learnt)."""
        row = self.conn.execute("SELECT id, state, seeds FROM crawls ORDER BY id DESC LIMIT 1").fetchone()
        if row is not None and row[1] != "done" and not fresh:
            return row[0], json.loads(row[2]), True
        hint = json.loads(row[2]) if row is not None else []
        with self.transaction():
            if row is not None and row[1] != "done":
                self.conn.execute("UPDATE crawls SET state = 'done', ended_at = ? WHERE id = ?", (_now(), row[0]))
                self.conn.execute("DELETE FROM queue WHERE crawl = ?", (row[0],))
            cur = self.conn.execute("INSERT INTO crawls(started_at, state, seeds) VALUES (?, 'running', '[]')",
                                    (_now(),))
        return int(cur.lastrowid), hint, False

    def set_seeds(self, crawl: int, seeds: list[dict[str, Any]]) -> None:
        self.conn.execute("UPDATE crawls SET seeds = ? WHERE id = ?", (json.dumps(seeds), crawl))

    def end_crawl(self, crawl: int, state: str) -> None:
        with self.transaction():
            self.conn.execute("UPDATE crawls SET state = ?, ended_at = ? WHERE id = ?", (state, _now(), crawl))
            if state == "done":
                self.conn.execute("DELETE FROM queue WHERE crawl = ?", (crawl,))

    def enqueue(self, crawl: int, url: str, kind: str, hops: int = 0, seed: int = 0) -> bool:
        """Add `url` to the crawl's queue; False if this crawl has already seen it."""
        cur = self.conn.execute("INSERT OR IGNORE INTO queue(crawl, url, kind, hops, seed) VALUES (?, ?, ?, ?, ?)",
                                (crawl, url, kind, hops, seed))
        return cur.rowcount > 0

    def pending(self, crawl: int) -> list[tuple[str, str, int, int]]:
        return self.conn.execute("SELECT url, kind, hops, seed FROM queue WHERE crawl = ? AND done = 0 ORDER BY n",
                                 (crawl,)).fetchall()

    def counts(self, crawl: int) -> tuple[int, int]:
        """(URLs done, URLs known) in the crawl's queue."""
        done, total = self.conn.execute("SELECT COALESCE(SUM(done), 0), COUNT(*) FROM queue WHERE crawl = ?",
                                        (crawl,)).fetchone()
        return int(done), int(total)

    def mark_done(self, crawl: int, url: str) -> None:
        self.conn.execute("UPDATE queue SET done = 1 WHERE crawl = ? AND url = ?", (crawl, url))

    def known_pages(self) -> list[str]:
        """Pages captured before and not gone since: a new crawl asks about each again (conditionally)."""
        return [r[0] for r in self.conn.execute(
            "SELECT url FROM urls WHERE kind = 'page' AND record_id IS NOT NULL "
            "AND (status IS NULL OR status NOT IN (404, 410)) ORDER BY url")]


_URL_COLUMNS = ("url, kind, status, outcome, reason, fetched_at, etag, last_modified, digest, payload_digest, "
                "content_type, warc_file, warc_offset, warc_length, record_id, captured_at")


def _refers_to(prev: UrlState) -> list[tuple[str, str]]:
    return [("WARC-Refers-To", prev.record_id or ""), ("WARC-Refers-To-Target-URI", prev.url),
            ("WARC-Refers-To-Date", prev.captured_at or "")]


def _validators(ex: Exchange, prev: UrlState | None) -> tuple[str | None, str | None]:
    """ETag and Last-Modified to send next time: the response's, or (for a 304 that repeats none) the
    ones that got it."""
    etag, modified = ex.header("ETag"), ex.header("Last-Modified")
    if prev is not None:
        etag, modified = etag or prev.etag, modified or prev.last_modified
    return etag, modified


def _lock(folder: Path) -> int:
    path = folder / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "another process"
        finally:
            os.close(fd)
        raise ArchiveError(f"the archive {folder} is being written by process {holder}; "
                           "wait for it to finish") from None
    os.ftruncate(fd, 0)
    os.write(fd, str(os.getpid()).encode("ascii"))
    return fd

"""The document store: an index folder's source of truth (`documents.sqlite`, SQLite in WAL mode).

Tables:
- `documents`: the current version of every document (its JSON, zlib-compressed) and a few columns for
  statistics; `seq` is a store-wide counter bumped on every change, which is how the search index knows
  what it has not seen yet;
- `versions`: earlier versions of changed documents (a changed page keeps what it said before);
- `sources`: what incremental indexing needs per raw input (file path or WARC record): size, mtime and
  raw digest as last seen, the document it gave, or why it was skipped; and per WARC file (status
  `container`), the size and mtime it had when all its records were indexed. The code calls these
  input states (`InputState`); the table keeps the name existing stores have;
- `skipped_documents`: for each raw input skipped as not a commentary (a listing, an error page), the
  `Document` it would have given, so `index --include-skipped` brings it in without fetching it again;
- `state`: small key/value facts (the index generation in use and the `seq` it has reached);
- `copies` and `copy_bands`: each document's copy group and fingerprint (`copies.py`): republished or
  lightly edited copies share a group, named after its first document.

One writer at a time (the index folder's lock, and SQLite's own); readers never block it (WAL).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from ..closing import Closing
from ..document import Document
from ..errors import StoreError
from . import copies

STORE_FILE = "documents.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    doc BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_seq ON documents(seq);
CREATE TABLE IF NOT EXISTS versions (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    doc BLOB NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE TABLE IF NOT EXISTS sources (
    key TEXT PRIMARY KEY,
    size INTEGER,
    mtime_ns INTEGER,
    raw_digest TEXT,
    doc_id TEXT,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    seen_at TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS skipped_documents (key TEXT PRIMARY KEY, kind TEXT NOT NULL, document BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS copies (
    doc_id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL,
    exact TEXT NOT NULL,
    sketch BLOB NOT NULL          -- MinHash sketch (copies.py); empty for short bodies
);
CREATE INDEX IF NOT EXISTS copies_group ON copies(group_id);
CREATE INDEX IF NOT EXISTS copies_exact ON copies(exact);
CREATE TABLE IF NOT EXISTS copy_bands (band INTEGER NOT NULL, value INTEGER NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copy_bands_value ON copy_bands(band, value);
CREATE INDEX IF NOT EXISTS copy_bands_doc ON copy_bands(doc_id);
"""


@dataclass(frozen=True)
class InputState:
    """What incremental indexing remembers of one raw input (a file, a WARC record or a whole WARC file),
    kept in the `sources` table (the name existing stores have)."""
    key: str
    size: int | None
    mtime_ns: int | None
    raw_digest: str
    doc_id: str
    status: str  # "document", "skipped", "failed", or "container" (a WARC file, indexed whole)
    reason: str
    label: str = ""


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a store made by an earlier version up to this schema."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(sources)")}
    if "label" not in columns:  # added with WARC inputs: how messages name a record
        conn.execute("ALTER TABLE sources ADD COLUMN label TEXT NOT NULL DEFAULT ''")


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. A store in WAL mode needs its `-shm` file even to be read; on a read-only
    file system that file cannot be made, but nothing can change the store either, so it is opened as
    immutable. Elsewhere (a folder without write permission) the error stands."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, check_same_thread=False)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        if not os.statvfs(path).f_flag & os.ST_RDONLY:
            raise
        conn = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=30, check_same_thread=False)
    return conn


def _low_space(path: Path) -> str:
    """A note when the disk holding the store is (nearly) full: SQLite then says only "disk I/O error",
    when it cannot make the shared-memory file a store in WAL mode needs."""
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        return ""
    return f" (the disk is full: {free // 1024} KB free)" if free < 1024 * 1024 else ""


def _pack(doc: Document) -> bytes:
    return zlib.compress(doc.to_json().encode("utf-8"), 6)


def _unpack(blob: bytes) -> Document:
    return Document.from_json(zlib.decompress(blob))


class Store(Closing):
    """Open with `Store.open(folder, create=...)`; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly

    @classmethod
    def open(cls, folder: Path, *, create: bool = False, readonly: bool = False) -> Store:
        path = Path(folder) / STORE_FILE
        if not path.exists() and not create:
            raise StoreError(f"no document store in {folder}")
        try:
            if readonly:
                conn = _connect_readonly(path)
            else:
                conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
                _migrate(conn)
            conn.execute("PRAGMA busy_timeout=30000")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the document store {path}: {exc}{_low_space(path)}") from exc
        conn.isolation_level = None  # transactions are explicit: `with store.transaction():`
        return cls(conn, path, readonly)

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to the document store: {exc}") from exc
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # SQLite itself rolls back after some errors (a full disk)
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot write to the document store: {exc}") from exc

    # -- state ---------------------------------------------------------------------------------------
    def get_state(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO state(key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def _next_seq(self) -> int:
        seq = int(self.get_state("seq", "0")) + 1
        self.set_state("seq", str(seq))
        return seq

    @property
    def seq(self) -> int:
        return int(self.get_state("seq", "0"))

    # -- raw inputs (the `sources` table) ------------------------------------------------------------
    def input_state(self, key: str) -> InputState | None:
        row = self.conn.execute(
            "SELECT key, size, mtime_ns, raw_digest, doc_id, status, reason, label FROM sources WHERE key = ?",
            (key,)).fetchone()
        return InputState(*row) if row else None

    def input_states_under(self, prefix: str) -> Iterator[InputState]:
        """Every raw page whose key starts with `prefix` (the records of one WARC file), in key order."""
        yield from (InputState(*row) for row in self.conn.execute(
            "SELECT key, size, mtime_ns, raw_digest, doc_id, status, reason, label FROM sources "
            "WHERE key >= ? AND key < ? ORDER BY key", (prefix, prefix + "\uffff")))

    def set_input_state(self, key: str, *, size: int | None, mtime_ns: int | None, raw_digest: str,
                        doc_id: str, status: str, reason: str = "", seen_at: str = "", label: str = "") -> None:
        self.conn.execute(
            "INSERT INTO sources(key, size, mtime_ns, raw_digest, doc_id, status, reason, seen_at, label) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, raw_digest = excluded.raw_digest, doc_id = excluded.doc_id, "
            "status = excluded.status, reason = excluded.reason, seen_at = excluded.seen_at, "
            "label = excluded.label",
            (key, size, mtime_ns, raw_digest, doc_id, status, reason, seen_at, label))

    # -- skipped pages (the `skipped_documents` table) -------------------------------------------------
    def put_skipped(self, key: str, kind: str, doc: Document | None) -> None:
        """Remember what the skipped raw input `key` would give (its reason is in its input state)."""
        if doc is None:
            self.conn.execute("DELETE FROM skipped_documents WHERE key = ?", (key,))
            return
        self.conn.execute("INSERT INTO skipped_documents(key, kind, document) VALUES (?, ?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET kind = excluded.kind, document = excluded.document",
                          (key, kind, _pack(doc)))

    def skipped_document(self, key: str) -> Document | None:
        row = self.conn.execute("SELECT document FROM skipped_documents WHERE key = ?", (key,)).fetchone()
        return _unpack(row[0]) if row else None

    def skipped_keys(self) -> list[str]:
        """Raw inputs skipped whose would-be document is kept, in key order."""
        return [row[0] for row in self.conn.execute(
            "SELECT d.key FROM skipped_documents d JOIN sources s ON s.key = d.key "
            "WHERE s.status = 'skipped' ORDER BY d.key")]

    def drop_skipped(self, key: str) -> None:
        self.conn.execute("DELETE FROM skipped_documents WHERE key = ?", (key,))

    # -- documents -----------------------------------------------------------------------------------
    def put(self, doc: Document, fingerprint: copies.Fingerprint | None = None) -> str:
        """Store `doc`; returns "added", "updated", "unchanged" or "older" (an earlier capture of a
        document the store has a newer version of: kept as a version, the current one stays).
        `fingerprint` is `copies.fingerprint(doc.body)` when the caller made it already (in a worker)."""
        row = self.conn.execute(
            "SELECT content_hash, fetched_at, version, doc FROM documents WHERE id = ?", (doc.id,)
        ).fetchone()
        if row is None:
            self._write_current(doc, version=1)
            self._assign_copy(doc, fingerprint)
            return "added"
        current_hash, current_fetched, version, blob = row
        if current_hash == doc.content_hash:
            return "unchanged"
        if doc.fetched_at and current_fetched and doc.fetched_at < current_fetched:
            if not self._has_version(doc.id, doc.content_hash):
                self.conn.execute(
                    "INSERT OR IGNORE INTO versions(id, version, content_hash, fetched_at, doc) "
                    "VALUES (?, (SELECT COALESCE(MIN(version), 1) - 1 FROM versions WHERE id = ?), ?, ?, ?)",
                    (doc.id, doc.id, doc.content_hash, doc.fetched_at, _pack(doc)))
            return "older"
        self.conn.execute(
            "INSERT OR REPLACE INTO versions(id, version, content_hash, fetched_at, doc) VALUES (?, ?, ?, ?, ?)",
            (doc.id, version, current_hash, current_fetched, blob))
        self._write_current(doc, version=version + 1)
        self._assign_copy(doc, fingerprint)
        return "updated"

    def _has_version(self, doc_id: str, content_hash: str) -> bool:
        return self.conn.execute("SELECT 1 FROM versions WHERE id = ? AND content_hash = ?",
                                 (doc_id, content_hash)).fetchone() is not None

    def _write_current(self, doc: Document, version: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO documents(id, url, title, date, source, content_hash, fetched_at, "
            "version, seq, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.url, doc.title, doc.date, doc.source, doc.content_hash, doc.fetched_at, version,
             self._next_seq(), _pack(doc)))

    # -- copies ------------------------------------------------------------------------------------------
    def _assign_copy(self, doc: Document, fp: copies.Fingerprint | None = None) -> None:
        """Put `doc` in its copy group (see `copies.py`); documents whose group changes are touched, so
        that the index learns of it."""
        fp = fp or copies.fingerprint(doc.body)
        old = self.conn.execute("SELECT group_id, exact, sketch FROM copies WHERE doc_id = ?", (doc.id,)).fetchone()
        if old is not None and old[1] == fp.exact and old[2] == fp.blob():
            return
        if old is not None:
            self._leave_group(doc.id, old[0])
        groups = {g for (g,) in self.conn.execute(
            "SELECT group_id FROM copies WHERE exact = ? AND doc_id != ?", (fp.exact, doc.id))}
        keys = fp.bands()
        if keys:
            seen: set[str] = set()
            for band, key in enumerate(keys):
                for other, group, blob in self.conn.execute(
                        "SELECT c.doc_id, c.group_id, c.sketch FROM copy_bands b JOIN copies c ON c.doc_id = b.doc_id "
                        "WHERE b.band = ? AND b.value = ? AND b.doc_id != ?", (band, key, doc.id)):
                    if other not in seen:
                        seen.add(other)
                        if copies.near(fp.sketch, copies.sketch_from_blob(blob)):
                            groups.add(group)
        group = min(groups) if groups else doc.id
        for other_group in groups - {group}:  # this document joins groups that were apart: merge them
            members = [m for (m,) in self.conn.execute("SELECT doc_id FROM copies WHERE group_id = ?", (other_group,))]
            self.conn.execute("UPDATE copies SET group_id = ? WHERE group_id = ?", (group, other_group))
            self._touch(members)
        self.conn.execute("INSERT OR REPLACE INTO copies(doc_id, group_id, exact, sketch) VALUES (?, ?, ?, ?)",
                          (doc.id, group, fp.exact, fp.blob()))
        self.conn.executemany("INSERT INTO copy_bands(band, value, doc_id) VALUES (?, ?, ?)",
                              [(band, key, doc.id) for band, key in enumerate(keys)])

    def _leave_group(self, doc_id: str, group: str) -> None:
        self.conn.execute("DELETE FROM copy_bands WHERE doc_id = ?", (doc_id,))
        self.conn.execute("DELETE FROM copies WHERE doc_id = ?", (doc_id,))
        if group == doc_id:  # the group's namesake left: the others are named after the next one
            members = [m for (m,) in self.conn.execute(
                "SELECT doc_id FROM copies WHERE group_id = ? ORDER BY doc_id", (group,))]
            if members:
                self.conn.execute("UPDATE copies SET group_id = ? WHERE group_id = ?", (members[0], group))
                self._touch(members)

    def _touch(self, ids: list[str]) -> None:
        for doc_id in ids:
            self.conn.execute("UPDATE documents SET seq = ? WHERE id = ?", (self._next_seq(), doc_id))

    def _rows_for(self, sql: str, ids: list[str]) -> Iterator[tuple]:
        """The rows of `sql` (a SELECT ending in `IN ({})`) for `ids`, asked 500 at a time (SQLite limits
        the number of parameters of one statement)."""
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            yield from self.conn.execute(sql.format(",".join("?" * len(chunk))), chunk)

    def copy_groups(self, ids: Iterable[str]) -> dict[str, str]:
        """The copy group of each of `ids` (a document without a group is its own)."""
        ids = list(ids)
        found = dict(self._rows_for("SELECT doc_id, group_id FROM copies WHERE doc_id IN ({})", ids))
        return {doc_id: found.get(doc_id, doc_id) for doc_id in ids}

    def dates(self, ids: Iterable[str]) -> dict[str, str]:
        """The publication date ("" if none) of each of `ids` that is stored."""
        return dict(self._rows_for("SELECT id, date FROM documents WHERE id IN ({})", list(ids)))

    def copies_of(self, doc_id: str) -> list[str]:
        """The other documents in `doc_id`'s copy group, the group's namesake first."""
        row = self.conn.execute("SELECT group_id FROM copies WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return []
        return [m for (m,) in self.conn.execute(
            "SELECT doc_id FROM copies WHERE group_id = ? AND doc_id != ? ORDER BY doc_id != group_id, doc_id",
            (row[0], doc_id))]

    def fingerprint_missing(self) -> int:
        """Give a copy group to stored documents that have none (stores made before copies were kept).
        Returns how many were done."""
        missing = [doc_id for (doc_id,) in self.conn.execute(
            "SELECT id FROM documents WHERE id NOT IN (SELECT doc_id FROM copies) ORDER BY seq")]
        for start in range(0, len(missing), 200):
            for doc in self.get_many(missing[start:start + 200]).values():
                self._assign_copy(doc)
        return len(missing)

    def get(self, doc_id: str) -> Document | None:
        row = self.conn.execute("SELECT doc FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return _unpack(row[0]) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Document]:
        return {doc_id: _unpack(blob)
                for doc_id, blob in self._rows_for("SELECT id, doc FROM documents WHERE id IN ({})", list(ids))}

    def find_ids(self, prefix: str, limit: int = 2) -> list[str]:
        """Ids starting with `prefix` (users may type a shortened id)."""
        return [r[0] for r in self.conn.execute(
            "SELECT id FROM documents WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\uffff", limit))]

    def ids_named(self, doc_id: str) -> list[str]:
        """`[doc_id]` when it is a stored id, else the ids it is the start of (6+ digits, at most two)."""
        if self.get(doc_id) is not None:
            return [doc_id]
        return self.find_ids(doc_id.lower()) if len(doc_id) >= 6 else []

    def versions(self, doc_id: str) -> list[dict[str, object]]:
        return [{"version": v, "content_hash": h, "fetched_at": f}
                for v, h, f in self.conn.execute(
                    "SELECT version, content_hash, fetched_at FROM versions WHERE id = ? ORDER BY version",
                    (doc_id,))]

    def iter_documents(self, since_seq: int = 0, until_seq: int | None = None,
                       batch: int = 200) -> Iterator[tuple[int, Document]]:
        """Documents changed after `since_seq` (up to `until_seq`), in `seq` order, streamed."""
        until = self.seq if until_seq is None else until_seq
        last = since_seq
        while True:
            rows = self.conn.execute(
                "SELECT seq, doc FROM documents WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                (last, until, batch)).fetchall()
            if not rows:
                return
            for seq, blob in rows:
                yield seq, _unpack(blob)
            last = rows[-1][0]

    def changed(self, since_seq: int = 0, until_seq: int | None = None) -> list[tuple[int, str]]:
        """(seq, id) of the documents changed after `since_seq` (up to `until_seq`), in `seq` order."""
        until = self.seq if until_seq is None else until_seq
        return self.conn.execute("SELECT seq, id FROM documents WHERE seq > ? AND seq <= ? ORDER BY seq",
                                 (since_seq, until)).fetchall()

    def count_between(self, since_seq: int, until_seq: int) -> int:
        """How many documents have a `seq` in (since_seq, until_seq]."""
        return self.conn.execute("SELECT COUNT(*) FROM documents WHERE seq > ? AND seq <= ?",
                                 (since_seq, until_seq)).fetchone()[0]

    def count(self, since_seq: int = 0) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM documents WHERE seq > ?", (since_seq,)).fetchone()[0]

    def stats(self) -> dict[str, object]:
        documents = self.count()
        first, last = self.conn.execute(
            "SELECT MIN(NULLIF(date, '')), MAX(NULLIF(date, '')) FROM documents").fetchone()
        sources = dict(self.conn.execute(
            "SELECT source, COUNT(*) FROM documents GROUP BY source ORDER BY COUNT(*) DESC, source"))
        versions = self.conn.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
        return {"documents": documents, "first_date": first, "last_date": last, "sources": sources,
                "versions": versions}

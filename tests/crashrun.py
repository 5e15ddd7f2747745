"""Run a polsearch command that kills itself (SIGKILL) at a chosen point, for the crash-safety tests.

    python tests/crashrun.py POINT:N COMMAND ARGS...    die at the N-th time POINT is reached
    python tests/crashrun.py count:FILE COMMAND ARGS... run to the end; write how often each point was reached

Points (each is a moment a real crash can happen; the test picks them at random from a seed):
- `store-put`: just after a document is written into the document store, inside its open transaction;
- `store-commit`: just before the document store commits a transaction (a batch of pages, the index
  state after a Whoosh commit);
- `store-committed`: just after it has;
- `whoosh-write`: at a write into a Whoosh index file, in the middle of writing a segment;
- `whoosh-close`: as a Whoosh index file is about to be closed (segment files done one by one);
- `whoosh-toc`: just before Whoosh renames its table of contents into place, its commit point;
- `warc-write`: halfway through writing a WARC record (the bytes before are on disk, the rest never);
- `archive-commit`: just before the scrape state commits the records of a page.

Nothing here changes what the command does up to the kill; the hooks only count and, once, kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

counts: Counter = Counter()
target: tuple[str, int] | None = None


def reached(point: str) -> None:
    counts[point] += 1
    if target is not None and target == (point, counts[point]):
        os.kill(os.getpid(), signal.SIGKILL)


class _Connection(sqlite3.Connection):
    def execute(self, sql, *args):  # type: ignore[override]
        if sql.strip().upper() == "COMMIT":
            name = "archive-commit" if self._is_archive else "store-commit"
            reached(name)
            result = super().execute(sql, *args)
            if not self._is_archive:
                reached("store-committed")
            return result
        return super().execute(sql, *args)


def _connect(database, *args, **kwargs):
    kwargs.setdefault("factory", _Connection)
    conn = _original_connect(database, *args, **kwargs)
    conn._is_archive = "documents.sqlite" not in str(database)
    return conn


_original_connect = sqlite3.connect


def install() -> None:
    sqlite3.connect = _connect

    from corpus.collect import warcfile
    from corpus.store import documents as store
    from whoosh.filedb import filestore, structfile

    put = store.Store.put

    def counted_put(self, doc, *args, **kwargs):
        outcome = put(self, doc, *args, **kwargs)
        reached("store-put")
        return outcome

    store.Store.put = counted_put

    write, close = structfile.StructFile.write, structfile.StructFile.close

    def counted_write(self, *args, **kwargs):
        reached("whoosh-write")
        return write(self, *args, **kwargs)

    def counted_close(self):
        if not getattr(self, "is_closed", False):
            reached("whoosh-close")
        return close(self)

    structfile.StructFile.write = counted_write
    structfile.StructFile.close = counted_close

    rename = filestore.FileStorage.rename_file

    def counted_rename(self, oldname, newname, safe=False):
        if newname.endswith(".toc"):
            reached("whoosh-toc")
        return rename(self, oldname, newname, safe)

    filestore.FileStorage.rename_file = counted_rename

    warc_write = warcfile.WarcFile.write

    def torn_write(self, fields, block):
        counts["warc-write"] += 1
        if target == ("warc-write", counts["warc-write"]):
            fh = self.fh

            class Torn:
                def __getattr__(self, name):
                    return getattr(fh, name)

                def write(self, data):
                    fh.write(data[: len(data) // 2])
                    fh.flush()
                    os.kill(os.getpid(), signal.SIGKILL)

            self.fh = Torn()
        return warc_write(self, fields, block)

    warcfile.WarcFile.write = torn_write


def main() -> None:
    global target
    spec, argv = sys.argv[1], sys.argv[2:]
    point, _, value = spec.partition(":")
    report_to = None
    if point == "count":
        report_to = value
    else:
        target = (point, int(value))
    install()
    from search.cli import main as polsearch

    try:
        polsearch.main(argv, prog_name="polsearch", standalone_mode=True)
    finally:
        if report_to:
            Path(report_to).write_text(json.dumps(counts))


if __name__ == "__main__":
    main()

"""indexer: the Whoosh schema and analyzers; bring the index up to date with the document store
incrementally (`ingest`, `sync`), or rebuild it (`reindex`); open it for reading.

Knows nothing of HTTP, HTML parsing or the CLI.
"""

from __future__ import annotations

import os

from corpus.progress import SILENT, Progress

from .errors import IndexCorrupt, IndexerError, IndexLocked, IndexMissing
from .index import IndexFolder, SyncReport, open_reader, rebuild, sync, writing


def reindex(index_path: str | os.PathLike[str], progress: Progress = SILENT,
            procs: int | None = None, cluster: str | None = None) -> SyncReport:
    """Rebuild the Whoosh index of `index_path` from its document store, without re-parsing pages;
    the new index replaces the old one atomically when complete. A sharded index is rebuilt shard by
    shard (on the Dask cluster at `cluster`, if given)."""
    from .shards import is_sharded

    if is_sharded(index_path):
        from .sharded import reindex as reindex_shards

        return reindex_shards(index_path, progress, procs, cluster)
    folder = IndexFolder(index_path)
    folder.require()
    with writing(folder), folder.open_store(create=True) as store:
        return rebuild(folder, store, progress, procs)


__all__ = ["IndexFolder", "SyncReport", "open_reader", "rebuild", "sync", "writing", "reindex", "IndexerError",
           "IndexMissing", "IndexLocked", "IndexCorrupt"]

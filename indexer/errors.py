"""Exceptions of the indexer package. The CLI turns them into one-line messages."""


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""


class IndexMissing(IndexerError):
    """The index folder does not exist."""


class IndexLocked(IndexerError):
    """Another process is writing to the index."""


class IndexCorrupt(IndexerError):
    """The Whoosh index cannot be read; `polsearch reindex` rebuilds it from the store."""


class IndexWriteError(IndexerError):
    """The search index cannot be written (a full disk, a read-only folder). The store keeps what was
    stored, and the next run that can write finishes the index."""

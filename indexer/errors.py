"""Exceptions of the indexer package. The CLI turns them into one-line messages."""


class IndexerError(Exception):
    """Base of every error the indexer raises on purpose."""


class IndexMissing(IndexerError):
    """The index folder does not exist."""


class IndexLocked(IndexerError):
    """Another process is writing to the index."""


class IndexCorrupt(IndexerError):
    """The Whoosh index cannot be read; `polsearch reindex` rebuilds it from the store."""

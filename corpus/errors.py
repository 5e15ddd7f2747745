"""Exceptions of the corpus package. The CLI turns them into one-line messages.

- `SkipPage`: the page is readable but is not a commentary (a listing, an error or bot-check page,
  not HTML at all, no text): it is *skipped* with a reason, which is not a failure.
- `PageError`: the page could not be read or parsed: a *failure*, reported and skipped.
- `InputError`: an input the user named (file, folder) is missing or unreadable.
- `StoreError`: the document store is missing, corrupt or not writable.
- `ScrapeError` (and `ArchiveError`): a scrape that cannot start or go on (a bad seed, a locked or
  unwritable archive folder).
"""


class CorpusError(Exception):
    """Base of every error the corpus package raises on purpose."""


class SkipPage(CorpusError):
    """Not a commentary page. `kind` is a short machine tag (`listing`, `bot-check`, `error`, `login`,
    `not-html`, `empty`, `no-title`); the message says why in words."""

    def __init__(self, kind: str, message: str, document: object = None) -> None:
        super().__init__(message)
        self.kind = kind
        # What the page would give as a `Document` were it let in (None when it has no title or no
        # text): kept in the store beside the reason, so `index --include-skipped` needs no refetch.
        self.document = document


class PageError(CorpusError):
    """A page that cannot be read or parsed."""


class InputError(CorpusError):
    """A named input (file, folder) that does not exist or cannot be read."""


class StoreError(CorpusError):
    """The document store cannot be opened, read or written."""


class ScrapeError(CorpusError):
    """A scrape that cannot start or go on: a bad seed URL, nothing could be collected."""


class ArchiveError(ScrapeError):
    """The archive folder cannot be created, locked, read or written."""

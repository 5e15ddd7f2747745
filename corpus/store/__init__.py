"""store: keeping Documents. `documents.py` is the document store (`documents.sqlite`, the index folder's
source of truth: every Document with its versions, provenance and the state incremental indexing needs);
`copies.py` finds the copies of a text (republished elsewhere, or captured again with small edits) that
the store groups."""

"""extract: one HTML page in, one `Document` out (`pipeline.normalise()`, which `corpus.normalise` is).

The stages, in the order `pipeline.py` runs them on one shared lxml tree: `decode.py` (bytes to text),
`page.py` (the parsed page and the views every stage reads), `classify.py` (is it a commentary at
all?), `profiles.py` (site profiles), `title.py` (site name, canonical URL, headline), `dates.py`,
`authors.py`, `tags.py`, `body.py` (the main text: trafilatura's and our own `candidates.py`, combined),
`language.py`, `summary.py`, and `entities/` (the named entities). `rules.py` holds what the stages look
for (meta names, class patterns, labels); the word lists are in `corpus/data/`.
"""

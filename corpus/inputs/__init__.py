"""inputs: the raw pages a user names to `polsearch index`, read without parsing them.

`records.py` holds what every reader yields (`RawPage`, `RawContainer`, `InputProblem`); `files.py`
lists HTML files and walks folders (`iter_inputs`, the entry point), and hands WARC files to `warc.py`,
which reads their HTML responses as raw pages. The indexer decides from these records what needs work;
turning a page into a `Document` is `corpus.extract`'s job.
"""

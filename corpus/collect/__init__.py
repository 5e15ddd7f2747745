"""collect: `scrape`, polite collection of a site's pages into WARC files with a state file beside them.

In the order a page goes through them: `settings.py` (every default, once), `crawl.py` (the loop and
its report), `scope.py` (which URLs may be visited), `robots.py` (robots.txt per site), `fetch.py` (one
polite GET at a time per host) over `wire.py` (the exchange as it went over the wire), `discover.py`
(what a listing, sitemap or feed links to), and `archive.py` (the archive folder and its state) with
`warcfile.py` (the WARC records themselves). Reading the WARC files back is `corpus.inputs`' job.
"""

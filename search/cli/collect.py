"""Collecting a site: `scrape`, politely, into WARC files and a state file (`corpus.crawl`).

`_Size` reads byte counts such as 10M; `_SeedURL` checks a seed before anything is fetched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import json_option, print_json, progress, render, report_lines


class _Size(click.ParamType):
    """A number of bytes: 500000, 500K, 10M, 1G."""
    name = "size"
    _UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        number, unit = (text[:-1], text[-1]) if text[-1:] in "KMG" else (text, "")
        try:
            size = int(float(number) * self._UNITS[unit])
        except ValueError:
            self.fail(f"{value!r} is not a size (e.g. 500K, 10M, 1G)", param, ctx)
        if size <= 0:
            self.fail(f"{value!r} is not a positive size", param, ctx)
        return size


class _SeedURL(click.ParamType):
    name = "url"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        from corpus.crawl import check_seed
        from corpus.errors import ScrapeError

        try:
            return check_seed(value)
        except ScrapeError as exc:
            self.fail(str(exc), param, ctx)


@click.command("scrape")
@click.argument("urls", metavar="URL...", nargs=-1, required=True, type=_SeedURL())
@click.option("--archive", "archive_path", required=True, type=click.Path(file_okay=False),
              help="Archive folder: WARC files and the scrape state (created if needed).")
@click.option("--include", multiple=True, metavar="PATTERN",
              help="Also collect URLs matching this glob (full URL if it has ://, else path?query). Repeatable.")
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Never collect URLs matching this glob. Repeatable.")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Stop after this many requests; the next run goes on from there.")
@click.option("--delay", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between requests to one host (robots.txt Crawl-delay wins if longer).")
@click.option("--contact", envvar="POLSEARCH_CONTACT", default="", metavar="URL|EMAIL",
              help="How site operators can reach you; sent in the User-Agent (and From:) [env: POLSEARCH_CONTACT].")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for a connection or for data.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Further attempts after a 429, a 5xx or a connection error (with backoff).")
@click.option("--max-size", type=_Size(), default="10M", show_default=True,
              help="Largest page body; a larger one is cut off and not indexed.")
@click.option("--max-redirects", type=click.IntRange(0, 20), default=5, show_default=True,
              help="Redirects followed from one URL.")
@click.option("--warc-size", type=_Size(), default="1G", show_default=True,
              help="Start a new WARC file when the current one is this large.")
@click.option("--fresh", is_flag=True, help="Start a new crawl even if the last one did not finish.")
@json_option
def scrape_cmd(urls: tuple[str, ...], archive_path: str, include: tuple[str, ...], exclude: tuple[str, ...],
               max_pages: int | None, delay: float, contact: str, timeout: float, retries: int, max_size: int,
               max_redirects: int, warc_size: int, fresh: bool, as_json: bool) -> None:
    """Collect commentary pages politely into WARC files, from listings, sitemaps or feeds.

    Each URL is a site's commentary listing (its next pages are followed), a sitemap.xml (or sitemap
    index, or .xml.gz) or an RSS/Atom feed. Only pages on that site under the URL's folder are collected
    (the whole site for sitemaps and feeds), plus what --include names. robots.txt is obeyed. Running it
    again asks for every page conditionally and stores only what changed; an interrupted run resumes.
    Index the archive with `polsearch index --index IDX DIR`.

    \b
    Example:
      polsearch scrape https://institute.example/commentary/ --archive ~/warc/institute \\
          --contact archivist@library.example
      polsearch index --index ~/idx ~/warc/institute
    """
    from importlib.metadata import version

    from corpus.crawl import ScrapeSettings, scrape
    from corpus.errors import ScrapeError
    from corpus.fetch import FetchSettings, user_agent

    agent = user_agent(version("polsearch"), contact)
    fetch = FetchSettings(user_agent=agent, contact=contact, delay=delay, timeout=timeout, retries=retries,
                          max_size=max_size)
    warcinfo = {"software": f"polsearch/{version('polsearch')} (warcio/{version('warcio')})",
                "http-header-user-agent": agent, "robots": "obey", "operator": contact,
                "isPartOf": Path(archive_path).name, "description": "polsearch scrape of " + " ".join(urls)}
    settings = ScrapeSettings(fetch=fetch, include=include, exclude=exclude, max_pages=max_pages,
                              max_redirects=max_redirects, max_warc_size=warc_size, fresh=fresh,
                              warcinfo=warcinfo)
    report = scrape(archive_path, urls, settings, progress=progress())
    report_lines("failed", report.errors, "url", "error")
    if as_json:
        print_json(report.to_json())
    else:
        report_lines("skipped", report.skips, "url", "reason")
    click.echo(render.scrape_summary(report), err=as_json)
    if report.fetched + report.unchanged == 0 and (report.failed or report.skipped):
        first = (report.errors or report.skips)[0]
        raise ScrapeError(f"nothing collected: {first['url']}: {first.get('error') or first.get('reason')}")


COMMANDS = [scrape_cmd]

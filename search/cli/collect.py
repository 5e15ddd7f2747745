"""Collecting a site: `scrape`, politely, into WARC files and a state file (`corpus.collect`).

`_Size` reads byte counts such as 10M; `_SeedURL` checks a seed before anything is fetched; the options
are built from the settings table (`corpus.collect.settings`), where each default is written once.
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
        from corpus.collect.scope import check_seed
        from corpus.errors import ScrapeError

        try:
            return check_seed(value)
        except ScrapeError as exc:
            self.fail(str(exc), param, ctx)


def _setting_options(f):
    """`scrape`'s options, one per row of the settings table (`corpus.collect.settings.SETTINGS`), where
    their defaults, ranges and help texts are written once."""
    from corpus.collect.settings import SETTINGS

    for setting in reversed([s for s in SETTINGS if s.option]):
        f = _setting_option(setting)(f)
    return f


def _setting_option(setting):
    given = {"help": setting.help, "metavar": setting.metavar, "envvar": setting.envvar}
    if setting.type == "flag":
        given["is_flag"] = True
    elif setting.type == "patterns":
        given["multiple"] = True
    else:
        given["type"] = {"float": click.FloatRange(setting.minimum, setting.maximum),
                         "int": click.IntRange(setting.minimum, setting.maximum),
                         "size": _Size(), "str": click.STRING}[setting.type]
        given["default"] = setting.written
        given["show_default"] = True if setting.default else None
    return click.option(setting.option, setting.name, **{k: v for k, v in given.items() if v is not None})


@click.command("scrape")
@click.argument("urls", metavar="URL...", nargs=-1, required=True, type=_SeedURL())
@click.option("--archive", "archive_path", required=True, type=click.Path(file_okay=False),
              help="Archive folder: WARC files and the scrape state (created if needed).")
@_setting_options
@json_option
def scrape_cmd(urls: tuple[str, ...], archive_path: str, as_json: bool, **settings: Any) -> None:
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

    from corpus.collect.crawl import scrape
    from corpus.collect.fetch import user_agent
    from corpus.collect.settings import scrape_settings
    from corpus.errors import ScrapeError

    agent = user_agent(version("polsearch"), settings["contact"])
    warcinfo = {"software": f"polsearch/{version('polsearch')} (warcio/{version('warcio')})",
                "http-header-user-agent": agent, "robots": "obey", "operator": settings["contact"],
                "isPartOf": Path(archive_path).name, "description": "polsearch scrape of " + " ".join(urls)}
    report = scrape(archive_path, urls, scrape_settings(settings, user_agent=agent, warcinfo=warcinfo),
                    progress=progress())
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

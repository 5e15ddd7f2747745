"""Collecting a site: `scrape`, politely, into WARC files and a state file (`corpus.collect`); `pack`, an
archive folder into one WACZ file for replay tools (`corpus.collect.wacz`).

`_Size` reads byte counts such as 10M; `_SeedURL` checks a seed before anything is fetched; the options
are built from the settings table (`corpus.collect.settings`), where each default is written once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import emit, json_option, print_json, progress, render, report_lines


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
@click.option("--wacz", "wacz_path", type=click.Path(dir_okay=False), metavar="FILE.wacz",
              help="At the end of the run, package the whole archive as this WACZ file (as `pack` does).")
@json_option
def scrape_cmd(urls: tuple[str, ...], archive_path: str, wacz_path: str | None, as_json: bool,
               **settings: Any) -> None:
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
    collected = report.fetched + report.unchanged > 0 or not (report.failed or report.skipped)
    packed = None
    if wacz_path and collected:
        from corpus.collect.wacz import pack

        packed = pack(archive_path, wacz_path, description=warcinfo["description"])
    if as_json:
        print_json({**report.to_json(), **({"wacz": packed.to_json()} if packed else {})})
    else:
        report_lines("skipped", report.skips, "url", "reason")
    click.echo(render.scrape_summary(report), err=as_json)
    if packed is not None:
        click.echo(render.pack_summary(packed), err=as_json)
    if not collected:
        first = (report.errors or report.skips)[0]
        raise ScrapeError(f"nothing collected: {first['url']}: {first.get('error') or first.get('reason')}")


@click.command("pack")
@click.argument("archive_path", metavar="ARCHIVE", type=click.Path(file_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False), metavar="FILE.wacz",
              help="The WACZ file to write (replaced if it exists).")
@click.option("--title", default="", help="Title of the package (default: the archive folder's name).")
@json_option
def pack_cmd(archive_path: str, output: str, title: str, as_json: bool) -> None:
    """Package an archive folder as one WACZ file, for ReplayWeb.page, pywb and colleagues.

    The WACZ holds every WARC file of ARCHIVE (a `scrape` archive, or any folder of .warc.gz / .warc
    files), a CDXJ index of their records, the list of HTML pages and a datapackage.json with each
    file's SHA-256.

    \b
    Example:
      polsearch pack ~/warc/institute -o institute.wacz
    """
    from corpus.collect.wacz import pack

    emit(pack(archive_path, output, title=title), as_json, lambda report, _style: render.pack_summary(report))


COMMANDS = [scrape_cmd, pack_cmd]


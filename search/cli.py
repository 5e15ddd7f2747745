"""The `polsearch` command line: parse options, call one library function, print its result.

Thin by design: every command checks its input with click types, calls into `corpus`, `indexer` or
`search`, and formats what comes back (`--json`: exactly one JSON document on stdout). Library errors
become one-line messages with exit code 1 in `_Group.invoke`; click's usage errors exit 2; `--traceback`
shows the whole story. Progress bars and logs go to stderr, and only on a terminal.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import click



class _Lazy:
    """A module imported when first used: `polsearch --help` and the commands that print no hits need
    neither the renderer nor the query parser it pulls in (a third of the start-up time)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module = None

    def __getattr__(self, attr: str):
        if self._module is None:
            import importlib

            self._module = importlib.import_module(self._name, __package__)
        return getattr(self._module, attr)


render = _Lazy(".render")

ENV_INDEX = "POLSEARCH_INDEX"


def default_index() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "polsearch", "index")


# -- errors ---------------------------------------------------------------------------------------------
def _user_errors() -> tuple[type[BaseException], ...]:
    from corpus.errors import CorpusError
    from indexer.errors import IndexerError

    from .errors import SearchError

    return (CorpusError, IndexerError, SearchError)


class _Group(click.Group):
    """Turns library exceptions into one-line messages (exit 1) unless --traceback was given."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("polsearch: interrupted; work committed so far is kept", err=True)
            sys.exit(130)
        except Exception as exc:
            if ctx.meta.get("polsearch.traceback"):
                raise
            if isinstance(exc, _user_errors()):
                raise click.ClickException(render.one_line(str(exc))) from None
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                raise click.ClickException(f"{exc.strerror or exc}{where}") from None
            raise click.ClickException(
                f"internal error: {type(exc).__name__}: {render.one_line(str(exc))} "
                "(run again with --traceback for details)") from None


# -- shared options -------------------------------------------------------------------------------------
def index_option(f: Callable) -> Callable:
    return click.option(
        "--index", "index_path", envvar=ENV_INDEX, default=default_index, show_default="$" + ENV_INDEX +
        " or ~/.local/share/polsearch/index", type=click.Path(file_okay=False),
        help="Index folder (one searchable collection).")(f)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")(f)


def filter_options(f: Callable) -> Callable:
    """--from/--to/--source/--author/--entity/--tag, turned into `filters` (a `searcher.Filters`)."""
    options = [
        click.option("--from", "date_from", metavar="DATE", help="From this date (2010, 2010-05 or 2010-05-03)."),
        click.option("--to", "date_to", metavar="DATE", help="Up to this date, inclusive (whole periods)."),
        click.option("--source", "sources", multiple=True, help="Only this source (repeat for several)."),
        click.option("--author", "authors", multiple=True, help="Only this author (repeat for several)."),
        click.option("--entity", "entities", multiple=True, help="Only documents naming this entity."),
        click.option("--tag", "tags", multiple=True, help="Only documents with this tag."),
        click.option("--dedupe", is_flag=True, help="Count each group of copies once (republished or "
                                                    "re-captured texts)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _filters(date_from: str | None, date_to: str | None, sources: tuple[str, ...], authors: tuple[str, ...],
             entities: tuple[str, ...], tags: tuple[str, ...], dedupe: bool = False):
    from .query import parse_date_range
    from .searcher import Filters

    start = parse_date_range(date_from, date_from, 0).start if date_from else None
    end = parse_date_range(date_to, date_to, 0).end if date_to else None
    return Filters(start, end, tuple(sources), tuple(authors), tuple(entities), tuple(tags), dedupe)


def _print_json(data: Any) -> None:
    click.echo(render.json_document(data))


class _Bar:
    """A click progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self) -> None:
        self.bar = None
        self.enabled = sys.stderr.isatty()

    def start(self, phase: str, total: int | None) -> None:
        if self.enabled and total:
            self.bar = click.progressbar(length=total, label=phase.capitalize().ljust(9), file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()

    def advance(self, n: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def resize(self, total: int) -> None:
        if self.bar is not None:
            self.bar.length = total

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _progress():
    from corpus.progress import Progress

    class ClickProgress(_Bar, Progress):
        pass

    return ClickProgress()


# -- the group ------------------------------------------------------------------------------------------
@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--traceback", is_flag=True, help="Show the full traceback of an error.")
@click.option("-v", "--verbose", count=True, help="Log what happens (-vv for more).")
@click.version_option(package_name="polsearch")
@click.pass_context
def main(ctx: click.Context, traceback: bool, verbose: int) -> None:
    """polsearch: full-text search over policy commentaries.

    \b
    Index HTML pages (or WARC files, or an archive made by `polsearch scrape`), then search them:
      polsearch index --index ~/idx pages/
      polsearch search --index ~/idx '"debt of Lon Nol" OR title:cambodia'
    Try `polsearch demo` for a tour on the bundled sample corpus.
    """
    ctx.meta["polsearch.traceback"] = traceback
    if verbose:
        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO, stream=sys.stderr,
                            format="%(levelname)s %(name)s: %(message)s")


def profiles_option(f: Callable) -> Callable:
    return click.option("--profiles", "profile_dirs", multiple=True, type=click.Path(file_okay=False),
                        help="A folder of site profiles (TOML) to use besides the built-in ones and "
                             "$POLSEARCH_PROFILES; may be given more than once.")(f)


@main.command("normalise")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", help="The address the page was fetched from (for ids and relative links).")
@profiles_option
@json_option
def normalise_cmd(file: str, url: str | None, profile_dirs: tuple[str, ...], as_json: bool) -> None:
    """Show what is extracted from one HTML page (FILE, or - for stdin).

    \b
    Example:
      polsearch normalise page.html
      polsearch normalise --json page.html | jq .title
    """
    from corpus import normalise
    from corpus.errors import InputError, SkipPage
    from corpus.extract.profiles import load_profiles

    profiles = load_profiles(profile_dirs)
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}") from None
    path = None if file == "-" else Path(file).absolute()
    try:
        doc = normalise(data, url, fallback_key=path.name if path else "stdin",
                        fallback_url=str(path) if path else None,
                        provenance={"kind": "file", "path": str(path)} if path else {"kind": "stdin"},
                        profiles=profiles)
    except SkipPage as exc:
        raise click.ClickException(f"skipped: {exc} ({file})") from None
    if as_json:
        _print_json(doc.to_dict())
    else:
        click.echo(render.document(doc, with_sources=True))


@main.command("index")
@index_option
@click.argument("sources", nargs=-1, required=True, type=click.Path())
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes for parsing [default: one per core].")
@click.option("--force", is_flag=True, help="Re-parse every page, even unchanged ones.")
@click.option("--follow-symlinks", is_flag=True, help="Follow symbolic links out of the folders given.")
@profiles_option
@json_option
def index_cmd(index_path: str, sources: tuple[str, ...], jobs: int | None, force: bool,
              follow_symlinks: bool, profile_dirs: tuple[str, ...], as_json: bool) -> None:
    """Index HTML files and folders (recursively), WARC files and `scrape` archives into an index folder.

    New pages are added, changed ones updated, unchanged ones skipped without parsing (a WARC file seen
    before is not even opened). Pages that are not commentaries (listings, error and bot-check pages)
    are skipped with a reason; WARC records that are not pages (requests, revisits, images) are passed
    over. Exits 1 if any page failed.

    \b
    Example:
      polsearch index --index ~/idx ~/pages/ extra-page.html
      polsearch index --index ~/idx ~/warc/institute crawl.warc.gz
    """
    from indexer.ingest import ingest

    from corpus.extract.profiles import load_profiles

    load_profiles(profile_dirs)  # a bad profile is reported now, not once per page
    report = ingest(index_path, sources, jobs=jobs, progress=_progress(), force=force,
                    follow_symlinks=follow_symlinks, profile_dirs=profile_dirs)
    for err in report.errors:
        click.echo(f"failed: {render.one_line(err['source'])}: {render.one_line(err['error'])}", err=True)
    if as_json:
        _print_json(report.to_json())
    else:
        for skip in report.skips:
            click.echo(f"skipped: {render.one_line(skip['source'])}: {render.one_line(skip['reason'])}",
                       err=True)
    click.echo(render.ingest_summary(report, index_path), err=as_json)
    if report.pages == 0:
        raise click.ClickException("no HTML pages found in " + ", ".join(sources))
    if report.failed:
        sys.exit(1)


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


@main.command("scrape")
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
                    progress=_progress())
    for err in report.errors:
        click.echo(f"failed: {render.one_line(err['url'])}: {render.one_line(err['error'])}", err=True)
    if as_json:
        _print_json(report.to_json())
    else:
        for skip in report.skips:
            click.echo(f"skipped: {render.one_line(skip['url'])}: {render.one_line(skip['reason'])}", err=True)
    click.echo(render.scrape_summary(report), err=as_json)
    if report.fetched + report.unchanged == 0 and (report.failed or report.skipped):
        first = (report.errors or report.skips)[0]
        raise ScrapeError(f"nothing collected: {first['url']}: {first.get('error') or first.get('reason')}")


@main.command("reindex")
@index_option
@json_option
def reindex_cmd(index_path: str, as_json: bool) -> None:
    """Rebuild the search index from the document store, without re-parsing any page.

    Searches keep using the old index until the new one is complete. Use it after an upgrade that
    changes the index schema or analyzers.

    \b
    Example:
      polsearch reindex --index ~/idx
    """
    from indexer import reindex

    report = reindex(index_path, progress=_progress())
    if as_json:
        _print_json({"documents": report.documents, "seconds": round(report.seconds, 3)})
    else:
        click.echo(f"Rebuilt the index of {report.documents} documents in {report.seconds:.1f} s.")


@main.command("search")
@index_option
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many hits to return.")
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Skip this many hits (paging).")
@click.option("--page", type=click.IntRange(min=1), default=None, help="Page number (of --limit hits).")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              show_default=True, help="Order: by relevance, oldest first, or newest first.")
@click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
              help="Words side by side: all must match, or any (for questions in plain language).")
@click.option("--explain", is_flag=True, help="Show how the query was understood and what each part matches.")
@click.option("--kwic", is_flag=True, help="Keyword in context: every match in every hit, one aligned line each.")
@click.option("--kwic-sort", type=click.Choice(["date", "-date", "left", "right", "relevance"]), default="date",
              show_default=True, help="Order of KWIC lines: by date, or by the word left or right of the match.")
@click.option("--context", type=click.IntRange(5, 400), default=40, show_default=True,
              help="Characters of context either side of a KWIC match.")
@click.option("--kwic-csv", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the KWIC lines to this CSV file (- for stdout).")
@click.option("--copies", "list_copies", is_flag=True, help="List the copies of each hit (other sites, "
                                                            "other captures).")
@filter_options
@json_option
def search_cmd(index_path: str, query: tuple[str, ...], limit: int, offset: int, page: int | None,
               sort: str, match: str, explain: bool, kwic: bool, kwic_sort: str, context: int,
               kwic_csv: str | None, list_copies: bool, as_json: bool, **filter_args: Any) -> None:
    """Search the index; hits are ranked, matched words highlighted.

    \b
    Query syntax (see the README for all of it):
      words                  every word must match (stemmed)
      "exact phrase"         those words in that order; "a b"~5 within 5 positions
      AND  OR  NOT  ( )      operators in capitals; -word excludes
      a w/5 b   a pre/5 b    within 5 words (either order / a first)
      a w/s b   a w/p b      in the same sentence / paragraph
      title: author: entity: source: tag:   field search
      sanction*  Sihanuk~    wildcard, fuzzy
      exact:sanctioned       no stemming
      date:2010..2012  date:>=2015-06       date ranges (whole periods)
    \b
    Examples:
      polsearch search '"debt of Lon Nol"'
      polsearch search --sort -date 'Mekong AND (dam OR dams) date:2015..'
      polsearch search --kwic --kwic-sort left 'sanction* w/5 (Iran OR Russia)'
      polsearch search --explain 'debt w/5 Nol AND entity:ASEAN'
    """
    from . import searcher

    text = " ".join(query)
    filters = _filters(**filter_args)
    if kwic or kwic_csv:
        documents, lines = searcher.kwic(index_path, text, filters=filters, match=match, context=context,
                                         sort=kwic_sort)
        if kwic_csv:
            written = render.kwic_csv(lines, kwic_csv)
            click.echo(f"Wrote {written} KWIC lines from {documents} documents to {kwic_csv}.", err=True)
        elif as_json:
            _print_json({"query": text, "total": documents, "lines": [line.to_json() for line in lines]})
        else:
            click.echo(render.kwic(lines, documents, context, _style()))
        return
    clauses = searcher.explain(index_path, text, filters=filters, match=match) if explain else None
    if page is not None:
        offset = (page - 1) * limit
    results = searcher.search(index_path, text, limit=limit, offset=offset, sort=sort, filters=filters,
                              match=match, list_copies=list_copies)
    for warning in results.warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        data = results.to_json()
        if clauses is not None:
            data["explain"] = [{"depth": c.depth, "clause": c.text, "documents": c.count} for c in clauses]
        _print_json(data)
    else:
        if clauses is not None:
            click.echo(render.explain(clauses))
        click.echo(render.results(results, _style()))


@main.command("show")
@index_option
@click.argument("doc_id", metavar="ID")
@click.option("--versions", is_flag=True, help="Also list the earlier versions kept for the document.")
@json_option
def show_cmd(index_path: str, doc_id: str, versions: bool, as_json: bool) -> None:
    """Print one stored document, whole.

    \b
    Example:
      polsearch show --index ~/idx 3f2a9c41d0e7b655
    """
    from .searcher import copies, show

    doc, earlier = show(index_path, doc_id)
    if as_json:
        data = doc.to_dict()
        if versions:
            data["versions"] = earlier
        _print_json(data)
    else:
        click.echo(render.document(doc, versions=earlier if versions else None,
                                   copies=copies(index_path, doc.id)))


@main.command("similar")
@index_option
@click.argument("doc_id", metavar="ID")
@click.option("-n", "--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="How many related documents to list.")
@json_option
def similar_cmd(index_path: str, doc_id: str, limit: int, as_json: bool) -> None:
    """List the commentaries most like the document ID (or an unambiguous start of its id).

    The document's most distinctive words (frequent in it, rare in the index) are searched for; the
    documents sharing most of them, weighted, come first. The document itself and its copies are never
    listed, and each group of copies is listed once.

    \b
    Example:
      polsearch similar --index ~/idx 3f2a9c41d0e7b655
      polsearch similar --limit 5 --json 3f2a9c | jq -r '.hits[].title'
    """
    from .similar import similar

    result = similar(index_path, doc_id, limit=limit)
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(render.similar(result, _style()))


@main.command("stats")
@index_option
@json_option
def stats_cmd(index_path: str, as_json: bool) -> None:
    """Documents, date range, sources and size of an index.

    \b
    Example:
      polsearch stats --index ~/idx
    """
    from .searcher import stats

    figures = stats(index_path)
    if as_json:
        _print_json({k: figures[k] for k in ("documents", "first_date", "last_date", "sources", "bytes")})
    else:
        click.echo(render.stats(figures, index_path))


@main.command("demo")
@click.option("--index", "index_path", type=click.Path(file_okay=False), default=None,
              help="Keep the demo index here [default: a temporary folder, removed afterwards].")
def demo_cmd(index_path: str | None) -> None:
    """Index the bundled sample commentaries and run example searches.

    \b
    Example:
      polsearch demo
      polsearch demo --index demo-idx && polsearch search --index demo-idx mekong
    """
    from indexer.ingest import ingest

    from .demo import EXAMPLE_QUERIES, sample_folder
    from .searcher import search

    temporary = index_path is None
    target = tempfile.mkdtemp(prefix="polsearch-demo-") if temporary else index_path
    try:
        with sample_folder() as samples:
            click.echo(f"$ polsearch index --index {target} {samples}")
            report = ingest(target, [samples], progress=_progress())
            click.echo(render.ingest_summary(report, target))
        style = _style()
        for query, options in EXAMPLE_QUERIES:
            flags = "".join(f" --{k} {v}" for k, v in options.items())
            click.echo(f"\n$ polsearch search{flags} '{query}'")
            click.echo(render.results(search(target, query, **options), style))
        if not temporary:
            click.echo(f"\nThe demo index is in {target}; try: polsearch search --index {target} 'your words'")
    finally:
        if temporary:
            shutil.rmtree(target, ignore_errors=True)


def _style() -> render.Style:
    return render.Style(color=sys.stdout.isatty())


# -- research tools: facets, trends, exports ---------------------------------------------------------------
_FACET_NAMES = ("year", "source", "author", "entity", "tag")
_EXPORT_FORMATS = ("csv", "jsonl", "ris", "bibtex")


def _match_option(f: Callable) -> Callable:
    return click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
                        help="Words side by side: all must match, or any.")(f)


def _warn(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def _command_line(ctx: click.Context) -> str:
    """The command as it can be typed again, every option spelled out (defaults too): for manifests."""
    import shlex

    words, arguments = ["polsearch", ctx.info_name or ""], []
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if isinstance(param, click.Argument):
            if value:
                arguments.append(" ".join(value) if isinstance(value, tuple) else str(value))
            continue
        option = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            if value:
                words.append(option)
        elif isinstance(value, tuple):
            for item in value:
                words += [option, str(item)]
        elif value is not None:
            words += [option, str(value)]
    if any(a.startswith("-") for a in arguments):
        words.append("--")
    return shlex.join(words + arguments)


@main.command("facets")
@index_option
@click.argument("query", nargs=-1, required=True)
@click.option("--facet", "names", multiple=True, type=click.Choice(_FACET_NAMES),
              help="Only this facet (repeat for several) [default: all five].")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="Values listed per facet, most frequent first (0: all). Years are always all listed.")
@_match_option
@filter_options
@json_option
def facets_cmd(index_path: str, query: tuple[str, ...], names: tuple[str, ...], top: int, match: str,
               as_json: bool, **filter_args: Any) -> None:
    """Count the documents matching QUERY by year, source, author, entity and tag.

    Years are listed in order, with "(no date)" for documents without one, so they add up to the
    total; a document with three authors (entities, tags) counts once for each. Counts come from the
    index and are exact.

    \b
    Example:
      polsearch facets 'sanction*'
      polsearch facets --facet entity --top 20 --from 2015 'Mekong AND dam*'
    """
    from .facets import facets

    result = facets(index_path, " ".join(query), names=names, top=top, filters=_filters(**filter_args),
                    match=match)
    _warn(result.warnings)
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(render.facets(result, _style()))


@main.command("trend")
@index_option
@click.argument("queries", metavar="[QUERY]...", nargs=-1)
@click.option("--label", "labelled", multiple=True, metavar="NAME=QUERY",
              help="A query with a name for the table and the chart (repeatable).")
@click.option("--by", type=click.Choice(["year", "month"]), default="year", show_default=True,
              help="Period to count by.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw the trend as a chart into this .png or .svg file.")
@click.option("--plot-values", type=click.Choice(["share", "count"]), default="share", show_default=True,
              help="What the chart shows: the share of each period's documents, or the count.")
@_match_option
@filter_options
@json_option
def trend_cmd(index_path: str, queries: tuple[str, ...], labelled: tuple[str, ...], by: str,
              plot: str | None, plot_values: str, match: str, as_json: bool, **filter_args: Any) -> None:
    """How often each QUERY matches per year or month, as a count and as a share of all documents.

    Each argument is one query (quote queries of several words); its label is the query itself, or
    give --label NAME=QUERY. The share is of the documents of that period in the index, after the
    filters (--from, --source, ...). Prints a table and a bar chart; --plot writes a PNG or SVG chart.

    \b
    Example:
      polsearch trend sanctions 'tariff*' --by year
      polsearch trend --label 'Iran=entity:Iran' --label 'Russia=entity:Russia' --plot trend.png
    """
    from .facets import plot_trend, trend

    pairs = [(q, q) for q in queries]
    for item in labelled:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise click.BadParameter(f"{item!r} is not NAME=QUERY", param_hint="--label")
        pairs.append((name.strip(), text))
    if not pairs:
        raise click.UsageError("give at least one QUERY (or --label NAME=QUERY)")
    result = trend(index_path, pairs, by=by, filters=_filters(**filter_args), match=match)
    _warn(result.warnings)
    if plot:
        plot_trend(result, plot, plot_values)
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(render.trend(result, _style()))
    if plot:
        click.echo(f"Wrote the chart ({plot_values}s per {by}) to {plot}.", err=True)


@main.command("export")
@index_option
@click.argument("query", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (- for stdout).")
@click.option("--format", "fmt", type=click.Choice(_EXPORT_FORMATS), default=None,
              help="csv, jsonl, ris or bibtex [default: from the file's extension].")
@click.option("--fields", default=None, metavar="NAME,...",
              help="Columns of a csv or jsonl export, comma-separated, in order [default: id, url, title, "
                   "date, updated, authors, source, tags, entities, summary, content_hash, fetched_at, "
                   "provenance; also: language, body, rank, score].")
@click.option("--sort", type=click.Choice(["date", "-date", "relevance"]), default="date", show_default=True,
              help="Order: oldest first, newest first, or by relevance.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), default=None,
              help="Where to write the manifest [default: FILE.manifest.json].")
@_match_option
@filter_options
@json_option
@click.pass_context
def export_cmd(ctx: click.Context, index_path: str, query: tuple[str, ...], output: str, fmt: str | None,
               fields: str | None, sort: str, manifest_path: str | None, match: str, as_json: bool,
               **filter_args: Any) -> None:
    """Write every document matching QUERY to a CSV, JSON Lines, RIS or BibTeX file, with a manifest.

    Every hit is written, not a page of them, with its provenance (id, URL, source, dates, content hash,
    where the page came from). CSV opens in spreadsheet programs, RIS and BibTeX in Zotero and other
    reference managers. The manifest (FILE.manifest.json) records the query as typed and as understood,
    the filters, the index's state, the time and the count: enough to re-run the search and report it.

    \b
    Example:
      polsearch export 'sanction* AND entity:Iran' -o iran.csv
      polsearch export --from 2015 'Mekong AND dam*' -o mekong.ris
      polsearch export 'tariff*' --fields id,date,title,url -o - --format jsonl | jq .title
    """
    from .export import export

    if output == "-" and as_json:
        raise click.UsageError("--json prints a summary on stdout; with -o - the export itself goes there")
    if output == "-" and not manifest_path:
        click.echo("note: no manifest written for an export to stdout (give --manifest FILE to keep one)",
                   err=True)
    chosen = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields is not None else None
    report = export(index_path, " ".join(query), output, fmt=fmt, fields=chosen, sort=sort,
                    filters=_filters(**filter_args), match=match, manifest=manifest_path,
                    command=_command_line(ctx), progress=_progress(),
                    stdout=sys.stdout if output == "-" else None)
    _warn(report.warnings)
    if as_json:
        _print_json(report.to_json())
    elif output != "-":
        where = f"; manifest {report.manifest}" if report.manifest else ""
        click.echo(f"Exported {report.count} document{'s' if report.count != 1 else ''} to {output} "
                   f"({report.format}){where}.")


if __name__ == "__main__":  # pragma: no cover
    main()

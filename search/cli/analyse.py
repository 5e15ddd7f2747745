"""Counting and exporting what a query matches: `facets` (by year, source, author, entity, tag),
`trend` (per year or month, as counts and shares), `export` (every hit to CSV, JSON Lines, RIS or
BibTeX, with a manifest that lets the search be re-run)."""

from __future__ import annotations

import sys
from typing import Any

import click

from .common import (cluster_options, emit, filter_options, index_option, json_option, match_option, print_json,
                     progress, read_filters, render, warn)

FACET_NAMES = ("year", "source", "author", "entity", "tag")
EXPORT_FORMATS = ("csv", "jsonl", "ris", "bibtex")


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


@click.command("facets")
@index_option
@cluster_options
@click.argument("query", nargs=-1, required=True)
@click.option("--facet", "names", multiple=True, type=click.Choice(FACET_NAMES),
              help="Only this facet (repeat for several) [default: all five].")
@click.option("--top", type=click.IntRange(min=0), default=10, show_default=True,
              help="Values listed per facet, most frequent first (0: all). Years are always all listed.")
@match_option
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
    from ..facets import facets

    result = facets(index_path, " ".join(query), names=names, top=top,
                    filters=read_filters(**filter_args), match=match)
    warn(result.warnings)
    emit(result, as_json, render.facets)


@click.command("trend")
@index_option
@cluster_options
@click.argument("queries", metavar="[QUERY]...", nargs=-1)
@click.option("--label", "labelled", multiple=True, metavar="NAME=QUERY",
              help="A query with a name for the table and the chart (repeatable).")
@click.option("--by", type=click.Choice(["year", "month"]), default="year", show_default=True,
              help="Period to count by.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Also draw the trend as a chart into this .png or .svg file.")
@click.option("--plot-values", type=click.Choice(["share", "count"]), default="share", show_default=True,
              help="What the chart shows: the share of each period's documents, or the count.")
@match_option
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
    from ..facets import plot_trend, trend

    pairs = [(q, q) for q in queries]
    for item in labelled:
        name, sep, text = item.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise click.BadParameter(f"{item!r} is not NAME=QUERY", param_hint="--label")
        pairs.append((name.strip(), text))
    if not pairs:
        raise click.UsageError("give at least one QUERY (or --label NAME=QUERY)")
    result = trend(index_path, pairs, by=by, filters=read_filters(**filter_args), match=match)
    warn(result.warnings)
    if plot:
        plot_trend(result, plot, plot_values)
    emit(result, as_json, render.trend)
    if plot:
        click.echo(f"Wrote the chart ({plot_values}s per {by}) to {plot}.", err=True)


@click.command("export")
@index_option
@cluster_options
@click.argument("query", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write (- for stdout).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default=None,
              help="csv, jsonl, ris or bibtex [default: from the file's extension].")
@click.option("--fields", default=None, metavar="NAME,...",
              help="Columns of a csv or jsonl export, comma-separated, in order [default: id, url, title, "
                   "date, updated, authors, source, tags, entities, summary, content_hash, fetched_at, "
                   "provenance; also: language, body, rank, score].")
@click.option("--sort", type=click.Choice(["date", "-date", "relevance"]), default="date", show_default=True,
              help="Order: oldest first, newest first, or by relevance.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False), default=None,
              help="Where to write the manifest [default: FILE.manifest.json].")
@match_option
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
    from ..export import export

    if output == "-" and as_json:
        raise click.UsageError("--json prints a summary on stdout; with -o - the export itself goes there")
    if output == "-" and not manifest_path:
        click.echo("note: no manifest written for an export to stdout (give --manifest FILE to keep one)",
                   err=True)
    chosen = tuple(f.strip() for f in fields.split(",") if f.strip()) if fields is not None else None
    report = export(index_path, " ".join(query), output, fmt=fmt, fields=chosen, sort=sort,
                    filters=read_filters(**filter_args), match=match, manifest=manifest_path,
                    command=_command_line(ctx), progress=progress(),
                    stdout=sys.stdout if output == "-" else None)
    warn(report.warnings)
    if as_json:
        print_json(report.to_json())
    elif output != "-":
        click.echo(render.export_summary(report))




COMMANDS = [facets_cmd, trend_cmd, export_cmd]

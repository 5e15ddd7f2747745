"""Reading an index: `search` (ranked hits, `--explain`, keyword in context), `show` (one document),
`similar` (documents like one), `stats` (what the index holds)."""

from __future__ import annotations

from typing import Any

import click

from .common import (cluster_options, emit, filter_options, index_option, json_option, print_json, read_filters,
                     render, style, warn)


@click.command("search")
@index_option
@cluster_options
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
    from .. import searcher

    text = " ".join(query)
    filters = read_filters(**filter_args)
    if kwic or kwic_csv:
        kwic_warnings: list[str] = []
        documents, lines = searcher.kwic(index_path, text, filters=filters, match=match, context=context,
                                         sort=kwic_sort, warnings=kwic_warnings)
        warn(kwic_warnings)
        if kwic_csv:
            from ..export import kwic_csv as write_kwic_csv

            written = write_kwic_csv(lines, kwic_csv)
            click.echo(render.kwic_csv_summary(written, documents, kwic_csv), err=True)
        elif as_json:
            print_json({"query": text, "total": documents, "lines": [line.to_json() for line in lines]})
        else:
            click.echo(render.kwic(lines, documents, context, style()))
        return
    clauses = searcher.explain(index_path, text, filters=filters, match=match) if explain else None
    if page is not None:
        offset = (page - 1) * limit
    results = searcher.search(index_path, text, limit=limit, offset=offset, sort=sort, filters=filters,
                              match=match, list_copies=list_copies)
    warn(results.warnings)
    if as_json:
        data = results.to_json()
        if clauses is not None:
            data["explain"] = [clause.to_json() for clause in clauses]
        print_json(data)
    else:
        if clauses is not None:
            click.echo(render.explain(clauses))
        click.echo(render.results(results, style()))


@click.command("show")
@index_option
@cluster_options
@click.argument("doc_id", metavar="ID")
@click.option("--versions", is_flag=True, help="Also list the earlier versions kept for the document.")
@json_option
def show_cmd(index_path: str, doc_id: str, versions: bool, as_json: bool) -> None:
    """Print one stored document, whole.

    \b
    Example:
      polsearch show --index ~/idx 3f2a9c41d0e7b655
    """
    from ..searcher import copies, show

    doc, earlier = show(index_path, doc_id)
    if as_json:
        data = doc.to_dict()
        if versions:
            data["versions"] = earlier
        print_json(data)
    else:
        click.echo(render.document(doc, versions=earlier if versions else None,
                                   copies=copies(index_path, doc.id)))


@click.command("similar")
@index_option
@cluster_options
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
    from ..similar import similar

    emit(similar(index_path, doc_id, limit=limit), as_json, render.similar)


@click.command("stats")
@index_option
@cluster_options
@json_option
def stats_cmd(index_path: str, as_json: bool) -> None:
    """Documents, date range, sources and size of an index.

    \b
    Example:
      polsearch stats --index ~/idx
    """
    from ..searcher import partial_json, stats

    figures = stats(index_path)
    if as_json:  # shards left out named as every reading command's --json names them
        print_json({**{k: figures[k] for k in ("documents", "first_date", "last_date", "sources", "bytes", "shards")
                       if k in figures}, **partial_json(figures.get("missing_shards") or ())})
    else:
        click.echo(render.stats(figures, index_path))


COMMANDS = [search_cmd, show_cmd, similar_cmd, stats_cmd]

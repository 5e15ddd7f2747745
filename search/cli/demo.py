"""The tour: `demo` indexes the bundled sample commentaries and runs the example searches of
`search.demo`, printing each command as it would be typed and what it prints (or, with `--json`, one
JSON object with the indexing summary and each search's total and hits)."""

from __future__ import annotations

from typing import Any

import click

from .common import json_option, print_json, progress, render, style


@click.command("demo")
@click.option("--index", "index_path", type=click.Path(file_okay=False), default=None,
              help="Keep the demo index here [default: a temporary folder, removed afterwards].")
@json_option
def demo_cmd(index_path: str | None, as_json: bool) -> None:
    """Index the bundled sample commentaries and run example searches.

    \b
    Example:
      polsearch demo
      polsearch demo --index demo-idx && polsearch search --index demo-idx mekong
    """
    import shutil
    import tempfile

    from indexer.ingest import ingest

    from ..demo import EXAMPLE_QUERIES, sample_folder
    from ..searcher import search

    def say(text: str) -> None:  # the tour as text; with --json only the JSON goes to stdout
        if not as_json:
            click.echo(text)

    temporary = index_path is None
    target = tempfile.mkdtemp(prefix="polsearch-demo-") if temporary else index_path
    searches: list[dict[str, Any]] = []
    try:
        with sample_folder() as samples:
            say(f"$ polsearch index --index {target} {samples}")
            report = ingest(target, [samples], progress=progress())
            click.echo(render.ingest_summary(report, target), err=as_json)
        for query, options in EXAMPLE_QUERIES:
            say(f"\n$ polsearch search{render.flags(options)} '{query}'")
            results = search(target, query, **options)
            searches.append({"query": query, "options": options, **results.to_json()})
            say(render.results(results, style()))
        if as_json:
            print_json({"index": None if temporary else target, "indexed": report.to_json(),
                        "searches": searches})
        elif not temporary:
            click.echo(f"\nThe demo index is in {target}; try: polsearch search --index {target} 'your words'")
    finally:
        if temporary:
            shutil.rmtree(target, ignore_errors=True)


COMMANDS = [demo_cmd]

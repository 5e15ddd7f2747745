"""The tour: `demo` indexes the bundled sample commentaries and runs the example searches of
`search.demo`, printing each command as it would be typed and what it prints."""

from __future__ import annotations

import shutil
import tempfile

import click

from .common import progress, render, style


@click.command("demo")
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

    from ..demo import EXAMPLE_QUERIES, sample_folder
    from ..searcher import search

    temporary = index_path is None
    target = tempfile.mkdtemp(prefix="polsearch-demo-") if temporary else index_path
    try:
        with sample_folder() as samples:
            click.echo(f"$ polsearch index --index {target} {samples}")
            report = ingest(target, [samples], progress=progress())
            click.echo(render.ingest_summary(report, target))
        for query, options in EXAMPLE_QUERIES:
            click.echo(f"\n$ polsearch search{render.flags(options)} '{query}'")
            click.echo(render.results(search(target, query, **options), style()))
        if not temporary:
            click.echo(f"\nThe demo index is in {target}; try: polsearch search --index {target} 'your words'")
    finally:
        if temporary:
            shutil.rmtree(target, ignore_errors=True)


COMMANDS = [demo_cmd]

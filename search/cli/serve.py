"""Serving an index to a browser: `serve` (the researchers' web page, `search/web/`)."""

from __future__ import annotations

import click

from .common import cluster_address_option, index_option

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@click.command("serve")
@index_option
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port, printed on start).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1 lets other machines read the index.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests answered at once.")
@cluster_address_option
@click.option("--allow-partial", is_flag=True,
              help="On a sharded index: answer from the shards that can be reached, naming those that "
                   "cannot on the page (else that is an error).")
def serve_cmd(index_path: str, port: int, host: str, threads: int, cluster: str | None, allow_partial: bool) -> None:
    """Serve the researchers' web page over the index at http://127.0.0.1:PORT/ (read-only).

    A search box with the whole query language, hits with highlighted snippets, facets, a timeline,
    KWIC lines, each document with its provenance, and downloads of every hit (CSV, JSONL, RIS,
    BibTeX with the manifest). Every state is in the URL: bookmark it, share it, cite it.

    \b
    Example:
      polsearch serve --index ~/idx --port 8080
    """
    from indexer.index import IndexFolder

    from ..web import serve

    IndexFolder(index_path).require()
    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can read the index",
                   err=True)

    def ready(url: str) -> None:
        click.echo(f"Serving {index_path} at {url} (Ctrl-C to stop)", err=True)

    try:
        serve(index_path, host, port, threads, ready, cluster, allow_partial)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)


COMMANDS = [serve_cmd]

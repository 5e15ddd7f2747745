"""The `polsearch` command line: parse options, call one library function, print its result.

Thin by design: every command checks its input with click types, calls into `corpus`, `indexer` or
`search`, and formats what comes back with `search.render` (`--json`: exactly one JSON document on
stdout). Library errors become one-line messages with exit code 1 in `_Group.invoke`; click's usage
errors exit 2; `--traceback` shows the whole story. Progress bars and logs go to stderr, and only on a
terminal.

The commands, a module per group (each imports the library only when its command runs, so that
`polsearch --help` starts fast):
- `pages`: normalise, index, reindex — pages into an index;
- `collect`: scrape — a site into WARC files;
- `read`: search, show, similar, stats — reading an index;
- `analyse`: facets, trend, export — counting and exporting what a query matches;
- `serve`: serve — the researchers' web page over an index;
- `cluster`: cluster — how to start a Dask cluster for a sharded index, and what one holds;
- `demo`: demo — a tour on the bundled samples.
`common` holds what they share: the options written once, output, the progress bar.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from . import analyse, cluster, collect, demo, pages, read, serve
from .common import render


def _user_errors() -> tuple[type[BaseException], ...]:
    from corpus.errors import CorpusError
    from indexer.errors import IndexerError

    from ..errors import SearchError

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


for _module in (pages, collect, read, analyse, serve, cluster, demo):
    for _command in _module.COMMANDS:
        main.add_command(_command)

__all__ = ["main"]

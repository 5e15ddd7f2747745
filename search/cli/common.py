"""What the commands share: the options written once (`--index`, `--json`, the filters, `--match`), the
library's modules imported on first use, JSON and text output, and the progress bar.

Only click lives here and in the command modules; everything a command prints is made by
`search.render` (text) or by the library's `to_json()` methods (JSON).
"""

from __future__ import annotations

import os
import sys
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

            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


render = _Lazy("search.render")

ENV_INDEX = "POLSEARCH_INDEX"


def default_index() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "polsearch", "index")


# -- shared options -------------------------------------------------------------------------------------
def index_option(f: Callable) -> Callable:
    return click.option(
        "--index", "index_path", envvar=ENV_INDEX, default=default_index, show_default="$" + ENV_INDEX +
        " or ~/.local/share/polsearch/index", type=click.Path(file_okay=False),
        help="Index folder (one searchable collection).")(f)


ENV_CLUSTER = "POLSEARCH_CLUSTER"  # indexer.cluster.ENV_CLUSTER: not imported, it pulls in Whoosh


def cluster_address_option(f: Callable) -> Callable:
    return click.option("--cluster", "cluster", metavar="tcp://HOST:PORT", default=None,
                        help=f"A Dask scheduler: run on its workers (a sharded index) [default: ${ENV_CLUSTER}, "
                             "else this machine].")(f)


def cluster_options(f: Callable) -> Callable:
    """--cluster and --allow-partial for the commands reading an index: a sharded index is read on the
    cluster's workers, and shards whose worker is gone are an error unless --allow-partial."""
    import functools

    @functools.wraps(f)
    def read_on(*args: Any, cluster: str | None, allow_partial: bool, **kwargs: Any) -> Any:
        if not (cluster or allow_partial):
            return f(*args, **kwargs)
        from indexer import shards

        from ..gather import using

        index_path = kwargs.get("index_path")
        if cluster and index_path and os.path.isdir(index_path) and not shards.is_sharded(index_path):
            click.echo(f"warning: --cluster is for a sharded index; {index_path} is not one and is read on "
                       "this machine", err=True)
        with using(cluster, allow_partial):
            return f(*args, **kwargs)

    read_on = click.option("--allow-partial", is_flag=True,
                           help="On a sharded index: answer from the shards that can be reached, "
                                "naming those that cannot (else that is an error).")(read_on)
    return cluster_address_option(read_on)


def json_option(f: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")(f)


def match_option(f: Callable) -> Callable:
    return click.option("--match", type=click.Choice(["all", "any"]), default="all", show_default=True,
                        help="Words side by side: all must match, or any.")(f)


def filter_options(f: Callable) -> Callable:
    """--from/--to/--source/--author/--entity/--tag/--dedupe, read into a `searcher.Filters` by
    `read_filters(**filter_args)`."""
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


def read_filters(date_from: str | None, date_to: str | None, sources: tuple[str, ...],
                 authors: tuple[str, ...], entities: tuple[str, ...], tags: tuple[str, ...], dedupe: bool = False):
    from ..query.dates import parse_date_range
    from ..searcher import Filters

    start = parse_date_range(date_from, date_from, 0).start if date_from else None
    end = parse_date_range(date_to, date_to, 0).end if date_to else None
    return Filters(start, end, tuple(sources), tuple(authors), tuple(entities), tuple(tags), dedupe)


# -- output ---------------------------------------------------------------------------------------------
def print_json(data: Any) -> None:
    click.echo(render.json_document(data))


def style() -> Any:
    """How text is styled: in colour on a terminal, plain in a pipe."""
    return render.Style(color=sys.stdout.isatty())


def emit(result: Any, as_json: bool, text: Callable[[Any, Any], str]) -> None:
    """A result on stdout: its `to_json()` with --json, else `text(result, style)`."""
    if as_json:
        print_json(result.to_json())
    else:
        click.echo(text(result, style()))


def warn(warnings: list[str]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)


def report_lines(kind: str, items: list[dict[str, str]], where: str, what: str) -> None:
    """One line on stderr per failed or skipped page: `failed: SOURCE: ERROR`."""
    for item in items:
        click.echo(f"{kind}: {render.one_line(item[where])}: {render.one_line(item[what])}", err=True)


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


def progress():
    """The library's `Progress`, shown as a click progress bar."""
    from corpus.progress import Progress

    class ClickProgress(_Bar, Progress):
        pass

    return ClickProgress()

"""Pages into an index: `normalise` (what is extracted from one page), `index` (add new and changed
pages), `reindex` (rebuild the search index from the document store)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import click

from .common import (cluster_address_option, index_option, json_option, print_json, progress, render,
                     report_lines)


def profiles_option(f: Callable) -> Callable:
    return click.option("--profiles", "profile_dirs", multiple=True, type=click.Path(file_okay=False),
                        help="A folder of site profiles (TOML) to use besides the built-in ones and "
                             "$POLSEARCH_PROFILES; may be given more than once.")(f)


@click.command("normalise")
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
        print_json(doc.to_dict())
    else:
        click.echo(render.document(doc, with_sources=True))


@click.command("index")
@index_option
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Worker processes for parsing [default: one per core].")
@click.option("--force", is_flag=True, help="Re-parse every page, even unchanged ones.")
@click.option("--follow-symlinks", is_flag=True, help="Follow symbolic links out of the folders given.")
@click.option("--include-skipped", is_flag=True,
              help="Bring in pages skipped as not commentaries (listings, error pages) as documents, from "
                   "what the store kept of them: no fetch, no parse. With no SOURCE, all of them.")
@click.option("--shards", type=click.IntRange(1, 1024), default=None,
              help="Make a sharded index of N shards (DIR/shard-K, each a complete index); documents go "
                   "to a shard by their id. An existing sharded index keeps its number.")
@cluster_address_option
@profiles_option
@json_option
def index_cmd(index_path: str, sources: tuple[str, ...], jobs: int | None, force: bool,
              follow_symlinks: bool, include_skipped: bool, shards: int | None, cluster: str | None,
              profile_dirs: tuple[str, ...], as_json: bool) -> None:
    """Index HTML files and folders (recursively), WARC files and `scrape` archives into an index folder.

    New pages are added, changed ones updated, unchanged ones skipped without parsing (a WARC file seen
    before is not even opened). Pages that are not commentaries (listings, error and bot-check pages)
    are skipped with a reason; WARC records that are not pages (requests, revisits, images) are passed
    over. Exits 1 if any page failed.

    \b
    Example:
      polsearch index --index ~/idx ~/pages/ extra-page.html
      polsearch index --index ~/idx ~/warc/institute crawl.warc.gz
      polsearch index --index ~/idx --include-skipped
      polsearch index --index ~/big --shards 8 ~/warc/
      polsearch index --index /shared/big --cluster tcp://10.0.0.5:8786 /shared/warc/
    """
    if not sources and not include_skipped:
        raise click.UsageError("Missing argument 'SOURCE...'.")
    from indexer.ingest import ingest

    from corpus.extract.profiles import load_profiles

    load_profiles(profile_dirs)  # a bad profile is reported now, not once per page
    report = ingest(index_path, sources, jobs=jobs, progress=progress(), force=force,
                    follow_symlinks=follow_symlinks, profile_dirs=profile_dirs,
                    include_skipped=include_skipped, shards=shards, cluster=_cluster(index_path, shards, cluster))
    report_lines("failed", report.errors, "source", "error")
    if as_json:
        print_json(report.to_json())
    else:
        report_lines("skipped", report.skips, "source", "reason")
    click.echo(render.ingest_summary(report, index_path), err=as_json)
    if report.pages == 0 and sources:
        raise click.ClickException("no HTML pages found in " + ", ".join(sources))
    if report.failed:
        sys.exit(1)


def _cluster(index_path: str, shards: int | None, given: str | None) -> str | None:
    """The cluster to write on: --cluster, else $POLSEARCH_CLUSTER for a sharded index."""
    if given:
        return given
    from indexer.cluster import address
    from indexer.shards import is_sharded

    return address() if shards is not None or is_sharded(index_path) else None


@click.command("reindex")
@index_option
@cluster_address_option
@json_option
def reindex_cmd(index_path: str, cluster: str | None, as_json: bool) -> None:
    """Rebuild the search index from the document store, without re-parsing any page.

    Searches keep using the old index until the new one is complete. Use it after an upgrade that
    changes the index schema or analyzers.

    \b
    Example:
      polsearch reindex --index ~/idx
    """
    from indexer import reindex

    report = reindex(index_path, progress=progress(), cluster=_cluster(index_path, None, cluster))
    if as_json:
        print_json({"documents": report.documents, "seconds": round(report.seconds, 3)})
    else:
        click.echo(render.reindex_summary(report))


COMMANDS = [normalise_cmd, index_cmd, reindex_cmd]

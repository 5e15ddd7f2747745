"""`polsearch cluster`: how to start a Dask cluster for a sharded index, and what one holds."""

from __future__ import annotations

import click

from .common import index_option, json_option, print_json, render

START = """\
A sharded index (polsearch index --shards N) can be written and searched on a Dask cluster
(pip install 'polsearch[cluster]' on every machine). Every worker must reach the index folder at
the same path (a shared file system, or the same folder on each machine for the shards it holds).

  on one machine:            dask scheduler                     (listens on tcp://HOST:8786)
  on each worker machine:    dask worker tcp://HOST:8786 --name NAME --nthreads 1 --nworkers N
  then:                      polsearch index  --cluster tcp://HOST:8786 --index DIR --shards 8 SOURCE...
                             polsearch search --cluster tcp://HOST:8786 --index DIR 'QUERY'
  or set POLSEARCH_CLUSTER=tcp://HOST:8786 instead of giving --cluster.

Each shard belongs to a worker by name (recorded in DIR/shards.json); give workers the same --name
when they are started again, so that they find their shards."""


@click.command("cluster")
@index_option
@click.option("--cluster", "cluster", metavar="tcp://HOST:PORT", default=None,
              help="The Dask scheduler to ask [default: $POLSEARCH_CLUSTER].")
@json_option
def cluster_cmd(index_path: str, cluster: str | None, as_json: bool) -> None:
    """How to start a cluster; with a scheduler, its workers and which holds which shard of the index.

    \b
    Example:
      polsearch cluster
      polsearch cluster --cluster tcp://127.0.0.1:8786 --index ~/big
    """
    from indexer.cluster import address, describe

    where = address(cluster)
    if where is None:
        if as_json:
            print_json({"scheduler": None, "workers": [], "how": START})
        else:
            click.echo(START)
        return
    data = describe(where, index_path)
    if as_json:
        print_json(data)
    else:
        click.echo(render.cluster(data))


COMMANDS = [cluster_cmd]

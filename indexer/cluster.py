"""A sharded index on a Dask cluster (`pip install 'polsearch[cluster]'`).

The scheduler's address comes from `--cluster tcp://HOST:8786` or `$POLSEARCH_CLUSTER`. Workers are
named (`dask worker tcp://HOST:8786 --name NAME`; without `--name` a worker is named by its address),
and every worker reaches the index folder at the same path: a shared file system, or, for shards kept
on the workers' own disks, the same folder on each machine.

Placement: each shard has an owner, a worker by name, recorded in the index's `shards.json`. An ingest
gives a shard whose owner is not in the cluster to the live worker owning fewest; the shard's stores and
its index sync run on its owner, or, when the owner dies during the run, on another worker (a task lost
with its worker is run again elsewhere), which becomes the owner. A search asks each shard's owner
only: a shard whose owner is gone is reported by name (`ShardsUnavailable`), or, with
`allow_partial`, left out and named in the results.

Moving parts: `connect()` (a client, or a one-line error), `DaskRunner` (the ingest's tasks), `Scatter`
(a read's calls, one per shard), `describe()` (what `polsearch cluster` prints).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import shards
from .errors import IndexerError

ENV_CLUSTER = "POLSEARCH_CLUSTER"
CONNECT_TIMEOUT = 5.0


class ClusterError(IndexerError):
    """The cluster cannot be used: dask missing, the scheduler unreachable, no workers."""


class ShardsUnavailable(IndexerError):
    """Shards whose worker is gone at search time."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'polsearch[cluster]'") from None
    return distributed


_CLIENTS: dict[str, Any] = {}  # address -> a client kept for the reads of this process (`serve`, the API)
_CLIENTS_LOCK = threading.Lock()


def shared_client(address: str):
    """A client of the scheduler at `address` kept between reads in this process (a client serves
    several threads): connecting costs more than a search. One that lost its scheduler is replaced."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(address)
        if client is not None and client.status == "running":
            return client
        if client is not None:
            _close_quietly(client)
        elif not _CLIENTS:
            import atexit

            atexit.register(_close_all)
        client = _CLIENTS[address] = connect(address)
        return client


def forget(address: str) -> None:
    """Close the client kept for the scheduler at `address` (one about to stop: a kept client would
    try to reconnect to it)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.pop(address, None)
    if client is not None:
        _close_quietly(client)


def _close_quietly(client) -> None:
    try:
        client.close()
    except Exception:  # noqa: BLE001 - a client whose scheduler is gone may fail to say goodbye
        pass


def _close_all() -> None:
    while _CLIENTS:
        _close_quietly(_CLIENTS.popitem()[1])


def connect(address: str):
    """A Dask client of the scheduler at `address`; `ClusterError` (one line) when it cannot be reached."""
    distributed = _distributed()
    import logging

    _knock(address)

    # a scheduler that is not there makes distributed log its retries; the error below says it once
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {_reason(exc)} "
                           "(start one with: dask scheduler)") from None


def _knock(address: str) -> None:
    """A TCP scheduler that refuses the connection is reported at once, rather than after the client's
    retries for `CONNECT_TIMEOUT` seconds."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        raise ClusterError(f"give the Dask scheduler as tcp://HOST:PORT, not {address} (polsearch does not set up "
                           "Dask's TLS or other transports)")
    try:
        port = parts.port or 8786
    except ValueError:  # "tcp://host:abc"
        raise ClusterError(f"give the Dask scheduler as tcp://HOST:PORT, not {address} (the port is a number)") from None
    try:
        with socket.create_connection((parts.hostname, port), timeout=CONNECT_TIMEOUT):
            pass
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc} "
                           "(start one with: dask scheduler)") from None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."


def workers(client) -> dict[str, dict[str, Any]]:
    """The cluster's workers by name: address, threads, memory."""
    try:
        info = client.scheduler_info(n_workers=-1)  # newer clients list only the first few by default
    except TypeError:
        info = client.scheduler_info()
    found = {}
    for address, w in info.get("workers", {}).items():
        found[str(w.get("name", address))] = {"address": address, "threads": w.get("nthreads", 1),
                                              "memory": w.get("memory_limit", 0)}
    return found


def place(layout: shards.Layout, names: list[str]) -> dict[int, str]:
    """Owners for every shard: the recorded owner if it is among `names`, else the live worker owning
    fewest shards (ties by name)."""
    if not names:
        raise ClusterError("the cluster has no workers (start some with: dask worker tcp://HOST:8786)")
    owners = {k: n for k, n in layout.owners.items() if n in names and k < layout.count}
    load = {n: 0 for n in names}
    for n in owners.values():
        load[n] += 1
    for k in range(layout.count):
        if k not in owners:
            name = min(sorted(load), key=lambda n: load[n])
            owners[k] = name
            load[name] += 1
    return owners


class DaskRunner:
    """The ingest's tasks on the cluster (`sharded.LocalRunner`'s interface): map tasks anywhere, a
    shard's tasks on its owner while it lives, elsewhere when it is gone."""

    def __init__(self, address: str, layout: shards.Layout) -> None:
        self.client = connect(address)
        try:
            live = workers(self.client)
            self.owners = place(layout, sorted(live))
        except BaseException:
            self.client.close()
            raise
        self.slots = max(2, 2 * sum(w["threads"] for w in live.values()))
        self.procs = 1  # a worker's own process builds the segments: it cannot start a pool of its own

    def map(self, fn: Callable, *args: Any):
        return self.client.submit(fn, *args, pure=False)

    def share(self, value: Any):
        """`value` sent to the cluster once, for several tasks to take (a future)."""
        return self.client.scatter([value], hash=False)[0]

    def on_shard(self, k: int, fn: Callable, *args: Any):
        return self.client.submit(fn, *args, workers=[self.owners[k]], allow_other_workers=True, pure=False)

    def wait(self, futures: list, timeout: float | None = None) -> set:
        """The futures done, once one is (or `timeout` has passed)."""
        return _first_done(futures, timeout)

    def close(self) -> None:
        self.client.close()


@dataclass
class Scatter:
    """One call per shard of a read (a search's phases, a facet count), each on its shard's owner, on
    the cluster at `address`. Shards whose owner is gone raise `ShardsUnavailable`, or with
    `allow_partial` are left out and listed in `missing`."""
    address: str
    layout: shards.Layout
    allow_partial: bool = False
    missing: list[int] = field(default_factory=list)
    poll: float = 0.25
    held: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = shared_client(self.address)

    def close(self) -> None:
        pass  # the client stays for the next read (`shared_client`)

    def shards(self) -> list[int]:
        """The shards that can be asked, checked against the workers now in the cluster."""
        live = workers(self.client)
        if len(self.layout.owners) < self.layout.count:
            # shards never written on a cluster (indexed on one machine): read by the worker the next
            # cluster ingest would give them to (the manifest is left as it is: this is a read)
            self.layout.owners = place(self.layout, sorted(live))
        gone = [k for k in range(self.layout.count) if self.layout.owners[k] not in live]
        self._lost(gone)
        return [k for k in range(self.layout.count) if k not in self.missing]

    def _lost(self, gone: list[int]) -> None:
        if not gone:
            return
        if not self.allow_partial:
            names = ", ".join(f"shard {k} (worker {self.layout.owners[k]})" for k in gone)
            raise ShardsUnavailable(f"{names} of {self.layout.path}: not in the cluster; start the worker again, "
                                    "or search with --allow-partial for the other shards' results")
        self.missing = sorted(set(self.missing) | set(gone))

    def keep(self, calls: dict[int, tuple]) -> dict[int, Any]:
        """{shard: (fn, args...)} started on the owners; {shard: future}: the results stay on the
        workers, and a later `run` given a future as an argument reads it there."""
        futures = {}
        for k, (fn, *args) in calls.items():
            if k not in self.missing:
                futures[k] = self.client.submit(fn, *args, workers=[self.layout.owners[k]],
                                                allow_other_workers=False, pure=False)
        return futures

    def shared(self, calls: dict[int, tuple]) -> list:
        """{shard: (fn, args...)} started on the owners, one task a worker, their results kept there as
        one argument for later calls (a list of futures of {shard: result}): each later call receives
        all of them where it runs, so that a search's second phase needs no round trip through here."""
        futures = [self.client.submit(_each, group, workers=[owner], allow_other_workers=False, pure=False)
                   for owner, group in self._by_owner(calls).items()]
        self.held.append(futures)  # released only with this read: the scheduler may not have them yet
        return futures

    def _by_owner(self, calls: dict[int, tuple]) -> dict[str, list]:
        by_owner: dict[str, list] = {}
        for k, (fn, *args) in calls.items():
            if k not in self.missing:
                by_owner.setdefault(self.layout.owners[k], []).append((k, fn, args))
        return by_owner

    def run(self, calls: dict[int, tuple]) -> dict[int, Any]:
        """{shard: (fn, args...)} run on the owners; {shard: result} for the shards that answered. A
        worker gets one task for all its shards' calls (a task costs about 4 ms through the scheduler
        on this machine, a round trip 12)."""
        by_owner = self._by_owner(calls)
        pending = {owner: self.client.submit(_each, group, workers=[owner], allow_other_workers=False, pure=False)
                   for owner, group in by_owner.items()}
        results: dict[int, Any] = {}
        started = time.monotonic()
        while pending:
            _first_done(list(pending.values()), self.poll)
            for owner, future in list(pending.items()):
                if future.done():
                    del pending[owner]
                    results.update(future.result())  # a library error raised there is raised here
            if pending and time.monotonic() - started > self.poll:
                live = workers(self.client)
                gone = sorted(k for owner in pending if owner not in live for k, _fn, _args in by_owner[owner])
                if gone:  # left while this read ran: what the others computed may wait on it
                    for future in pending.values():
                        future.cancel()
                    names = ", ".join(f"shard {k} (worker {self.layout.owners[k]})" for k in gone)
                    raise ShardsUnavailable(f"{names} of {self.layout.path} left the cluster during the search; "
                                            "search again (with --allow-partial for the other shards' results)")
        return results


def _each(calls: list[tuple]) -> dict[int, Any]:
    """On a worker: its shards' calls of one phase, one after another."""
    return {k: fn(*args) for k, fn, args in calls}


def _first_done(futures: list, timeout: float | None) -> set:
    """The futures done, as soon as one is, or after `timeout` seconds (the client's own `wait` needs a
    default client, which polsearch does not install: a library should not change the caller's). The
    thread sleeps until a future's completion wakes it, not polling."""
    done = {f for f in futures if f.done()}
    if done or not futures:
        return done
    woken = threading.Event()
    for f in futures:
        f.add_done_callback(lambda _f: woken.set())
    woken.wait(timeout)
    return {f for f in futures if f.done()}


def address(given: str | None = None) -> str | None:
    """The scheduler address to use: `given`, else `$POLSEARCH_CLUSTER`, else None (this machine)."""
    return given or os.environ.get(ENV_CLUSTER) or None


def describe(address_: str, index_path: str | None = None) -> dict[str, Any]:
    """The cluster's workers and, for a sharded index, which holds which shard and how many documents."""
    from .sharded import shard_documents

    started = time.perf_counter()
    client = connect(address_)
    try:
        live = workers(client)
        data: dict[str, Any] = {"scheduler": address_, "workers": [
            {"name": n, "address": w["address"], "threads": w["threads"], "memory": w["memory"]}
            for n, w in sorted(live.items())]}
        if index_path is not None and shards.is_sharded(index_path):
            layout = shards.load(index_path)
            if len(layout.owners) < layout.count:
                # shards indexed on one machine: shown with the workers reads give them to (`Scatter.shards`)
                layout.owners = place(layout, sorted(live))
            rows = []
            futures = {k: client.submit(shard_documents, str(layout.shard_path(k)), workers=[layout.owners[k]],
                                        allow_other_workers=False, pure=False)
                       for k in range(layout.count) if layout.owners.get(k) in live}
            for k in range(layout.count):
                owner = layout.owners.get(k)
                docs = futures[k].result(timeout=30) if k in futures else None
                rows.append({"shard": k, "worker": owner, "up": k in futures, "documents": docs})
            data["index"] = str(layout.path)
            data["shards"] = rows
    finally:
        client.close()
    data["seconds"] = round(time.perf_counter() - started, 3)
    return data

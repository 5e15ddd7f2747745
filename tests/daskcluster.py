"""A Dask cluster of real processes on 127.0.0.1, for the cluster tests and `bench/cluster.py`: a
`dask scheduler` and named `dask worker`s (each one process, without a nanny, so that killing its PID
kills the worker), ended by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "data" / "samples"

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args: str) -> list[str]:
    exe = BIN / "dask"
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "dask", *args]


class Cluster:
    """A scheduler and named workers (no nanny: a worker is one process, its PID the one to kill)."""

    def __init__(self, logs: Path, names: tuple[str, ...] = ("a", "b")) -> None:
        self.logs = logs
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self._start("scheduler", _dask("scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                       "--no-dashboard"))
        for name in names:
            self.start_worker(name)
        self.wait_for(len(names))

    def _start(self, name: str, argv: list[str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:  # the process keeps its own descriptor
            self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def start_worker(self, name: str) -> None:
        self._start(name, _dask("worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
                                "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "2GiB"))

    def workers(self) -> set[str]:
        from distributed import Client

        with Client(self.address, timeout=10, set_as_default=False) as client:
            return {str(w["name"]) for w in client.scheduler_info()["workers"].values()}

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if len(self.workers()) == count:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the cluster did not reach {count} workers: see {self.logs}")

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        from indexer.cluster import forget

        forget(self.address)  # a client this process kept for it would try to reconnect
        for name in [n for n in self.procs if n != "scheduler"] + ["scheduler"]:
            proc = self.procs.pop(name, None)
            if proc is None:
                continue
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def real_pages(folder: Path, copies: int) -> Path:
    """The bundled samples `copies` times over, each copy in its own folder: real commentaries (a few
    dozen to parse a second), each copy a document of its own (at an address, or a path, of its own)."""
    for i in range(copies):
        target = folder / f"set-{i:02d}"
        target.mkdir(parents=True)
        for sample in SAMPLES.glob("*.html"):
            data = sample.read_bytes().replace(b".example/", f".example/set-{i:02d}/".encode())
            (target / sample.name).write_bytes(data)
    return folder

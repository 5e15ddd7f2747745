"""A sharded index: one collection split into N complete polsearch indexes.

Layout of a sharded `--index DIR`:
- `shards.json`: the manifest: how many shards, how documents are routed, and (once a cluster has
  written them) which Dask worker, by name, serves each shard;
- `shard-K/` (K = 0 .. N-1): a complete index folder (`index.py`: store, Whoosh generations, packs,
  lock), so a shard can be copied to another machine and opened there, alone, as any index;
- `catalogue/`: a document store holding only the run's bookkeeping: which input (file, WARC record)
  was seen with what size, time and digest, and the pages skipped as not commentaries with their
  reasons, so that a re-run reads only new and changed inputs (the page's document id, which decides
  its shard, is only known once the page is parsed);
- `write.lock`: held by the one run writing (as in an unsharded index), so two runs cannot interleave.

A document goes to shard `blake2b-64(id) mod N`: stable across runs, machines and Python versions.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IndexerError, IndexMissing

MANIFEST = "shards.json"
CATALOGUE = "catalogue"
ROUTING = "blake2b-64(id) mod N"
MAX_SHARDS = 1024


def shard_of(doc_id: str, count: int) -> int:
    """The shard of the document `doc_id` in an index of `count` shards."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_sharded(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / MANIFEST).is_file()


@dataclass
class Layout:
    """A sharded index folder: its shards' paths and the manifest's placement of them."""
    path: Path
    count: int
    owners: dict[int, str] = field(default_factory=dict)  # shard -> Dask worker name (cluster runs)

    def shard_path(self, k: int) -> Path:
        return self.path / f"shard-{k}"

    def shard_paths(self) -> list[Path]:
        return [self.shard_path(k) for k in range(self.count)]

    @property
    def catalogue_path(self) -> Path:
        return self.path / CATALOGUE

    def route(self, doc_id: str) -> int:
        return shard_of(doc_id, self.count)

    def save(self) -> None:
        """Write the manifest (atomically: a reader sees the old one or the new one)."""
        data = {"polsearch": "sharded index", "format": 1, "shards": self.count, "routing": ROUTING,
                "owners": {str(k): name for k, name in sorted(self.owners.items())}}
        tmp = self.path / f".{MANIFEST}.{os.getpid()}"
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.path / MANIFEST)


def load(path: str | os.PathLike[str]) -> Layout:
    """The layout of the sharded index at `path`; `IndexerError` for a manifest that cannot be read."""
    where = Path(path)
    try:
        data = json.loads((where / MANIFEST).read_text(encoding="utf-8"))
        count = int(data["shards"])
        owners = {int(k): str(v) for k, v in data.get("owners", {}).items()}
    except FileNotFoundError:
        raise IndexMissing(f"no sharded index at {where}") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexerError(f"cannot read the shard manifest {where / MANIFEST}: {exc}") from None
    if data.get("routing", ROUTING) != ROUTING or not 1 <= count <= MAX_SHARDS:
        raise IndexerError(f"the shard manifest {where / MANIFEST} is not one this version reads")
    return Layout(where, count, owners)


def create(path: str | os.PathLike[str], count: int) -> Layout:
    """The sharded index at `path`, made with `count` shards if it does not exist. An existing sharded
    index keeps its shard count (its documents are routed by it): asking for another is an error, as
    is asking to shard a folder that holds an unsharded index."""
    from corpus.store.documents import STORE_FILE

    where = Path(path)
    if not 1 <= count <= MAX_SHARDS:
        raise IndexerError(f"--shards takes a number from 1 to {MAX_SHARDS}")
    if is_sharded(where):
        layout = load(where)
        if layout.count != count:
            raise IndexerError(f"the index {where} has {layout.count} shards, not {count}: its documents "
                               f"are routed by that number (leave out --shards, or index into a new folder)")
        return layout
    if (where / STORE_FILE).exists():
        raise IndexerError(f"{where} holds an unsharded index; index the same pages into a new folder to make a "
                           f"sharded one (polsearch index --index NEW --shards {count} SOURCE...)")
    try:
        where.mkdir(parents=True, exist_ok=True)
        layout = Layout(where, count)
        for shard in layout.shard_paths():
            shard.mkdir(exist_ok=True)
        layout.catalogue_path.mkdir(exist_ok=True)
        layout.save()
    except OSError as exc:
        raise IndexMissing(f"cannot create the index folder {where}: {exc.strerror or exc}") from None
    return layout

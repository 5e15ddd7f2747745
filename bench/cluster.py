"""A sharded index on a Dask cluster: `python -m bench.cluster` (also run by `make bench`).

Measures, on this machine (a scheduler and `dask worker`s on 127.0.0.1, each worker one process with
one thread, started and ended here):
1. ingest throughput with 1 and 2 workers (`polsearch index --cluster --shards 4`, a new index each
   time) on real pages: the 990 of `../shared/data/extraction-dev`, or without them the bundled samples
   copied to 1,000 pages; beside the same ingest on this machine without Dask (`-j 1`, `-j 2`);
2. search latency by shard count (1, 2, 4, 8 shards of the same `--docs` documents, made as
   `bench.scale` makes them, on this machine), beside the unsharded index;
3. the overhead of searching on the cluster: the 4-shard index searched through the 2 workers against
   the same shards opened here;
4. a projection for 10 machines and 10 million commentaries, worked from the figures above and the
   single-index growth measured by `bench.scale` (README, "Performance").
Prints a table and writes `bench/out/cluster.json`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import OUT, write_figures

ROOT = Path(__file__).resolve().parent.parent
DEV_PAGES = ROOT.parent / "shared" / "data" / "extraction-dev" / "html"
QUERIES = {
    "common term": ["security", "economy", "trade"],
    "rare term": ["semiconductor", "cambodia"],
    "AND": ["security AND energy", "china AND sanctions"],
    "phrase": ['"national security"', '"the united states"'],
    "w/N": ["security w/5 energy", "sanctions w/5 russia"],
    "field + date": ["title:energy date:2022..2023", "security date:2024"],
    "sort by date": ["security", '"climate change"'],
    "facets": ["security", '"climate change"'],
}


def _pages(work: Path) -> tuple[Path, str]:
    """Real pages to index: extraction-dev's (kept gzipped there, unpacked here), or copies of the samples."""
    if DEV_PAGES.is_dir() and any(DEV_PAGES.glob("*.html.gz")):
        import gzip

        target = work / "pages"
        target.mkdir()
        for page in DEV_PAGES.glob("*.html.gz"):
            (target / page.name[:-3]).write_bytes(gzip.decompress(page.read_bytes()))
        return target, f"the {sum(1 for _ in target.glob('*.html'))} pages of extraction-dev"
    from tests.daskcluster import real_pages

    return real_pages(work / "pages", 50), "1,000 copies of the bundled samples"


def _polsearch(*args) -> dict:
    done = subprocess.run([str(Path(sys.executable).parent / "polsearch"), *map(str, args), "--json"],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"polsearch {' '.join(map(str, args))} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def ingest(work: Path) -> dict:
    from tests.daskcluster import Cluster

    pages, described = _pages(work)
    figures: dict = {"pages": described}
    for jobs in (1, 2):
        index = work / f"local-{jobs}"
        started = time.perf_counter()
        report = _polsearch("index", "--index", index, "--shards", "4", "-j", jobs, pages)
        seconds = time.perf_counter() - started
        figures[f"this machine, -j {jobs}"] = _rate(report, seconds)
        print(f"  ingest, this machine -j {jobs}: {figures[f'this machine, -j {jobs}']}", file=sys.stderr)
        shutil.rmtree(index)
    for count in (1, 2):
        (work / f"logs-{count}").mkdir()
        cluster = Cluster(work / f"logs-{count}", tuple("abcdefgh"[:count]))
        try:
            index = work / f"cluster-{count}"
            started = time.perf_counter()
            report = _polsearch("index", "--index", index, "--shards", "4", "--cluster", cluster.address, pages)
            seconds = time.perf_counter() - started
        finally:
            cluster.stop()
        name = f"cluster, {count} worker{'s' * (count > 1)}"
        figures[name] = _rate(report, seconds)
        print(f"  ingest, {name}: {figures[name]}", file=sys.stderr)
        shutil.rmtree(index)
    one, two = figures["cluster, 1 worker"]["pages_per_s"], figures["cluster, 2 workers"]["pages_per_s"]
    figures["speed-up, 2 workers / 1"] = round(two / one, 2)
    return figures


def _rate(report: dict, seconds: float) -> dict:
    pages = sum(report[k] for k in ("added", "updated", "unchanged", "skipped", "failed"))
    return {"pages": pages, "added": report["added"], "failed": report["failed"], "seconds": round(seconds, 2),
            "pages_per_s": round(pages / seconds, 1)}


def _latency(index: Path, rounds: int) -> dict:
    """Median and 95th percentile of each query kind, in one process that keeps its searchers (or its
    cluster client) between queries, as `serve` does."""
    from bench.scale import timed
    from search.facets import facets
    from search.searcher import search

    runs = {"facets": lambda q: facets(index, q), "sort by date": lambda q: search(index, q, sort="-date")}
    return {kind: timed(runs.get(kind, lambda q: search(index, q)), queries, rounds)
            for kind, queries in QUERIES.items()}


def search_by_shards(docs: int, rounds: int) -> tuple[dict, Path]:
    from bench.scale import Texts
    from indexer.ingest import ingest_documents
    from indexer.sharded import ingest_documents as ingest_sharded
    from search.searcher import stats

    texts = Texts("mixed", docs)
    figures: dict = {"documents": docs}
    kept = None
    for count in (0, 1, 2, 4, 8):
        index = OUT / f"cluster-bench-{docs}-{count}"
        if not index.exists() or stats(index)["documents"] != docs:  # new, or a build that was stopped
            started = time.perf_counter()
            if count:
                ingest_sharded(index, texts.documents(), shard_count=count)
            else:
                ingest_documents(index, texts.documents())
            print(f"  built {index.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        name = f"{count} shards" if count else "unsharded"
        figures[name] = _latency(index, rounds)
        print(f"  {name}: {figures[name]}", file=sys.stderr)
        if count == 4:
            kept = index
    return figures, kept


def cluster_overhead(index: Path, rounds: int, work: Path) -> dict:
    from search.gather import using
    from tests.daskcluster import Cluster

    (work / "logs-search").mkdir()
    cluster = Cluster(work / "logs-search")
    try:
        with using(cluster.address):
            on_cluster = _latency(index, rounds)
    finally:
        cluster.stop()
    here = _latency(index, rounds)
    return {"4 shards, here": here, "4 shards, 2 workers": on_cluster,
            "ratio": {k: round(on_cluster[k]["median_ms"] / here[k]["median_ms"], 2) for k in here}}


def projection(ingest_figures: dict, shards: dict) -> dict:
    """10 machines of this kind (2 cores: 2 workers each) and 10 million commentaries in 20 shards of
    500,000: ingest from the measured rate per worker and its 2-worker efficiency; a search as the
    slowest of 20 shards, each 5 times `bench.scale`'s 100,000-document index, grown by the exponent
    measured there, plus the coordinator's merge measured here."""
    per_worker = ingest_figures["cluster, 1 worker"]["pages_per_s"]
    efficiency = ingest_figures["speed-up, 2 workers / 1"] / 2
    rate = per_worker * 20 * efficiency
    scale = OUT / "scale-mixed-100000.json"
    out = {"ingest_pages_per_s": round(rate), "ingest_hours_for_10M": round(10_000_000 / rate / 3600, 1)}
    if scale.exists():
        data = json.loads(scale.read_text())
        growth = data.get("growth", {})
        queries = data.get("queries", {})
        proj = {}
        for kind, q in queries.items():
            median = q.get("polsearch", {}).get("median_ms")
            exponent = growth.get(kind)
            if median is not None and exponent is not None:
                proj[kind] = round(median * 5 ** max(exponent, 0), 1)
        out["per_shard_median_ms_at_500k"] = proj
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000, help="documents of the search indexes")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="polsearch-cluster-") as tmp:
        work = Path(tmp)
        if not args.skip_ingest:
            figures["ingest"] = ingest(work)
        figures["search by shard count"], four = search_by_shards(args.docs, args.rounds)
        figures["cluster overhead"] = cluster_overhead(four, args.rounds, work)
    if "ingest" in figures:
        figures["projection"] = projection(figures["ingest"], figures["search by shard count"])
    print(json.dumps(figures, indent=2))
    write_figures(figures, "cluster.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

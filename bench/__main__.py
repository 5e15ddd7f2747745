"""polsearch benchmark: `make bench` or `python -m bench [--docs N] [--source wh|un|synthetic]`.

Builds (once) a corpus of realistic commentary pages (`bench/pages.py`), then measures and prints one
table, and writes the same figures as JSON to `bench/out/results-<source>-<N>.json`:
- normalise: pages/s of `corpus.normalise` in one process;
- ingest: end-to-end pages/s (HTML -> searchable) with 1 and with 2 worker processes;
- re-run: an unchanged re-run's time, as a share of the first run's;
- queries: median and 95th percentile latency per query kind, hits highlighted (top 10).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

QUERIES = {
    "term": ["president", "security", "economy", "energy", "health", "border", "trade", "climate"],
    "rare term": ["cambodia", "semiconductor", "fentanyl", "hurricane", "tariff", "vaccine", "ukraine", "arctic"],
    "boolean": ["security AND energy", "trade OR tariffs", "health NOT vaccine", "(china OR russia) AND sanctions"],
    "phrase": ['"national security"', '"the president"', '"climate change"', '"supply chains"'],
    "field + date": ["title:energy date:2022..2023", "security date:2024", 'title:"fact sheet" date:>=2023-06',
                     "tag:statements-releases date:..2021"],
}


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def bench_normalise(pages: list[Path], limit: int = 300) -> dict:
    from corpus import normalise
    from corpus.errors import SkipPage

    sample = [p.read_bytes() for p in pages[:limit]]
    normalise(sample[0])
    started = time.perf_counter()
    for data in sample:
        try:
            normalise(data)
        except SkipPage:
            pass
    seconds = time.perf_counter() - started
    return {"pages": len(sample), "seconds": round(seconds, 3), "pages_per_s": round(len(sample) / seconds, 1),
            "kb_per_page": round(sum(len(d) for d in sample) / len(sample) / 1024, 1)}


def bench_ingest(folder: Path, index: Path, jobs: int) -> dict:
    from indexer.ingest import ingest

    shutil.rmtree(index, ignore_errors=True)
    first = ingest(index, [folder], jobs=jobs)
    again = ingest(index, [folder], jobs=jobs)
    return {"jobs": jobs, "pages": first.pages, "added": first.added, "skipped": first.skipped,
            "failed": first.failed, "seconds": round(first.seconds, 2),
            "pages_per_s": round(first.pages / first.seconds, 1),
            "unchanged_rerun_seconds": round(again.seconds, 3),
            "unchanged_rerun_share": round(again.seconds / first.seconds, 4),
            "rerun_unchanged": again.unchanged}


def bench_queries(index: Path, rounds: int = 5) -> dict:
    from search.searcher import search

    results = {}
    for kind, queries in QUERIES.items():
        for q in queries:
            search(index, q, limit=10)  # warm caches, as a running service would be
        times = []
        for _ in range(rounds):
            for q in queries:
                started = time.perf_counter()
                search(index, q, limit=10)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        results[kind] = {"median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "runs": len(times)}
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="corpus size (pages)")
    parser.add_argument("--source", choices=["wh", "un", "synthetic"], default="wh")
    parser.add_argument("--jobs", type=int, nargs="*", default=[1, 2], help="worker counts to measure")
    args = parser.parse_args(argv)

    from bench.pages import SOURCES, build

    source = args.source if args.source == "synthetic" or SOURCES[args.source].exists() else "synthetic"
    OUT.mkdir(exist_ok=True)
    print(f"building {args.docs} pages from {source} ...", file=sys.stderr)
    folder = build(source, args.docs, OUT / "pages")
    pages = _pages(folder)
    figures: dict = {"source": source, "docs": len(pages), "cpus": os.cpu_count()}
    print("normalise ...", file=sys.stderr)
    figures["normalise"] = bench_normalise(pages)
    figures["ingest"] = []
    for jobs in args.jobs:
        print(f"ingest, {jobs} process(es) ...", file=sys.stderr)
        figures["ingest"].append(bench_ingest(folder, OUT / f"index-{source}-{len(pages)}", jobs))
    print("queries ...", file=sys.stderr)
    figures["queries"] = bench_queries(OUT / f"index-{source}-{len(pages)}")

    n = figures["normalise"]
    print(f"\npolsearch benchmark: {figures['docs']} pages ({source}, {n['kb_per_page']} KB/page), "
          f"{figures['cpus']} CPUs")
    print(f"{'normalise (1 process)':<34}{n['pages_per_s']:>10} pages/s")
    for run in figures["ingest"]:
        print(f"{'ingest end-to-end, ' + str(run['jobs']) + ' process(es)':<34}{run['pages_per_s']:>10} pages/s"
              f"   ({run['seconds']} s; unchanged re-run {run['unchanged_rerun_seconds']} s = "
              f"{run['unchanged_rerun_share']:.1%} of the first)")
    if len(figures["ingest"]) > 1:
        print(f"{'speed-up, ' + str(figures['ingest'][-1]['jobs']) + ' vs 1 process':<34}"
              f"{figures['ingest'][-1]['pages_per_s'] / figures['ingest'][0]['pages_per_s']:>10.2f}x")
    print(f"\n{'query kind (top 10 highlighted)':<34}{'median':>10}{'p95':>10}")
    for kind, q in figures["queries"].items():
        print(f"{kind:<34}{q['median_ms']:>8} ms{q['p95_ms']:>7} ms")
    target = OUT / f"results-{source}-{len(pages)}.json"
    target.write_text(json.dumps(figures, indent=2))
    print(f"\nfigures written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`polsearch serve` speed: `python -m bench.serve [--docs 2000]` (part of `make bench`).

On the 2,000-page bench index (`python -m bench` builds it; built here the same way when absent), a
real `polsearch serve` process on a free 127.0.0.1 port answers results pages with hits, the facet
sidebar and the timeline, fetched over HTTP as a browser would; printed: median and 95th percentile
per query and over all, against the budget (median <= 150 ms). Also the document page and KWIC view,
for perspective. Figures go to `bench/out/serve-<source>-<N>.json`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench import OUT, write_figures

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 150
QUERIES = ["security", "climate change", '"national security"', "trade OR tariffs", "security w/5 energy",
           "energy date:2022..2023", "health NOT vaccine", "title:energy"]


def _index(source: str, docs: int) -> Path:
    from bench.pages import build

    for jobs in (2, 1):  # what `python -m bench` left, if it ran
        made = OUT / f"index-{source}-{docs}-{jobs}"
        if (made / "documents.sqlite").exists():
            return made
    folder = build(source, docs, OUT / "pages")
    index = OUT / f"index-{source}-{docs}-2"
    print(f"indexing {docs} pages into {index} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "search.cli", "index", "--index", str(index), str(folder),
                    "--jobs", "2", "--json"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return index


def _get(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        body = response.read()
        assert response.status == 200
    seconds = time.perf_counter() - started
    assert b'id="total"' in body
    return seconds


def _figures(times: list[float]) -> dict:
    ordered = sorted(times)
    return {"median_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000, 1), "requests": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--source", choices=["wh", "un", "synthetic"], default="wh")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    from bench.pages import SOURCES

    source = args.source if args.source == "synthetic" or SOURCES[args.source].exists() else "synthetic"
    index = _index(source, args.docs)
    sys.path.insert(0, str(ROOT))
    from tests.serving import Server

    server = Server(index)
    try:
        base = server.url
        per_query: dict[str, dict] = {}
        every: list[float] = []
        for q in QUERIES:
            url = base + "?" + urlencode({"q": q})
            _get(url)  # warm, as a running server is
            times = [_get(url) for _ in range(args.rounds)]
            per_query[q] = _figures(times)
            every += times
        kwic = [_get(base + "?" + urlencode({"q": q, "view": "kwic"})) for q in QUERIES[:4]]
        figures = {"source": source, "docs": args.docs, "budget_median_ms": BUDGET_MS,
                   "results_page": _figures(every), "per_query": per_query, "kwic_page": _figures(kwic)}
    finally:
        server.stop()
    print(f"serve: a results page with hits, facets and timeline, {args.docs} documents ({source})")
    for q, f in per_query.items():
        print(f"  {q:<32}{f['median_ms']:>8} ms median {f['p95_ms']:>8} ms p95")
    overall = figures["results_page"]
    verdict = "within" if overall["median_ms"] <= BUDGET_MS else "OVER"
    print(f"  {'all results pages':<32}{overall['median_ms']:>8} ms median {overall['p95_ms']:>8} ms p95  "
          f"({verdict} the {BUDGET_MS} ms budget)")
    print(f"  {'KWIC view':<32}{figures['kwic_page']['median_ms']:>8} ms median")
    write_figures(figures, f"serve-{source}-{args.docs}.json")
    return 0 if overall["median_ms"] <= BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

"""polsearch benchmark: `make bench` or `python -m bench [--docs N] [--source wh|un|synthetic]`.

Builds (once) a corpus of realistic commentary pages (`bench/pages.py`), then measures and prints one
table, and writes the same figures as JSON to `bench/out/results-<source>-<N>.json`:
- normalise: pages/s of `corpus.normalise` in one process, beside trafilatura's extraction alone on the
  same pages (what a user would run instead), as a ratio;
- ingest: end-to-end pages/s (HTML -> searchable) of `polsearch index` with 1 and with 2 worker
  processes, each run as its own process, with its peak memory (the indexer's and its workers');
- re-runs: an unchanged re-run's time, and a re-run after 1% of the pages changed, as shares of the
  first run's; `polsearch reindex` from the store;
- queries: median and 95th percentile latency per query kind, hits highlighted (top 10);
- start-up: `polsearch --help` and a first search in a new process, and a search's peak memory;
- sizes: the search index and the document store on disk.

Queries at scale (100,000 documents) and SQLite FTS5 beside them: `python -m bench.scale`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import OUT, write_figures

HERE = Path(__file__).resolve().parent

QUERIES = {
    "term": ["president", "security", "economy", "energy", "health", "border", "trade", "climate"],
    "rare term": ["cambodia", "semiconductor", "fentanyl", "hurricane", "tariff", "vaccine", "ukraine", "arctic"],
    "boolean": ["security AND energy", "trade OR tariffs", "health NOT vaccine", "(china OR russia) AND sanctions"],
    "phrase": ['"national security"', '"the president"', '"climate change"', '"supply chains"'],
    "proximity": ["security w/5 energy", '"climate change" w/10 economy', "trade pre/3 agreement",
                  "sanctions w/5 russia"],
    "field + date": ["title:energy date:2022..2023", "security date:2024", 'title:"fact sheet" date:>=2023-06',
                     "tag:statements-releases date:..2021"],
}


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def bench_normalise(pages: list[Path], limit: int = 300) -> dict:
    """`corpus.normalise` and, on the same pages in the same process, trafilatura's extraction alone."""
    import trafilatura

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
    trafilatura.extract(sample[0], include_comments=False, with_metadata=True)
    started = time.perf_counter()
    for data in sample:
        trafilatura.extract(data, include_comments=False, with_metadata=True)
    baseline = time.perf_counter() - started
    return {"pages": len(sample), "seconds": round(seconds, 3), "pages_per_s": round(len(sample) / seconds, 1),
            "kb_per_page": round(sum(len(d) for d in sample) / len(sample) / 1024, 1),
            "trafilatura_pages_per_s": round(len(sample) / baseline, 1),
            "ratio_to_trafilatura": round(baseline / seconds, 2)}


def _command(*args: str | Path) -> list[str]:
    """`polsearch ARGS` as a user runs it: the console script beside this Python, else the module."""
    script = Path(sys.executable).parent / "polsearch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "search.cli"]


def polsearch(*args: str | Path) -> dict:
    """Run `polsearch ARGS` as its own process: its JSON report (with `--json`), wall seconds and peak
    memory (the largest resident set of the process and of the workers it waited for)."""
    command = _command() + [str(a) for a in args]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=HERE.parent)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {stderr.decode()[-500:]}")
    report = json.loads(stdout) if stdout.strip().startswith(b"{") else {}
    return {"report": report, "seconds": seconds, "peak_mb": round(usage.ru_maxrss / 1024, 1)}


def _change_pages(folder: Path, share: float) -> list[Path]:
    """Edit `share` of the pages (a sentence added to the body), as a weekly re-collection would find."""
    pages = _pages(folder)
    step = max(1, round(1 / share))
    changed = pages[::step]
    for page in changed:
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</p>", " A correction was added to this commentary later.</p>", 1),
                        encoding="utf-8")
    return changed


def bench_ingest(folder: Path, index: Path, jobs: int, change: bool) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    first = polsearch("index", "--index", index, folder, "--jobs", jobs, "--json")
    again = polsearch("index", "--index", index, folder, "--jobs", jobs, "--json")
    pages = first["report"]["added"] + first["report"]["skipped"] + first["report"]["failed"]
    out = {"jobs": jobs, "pages": pages, "added": first["report"]["added"],
           "skipped": first["report"]["skipped"], "failed": first["report"]["failed"],
           "seconds": round(first["seconds"], 2), "pages_per_s": round(pages / first["seconds"], 1),
           "peak_mb": first["peak_mb"],
           "unchanged_rerun_seconds": round(again["seconds"], 3),
           "unchanged_rerun_share": round(again["seconds"] / first["seconds"], 4),
           "rerun_unchanged": again["report"]["unchanged"]}
    if change:
        work = folder.parent / (folder.name + "-changed")
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work)
        changed_index = index.parent / (index.name + "-changed")
        shutil.rmtree(changed_index, ignore_errors=True)
        polsearch("index", "--index", changed_index, work, "--jobs", jobs, "--json")
        edited = _change_pages(work, 0.01)
        rerun = polsearch("index", "--index", changed_index, work, "--jobs", jobs, "--json")
        out.update({"changed_pages": len(edited), "changed_updated": rerun["report"]["updated"],
                    "changed_rerun_seconds": round(rerun["seconds"], 2),
                    "changed_rerun_share": round(rerun["seconds"] / first["seconds"], 4)})
        reindex = polsearch("reindex", "--index", changed_index, "--json")
        out.update({"reindex_seconds": round(reindex["seconds"], 2),
                    "reindex_docs_per_s": round(reindex["report"]["documents"] / reindex["seconds"], 1)})
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(changed_index, ignore_errors=True)
    return out


def bench_startup(index: Path, rounds: int = 5) -> dict:
    """Wall time of `polsearch --help` and of a first search in a fresh process (median of `rounds`),
    and the peak memory of a search process."""
    def wall(*args) -> float:
        times = []
        for _ in range(rounds):
            times.append(polsearch(*args)["seconds"] * 1000)
        return round(statistics.median(times), 1)

    help_ms = wall("--help")
    search_ms = wall("search", "--index", index, '"national security"')
    return {"help_ms": help_ms, "first_search_ms": search_ms,
            "search_peak_mb": polsearch("search", "--index", index, "security")["peak_mb"]}


def sizes(index: Path) -> dict:
    store = sum(p.stat().st_size for p in index.glob("documents.sqlite*"))
    whoosh = sum(p.stat().st_size for p in (index / "whoosh").rglob("*") if p.is_file())
    return {"store_mb": round(store / 2**20, 1), "search_index_mb": round(whoosh / 2**20, 1)}


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
        figures["ingest"].append(bench_ingest(folder, OUT / f"index-{source}-{len(pages)}-{jobs}", jobs,
                                              change=jobs == max(args.jobs)))
    index = OUT / f"index-{source}-{len(pages)}-{max(args.jobs)}"
    print("queries ...", file=sys.stderr)
    figures["queries"] = bench_queries(index)
    print("start-up ...", file=sys.stderr)
    figures["startup"] = bench_startup(index)
    figures["sizes"] = sizes(index)

    n = figures["normalise"]
    print(f"\npolsearch benchmark: {figures['docs']} pages ({source}, {n['kb_per_page']} KB/page), "
          f"{figures['cpus']} CPUs")
    print(f"{'normalise (1 process)':<40}{n['pages_per_s']:>10} pages/s   (trafilatura alone "
          f"{n['trafilatura_pages_per_s']} pages/s: {n['ratio_to_trafilatura']:.2f}x its speed)")
    for run in figures["ingest"]:
        print(f"{'ingest end-to-end, ' + str(run['jobs']) + ' process(es)':<40}{run['pages_per_s']:>10} pages/s"
              f"   ({run['seconds']} s, peak memory {run['peak_mb']} MB)")
        print(f"{'  unchanged re-run':<40}{run['unchanged_rerun_seconds']:>10} s       "
              f"{run['unchanged_rerun_share']:.1%} of the first run")
        if "changed_rerun_seconds" in run:
            print(f"{'  re-run, 1% of pages changed':<40}{run['changed_rerun_seconds']:>10} s       "
                  f"{run['changed_rerun_share']:.1%} of the first run ({run['changed_updated']} updated)")
            print(f"{'  reindex from the store':<40}{run['reindex_docs_per_s']:>10} docs/s  "
                  f"({run['reindex_seconds']} s)")
    if len(figures["ingest"]) > 1:
        print(f"{'speed-up, ' + str(figures['ingest'][-1]['jobs']) + ' vs 1 process':<40}"
              f"{figures['ingest'][-1]['pages_per_s'] / figures['ingest'][0]['pages_per_s']:>10.2f}x")
    print(f"\n{'query kind (top 10 highlighted)':<40}{'median':>10}{'p95':>10}")
    for kind, q in figures["queries"].items():
        print(f"{kind:<40}{q['median_ms']:>8} ms{q['p95_ms']:>7} ms")
    st, sz = figures["startup"], figures["sizes"]
    print(f"\n{'polsearch --help':<40}{st['help_ms']:>8} ms")
    print(f"{'first search in a new process':<40}{st['first_search_ms']:>8} ms   (peak memory "
          f"{st['search_peak_mb']} MB)")
    print(f"{'on disk':<40}search index {sz['search_index_mb']} MB, store {sz['store_mb']} MB")
    write_figures(figures, f"results-{source}-{len(pages)}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scrape → index on the local mini-site: `python -m bench.scrape [--articles N] [--delay S]`.

Serves `tests/mockserver.py`'s mini-site with N articles on 127.0.0.1 (no Crawl-delay), then measures
through the CLI, as an archivist runs it:
- the first `scrape` (every page new) and `index` of the archive: pages/s for each, and end to end;
- an unchanged re-run of `scrape` (every page answers 304) and of `index` (the old WARC file is not
  opened), as shares of the first runs' times, and the bytes each scrape wrote.
With `--delay` at its default of 1 s a scrape is bound by politeness (one request per second); the
default here, 0, shows what the code itself costs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.cli import main  # noqa: E402
from tests.mockserver import MiniSite  # noqa: E402


def _run(*args: str) -> tuple[dict, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(main, [*args, "--json"], catch_exceptions=False)
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout), seconds


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.warc.gz"))


def main_(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--delay", default="0")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, MiniSite(crawl_delay=0, articles=options.articles,
                                                        per_page=20) as site:
        archive, index = Path(tmp) / "arch", Path(tmp) / "idx"
        scrape = ("scrape", site.url("/commentary/"), "--archive", str(archive), "--delay", options.delay,
                  "--timeout", "0.5", "--retries", "1", "--exclude", "*/slow")
        first, t_scrape = _run(*scrape)
        bytes_first = _size(archive)
        indexed, t_index = _run("index", "--index", str(index), str(archive))
        again, t_scrape2 = _run(*scrape)
        bytes_again = _size(archive) - bytes_first
        reindexed, t_index2 = _run("index", "--index", str(index), str(archive))
    pages = first["fetched"]
    rows = [
        ("scrape, first run", f"{pages} pages in {t_scrape:.2f} s: {pages / t_scrape:.0f} pages/s, "
                              f"{bytes_first / 1024:.0f} KB of WARC"),
        ("index of the archive", f"{indexed['added']} documents in {t_index:.2f} s: "
                                 f"{indexed['added'] / t_index:.1f} documents/s"),
        ("scrape → index", f"{pages / (t_scrape + t_index):.1f} pages/s end to end"),
        ("scrape, unchanged re-run", f"{again['unchanged']} unchanged, {again['fetched']} fetched in "
                                     f"{t_scrape2:.2f} s: {100 * t_scrape2 / t_scrape:.0f}% of the first run; "
                                     f"{bytes_again / 1024:.0f} KB of WARC "
                                     f"({100 * bytes_again / bytes_first:.0f}%)"),
        ("index, after the re-run", f"{reindexed['added']} added, {reindexed['unchanged']} unchanged in "
                                    f"{t_index2:.2f} s: {100 * t_index2 / t_index:.0f}% of the first run"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"mini-site on 127.0.0.1: {options.articles} articles, --delay {options.delay}")
    for name, figure in rows:
        print(f"  {name.ljust(width)}  {figure}")


if __name__ == "__main__":
    main_()

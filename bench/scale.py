"""Queries at scale, beside SQLite FTS5: `python -m bench.scale [--docs 100000]` (also run by `make bench`).

An index of N documents is built straight from texts (no HTML: this measures the index, not the
normaliser): the White House and UN texts of `../shared/data` (or the synthetic generator without them),
and past their number, documents made of the first half of one text and the second half of another
(not copies of either), with the entities `corpus.extract.entities` finds in them. The same documents go
into an SQLite FTS5 table (porter stemmer, title and body, a date column), which is what a user would
pick instead. Then every query kind runs through `search.searcher.search()` (the `polsearch search`
path: exact total, top 10 with highlighted snippets) and its FTS5 translation (count, top 10 by bm25
with `snippet()`), and `facets()` for facet counts; median and 95th percentile in milliseconds. The
queries run in one process, as in `serve`: it keeps its open searchers between queries
(`indexer.index._Pool`), as FTS5 keeps its connection; a new process's first search (imports, opening
the index) is measured on its own, as `polsearch search` runs.

Prints one table and writes `bench/out/scale-<source>-<N>.json`. The index is kept in `bench/out`
between runs (a second run finds every document unchanged and writes nothing).
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from bench import OUT, write_figures


# Each kind: polsearch queries, and the same queries for FTS5 (None: FTS5 has no such query).
KINDS: dict[str, list[tuple[str, str | None]]] = {
    "common term": [("security", "security"), ("economy", "economy"), ("energy", "energy"), ("trade", "trade")],
    "rare term": [("semiconductor", "semiconductor"), ("fentanyl", "fentanyl"), ("arctic", "arctic"),
                  ("cambodia", "cambodia")],
    "AND": [("security AND energy", "security AND energy"), ("china AND sanctions", "china AND sanctions"),
            ("health AND economy", "health AND economy")],
    "OR": [("trade OR tariffs", "trade OR tariffs"), ("(china OR russia) AND sanctions",
                                                     "(china OR russia) AND sanctions")],
    "NOT": [("health NOT vaccine", "health NOT vaccine"), ("security NOT energy", "security NOT energy")],
    "phrase, 2 words": [('"national security"', '"national security"'), ('"climate change"', '"climate change"'),
                        ('"supply chains"', '"supply chains"')],
    "phrase, 3+ words": [('"the united states"', '"the united states"'),
                         ('"the president of the united states"', '"the president of the united states"')],
    "w/N": [("security w/5 energy", "NEAR(security energy, 5)"),
            ('"climate change" w/10 economy', 'NEAR("climate change" economy, 10)'),
            ("sanctions w/5 russia", "NEAR(sanctions russia, 5)")],
    "pre/N": [("trade pre/3 agreement", None), ("climate pre/2 change", None)],
    "w/s": [("sanctions w/s russia", None), ("energy w/s security", None)],
    "field + date": [("title:energy date:2022..2023", "title:energy"),
                     ("security date:2024", "security"),
                     ('title:"climate" date:>=2023-06', "title:climate"),
                     ("development date:..2010", "development")],
    "wildcard": [("sanction*", "sanction*"), ("semicond*", "semicond*")],
}
SORTED_QUERIES = ["security", '"climate change"']
# the date ranges of "field + date", for FTS5's date column (inclusive ISO bounds)
FTS_DATES = {"title:energy date:2022..2023": ("2022-01-01", "2023-12-31"),
             "security date:2024": ("2024-01-01", "2024-12-31"),
             'title:"climate" date:>=2023-06': ("2023-06-01", "9999"),
             "development date:..2010": ("0000", "2010-12-31")}
FACET_QUERIES = ["security", "semiconductor", '"climate change"', "development date:..2010"]


# -- the documents ------------------------------------------------------------------------------------------
class Texts:
    """The texts behind `count` documents, with their entities found once (before any clock starts), and
    the documents made from them: text i of n is used as variants k = 0, 1, ... to reach `count`."""

    def __init__(self, source: str, count: int, procs: int = 2) -> None:
        from bench.pages import iter_texts

        usable = (r for name in (("wh", "un") if source == "mixed" else ("synthetic",))
                  for r in iter_texts(name) if sum(len(p) for p in r["paragraphs"]) >= 200)
        self.texts = list(itertools.islice(usable, count))
        self.entities = _entities(self.texts, procs)
        self.count = count

    def documents(self, start: int = 0) -> Iterator:
        """Text i as it is (k = 0); past the texts there are, text i's first half with another text's
        second half (k = 1, 2, ...): documents that share words and topics but are not copies of one
        another, as the copy detection would otherwise rightly fold them together."""
        from corpus.document import Document, make_id

        n = len(self.texts)
        for number in itertools.count(start) if start else range(self.count):
            k, i = divmod(number, n)
            rec = self.texts[i]
            paras, entities = rec["paragraphs"], self.entities[i]
            if k:
                other = (i + k * 7919) % n
                if other == i:
                    other = (i + 1) % n
                half = self.texts[other]["paragraphs"]
                paras = paras[:max(1, len(paras) // 2)] + half[len(half) // 2:]
                entities = tuple(dict.fromkeys(entities + self.entities[other]))
            date = f"{min(int(rec['date'][:4]) + k, 2026)}{rec['date'][4:10]}".replace("-02-29", "-02-28")
            url = f"bench:{rec['id']}/{k}"
            yield Document(id=make_id(url), url=url, title=rec["title"] + (f" ({k + 1})" if k else ""),
                           body="\n\n".join(paras), source=f"Bench Institute {(i + k) % 40:02d}", date=date,
                           authors=tuple(rec["authors"]), tags=tuple(rec["tags"]), entities=entities,
                           language="en")


def _entity_job(texts: list[tuple[str, list[str]]]) -> list[list[dict]]:
    from corpus.extract.entities import find_entities

    return [[e.to_json() for e in find_entities(title, paragraphs)] for title, paragraphs in texts]


def _entities(texts: list[dict], procs: int) -> list[tuple]:
    """The entities `corpus.extract.entities` finds in each text, found in `procs` processes and kept in
    `bench/out` between runs (keyed by the recogniser's code and model, so a changed recogniser runs again)."""
    import concurrent.futures as cf
    import hashlib
    import json

    from corpus.document import Entity

    package = Path(__file__).resolve().parent.parent / "corpus"
    digest = hashlib.sha256()
    for path in sorted([*(package / "extract" / "entities").glob("*.py"), *(package / "data").glob("entities*")]):
        digest.update(path.read_bytes())
    cache_path = OUT / f"entities-{digest.hexdigest()[:16]}.jsonl"
    cache: dict[str, list] = {}
    if cache_path.exists():
        for line in cache_path.read_text().splitlines():
            rec = json.loads(line)
            cache[rec["id"]] = rec["entities"]
    def key(rec: dict) -> str:
        return hashlib.sha1("\n".join([rec["title"], *rec["paragraphs"]]).encode("utf-8")).hexdigest()[:20]

    keys = [key(r) for r in texts]
    missing = [(k, r) for k, r in zip(keys, texts) if k not in cache]
    if missing:
        OUT.mkdir(exist_ok=True)
        print(f"  finding the entities of {len(missing)} texts (kept in {cache_path.name}) ...", file=sys.stderr)
        batches = [missing[i:i + 200] for i in range(0, len(missing), 200)]
        with cf.ProcessPoolExecutor(max_workers=procs) as pool, open(cache_path, "a") as out:
            for batch, found in zip(batches, pool.map(_entity_job, [[(r["title"], r["paragraphs"]) for _k, r in b]
                                                                   for b in batches])):
                for (k, _rec), entities in zip(batch, found):
                    cache[k] = entities
                    out.write(json.dumps({"id": k, "entities": entities}) + "\n")
    return [tuple(Entity(e["text"], e["type"]) for e in cache[k]) for k in keys]


class Sampler:
    """While in use: the peak of the summed resident memory of a process (this one unless given) and every
    process under it, and the peak size of a folder, sampled every half second."""

    def __init__(self, folder: Path, pid: int | None = None) -> None:
        import threading

        self.folder = folder
        self.pid = pid or os.getpid()
        self.peak_rss = 0
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def _sample(self) -> None:
        self.peak_rss = max(self.peak_rss, tree_rss(self.pid))
        self.peak_bytes = max(self.peak_bytes, tree_bytes(self.folder))

    def figures(self) -> dict:
        return {"peak_memory_mb": round(self.peak_rss / 2**20), "peak_disk_mb": round(self.peak_bytes / 2**20)}


def tree_rss(root: int) -> int:
    """Resident bytes of process `root` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(pid, ()))
    return total


def tree_bytes(folder: Path) -> int:
    from indexer.index import IndexFolder

    return IndexFolder(folder).size_bytes()


def write_jsonl(path: Path, docs: Iterator) -> int:
    """The documents as a JSON Lines file, one `Document` a line with the fields `polsearch index` reads."""
    import json

    n = 0
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for n, doc in enumerate(docs, 1):
            fh.write(json.dumps({"id": doc.id, "url": doc.url, "title": doc.title, "body": doc.body,
                                 "date": doc.date, "authors": list(doc.authors), "source": doc.source,
                                 "tags": list(doc.tags), "entities": [e.to_json() for e in doc.entities],
                                 "language": doc.language}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return n


def polsearch(args: list[str], index: Path) -> tuple[dict, dict]:
    """Run `polsearch ARGS --json` as its own process (as a user would), sampling the memory of it and
    its workers and the index folder's size; (its JSON report, the sampled figures)."""
    import json
    import subprocess

    proc = subprocess.Popen([sys.executable, "-m", "search.cli", *args, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    with Sampler(index, proc.pid) as sampler:
        out, _ = proc.communicate()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"polsearch {' '.join(args)} exited with {proc.returncode}")
    return json.loads(out), sampler.figures()


def build_polsearch(index: Path, jsonl: Path, procs: int) -> dict:
    """`polsearch index --index DIR FILE.jsonl` on a new index: JSON Lines import, end to end."""
    existed = index.exists()
    started = time.perf_counter()
    report, sampled = polsearch(["index", "--index", str(index), "--jobs", str(procs), str(jsonl)], index)
    seconds = time.perf_counter() - started
    added = report["added"]
    return {"documents": added + report["updated"] + report["unchanged"], "added": added,
            "seconds": round(seconds, 1), "docs_per_s": round(added / seconds, 1) if added and not existed else None,
            **(sampled if added else {})}


def reindex_polsearch(index: Path, procs: int) -> dict:
    """`polsearch reindex`: the search index rebuilt from the store (the new generation is written
    beside the one in use, which is why the disk peak includes both)."""
    before = tree_bytes(index)
    started = time.perf_counter()
    report, sampled = polsearch(["reindex", "--index", str(index)], index)
    seconds = time.perf_counter() - started
    return {"documents": report["documents"], "seconds": round(seconds, 1),
            "docs_per_s": round(report["documents"] / seconds, 1), **sampled,
            "index_mb_before": round(before / 2**20)}


def add_one_percent(index: Path, texts: "Texts", procs: int) -> dict:
    """1% new documents (a JSON Lines file) added to a copy of the index by `polsearch index` while this
    process searches it the whole time: how long the add takes, and whether every search answered."""
    import threading

    from search.searcher import search

    copy = index.with_name(index.name + "-add")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(index, copy)
    jsonl = index.with_name(index.name + "-add.jsonl")
    count = write_jsonl(jsonl, itertools.islice(texts.documents(start=texts.count), max(1, texts.count // 100)))
    stop = threading.Event()
    answered, failed, totals = [0], [], []

    def searching() -> None:
        while not stop.is_set():
            try:
                totals.append(search(copy, "security", limit=10).total)
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - a failed search is the figure
                failed.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=searching)
    thread.start()
    started = time.perf_counter()
    try:
        report, sampled = polsearch(["index", "--index", str(copy), "--jobs", str(procs), str(jsonl)], copy)
    finally:
        seconds = time.perf_counter() - started
        stop.set()
        thread.join()
        shutil.rmtree(copy, ignore_errors=True)
        jsonl.unlink(missing_ok=True)
    return {"documents": count, "added": report["added"], "seconds": round(seconds, 1),
            "searches_answered": answered[0], "searches_failed": len(failed), "failures": failed[:3],
            "totals_seen": sorted(set(totals)), **sampled}


def build_fts5(path: Path, docs: Callable[[], Iterator]) -> tuple[sqlite3.Connection, dict]:
    """The documents in an FTS5 table, built once per run (its build speed is the figure)."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE docs(rowid INTEGER PRIMARY KEY, date TEXT, title TEXT, body TEXT);
        CREATE INDEX docs_date ON docs(date);
        CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='rowid',
                                                 tokenize='porter unicode61 remove_diacritics 2');
    """)
    started = time.perf_counter()
    n = 0
    with conn:
        for n, doc in enumerate(docs(), 1):
            conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?)", (n, doc.date, doc.title, doc.body))
            conn.execute("INSERT INTO docs_fts(rowid, title, body) VALUES (?, ?, ?)", (n, doc.title, doc.body))
    seconds = time.perf_counter() - started
    return conn, {"documents": n, "seconds": round(seconds, 1), "docs_per_s": round(n / seconds, 1),
                  "bytes": path.stat().st_size}


# -- timing ----------------------------------------------------------------------------------------------
def timed(run: Callable[[str], object], queries: list[str], rounds: int) -> dict:
    for q in queries:
        run(q)  # warm caches, as the second search of a session would be
    times = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            run(q)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 1), "runs": len(times)}


def fts5_search(conn: sqlite3.Connection, polsearch_query: str, fts: str) -> list:
    low, high = FTS_DATES.get(polsearch_query, ("0000", "9999"))
    where = "docs_fts MATCH ? AND docs.date BETWEEN ? AND ?"
    conn.execute(f"SELECT count(*) FROM docs_fts JOIN docs ON docs.rowid = docs_fts.rowid WHERE {where}",
                 (fts, low, high)).fetchone()
    return conn.execute(
        "SELECT docs.rowid, docs.title, snippet(docs_fts, 1, '[', ']', '…', 24) FROM docs_fts "
        f"JOIN docs ON docs.rowid = docs_fts.rowid WHERE {where} ORDER BY bm25(docs_fts, 0.5, 1.0) LIMIT 10",
        (fts, low, high)).fetchall()


def fts5_sorted(conn: sqlite3.Connection, fts: str) -> list:
    conn.execute("SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?", (fts,)).fetchone()
    return conn.execute(
        "SELECT docs.rowid, docs.title, snippet(docs_fts, 1, '[', ']', '…', 24) FROM docs_fts "
        "JOIN docs ON docs.rowid = docs_fts.rowid WHERE docs_fts MATCH ? ORDER BY docs.date DESC LIMIT 10",
        (fts,)).fetchall()


def fts5_facets(conn: sqlite3.Connection, fts: str) -> list:
    """What FTS5 offers for a facet: a GROUP BY over the matches (year here; the same cost per facet)."""
    return conn.execute(
        "SELECT substr(docs.date, 1, 4), count(*) FROM docs_fts JOIN docs ON docs.rowid = docs_fts.rowid "
        "WHERE docs_fts MATCH ? GROUP BY 1", (fts,)).fetchall()


def first_search(index: Path, rounds: int = 5) -> dict:
    """`polsearch search` in a new process, start to finish (imports, opening the index, the query,
    snippets, printing), and the peak memory of a process that runs every query kind. The processes
    may write and read compiled bytecode, as an installed package has it (with
    PYTHONDONTWRITEBYTECODE, set on some machines, every run would compile polsearch's modules anew:
    about 120 ms); the first, which writes it, is not timed."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-m", "search.cli", "search", "--index", str(index), "security"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)  # writes the bytecode
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append((time.perf_counter() - started) * 1000)
    queries = [q for pairs in KINDS.values() for q, _ in pairs]
    # the peak as the kernel keeps it for this process image (VmHWM): ru_maxrss would carry over the
    # high-water mark of the bench process it was forked from
    script = ("import sys\nfrom search.searcher import search\nfrom search.facets import facets\n"
              f"for q in {queries!r}: search({str(index)!r}, q)\n"
              f"for q in {FACET_QUERIES!r}: facets({str(index)!r}, q)\n"
              "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    peak_kb = int(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                                 text=True).stdout.split()[-1])
    return {"first_search_ms": round(statistics.median(times), 1), "search_peak_mb": round(peak_kb / 1024)}


def measure_queries(index: Path, conn: sqlite3.Connection | None, rounds: int) -> dict:
    from search.facets import facets
    from search.searcher import search

    out = {}
    for kind, pairs in KINDS.items():
        ours = [q for q, _ in pairs]
        out[kind] = {"polsearch": timed(lambda q: search(index, q, limit=10), ours, rounds)}
        theirs = [(q, f) for q, f in pairs if f is not None]
        if conn is not None and theirs:
            mapping = dict(theirs)
            out[kind]["fts5"] = timed(lambda q: fts5_search(conn, q, mapping[q]), list(mapping), rounds)
        print(f"  {kind}: {out[kind]}", file=sys.stderr)
    out["sort by date"] = {"polsearch": timed(lambda q: search(index, q, limit=10, sort="-date"),
                                             SORTED_QUERIES, rounds)}
    if conn is not None:
        out["sort by date"]["fts5"] = timed(lambda q: fts5_sorted(conn, q), SORTED_QUERIES, rounds)
    print(f"  sort by date: {out['sort by date']}", file=sys.stderr)
    out["facets"] = {"polsearch": timed(lambda q: facets(index, q), FACET_QUERIES, rounds)}
    if conn is not None:
        out["facets"]["fts5"] = timed(lambda q: fts5_facets(conn, q), ["security", "semiconductor",
                                                                      '"climate change"'], rounds)
    print(f"  facets: {out['facets']}", file=sys.stderr)
    return out


def folder_bytes(path: Path) -> int:
    """The store and the search index in use (not a previous generation kept for searches still open)."""
    from corpus.store.documents import Store

    with Store.open(path, readonly=True) as store:
        generation = store.get_state("index_generation")
    files = [*path.glob("documents.sqlite*"), *(path / "whoosh" / generation).rglob("*")]
    return sum(p.stat().st_size for p in files if p.is_file())


def run_size(args, count: int) -> dict:
    from bench.pages import SOURCES

    source = args.source if args.source == "synthetic" or SOURCES["wh"].exists() else "synthetic"
    OUT.mkdir(exist_ok=True)
    index = OUT / f"scale-index-{source}-{count}"

    print(f"reading the texts and their entities for {count} documents ...", file=sys.stderr)
    texts = Texts(source, count, args.procs)
    docs = texts.documents

    jsonl = OUT / f"scale-{source}-{count}.jsonl"
    if not jsonl.exists():
        print(f"the documents as JSON Lines in {jsonl} ...", file=sys.stderr)
        write_jsonl(jsonl, docs())
    print(f"polsearch index of {count} documents ({source}) in {index} ...", file=sys.stderr)
    figures: dict = {"source": source, "docs": count, "cpus": os.cpu_count(),
                     "polsearch_build": build_polsearch(index, jsonl, args.procs)}
    figures["polsearch_bytes"] = folder_bytes(index)
    conn = None
    if not args.no_fts5:
        print("SQLite FTS5 table of the same documents ...", file=sys.stderr)
        conn, figures["fts5_build"] = build_fts5(OUT / f"scale-fts5-{source}-{count}.sqlite", docs)
    print("queries ...", file=sys.stderr)
    figures["queries"] = measure_queries(index, conn, args.rounds)
    figures["process"] = first_search(index)
    print(f"  {figures['process']}", file=sys.stderr)
    if not args.no_rebuild:
        print("adding 1% new documents while searching ...", file=sys.stderr)
        figures["add_1pct"] = add_one_percent(index, texts, args.procs)
        print(f"  {figures['add_1pct']}", file=sys.stderr)
        print("reindex from the store ...", file=sys.stderr)
        figures["reindex"] = reindex_polsearch(index, args.procs)
        print(f"  {figures['reindex']}", file=sys.stderr)

    print(f"\nqueries on {count} documents ({source}), top 10 with highlighted snippets and the exact "
          f"total, {args.rounds} runs per query")
    print(f"{'query kind':<16}{'polsearch median':>18}{'p95':>9}{'FTS5 median':>14}{'p95':>9}{'ratio':>8}")
    for kind, q in figures["queries"].items():
        ours, theirs = q["polsearch"], q.get("fts5")
        line = f"{kind:<16}{ours['median_ms']:>15} ms{ours['p95_ms']:>6} ms"
        if theirs:
            line += f"{theirs['median_ms']:>11} ms{theirs['p95_ms']:>6} ms" \
                    f"{ours['median_ms'] / max(theirs['median_ms'], 0.01):>7.1f}x"
        print(line)
    build = figures["polsearch_build"]
    if build["docs_per_s"]:
        print(f"\nindex build: polsearch {build['docs_per_s']} docs/s ({args.procs} processes)", end="")
        if conn is not None:
            fts = figures["fts5_build"]
            print(f", FTS5 {fts['docs_per_s']} docs/s (1 process): "
                  f"{fts['docs_per_s'] / build['docs_per_s']:.1f}x", end="")
        print()
    add, again = figures.get("add_1pct"), figures.get("reindex")
    if build["docs_per_s"]:
        print(f"index build: peak memory of all processes {build['peak_memory_mb']} MB, peak disk "
              f"{build['peak_disk_mb']} MB for a final {figures['polsearch_bytes'] / 2**20:.0f} MiB")
    if again:
        print(f"reindex from the store: {again['docs_per_s']} docs/s, peak memory {again['peak_memory_mb']} MB, "
              f"peak disk {again['peak_disk_mb']} MB (the old index of {again['index_mb_before']} MB kept "
              "until the swap)")
    if add:
        full = build["seconds"] if build["docs_per_s"] else (again or {}).get("seconds")
        share = f" = {100 * add['seconds'] / full:.1f}% of the full build" if full else ""
        print(f"adding 1% ({add['documents']} documents): {add['seconds']} s{share}; searches meanwhile: "
              f"{add['searches_answered']} answered, {add['searches_failed']} failed")
    print(f"a first search in a new process: {figures['process']['first_search_ms']} ms; peak memory of a "
          f"process running every query: {figures['process']['search_peak_mb']} MB")
    print(f"index size: polsearch {figures['polsearch_bytes'] / 2**20:.0f} MiB (search index and store)"
          + (f", FTS5 {figures['fts5_build']['bytes'] / 2**20:.0f} MiB" if conn is not None else ""))
    write_figures(figures, f"scale-{source}-{count}.json")
    return figures


def growth(runs: list[dict]) -> dict[str, float]:
    """For each query kind, the exponent k of median time ~ documents^k, fitted (least squares on logs)
    over the sizes measured; 1.0 is linear growth."""
    import math

    out = {}
    for kind in runs[0]["queries"]:
        points = [(math.log(r["docs"]), math.log(max(r["queries"][kind]["polsearch"]["median_ms"], 0.01)))
                  for r in runs]
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        den = sum((x - mx) ** 2 for x, _ in points)
        out[kind] = round(sum((x - mx) * (y - my) for x, y in points) / den, 2) if den else 0.0
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[20000],
                        help="index sizes (documents); with several, the growth of each kind is fitted")
    parser.add_argument("--source", choices=["mixed", "synthetic"], default="mixed",
                        help="mixed: White House and UN texts from ../shared/data")
    parser.add_argument("--procs", type=int, default=2, help="indexing processes")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each query")
    parser.add_argument("--no-fts5", action="store_true", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="skip the 1%% add and the reindex after the queries")
    args = parser.parse_args(argv)
    runs = [run_size(args, count) for count in args.docs]
    if len(runs) > 1:
        exponents = growth(runs)
        largest = runs[-1]
        print(f"\ngrowth of the median time with the collection (exponent k in time ~ documents^k, "
              f"fitted over {', '.join(str(r['docs']) for r in runs)}), and the median projected to 1,000,000:")
        for kind, k in exponents.items():
            projected = largest["queries"][kind]["polsearch"]["median_ms"] * (1_000_000 / largest["docs"]) ** k
            print(f"  {kind:<18} k = {k:4.2f}   ~{projected:,.0f} ms at 1,000,000")
        write_figures({"sizes": args.docs, "exponents": exponents}, "scale-growth.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ranking quality on a standard test collection: `python -m bench.ranking [--sweep]`.

BEIR SciFact (`../shared/data/beir-scifact`: 5,183 abstracts, claims as queries, relevance judgements
for the train queries) is indexed through polsearch's own store and indexer (title -> title, abstract
-> body), and every train query runs through `search.searcher.search()`, the code path of
`polsearch search`, with `match="any"` (the claims are plain-language sentences) and, for information,
`match="all"`. Measured as BEIR measures (pytrec_eval / trec_eval `-c`): nDCG@10 with the judgements'
grades as gains, a log2 discount and the ideal ranking from the judgements; recall@100; the median
query time of a default search (10 hits with snippets). Prints a table and writes
`bench/out/ranking-scifact.json`.

`--sweep` scores the BM25F parameters of `search/ranking.py` (K1, B per field, title boost) on the
TRAIN queries only, one at a time around the defaults and on a small grid, and writes
`bench/out/ranking-sweep.json`. Published BM25 on the 300 test queries: 0.665 (BEIR, Elasticsearch),
0.679 (Anserini, one field, k1=0.9 b=0.4); the test judgements are not in the shared data.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import re
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
DATA = HERE.parent.parent / "shared" / "data" / "beir-scifact"
PUBLISHED = {"BEIR BM25 (Elasticsearch)": 0.665, "Anserini BM25 flat": 0.6789, "Anserini BM25 multifield": 0.6647}


# -- the collection --------------------------------------------------------------------------------------
@dataclass
class Collection:
    documents: list[dict]  # {"_id", "title", "text"}
    queries: dict[str, dict[str, str]]  # split -> {query id: text}
    qrels: dict[str, dict[str, dict[str, int]]]  # split -> {query id: {corpus id: grade}}


def load(data: Path) -> Collection:
    with gzip.open(data / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        documents = [json.loads(line) for line in f if line.strip()]
    queries: dict[str, dict[str, str]] = {}
    qrels: dict[str, dict[str, dict[str, int]]] = {}
    for split in ("train", "test", "dev"):
        path = data / f"queries.{split}.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as f:
                queries[split] = {q["_id"]: q["text"] for q in map(json.loads, f) if q.get("text")}
        path = data / f"qrels.{split}.tsv"
        if path.exists():
            judged: dict[str, dict[str, int]] = {}
            with path.open(encoding="utf-8") as f:
                next(f)  # header
                for line in f:
                    qid, did, grade = line.rstrip("\n").split("\t")
                    judged.setdefault(qid, {})[did] = int(grade)
            qrels[split] = judged
    return Collection(documents, queries, qrels)


def doc_url(beir_id: str) -> str:
    return f"beir:scifact/{beir_id}"


def to_documents(documents: list[dict]) -> Iterator:
    from corpus.document import Document, make_id

    for d in documents:
        url = doc_url(d["_id"])
        yield Document(id=make_id(url), url=url, title=d["title"].strip(), body=d["text"].strip(),
                       source="SciFact", language="en")


def build_index(index: Path, collection: Collection, rebuild: bool) -> dict:
    """The collection in a polsearch index folder at `index`, kept between runs: a second run finds
    every document unchanged and writes nothing (unless the index schema changed)."""
    import shutil

    from indexer.ingest import ingest_documents

    if rebuild:
        shutil.rmtree(index, ignore_errors=True)
    report = ingest_documents(index, to_documents(collection.documents))
    return {"documents": report.added + report.updated + report.unchanged, "added": report.added,
            "indexed": report.indexed, "seconds": round(report.seconds, 1)}


def id_map(documents: list[dict]) -> dict[str, str]:
    from corpus.document import make_id

    return {make_id(doc_url(d["_id"])): d["_id"] for d in documents}


# -- measures (as pytrec_eval / trec_eval -c) --------------------------------------------------------------
def trec_order(ranked: list[tuple[str, float]]) -> list[str]:
    """trec_eval's order: score descending, ties by document id descending."""
    return [d for d, _ in sorted(ranked, key=lambda x: (-x[1], _neg(x[0])))]


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in text)


def ndcg(ranking: list[str], judged: dict[str, int], k: int = 10) -> float:
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranking: list[str], judged: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant.intersection(ranking[:k])) / len(relevant) if relevant else 0.0


def score_run(run: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]]) -> dict:
    """Mean nDCG@10 and recall@100 over every judged query (a query with no hits counts 0, as `-c`)."""
    ndcgs, recalls = [], []
    for qid, judged in qrels.items():
        ranking = trec_order(run.get(qid, []))
        ndcgs.append(ndcg(ranking, judged))
        recalls.append(recall(ranking, judged))
    return {"ndcg@10": round(statistics.fmean(ndcgs), 4), "recall@100": round(statistics.fmean(recalls), 4),
            "queries": len(ndcgs)}


# -- running queries ---------------------------------------------------------------------------------------
@contextmanager
def parameters(**values: float) -> Iterator[None]:
    """Set `search.ranking`'s parameters (K1, B, TITLE_B, BODY_B, TITLE_BOOST) for the duration."""
    from search import ranking

    saved = {name: getattr(ranking, name) for name in values}
    try:
        for name, value in values.items():
            setattr(ranking, name, value)
        yield
    finally:
        for name, value in saved.items():
            setattr(ranking, name, value)


def plain_query(text: str) -> str:
    """A claim as a researcher would type it as a question: its words, without the characters that
    are query syntax (parentheses, quotes, colons, a leading minus, a lone full stop) and with capital
    AND/OR/NOT lowercased, so that they are words. The analyzer finds the same words in the raw claim."""
    from indexer.analysis import WORD_PATTERN

    words = re.findall(WORD_PATTERN, text)
    return " ".join(w.lower() if w in ("AND", "OR", "NOT", "NEAR") else w for w in words)


def run_search(index: Path, queries: dict[str, str], ids: dict[str, str], match: str,
               limit: int = 100) -> tuple[dict[str, list[tuple[str, float]]], list[float]]:
    """Every query through `search()` (the `polsearch search` path): ranked (corpus id, score) and the
    milliseconds each took."""
    from search.searcher import search

    run: dict[str, list[tuple[str, float]]] = {}
    times = []
    for qid, text in queries.items():
        started = time.perf_counter()
        results = search(index, plain_query(text), limit=limit, match=match)
        times.append((time.perf_counter() - started) * 1000)
        run[qid] = [(ids[h.doc.id], h.score) for h in results.hits]
    return run, times


def run_fast(index: Path, queries: dict[str, str], ids: dict[str, str], match: str,
             limit: int = 100) -> dict[str, list[tuple[str, float]]]:
    """The same ranking as `search()` without snippets and store reads, on one open searcher (for the
    sweep): `Query.parse` and `execute` under `ranking.weighting()`."""
    from indexer.index import IndexFolder, open_reader
    from search import ranking
    from search.searcher import Query, execute

    run = {}
    with open_reader(IndexFolder(index), ranking.weighting()) as reader:
        for qid, text in queries.items():
            found = execute(reader, Query.parse(plain_query(text), match=match), limit=limit)
            run[qid] = [(ids[d], s) for d, s in found.ranked]
    return run


def timed_default_searches(index: Path, queries: dict[str, str], match: str, n: int = 200) -> dict:
    """Median and p95 milliseconds of a default search (10 hits, snippets) over the first `n` queries."""
    from search.searcher import search

    texts = [plain_query(t) for t in list(queries.values())[:n]]
    search(index, texts[0], match=match)  # warm the caches, as a second search in a session would be
    times = []
    for text in texts:
        started = time.perf_counter()
        search(index, text, match=match)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * len(times))], 1),
            "timed_queries": len(times)}


# -- the sweep ---------------------------------------------------------------------------------------------
class Replica:
    """The scores `search()` gives a `match="any"` query of plain words, recomputed with numpy from the
    index's own postings and field lengths, so that a parameter setting costs a second instead of
    minutes. `check()` compares it with `search()`'s ranking and scores."""

    def __init__(self, index: Path, queries: dict[str, str], ids: dict[str, str]) -> None:
        import numpy as np

        from indexer.index import IndexFolder, open_reader
        from search.query.compile import analyse

        self.np = np
        self.queries = queries
        with open_reader(IndexFolder(index)) as reader:
            searcher = reader.searcher
            r = searcher.reader()
            self.n_docs = searcher.doc_count_all()
            self.doc_ids = [None] * self.n_docs
            for docnum, stored in r.iter_docs():
                self.doc_ids[docnum] = ids[stored["id"]]
            self.fields = ("title", "body")
            self.lengths = {f: np.array([r.doc_field_length(d, f, 0) for d in range(self.n_docs)], dtype=float)
                            for f in self.fields}
            self.avg = {f: searcher.avg_field_length(f) or 1.0 for f in self.fields}
            self.postings: dict[tuple[str, str], tuple] = {}
            self.query_terms: dict[str, list[str]] = {}
            for qid, text in queries.items():
                terms = []
                for word in plain_query(text).split():
                    found = analyse(word, "body")
                    if len(found) == 1:
                        terms.append(found[0])
                self.query_terms[qid] = terms
                for term in terms:
                    for f in self.fields:
                        if (f, term) not in self.postings and (f, term) in r:
                            m = r.postings(f, term)
                            docs, tfs = [], []
                            while m.is_active():
                                docs.append(m.id())
                                tfs.append(m.weight())
                                m.next()
                            self.postings[f, term] = (np.array(docs), np.array(tfs, dtype=float))

    def run(self, k1: float, b: dict[str, float], boost: dict[str, float], idf: str,
            limit: int = 100) -> dict[str, list[tuple[str, float]]]:
        np = self.np
        run = {}
        for qid, terms in self.query_terms.items():
            scores = np.zeros(self.n_docs)
            for term in terms:
                for f in self.fields:
                    got = self.postings.get((f, term))
                    if got is None:
                        continue
                    docs, tf = got
                    n = len(docs)
                    weight = (math.log(1 + (self.n_docs - n + 0.5) / (n + 0.5)) if idf == "bm25"
                              else math.log(self.n_docs / (n + 1)) + 1)
                    norm = k1 * ((1 - b[f]) + b[f] * self.lengths[f][docs] / self.avg[f])
                    scores[docs] += boost[f] * weight * tf * (k1 + 1) / (tf + norm)
            top = np.argsort(-scores, kind="stable")[:limit]
            run[qid] = [(self.doc_ids[d], float(scores[d])) for d in top if scores[d] > 0]
        return run

    def run_current(self) -> dict[str, list[tuple[str, float]]]:
        from search import ranking

        return self.run(ranking.K1, {"title": ranking.TITLE_B, "body": ranking.BODY_B},
                        {"title": ranking.TITLE_BOOST, "body": 1.0}, ranking.IDF)


def check_replica(replica: Replica, real: dict[str, list[tuple[str, float]]]) -> dict:
    """How far the replica is from `search()`: the largest score difference, and the queries whose top
    10 differ (ties aside)."""
    mine = replica.run_current()
    worst, differ = 0.0, 0
    for qid, hits in real.items():
        theirs = dict(mine.get(qid, []))
        for doc, score in hits[:10]:
            worst = max(worst, abs(theirs.get(doc, 0.0) - score))
        if trec_order(hits)[:10] != trec_order(mine.get(qid, []))[:10]:
            differ += 1
    return {"max_score_difference": worst, "queries_top10_differ": differ}


SWEEP = {
    "K1": [0.6, 0.9, 1.2, 1.5, 2.0],
    "TITLE_B": [0.0, 0.3, 0.5, 0.75, 0.9, 1.0],
    "BODY_B": [0.0, 0.3, 0.5, 0.75, 0.9, 1.0],
    "TITLE_BOOST": [0.25, 0.4, 0.5, 0.6, 0.75, 1.0, 1.5, 2.0, 3.0],
    "IDF": ["bm25", "whoosh"],
}


def sweep(replica: Replica, qrels: dict[str, dict[str, int]]) -> dict:
    """nDCG@10 on the train queries: each parameter varied alone around the defaults (the sensitivity),
    a grid over K1 x title boost x body B, and the defaults and the grid's best on the odd and even
    halves of the queries (does the choice hold on either half?)."""
    from search import ranking

    defaults = {"K1": ranking.K1, "TITLE_B": ranking.TITLE_B, "BODY_B": ranking.BODY_B,
                "TITLE_BOOST": ranking.TITLE_BOOST, "IDF": ranking.IDF}

    def measure(p: dict, judged: dict = qrels) -> dict:
        run = replica.run(p["K1"], {"title": p["TITLE_B"], "body": p["BODY_B"]},
                          {"title": p["TITLE_BOOST"], "body": 1.0}, p["IDF"])
        return score_run(run, judged)

    out: dict = {"defaults": {**defaults, **measure(defaults)}, "one_at_a_time": {}, "grid": []}
    for name, values in SWEEP.items():
        out["one_at_a_time"][name] = [{"value": v, **measure({**defaults, name: v})} for v in values]
        print(f"  {name:12} " + "  ".join(f"{r['value']}: {r['ndcg@10']:.4f}" for r in out["one_at_a_time"][name]),
              file=sys.stderr)
    for k1, boost, body_b in itertools.product([0.9, 1.2, 1.5], [0.4, 0.5, 0.75, 1.0], [0.5, 0.75, 0.9]):
        p = {**defaults, "K1": k1, "TITLE_BOOST": boost, "BODY_B": body_b}
        out["grid"].append({"K1": k1, "TITLE_BOOST": boost, "BODY_B": body_b, **measure(p)})
    best = max(out["grid"], key=lambda r: r["ndcg@10"])
    out["best_of_grid"] = best
    ids = sorted(qrels, key=int)
    halves = {"odd": {q: qrels[q] for q in ids[1::2]}, "even": {q: qrels[q] for q in ids[0::2]}}
    out["halves"] = {}
    for label, p in (("defaults", defaults), ("best_of_grid", {**defaults, **{k: best[k] for k in
                                                                           ("K1", "TITLE_BOOST", "BODY_B")}}),
                     ("whoosh_defaults", {"K1": 1.2, "TITLE_B": 0.75, "BODY_B": 0.75, "TITLE_BOOST": 2.0,
                                          "IDF": "whoosh"})):
        out["halves"][label] = {h: measure(p, judged)["ndcg@10"] for h, judged in halves.items()}
    return out


def query_variants(replica: Replica, qrels: dict[str, dict[str, int]]) -> dict:
    """What the analyzer and stop-word handling are worth, at the default parameters: query words
    counted once; stop words (Lucene's English list) dropped from the query; words in more than half of
    the documents dropped (what a faster `--match any` could do)."""
    saved = dict(replica.query_terms)
    stop = set("a an and are as at be but by for if in into is it no not of on or such that the their then "
               "there these they this to was will with".split())
    frequent = {t for (f, t), (docs, _) in replica.postings.items() if f == "body" and len(docs) > replica.n_docs / 2}
    variants = {"as searched": saved,
                "each word once": {q: list(dict.fromkeys(ts)) for q, ts in saved.items()},
                "no stop words": {q: [t for t in ts if t not in stop] for q, ts in saved.items()},
                "no words in > 50% of documents": {q: [t for t in ts if t not in frequent] for q, ts in saved.items()}}
    out = {}
    try:
        for label, terms in variants.items():
            replica.query_terms = terms
            out[label] = score_run(replica.run_current(), qrels)["ndcg@10"]
    finally:
        replica.query_terms = saved
    out["words in > 50% of documents"] = sorted(frequent)
    return out


# -- main ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ranking", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the BEIR SciFact folder")
    parser.add_argument("--index", type=Path, default=OUT / "index-scifact", help="where to build the index")
    parser.add_argument("--rebuild", action="store_true", help="build the index again from the collection")
    parser.add_argument("--sweep", action="store_true", help="also sweep the ranking parameters (train)")
    parser.add_argument("--quick", action="store_true", help="measure nDCG only (no full searches, no timing)")
    args = parser.parse_args(argv)
    if not (args.data / "corpus.jsonl.gz").exists():
        print(f"no BEIR SciFact collection in {args.data}", file=sys.stderr)
        return 1
    from search import ranking

    collection = load(args.data)
    OUT.mkdir(parents=True, exist_ok=True)
    built = build_index(args.index, collection, args.rebuild)
    print(f"Index {args.index}: {built['documents']} documents, {built['added']} added, {built['indexed']} "
          f"indexed in {built['seconds']} s", file=sys.stderr)
    ids = id_map(collection.documents)
    params = {"K1": ranking.K1, "TITLE_B": ranking.TITLE_B, "BODY_B": ranking.BODY_B,
              "TITLE_BOOST": ranking.TITLE_BOOST, "IDF": ranking.IDF}
    results: dict = {"collection": "BEIR SciFact", "documents": built["documents"], "parameters": params,
                     "published_test": PUBLISHED, "runs": []}
    splits = [s for s in ("train", "test") if s in collection.qrels]
    for split in splits:
        for match in ("any", "all"):
            print(f"running the {split} queries, --match {match} ...", file=sys.stderr)
            if args.quick:
                run, timing = run_fast(args.index, collection.queries[split], ids, match), {}
            else:
                run, _ = run_search(args.index, collection.queries[split], ids, match)
                timing = timed_default_searches(args.index, collection.queries[split], match)
            results["runs"].append({"split": split, "match": match, **score_run(run, collection.qrels[split]),
                                    **timing})
    print()
    print(f"polsearch on BEIR SciFact ({built['documents']} documents); K1={params['K1']} "
          f"B title/body={params['TITLE_B']}/{params['BODY_B']} title boost={params['TITLE_BOOST']} "
          f"idf={params['IDF']}")
    print(f"{'queries':<8} {'match':<6} {'n':>4} {'nDCG@10':>8} {'R@100':>7} {'median ms':>10} {'p95 ms':>7}")
    for r in results["runs"]:
        print(f"{r['split']:<8} {r['match']:<6} {r['queries']:>4} {r['ndcg@10']:>8.4f} {r['recall@100']:>7.4f} "
              f"{r.get('median_ms', float('nan')):>10.1f} {r.get('p95_ms', float('nan')):>7.1f}")
    print("published BM25, test queries: " + ", ".join(f"{k} {v}" for k, v in PUBLISHED.items()))
    if "test" not in collection.qrels:
        print("(no test judgements in the data: test queries not scored)")
    if args.sweep:
        print("\nsweep (train queries, nDCG@10, recomputed from the index's postings):", file=sys.stderr)
        qrels = collection.qrels["train"]
        replica = Replica(args.index, collection.queries["train"], ids)
        real = run_fast(args.index, dict(list(collection.queries["train"].items())[:100]), ids, "any")
        results["replica_check"] = check_replica(replica, real)
        results["sweep"] = sweep(replica, qrels)
        results["query_variants"] = query_variants(replica, qrels)
        best = results["sweep"]["best_of_grid"]
        print(f"replica vs search(), first 100 queries: {results['replica_check']}")
        print(f"sweep: defaults {results['sweep']['defaults']['ndcg@10']}; best of grid {best['ndcg@10']} with "
              f"K1={best['K1']} title boost={best['TITLE_BOOST']} body B={best['BODY_B']}")
        for label, halves in results["sweep"]["halves"].items():
            print(f"  halves {label:16} odd {halves['odd']:.4f}  even {halves['even']:.4f}")
        for label, value in results["query_variants"].items():
            if isinstance(value, float):
                print(f"  query variant {label:32} {value:.4f}")
    (OUT / "ranking-scifact.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

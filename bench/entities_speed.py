"""How fast is `corpus.extract.entities.find_entities`? Prints milliseconds per 1,000-word document.

Run from the repository: `python bench/entities_speed.py [--docs N] [--words N]`. The documents are
assembled from the paragraphs of `tests/test_entities.py` in a seeded random order, so every run reads the
same text. Reports the one-off costs too: importing the module and loading its data on first use.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _test_paragraphs() -> list[str]:
    path = os.path.join(ROOT, "tests", "test_entities.py")
    spec = importlib.util.spec_from_file_location("_entity_test_paragraphs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.ALL_PARAGRAPHS)


def _documents(paragraphs: list[str], count: int, words: int, seed: int) -> list[tuple[str, list[str]]]:
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        body: list[str] = []
        n = 0
        while n < words:
            p = rng.choice(paragraphs)
            body.append(p)
            n += len(p.split())
        title = " ".join(rng.choice(paragraphs).split()[:9])
        docs.append((title, body))
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300, help="documents to time (default 300)")
    parser.add_argument("--words", type=int, default=1000, help="words per document (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the documents (default 5)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    from corpus.extract import entities
    from corpus.extract.entities import lexicon

    t1 = time.perf_counter()
    lexicon.load_lexicon()
    t2 = time.perf_counter()
    docs = _documents(_test_paragraphs(), args.docs, args.words, seed=1)
    words = sum(len(t.split()) + sum(len(p.split()) for p in body) for t, body in docs)
    for title, body in docs[:20]:  # warm-up
        entities.find_entities(title, body)
    rounds = []
    found = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        for title, body in docs:
            found += len(entities.find_entities(title, body))
        rounds.append(time.perf_counter() - start)
    per_doc_ms = statistics.median(rounds) / len(docs) * 1000
    per_1000_words_ms = statistics.median(rounds) / words * 1000 * 1000
    best_1000_words_ms = min(rounds) / words * 1000 * 1000
    print(f"import corpus.extract.entities: {(t1 - t0) * 1000:.1f} ms (first import in this process)")
    print(f"load data on first use: {(t2 - t1) * 1000:.1f} ms")
    print(f"{len(docs)} documents, {words / len(docs):.0f} words each, "
          f"{found / args.rounds / len(docs):.1f} entities each")
    print(f"median of {args.rounds} rounds: {per_doc_ms:.2f} ms per document, "
          f"{per_1000_words_ms:.2f} ms per 1,000 words (best round: {best_1000_words_ms:.2f})")


if __name__ == "__main__":
    main()

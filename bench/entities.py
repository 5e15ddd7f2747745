"""Entity figures: `python -m bench.entities`.

Scores `find_entities` (the rules with the shipped CRF) and the rules alone on the open data's held-out
split (Re-DocRED test, never trained on) and on the cross-corpus sets (`bench/ner_data.py`), as each
document's set of names: untyped (the name) and typed (name and type), people, organisations and places
(MISC left out of truth and answers alike). Then the speed in words per second on one core, beside the
rules recogniser's.
"""

from __future__ import annotations

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.ner_data import CROSS, HELDOUT, names, read_docs  # noqa: E402

_KEEP = {"PER", "ORG", "LOC"}


def _prf(tp: int, np_: int, nt: int) -> tuple[float, float, float]:
    p = tp / np_ if np_ else 0.0
    r = tp / nt if nt else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(docs, recognise) -> dict[str, tuple[float, float, float]]:
    return {k: _prf(*v) for k, v in counts(docs, recognise).items()}


def prf(c: list[int]) -> tuple[float, float, float]:
    """Precision, recall and F1 of [right, answered, in the truth] counts."""
    return _prf(*c)


def counts(docs, recognise) -> dict[str, list[int]]:
    """[right, answered, in the truth] name counts over `docs`, untyped and typed."""
    counts = {"untyped": [0, 0, 0], "typed": [0, 0, 0]}
    for doc in docs:
        truth = {n for s in doc for n in names(s) if n[1] in _KEEP}
        paragraphs = [" ".join(t for t, _ in s) for s in doc]
        got = {(e.text, e.type) for e in recognise("", paragraphs) if e.type in _KEEP}
        for kind, t, g in (("typed", truth, got),
                           ("untyped", {n for n, _ in truth}, {n for n, _ in got})):
            c = counts[kind]
            c[0] += len(t & g)
            c[1] += len(g)
            c[2] += len(t)
    return counts


def _rules_only(title, paragraphs):
    from corpus.extract import entities
    from corpus.extract.entities import crf

    saved = crf.model_available
    crf.model_available = lambda: False
    try:
        return entities.find_entities(title, paragraphs)
    finally:
        crf.model_available = saved


def _speed(docs, recognise) -> float:
    words = sum(len(s) for d in docs for s in d)
    texts = [[" ".join(t for t, _ in s) for s in d] for d in docs]
    recognise("", texts[0])  # loading is a one-off cost, outside the figure
    t0 = time.process_time()
    for paragraphs in texts:
        recognise("", paragraphs)
    return words / (time.process_time() - t0)


def main(argv: list[str] | None = None) -> int:
    from corpus.extract.entities import find_entities

    sets = [HELDOUT] + CROSS
    for rel, licence in sets:
        docs = read_docs(rel)
        label = "held out" if (rel, licence) == HELDOUT else "cross-corpus"
        print(f"{label}: {rel} ({len(docs)} documents, {sum(len(s) for d in docs for s in d)} tokens)")
        for name, fn in (("crf+rules", find_entities), ("rules", _rules_only)):
            r = score(docs, fn)
            print(f"  {name:9s}  untyped P {r['untyped'][0]:.3f} R {r['untyped'][1]:.3f} F1 {r['untyped'][2]:.3f}"
                  f"   typed P {r['typed'][0]:.3f} R {r['typed'][1]:.3f} F1 {r['typed'][2]:.3f}")
    docs = read_docs(HELDOUT[0])
    new, old = _speed(docs, find_entities), _speed(docs, _rules_only)
    print(f"speed (one core, CPU time, held-out set): crf+rules {new:,.0f} words/s, rules {old:,.0f} words/s "
          f"(ratio {new / old:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

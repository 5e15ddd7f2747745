"""Train the entity CRF and write it into package data: `make train-entities`.

1. Writes the open gazetteers' names (`bench/gazetteers.py`) to `corpus/data/entities_gazetteer.txt` and
   the word clusters learnt from unlabelled policy prose (`bench/clusters.py`) to
   `corpus/data/entities_clusters.txt`: both are features.
2. Tunes on a development split carved out of the training data (the last `DEV_DOCS` documents of
   Re-DocRED dev), never on the held-out set: a model is trained without them for each L1/L2 setting in
   `GRID`, and each is scored with each span threshold in `MARGINS` (a span is kept when every one of its
   tags has at least that marginal probability), each stricter threshold for one-word spans in
   `SINGLE_EXTRA`, and each floor in `CONFIRM` at which the CRF must also find a name the rules typed only
   by a context cue (None: no check). The setting with the best untyped F1 among those with precision >=
   `MIN_PRECISION` wins (the best F1 if none reaches it).
3. Trains the shipped model on all the training data with that setting (the corpus order is fixed and
   shuffled with seed 15, so a run gives the same model), writes `corpus/data/entities.crfsuite` and the
   chosen thresholds to `corpus/data/entities_settings.json`, and prints the held-out scores
   (`bench/entities.py`), which no choice looked at.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.ner_data import TRAIN, read_docs  # noqa: E402

SEED = 15
BASE = {"max_iterations": 150, "feature.possible_transitions": True}
GRID = [{"c1": 0.05, "c2": 0.01}, {"c1": 0.1, "c2": 0.05}, {"c1": 0.02, "c2": 0.005}]
MARGINS = (0.5, 0.6, 0.7, 0.8)
SINGLE_EXTRA = (0.0, 0.1, 0.2)
CONFIRM = (None, 0.5)
MIN_PRECISION = 0.85
DEV_DOCS = 100
SETTINGS = os.path.join(ROOT, "corpus", "data", "entities_settings.json")


def _train(sents, params: dict, out: str) -> float:
    import pycrfsuite

    from corpus.extract.entities.crf import token_features

    trainer = pycrfsuite.Trainer(verbose=False)
    for s in sents:
        trainer.append(token_features([t for t, _ in s]), [g for _, g in s])
    trainer.set_params({**BASE, **params})
    t0 = time.perf_counter()
    trainer.train(out)
    return time.perf_counter() - t0


def _use(model: str) -> None:
    """Make the recogniser load `model` from now on (it caches its tagger per process)."""
    import shutil

    from corpus.extract.entities import crf

    shutil.copyfile(model, os.path.join(ROOT, "corpus", "data", crf.MODEL_NAME))
    crf._tagger.cache_clear()


def _apply(chosen: dict) -> None:
    from corpus.extract.entities import crf

    crf.MIN_MARGINAL = chosen["min_marginal"]
    crf.MIN_MARGINAL_SINGLE = chosen["min_marginal_single"]
    crf.CONFIRM_CUES = chosen["confirm_cues"]


def main() -> int:
    from bench import clusters, entities, gazetteers
    from corpus.extract import entities as recogniser
    from corpus.extract.entities import crf

    print(f"gazetteer features: {gazetteers.write()} names from the open gazetteers written to "
          f"{os.path.relpath(gazetteers.TARGET, ROOT)}")
    crf.gazetteer.cache_clear()
    print(f"cluster features: {clusters.write()} words clustered from unlabelled text into "
          f"{os.path.relpath(clusters.TARGET, ROOT)}")
    crf.clusters.cache_clear()
    train_sents, dev_docs = [], []
    for rel, licence in TRAIN:
        docs = read_docs(rel)
        if rel.startswith("redocred/"):
            docs, dev = docs[:-DEV_DOCS], docs[-DEV_DOCS:]
            dev_docs.extend(dev)
        n = [s for d in docs for s in d]
        print(f"train: {rel}  {len(docs)} documents, {len(n)} sentences, {sum(map(len, n))} tokens  [{licence}]")
        train_sents.extend(n)
    dev_sents = [s for d in dev_docs for s in d]
    print(f"development split (tuning only): the last {DEV_DOCS} Re-DocRED dev documents, {len(dev_sents)} sentences")
    rng = random.Random(SEED)
    rng.shuffle(train_sents)
    tmp = os.path.join(ROOT, "bench", "out", "entities-tuning.crfsuite")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    best = None
    for params in GRID:
        seconds = _train(train_sents, params, tmp)
        _use(tmp)
        print(f"  {params}: trained in {seconds:.0f} s")
        for margin in MARGINS:
            for extra in SINGLE_EXTRA:
                for confirm in CONFIRM:
                    chosen = {"min_marginal": margin, "min_marginal_single": round(margin + extra, 2),
                              "confirm_cues": confirm}
                    _apply(chosen)
                    r = entities.score(dev_docs, recogniser.find_entities)["untyped"]
                    print(f"    {chosen}: dev untyped P {r[0]:.3f} R {r[1]:.3f} F1 {r[2]:.3f}")
                    key = (r[0] >= MIN_PRECISION, round(r[2], 4))
                    if best is None or key > best[0]:
                        best = (key, params, chosen, r)
    _key, params, chosen, r = best
    print(f"chosen on the development split: {params}, {chosen} (dev untyped P {r[0]:.3f} R {r[1]:.3f} "
          f"F1 {r[2]:.3f})")
    everything = train_sents + dev_sents
    random.Random(SEED).shuffle(everything)
    out = os.path.join(ROOT, "corpus", "data", crf.MODEL_NAME)
    seconds = _train(everything, params, out)
    os.remove(tmp)
    with open(SETTINGS, "w", encoding="utf-8") as fh:
        json.dump({**chosen, "params": {**BASE, **params}, "seed": SEED,
                   "dev": {"P": round(r[0], 3), "R": round(r[1], 3), "F1": round(r[2], 3)}}, fh, indent=1)
        fh.write("\n")
    crf._tagger.cache_clear()
    _apply(chosen)
    print(f"trained {len(everything)} sentences with {params} in {seconds:.0f} s; wrote "
          f"{os.path.relpath(out, ROOT)} ({os.path.getsize(out) / 1e6:.1f} MB) and {os.path.relpath(SETTINGS, ROOT)}")
    return entities.main([])


if __name__ == "__main__":
    sys.exit(main())

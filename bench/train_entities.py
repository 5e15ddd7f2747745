"""Train the entity CRF and write it into package data: `make train-entities`.

1. Writes the open gazetteers' names (`bench/gazetteers.py`) to `corpus/data/entities_gazetteer.txt` and
   the word clusters learnt from unlabelled policy prose (`bench/clusters.py`) to
   `corpus/data/entities_clusters.txt`: both are features.
2. Tunes by `FOLDS`-fold cross-validation over the Re-DocRED dev documents (contiguous blocks of
   documents; CrossNER is always trained on), never on the held-out set: for each L1/L2 setting in
   `GRID`, a model is trained without each block and the block is tagged once; each combination of the
   span floor in `MARGINS` (a span is kept when every one of its tags has at least that marginal
   probability), the stricter floor for one-word spans in `SINGLE_EXTRA`, the floor in `CONFIRM` at
   which the CRF must also find a name the rules typed only by a context cue (None: no check) and the
   floor in `WHOLE` at which a longer name the CRF finds replaces a rules' name that is only ever a
   piece of it ("Wales" in "New South Wales"; None: never) and the confidence in `SENTENCE_START` a
   one-word name no gazetteer knows needs at the start of a sentence (None: never kept) is scored on
   every block, and the counts are pooled. The setting with the best pooled untyped F1 among those with precision >=
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
WHOLE = (None, 0.5, 0.8)
SENTENCE_START = (None, 0.9, 0.7, 0.0)
MIN_PRECISION = 0.85
FOLDS = 5
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
    """Make the recogniser tag with `model` from now on, instead of the shipped one (package data is
    only written once, by the final model)."""
    from functools import lru_cache

    from corpus.extract.entities import crf

    crf._tagger = lru_cache(maxsize=1)(lambda: crf.open_tagger(model))


def _apply(chosen: dict) -> None:
    from corpus.extract.entities import crf

    crf.MIN_MARGINAL = chosen["min_marginal"]
    crf.MIN_MARGINAL_SINGLE = chosen["min_marginal_single"]
    crf.CONFIRM_CUES = chosen["confirm_cues"]
    crf.WHOLE_NAMES = chosen["whole_names"]
    crf.SENTENCE_START = chosen["sentence_start"]


class _TaggedOnce:
    """`crf.tag_paragraphs` with each document tagged once per model (at floor 0, filtered after), and
    the rules' pass (which no setting changes) run once per document: the grid of settings then costs
    the combining of the two only."""

    def __init__(self) -> None:
        from corpus.extract import entities
        from corpus.extract.entities import crf

        self.crf, self.original, self.seen = crf, crf.tag_paragraphs, {}
        self.entities, self.rules, self.ruled = entities, entities.rules_pass, {}

    def _rules_pass(self, title, paragraphs):
        key = (title, tuple(paragraphs))
        if key not in self.ruled:
            self.ruled[key] = self.rules(title, paragraphs)
        return self.ruled[key]

    def __call__(self, texts, min_marginal=None):
        floor = self.crf.MIN_MARGINAL if min_marginal is None else min_marginal
        key = tuple(texts)
        if key not in self.seen:
            self.seen[key] = self.original(texts, 0.0)
        return [t for t in self.seen[key] if t[4] >= floor]

    def __enter__(self):
        self.crf.tag_paragraphs = self
        self.entities.rules_pass = self._rules_pass
        return self

    def __exit__(self, *exc) -> None:
        self.crf.tag_paragraphs = self.original
        self.entities.rules_pass = self.rules


def _settings_grid():
    for margin in MARGINS:
        for extra in SINGLE_EXTRA:
            for confirm in CONFIRM:
                for whole in WHOLE:
                    for start in SENTENCE_START:
                        yield {"min_marginal": margin, "min_marginal_single": round(margin + extra, 2),
                               "confirm_cues": confirm, "whole_names": whole, "sentence_start": start}


def main() -> int:
    from bench import clusters, entities, gazetteers
    from corpus.extract import entities as recogniser
    from corpus.extract.entities import crf

    shipped = crf._tagger  # the shipped model's loader, back in place once the final model is written

    print(f"gazetteer features: {gazetteers.write()} names from the open gazetteers written to "
          f"{os.path.relpath(gazetteers.TARGET, ROOT)}")
    crf.gazetteer.cache_clear()
    print(f"cluster features: {clusters.write()} words clustered from unlabelled text into "
          f"{os.path.relpath(clusters.TARGET, ROOT)}")
    crf.clusters.cache_clear()
    always, folded = [], []
    for rel, licence in TRAIN:
        docs = read_docs(rel)
        n = [s for d in docs for s in d]
        print(f"train: {rel}  {len(docs)} documents, {len(n)} sentences, {sum(map(len, n))} tokens  [{licence}]")
        if rel.startswith("redocred/"):
            folded.extend(docs)
        else:
            always.extend(n)
    blocks = [folded[k * len(folded) // FOLDS:(k + 1) * len(folded) // FOLDS] for k in range(FOLDS)]
    print(f"tuning: {FOLDS}-fold cross-validation over the {len(folded)} Re-DocRED dev documents "
          f"(blocks of {', '.join(str(len(b)) for b in blocks)}), CrossNER always trained on")
    tmp = os.path.join(ROOT, "bench", "out", "entities-tuning.crfsuite")
    os.makedirs(os.path.dirname(tmp), exist_ok=True)
    best = None
    for params in GRID:
        pooled: dict[str, list[int]] = {}
        seconds = 0.0
        for k, block in enumerate(blocks):
            train = always + [s for j, b in enumerate(blocks) if j != k for d in b for s in d]
            random.Random(SEED).shuffle(train)
            seconds += _train(train, params, tmp)
            _use(tmp)
            with _TaggedOnce():
                for chosen in _settings_grid():
                    _apply(chosen)
                    c = entities.counts(block, recogniser.find_entities)["untyped"]
                    total = pooled.setdefault(json.dumps(chosen), [0, 0, 0])
                    for i in range(3):
                        total[i] += c[i]
        print(f"  {params}: {FOLDS} models trained in {seconds:.0f} s")
        for key, c in pooled.items():
            chosen, r = json.loads(key), entities.prf(c)
            print(f"    {chosen}: cross-validated untyped P {r[0]:.3f} R {r[1]:.3f} F1 {r[2]:.3f}")
            rank = (r[0] >= MIN_PRECISION, round(r[2], 4))
            if best is None or rank > best[0]:
                best = (rank, params, chosen, r)
    _key, params, chosen, r = best
    print(f"chosen by cross-validation: {params}, {chosen} (untyped P {r[0]:.3f} R {r[1]:.3f} F1 {r[2]:.3f})")
    everything = always + [s for d in folded for s in d]
    random.Random(SEED).shuffle(everything)
    out = os.path.join(ROOT, "corpus", "data", crf.MODEL_NAME)
    seconds = _train(everything, params, out)
    os.remove(tmp)
    with open(SETTINGS, "w", encoding="utf-8") as fh:
        json.dump({**chosen, "params": {**BASE, **params}, "seed": SEED,
                   "cross_validated": {"folds": FOLDS, "P": round(r[0], 3), "R": round(r[1], 3),
                                       "F1": round(r[2], 3)}}, fh, indent=1)
        fh.write("\n")
    crf._tagger = shipped
    crf._tagger.cache_clear()
    _apply(chosen)
    print(f"trained {len(everything)} sentences with {params} in {seconds:.0f} s; wrote "
          f"{os.path.relpath(out, ROOT)} ({os.path.getsize(out) / 1e6:.1f} MB) and {os.path.relpath(SETTINGS, ROOT)}")
    return entities.main([])


if __name__ == "__main__":
    sys.exit(main())

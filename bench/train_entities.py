"""Train the entity CRF and write it into package data: `make train-entities`.

Reads the training files of `bench/ner_data.py` (printed with their licences and sizes), trains
python-crfsuite's L-BFGS CRF with fixed settings (the corpus order is fixed and shuffled with seed 15, so
a run gives the same model), writes `corpus/data/entities.crfsuite` and prints the held-out scores.
"""

from __future__ import annotations

import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from bench.ner_data import TRAIN, read_docs  # noqa: E402

SEED = 15
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}


def main() -> int:
    import pycrfsuite

    from corpus.extract.entities.crf import MODEL_NAME, token_features

    sents = []
    for rel, licence in TRAIN:
        docs = read_docs(rel)
        n = [s for d in docs for s in d]
        print(f"train: {rel}  {len(docs)} documents, {len(n)} sentences, "
              f"{sum(map(len, n))} tokens  [{licence}]")
        sents.extend(n)
    random.Random(SEED).shuffle(sents)
    trainer = pycrfsuite.Trainer(verbose=False)
    for s in sents:
        trainer.append(token_features([t for t, _ in s]), [g for _, g in s])
    trainer.set_params(PARAMS)
    out = os.path.join(ROOT, "corpus", "data", MODEL_NAME)
    t0 = time.perf_counter()
    trainer.train(out)
    print(f"trained {len(sents)} sentences with {PARAMS} in {time.perf_counter() - t0:.0f} s; "
          f"wrote {os.path.relpath(out, ROOT)} ({os.path.getsize(out) / 1e6:.1f} MB)")
    from bench import entities

    return entities.main([])


if __name__ == "__main__":
    sys.exit(main())

"""Word clusters for the entity CRF, learnt from unlabelled policy prose: `corpus/data/entities_clusters.txt`,
written by `make train-entities` before training (`python -m bench.clusters` alone).

A word seen in a handful of training sentences, or never, still shares a cluster with the words that are
used the way it is ("Mukwashi" with other surnames, "Bulawayo" with other towns), so the CRF can carry
what it learnt about those. The steps, each deterministic:
- the texts: the White House Briefing Room documents (2021-2026) and the UN General Debate speeches
  (1990-2024) of `../shared/data/` (public domain and CC0), cut into tokens as the recogniser cuts them
  (`crf.tokenise`), Markdown links and addresses left out;
- a context profile of each of the `VOCABULARY` most frequent word forms (case kept: "Bush" is not
  "bush"): how often each of the `CONTEXTS` most frequent forms stands just before and just after it
  (any other neighbour counted by its shape: capitalised, lower case, number, other), as log counts;
- the profiles reduced to `DIMENSIONS` dimensions (a randomised SVD, seed `SEED`) and normalised;
- k-means (cosine, seed `SEED`) at each size of `SIZES`: a word gets one cluster number per size, from
  coarse to fine, so the CRF can use whichever grain the training data supports.

The file holds numbers keyed by word, one line a word: `word<TAB>c1<TAB>c2...`, no text of the documents.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SHARED = os.path.join(ROOT, "..", "shared", "data")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/data"
SOURCES = [("whitehouse-briefing-room/wh-briefing-room-2021-2026.jsonl.gz", "CC0 / US government work"),
           ("un-general-debates/ungdc-1990-2024.jsonl.gz", "CC0 (UNGDC)")]
TARGET = os.path.join(ROOT, "corpus", "data", "entities_clusters.txt")
VOCABULARY = 60_000
MIN_COUNT = 5
CONTEXTS = 1_000
DIMENSIONS = 100
SIZES = (64, 256, 1024)
SEED = 15
ITERATIONS = 20

_LINK = re.compile(r"\]\([^)]*\)|https?://\S+|www\.\S+")


def _texts():
    for rel, _licence in SOURCES:
        with gzip.open(os.path.join(SHARED, rel), "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                yield _LINK.sub(" ", doc.get("title") or "") + "\n" + _LINK.sub(" ", doc.get("text") or "")


def _shape_bucket(word: str) -> int:
    if word[:1].isupper():
        return 0
    if word[:1].islower():
        return 1
    if word[:1].isdigit():
        return 2
    return 3


def token_ids():
    """Every token of the texts as an id into a vocabulary in order of first sight, -1 between paragraphs,
    with the vocabulary's forms."""
    import numpy as np

    from corpus.extract.entities.crf import tokenise

    ids: dict[str, int] = {}
    chunks = []
    for text in _texts():
        for para in re.split(r"\n\s*\n", text):
            toks = [t for t, _ in tokenise(para.replace("\\", " "))]
            if not toks:
                continue
            chunks.append(np.fromiter((ids.setdefault(t, len(ids)) for t in toks), dtype=np.int32,
                                      count=len(toks)))
            chunks.append(np.array([-1], dtype=np.int32))
    forms = [None] * len(ids)
    for w, i in ids.items():
        forms[i] = w
    return np.concatenate(chunks), forms


def embeddings(seq, forms):
    """The kept forms (most frequent first) and their normalised context profiles in DIMENSIONS dimensions."""
    import numpy as np

    counts = np.bincount(seq[seq >= 0], minlength=len(forms))
    order = np.argsort(-counts, kind="stable")
    kept = [int(i) for i in order[:VOCABULARY] if counts[i] >= MIN_COUNT]
    row = np.full(len(forms) + 1, -1, dtype=np.int64)  # the last slot is the paragraph break
    row[kept] = np.arange(len(kept))
    ctx = np.empty(len(forms) + 1, dtype=np.int64)
    ctx[:-1] = CONTEXTS + np.array([_shape_bucket(f) for f in forms])
    ctx[order[:CONTEXTS]] = np.arange(CONTEXTS)
    ctx[-1] = CONTEXTS + 4  # a paragraph's edge
    width = CONTEXTS + 5
    s = np.where(seq >= 0, seq, len(forms))
    total = np.zeros((len(kept), 2 * width), dtype=np.float64)
    for block, (here, there) in enumerate(((s[1:], s[:-1]), (s[:-1], s[1:]))):  # left, then right neighbour
        r = row[here]
        ok = r >= 0
        flat = r[ok] * (2 * width) + block * width + ctx[there][ok]
        total += np.bincount(flat, minlength=len(kept) * 2 * width).reshape(len(kept), 2 * width)
    m = np.log1p(total).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-9
    m -= m.mean(axis=0)
    rng = np.random.default_rng(SEED)
    q, _ = np.linalg.qr(m @ rng.standard_normal((m.shape[1], DIMENSIONS + 20)).astype(np.float32))
    q, _ = np.linalg.qr(m @ (m.T @ q))  # one power iteration sharpens the leading directions
    u, sv, _ = np.linalg.svd(q.T @ m, full_matrices=False)
    e = (q @ u[:, :DIMENSIONS]) * sv[:DIMENSIONS]
    e /= np.linalg.norm(e, axis=1, keepdims=True) + 1e-9
    return [forms[i] for i in kept], e.astype(np.float32)


def kmeans(e, k: int):
    """Spherical k-means from k words spread evenly over the frequency ranks, so a run gives the same clusters."""
    import numpy as np

    centres = e[:: len(e) // k][:k].copy()
    for _ in range(ITERATIONS):
        label = np.argmax(e @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, label, e)
        empty = np.linalg.norm(sums, axis=1) == 0
        sums[empty] = centres[empty]
        centres = sums / (np.linalg.norm(sums, axis=1, keepdims=True) + 1e-9)
    return np.argmax(e @ centres.T, axis=1)


def write(target: str = TARGET) -> int:
    seq, forms = token_ids()
    words, e = embeddings(seq, forms)
    labels = [kmeans(e, k) for k in SIZES]
    with open(target, "w", encoding="utf-8") as fh:
        fh.write(f"# word clusters for the entity CRF, written by bench/clusters.py: sizes {', '.join(map(str, SIZES))}\n")
        for i, w in enumerate(words):
            fh.write(w + "\t" + "\t".join(str(int(lab[i])) for lab in labels) + "\n")
    return len(words)


if __name__ == "__main__":
    print(f"{write()} words clustered into {os.path.relpath(TARGET, ROOT)}")

"""The statistical entity recogniser: a linear-chain CRF (python-crfsuite) over word features.

Moving parts:
- `tokenise`: a paragraph cut into word and punctuation tokens with their character offsets;
- `token_features`: each token's shape, affixes, neighbours and gazetteer hits (the hand-typed entity
  lexicon of `corpus/data/entities_*.txt`, and the open gazetteers' names in `entities_gazetteer.txt`:
  countries, cities, regions, first names, leaders, parties, organisations), its word clusters and
  its neighbours' (`entities_clusters.txt`, learnt from unlabelled policy prose by `bench/clusters.py`),
  plus whether its paragraph is a headline (the page's own structure);
- `tag_paragraphs`: the shipped model (`corpus/data/entities.crfsuite`, trained by `make train-entities`,
  see `bench/train_entities.py`) run over a document, loaded once per process, giving typed spans with
  their confidence; the floors they must reach (`MIN_MARGINAL`, `MIN_MARGINAL_SINGLE`, `CONFIRM_CUES`)
  are chosen in training and stored beside the model (`entities_settings.json`).

The rules recogniser (`find_entities`) stays in front: its gazetteer and title evidence is the more
precise; the CRF adds the names the hand-typed lists never saw.
"""

from __future__ import annotations

import json
import re
import threading
from functools import lru_cache
from importlib import resources

MODEL_NAME = "entities.crfsuite"
OPEN_GAZETTEER = "entities_gazetteer.txt"
CLUSTERS = "entities_clusters.txt"

_TOKEN_RE = re.compile(r"\w+(?:[’'.\-]\w+)*\.?|[^\w\s]", re.UNICODE)
_lock = threading.Lock()


def tokenise(text: str) -> list[tuple[str, int]]:
    """Word and punctuation tokens of `text` with their start offsets."""
    out = []
    for m in _TOKEN_RE.finditer(text):
        tok = m.group()
        # a trailing full stop belongs to the token only for abbreviations and initials ("U.S.", "J.")
        if len(tok) > 2 and tok.endswith(".") and "." not in tok[:-1] and not tok[:-1].isupper():
            out.append((tok[:-1], m.start()))
            out.append((".", m.end() - 1))
        else:
            out.append((tok, m.start()))
    return out


def _shape(tok: str) -> str:
    s = re.sub(r"[A-Z]", "X", tok)
    s = re.sub(r"[a-z]", "x", s)
    s = re.sub(r"[0-9]", "d", s)
    s = re.sub(r"[^\sXxd]", "p", s)
    return re.sub(r"(.)\1{2,}", r"\1\1", s)[:6]


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, str]:
    """Lower-cased word -> the gazetteer classes it appears in ("PER", "ORG", "LOC", "MISC", "GIVEN"),
    built from the entity lexicon shipped in corpus/data, once per process."""
    files = {"entities_people.txt": "PER", "entities_organisations.txt": "ORG",
             "entities_places.txt": "LOC", "entities_misc.txt": "MISC", "entities_given_names.txt": "GIVEN"}
    classes: dict[str, set[str]] = {}
    data = resources.files("corpus.data")
    for name, cls in files.items():
        for line in data.joinpath(name).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if not line or line.startswith("["):
                continue
            for form in line.split("|"):
                words = form.split()
                for k, w in enumerate(words):
                    tag = cls if len(words) == 1 else (cls + ("-B" if k == 0 else "-I"))
                    classes.setdefault(w.lower(), set()).add(tag)
    # the open gazetteers (countries, cities, regions, first names, leaders, parties, organisations),
    # derived by bench/gazetteers.py
    open_lists = data.joinpath(OPEN_GAZETTEER)
    if open_lists.is_file():
        for line in open_lists.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            name, _, cls = line.partition("\t")
            words = name.split()
            for k, w in enumerate(words):
                tag = cls if len(words) == 1 else (cls + ("-B" if k == 0 else "-I"))
                classes.setdefault(w.lower(), set()).add(tag)
    return {w: " ".join(sorted(c)) for w, c in classes.items()}


@lru_cache(maxsize=1)
def clusters() -> dict[str, tuple[str, ...]]:
    """Word form -> its cluster numbers, coarse to fine, learnt from unlabelled policy prose by
    `bench/clusters.py` (written by `make train-entities`); empty when the file is not there."""
    path = resources.files("corpus.data").joinpath(CLUSTERS)
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, *ids = line.split("\t")
            out[word] = tuple(ids)
    return out


def _cluster(tok: str, table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return table.get(tok) or table.get(tok.lower()) or table.get(tok.capitalize()) or ()


def token_features(toks: list[str], headline: bool = False) -> list[list[str]]:
    """The features of each token of one sentence or paragraph."""
    gaz = gazetteer()
    table = clusters()
    cl = [_cluster(t, table) for t in toks]
    low = [t.lower() for t in toks]
    shapes = [_shape(t) for t in toks]
    n = len(toks)
    feats = []
    for i, t in enumerate(toks):
        f = ["b", "w=" + low[i], "sh=" + shapes[i], "p3=" + low[i][:3], "s3=" + low[i][-3:],
             "s2=" + low[i][-2:]]
        if t[:1].isupper():
            f.append("cap")
            if i == 0:
                f.append("cap0")
        if t.isupper() and len(t) > 1:
            f.append("allcap")
        g = gaz.get(low[i])
        if g:
            f.extend("g=" + c for c in g.split())
        if cl[i]:
            f.extend(f"c{k}={c}" for k, c in enumerate(cl[i]))
        else:
            f.append("c=none")
        if headline:
            f.append("head")
        if i == 0:
            f.append("BOS")
        else:
            f += ["-1w=" + low[i - 1], "-1sh=" + shapes[i - 1]]
            if i > 1:
                f.append("-2w=" + low[i - 2])
            gp = gaz.get(low[i - 1])
            if gp:
                f.extend("-1g=" + c for c in gp.split())
            if cl[i - 1]:
                f.append("-1c=" + cl[i - 1][1])
        if i == n - 1:
            f.append("EOS")
        else:
            f += ["+1w=" + low[i + 1], "+1sh=" + shapes[i + 1]]
            if i < n - 2:
                f.append("+2w=" + low[i + 2])
            gn = gaz.get(low[i + 1])
            if gn:
                f.extend("+1g=" + c for c in gn.split())
            if cl[i + 1]:
                f.append("+1c=" + cl[i + 1][1])
        feats.append(f)
    return feats


def spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, type) token spans from BIO tags (an I- without its B- starts a span)."""
    out, start, typ = [], None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag == "O" or tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != typ):
            if start is not None:
                out.append((start, i, typ))
            start, typ = (i, tag[2:]) if tag != "O" else (None, None)
    return out


def open_tagger(path: str):
    """A python-crfsuite tagger of the model at `path`."""
    import pycrfsuite  # lazily: the CLI's start-up does not pay for it

    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    return tagger


@lru_cache(maxsize=1)
def _tagger():
    with resources.as_file(resources.files("corpus.data").joinpath(MODEL_NAME)) as path:
        return open_tagger(str(path))


def model_available() -> bool:
    return resources.files("corpus.data").joinpath(MODEL_NAME).is_file()


def _settings() -> dict:
    path = resources.files("corpus.data").joinpath("entities_settings.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


# A span is kept when the model gives each of its tags at least this marginal probability: the uncertain
# spans are where its precision is lost. Chosen by `make train-entities` on a development split of the
# training data (bench/train_entities.py), stored beside the model.
MIN_MARGINAL = float(_settings().get("min_marginal", 0.6))
# A one-word span needs at least this (a lone capitalised word is where most of its wrong names are).
MIN_MARGINAL_SINGLE = float(_settings().get("min_marginal_single", MIN_MARGINAL))
# A name the rules typed only by a context cue ("..., who said") is kept when the CRF, at this floor,
# also finds a person, organisation or place sharing a word with it; None keeps every such name.
CONFIRM_CUES = _settings().get("confirm_cues")
# A name of the rules' of which every occurrence lies inside a longer name the CRF finds at this floor is
# left out for that longer name ("Wales" of "New South Wales"); None keeps the rules' names as they are.
WHOLE_NAMES = _settings().get("whole_names")
# A one-word name at the start of a sentence that no gazetteer knows is kept when the CRF gives it at
# least this confidence; None keeps none of them (a capital there may only start the sentence).
SENTENCE_START = _settings().get("sentence_start")


def tag_tokens(toks: list[str], headline: bool = False) -> tuple[list[str], list[float]]:
    """The best tags of `toks` and each tag's marginal probability."""
    if not toks:
        return [], []
    tagger = _tagger()
    with _lock:  # a Tagger holds its state between set and tag
        tags = tagger.tag(token_features(toks, headline))
        probs = [tagger.marginal(t, i) if t != "O" else 1.0 for i, t in enumerate(tags)]
    return tags, probs


def tag_paragraphs(texts: list[tuple[str, bool]],
                   min_marginal: float | None = None) -> list[tuple[int, int, int, str, float]]:
    """Typed names in each (text, is_headline) paragraph: (paragraph, start char, end char, type,
    confidence), the confidence being the smallest marginal probability of the span's tags; spans below
    `min_marginal` (by default `MIN_MARGINAL`) are left out."""
    floor = MIN_MARGINAL if min_marginal is None else min_marginal
    found = []
    for p, (text, headline) in enumerate(texts):
        toks = tokenise(text)
        # sentences of at most 200 tokens keep the tagger's lattice small
        for a in range(0, len(toks), 200):
            chunk = toks[a:a + 200]
            tags, probs = tag_tokens([t for t, _ in chunk], headline)
            for i, j, typ in spans(tags):
                confidence = min(probs[i:j])
                if confidence < floor:
                    continue
                start = chunk[i][1]
                end = chunk[j - 1][1] + len(chunk[j - 1][0])
                found.append((p, start, end, typ, confidence))
    return found

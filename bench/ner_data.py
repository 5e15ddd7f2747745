"""The open NER corpora of `../shared/data/ner-open/` read as documents of tagged sentences.

One split rule for training and evaluation (`make train-entities`, `python -m bench.entities`):
- train: Re-DocRED dev (500 Wikipedia documents, MIT) and CrossNER politics train + dev (MIT);
- held out, never trained on: Re-DocRED test (500 documents, the main figures);
- cross-corpus: CrossNER politics test (MIT) and Wikigold (CC BY 4.0).
Every tag set is mapped onto PER/ORG/LOC/MISC with BIO tags; TIME and NUM become O.
"""

from __future__ import annotations

import gzip
import os

NER_OPEN = os.environ.get("POLSEARCH_NER_OPEN", os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "data", "ner-open"))
if not os.path.isdir(NER_OPEN):
    NER_OPEN = "/work/shared/data/ner-open"

_CROSSNER = {"politician": "PER", "person": "PER", "organisation": "ORG", "politicalparty": "ORG",
             "location": "LOC", "country": "LOC", "election": "MISC", "event": "MISC", "misc": "MISC"}
_CORE = {"PER", "ORG", "LOC", "MISC"}

TRAIN = [("redocred/redocred-dev.iob2.gz", "MIT (Re-DocRED, DocRED)"),
         ("crossner-politics/train.txt", "MIT (CrossNER)"),
         ("crossner-politics/dev.txt", "MIT (CrossNER)")]
HELDOUT = ("redocred/redocred-test.iob2.gz", "MIT (Re-DocRED, DocRED)")
CROSS = [("crossner-politics/test.txt", "MIT (CrossNER)"), ("wikigold/wikigold.conll.txt", "CC BY 4.0 (Wikigold)")]


def _map(tag: str, prev: str) -> str:
    if tag == "O" or "-" not in tag:
        return "O"
    bio, typ = tag.split("-", 1)
    typ = _CROSSNER.get(typ, typ)
    if typ not in _CORE:
        return "O"
    if bio == "I" and prev[2:] != typ:  # IOB1 (Wikigold) and stray I- tags start a span
        bio = "B"
    return f"{bio}-{typ}"


def read_docs(rel: str) -> list[list[list[tuple[str, str]]]]:
    """Documents, each a list of sentences of (token, BIO tag). Files without -DOCSTART- lines are read as
    one sentence per document (CrossNER's sentences are independent)."""
    path = os.path.join(NER_OPEN, rel)
    opener = gzip.open if path.endswith(".gz") else open
    docs: list[list[list[tuple[str, str]]]] = []
    doc: list[list[tuple[str, str]]] = []
    sent: list[tuple[str, str]] = []
    has_docstart = False

    def end_sent() -> None:
        nonlocal sent
        if sent:
            doc.append(sent)
            if not has_docstart:
                docs.append(doc[:])
                doc.clear()
        sent = []

    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("-DOCSTART-"):
                has_docstart = True
                end_sent()
                if doc:
                    docs.append(doc[:])
                    doc.clear()
                continue
            if not line.strip():
                end_sent()
                continue
            parts = line.split("\t") if "\t" in line else line.split(" ")
            tok, tag = parts[0], parts[-1]
            prev = sent[-1][1] if sent else "O"
            sent.append((tok, _map(tag, prev)))
    end_sent()
    if doc:
        docs.append(doc)
    return docs


def names(sent: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (name, type) pairs of one tagged sentence, tokens joined with spaces."""
    from corpus.extract.entities.crf import spans

    toks = [t for t, _ in sent]
    return {(" ".join(toks[i:j]), typ) for i, j, typ in spans([g for _, g in sent])}

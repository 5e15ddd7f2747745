"""Copies: republished and lightly edited commentaries are recognised, shown once, counted once."""

from __future__ import annotations

import random

from corpus.document import Document, make_id
from corpus.store.copies import MIN_WORDS, fingerprint, near
from corpus.store.documents import Store

from .conftest import make_page

WORDS = ("policy debt aid trade water energy climate border security election reform budget court "
         "treaty ministry council summit sanction market growth labour health school rural urban").split()


def _text(seed: int, n: int = 400) -> str:
    rng = random.Random(seed)
    sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(n // 12)]
    return "\n\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4))


def test_fingerprints_find_exact_and_near_copies_only():
    text = _text(1)
    edited = text.replace(text.split(". ")[3], "An entirely new sentence about the minister and the budget")
    assert fingerprint(text).exact == fingerprint(text.upper().replace(" ", "  ")).exact
    assert near(fingerprint(text).sketch, fingerprint(edited).sketch)
    assert not near(fingerprint(text).sketch, fingerprint(_text(2)).sketch)
    half = "\n\n".join(text.split("\n\n")[: len(text.split("\n\n")) // 2])
    assert not near(fingerprint(text).sketch, fingerprint(half + "\n\n" + _text(9)).sketch)
    short = " ".join(["word"] * (MIN_WORDS - 1))
    assert fingerprint(short).sketch == ()  # too short to say: exact copies only


def _doc(url: str, body: str) -> Document:
    return Document(id=make_id(url), url=url, title="A commentary", body=body)


def test_groups_follow_edits_and_departures(tmp_path):
    text = _text(3)
    with Store.open(tmp_path, create=True) as store:
        with store.transaction():
            store.put(_doc("https://a.example/1", text))
            store.put(_doc("https://b.example/1", text))
            store.put(_doc("https://c.example/1", _text(4)))
        a, b, c = (make_id(f"https://{h}.example/1") for h in "abc")
        assert store.copies_of(a) == [b] and store.copies_of(c) == []
        with store.transaction():  # the group's namesake is rewritten: the other copy carries on alone
            store.put(_doc("https://a.example/1", _text(5)))
        assert store.copies_of(b) == [] and store.copy_groups([b]) == {b: b}


def test_search_shows_one_hit_per_group_and_dedupe_counts_once(cli, tmp_path):
    text = _text(6)
    edited = text.replace(text.split(". ")[2], "The council met again in a different city")
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, site, body in (("orig", "First Institute", text), ("repub", "Second Review", text),
                             ("edit", "Third Forum", edited), ("other", "Fourth Desk", _text(7))):
        (pages / f"{name}.html").write_text(make_page(f"Budget talks {name}", body.split("\n\n"), site=site,
                                                      url=f"https://{name}.example/piece"))
    index = tmp_path / "idx"
    assert cli.json("index", "--index", index, pages)["added"] == 4
    found = cli.json("search", "--index", index, "budget")
    assert found["total"] == 4 and len(found["hits"]) == 2  # every match counted; copies shown once
    listed = cli.json("search", "--index", index, "budget", "--copies")
    groups = sorted(len(h["copies"]) for h in listed["hits"])
    assert groups == [0, 2]
    human = cli("search", "--index", index, "budget").stdout
    assert "2 copies elsewhere" in human
    assert cli.json("search", "--index", index, "budget", "--dedupe")["total"] == 2


def test_the_sketch_is_the_minimum_hash_of_each_bin():
    """The sketch kept in every store: bin b holds the smallest 64-bit hash (the first 8 bytes of the
    BLAKE2b digest, big-endian) of the word trigrams whose top bits are b. Stores written by earlier
    versions hold sketches made this way, so a new document is compared with them correctly."""
    import hashlib

    from corpus.store.copies import BINS, sketch

    rng = random.Random(5)
    vocabulary = ["trade", "policy", "naïve", "Cambodia", "2,500", "’s", "energy", "security", "ﬁnance"]
    for length in (0, 1, 2, 3, 60, 400):
        words = [rng.choice(vocabulary) for _ in range(length)]
        expected = [(1 << 64) - 1] * BINS
        for i in range(len(words) - 2):
            digest = hashlib.blake2b(" ".join(words[i:i + 3]).encode("utf-8"), digest_size=8).digest()
            h = int.from_bytes(digest, "big")
            b = h >> (64 - (BINS.bit_length() - 1))
            expected[b] = min(expected[b], h)
        assert sketch(words) == tuple(expected)

"""Copies: the same commentary republished on several sites, or captured again with small edits.

Two documents are copies when their bodies are the same once case and spacing are ignored (exact), or
when their word-trigram sets overlap by at least `NEAR_JACCARD` (near: a changed sentence, an added
sign-off, a different editor's note). The overlap is estimated from a MinHash sketch made in one pass:
each trigram is hashed once to 64 bits, the top bits choose one of `BINS` bins and each bin keeps its
smallest hash (one-permutation MinHash); the share of bins two sketches agree on estimates their
Jaccard similarity. Bodies under `MIN_WORDS` words only count exact copies: their sketch says too little.

Finding candidates: the sketch is cut into `BANDS` bands of `BINS // BANDS` bins (locality-sensitive
hashing); documents sharing a whole band are compared, so a document is only compared with likely
copies however large the store. With 16 bands of 4 bins, two texts with 90% of trigrams in common
share a band with probability above 0.9999, and two with 50% in common only become candidates, which
the estimate then rejects. The store keeps the band keys (`copy_bands`), each document's sketch and its
group (`copies`): a group is named after its first document.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

BINS = 64
BANDS = 16
NEAR_JACCARD = 0.7
MIN_WORDS = 50
_WORD = re.compile(r"\w+")
_EMPTY = (1 << 64) - 1
_SHIFT = 64 - (BINS.bit_length() - 1)


@dataclass(frozen=True)
class Fingerprint:
    exact: str             # digest of the body, case and spacing ignored
    sketch: tuple[int, ...]  # BINS minimum hashes; () for short bodies
    words: int

    def bands(self) -> list[int]:
        """One key per band of the sketch (signed 64-bit, as SQLite stores integers)."""
        if not self.sketch:
            return []
        per = BINS // BANDS
        keys = []
        for band in range(BANDS):
            packed = struct.pack(f">{per}Q", *self.sketch[band * per:(band + 1) * per])
            keys.append(int.from_bytes(hashlib.blake2b(packed, digest_size=8).digest(), "big", signed=True))
        return keys

    def blob(self) -> bytes:
        return struct.pack(f">{len(self.sketch)}Q", *self.sketch)


def sketch_from_blob(blob: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(blob) // 8}Q", blob) if blob else ()


def sketch(words: list[str]) -> tuple[int, ...]:
    """One-permutation MinHash of the word trigrams: each trigram's hash is the first 8 bytes (big-endian)
    of its BLAKE2b digest; all are hashed first, then unpacked at once."""
    blake = hashlib.blake2b
    digests = b"".join([blake(f"{a} {b} {c}".encode("utf-8"), digest_size=8).digest()
                        for a, b, c in zip(words, words[1:], words[2:])])
    mins = [_EMPTY] * BINS
    for h in struct.unpack(f">{len(digests) // 8}Q", digests):
        b = h >> _SHIFT
        if h < mins[b]:
            mins[b] = h
    return tuple(mins)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two sketches' trigram sets (bins empty in both are left out)."""
    pairs = [(x, y) for x, y in zip(a, b) if x != _EMPTY or y != _EMPTY]
    return sum(1 for x, y in pairs if x == y) / len(pairs) if pairs else 0.0


def fingerprint(body: str) -> Fingerprint:
    words = [w.lower() for w in _WORD.findall(body)]
    exact = hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:32]
    return Fingerprint(exact, sketch(words) if len(words) >= MIN_WORDS else (), len(words))


def near(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return bool(a and b) and similarity(a, b) >= NEAR_JACCARD

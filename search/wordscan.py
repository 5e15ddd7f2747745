"""Where the analyzer's words start in a text, and where words start as a query's do, with numpy.

The highlighter needs, in each hit it shows, the words that can match the query and, for a proximity
or a phrase with slop, their positions among all the words of the text. Splitting a long text into
analysed words costs a Python step a word (a report of 10,000 words: milliseconds); here the text
becomes an array of code points, once, and the rest is array arithmetic:
- a word (`indexer.analysis.WORD_PATTERN`: word characters with inner dots and apostrophes) starts at a
  word character that follows neither a word character nor a dot or apostrophe that itself follows a
  word character; word characters are those `\\w` matches (alphanumeric, or "_");
- a word's position is the number of words that start before it;
- a word starts like a prefix when its lowercased characters are the prefix's, which is how the
  analyzer's terms start as long as the text has no letter outside ASCII (no accents to fold, no case
  rules beyond A-Z); `prefix_starts` says None for any other text, and the caller uses its regular
  expression over the text instead.
"""

from __future__ import annotations

import numpy as np

from . import poskeys

_ASCII_WORD = np.array([chr(c).isalnum() or chr(c) == "_" for c in range(128)], dtype=bool)


class WordScan:
    def __init__(self, text: str) -> None:
        if text.isascii():
            codes = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
            word = _ASCII_WORD[codes]
            joiner = (codes == 46) | (codes == 39)
            self.simple = True
        else:
            raw = text.encode("utf-16-le", "surrogatepass")
            if len(raw) == 2 * len(text):  # no character outside the Basic Multilingual Plane
                codes = np.frombuffer(raw, dtype=np.uint16)
            else:
                codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            high = codes >= 128
            word = _ASCII_WORD[np.where(high, 0, codes)]  # 0 is no word character
            distinct = poskeys.distinct(np.sort(codes[high]))  # not np.unique: its first call imports numpy.ma
            letters = distinct[np.array([chr(c).isalnum() for c in distinct.tolist()], dtype=bool)]
            if len(letters):
                word[high] = np.isin(codes[high], letters)
            joiner = (codes == 46) | (codes == 39) | (codes == 0x2019)
            self.simple = not len(letters)  # punctuation only outside ASCII (curly quotes, dashes)
        starts = word.copy()
        starts[1:] &= ~word[:-1]
        starts[2:] &= ~(joiner[1:-1] & word[:-2])
        self.words = np.flatnonzero(starts)  # where each word starts: word i at position i
        self._codes = codes

    def prefix_starts(self, prefixes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
        """The offsets where a word starts whose lowercased characters begin with one of the (lowercase)
        prefixes, ascending, and each such word's position; None when the text has letters outside
        ASCII or a prefix does."""
        if not self.simple or not all(p.isascii() for p in prefixes):
            return None
        words = self.words
        longest = max((len(p) for p in prefixes), default=0)
        lower = np.zeros(len(self._codes) + longest, dtype=self._codes.dtype)  # zeros past the end
        lower[:len(self._codes)] = self._codes
        lower[:len(self._codes)][(self._codes >= 65) & (self._codes <= 90)] += 32
        found = np.zeros(len(words), dtype=bool)
        for prefix in set(prefixes):
            hit = np.ones(len(words), dtype=bool)
            for k, ch in enumerate(prefix.encode("ascii")):
                hit &= lower[words + k] == ch
            found |= hit
        positions = np.flatnonzero(found)
        return words[positions], positions

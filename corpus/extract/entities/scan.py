"""Scanning a text for names: runs of capitalised words, cut into the segments that may be one name each.

Moving parts:
- `Scanner.scan(seg, text)`: the lexicon's `run_re` finds runs of capitalised words, with "of", "de",
  "bin", ... allowed inside. A run the gazetteers know whole is a mention at once; any other is cut
  into segments at connectors that do not belong to a name ("China and Russia", `joins`) and at stop
  words, keeping the gazetteers' multi-word names whole ("The Hague"), and an ordinary word that only
  starts a sentence is dropped; each segment goes to the classifier. A run met again in the same
  document is replayed from what was found the first time. Acronyms defined in the text ("the
  Cambodian People's Party (CPP)") are noted for the resolver;
- `normalise_text()`, `sentence_initial()` and `acronym_fits()`.
"""

from __future__ import annotations

import unicodedata

from .classify import Classifier
from .lexicon import LOC, ORG, Lexicon, Words, is_acronym
from .mentions import Mention, Mentions, Segment

_SPACE_LIKE = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_NORMALISE_TABLE = {**dict.fromkeys(map(ord, _SPACE_LIKE), " "), **dict.fromkeys(map(ord, _INVISIBLE), None)}


class Scanner:
    """Reads one document's texts into mentions, segment by segment."""

    def __init__(self, lex: Lexicon, words: Words, mentions: Mentions, classifier: Classifier) -> None:
        self.lex = lex
        self.words = words
        self.mentions = mentions
        self.classifier = classifier
        # A run met again in the same document reads the same way, except for the context cues of its
        # unsure names: what split_run found is kept per (run, sentence-initial) and replayed.
        self.memo: dict[tuple[str, bool], list[tuple[int, int, str | None, tuple[str, str] | None, int, int]]] = {}
        self.acronym_defs: list[tuple[str, Mention, tuple[int, int]]] = []

    def scan(self, seg: int, text: str) -> None:
        lex = self.lex
        gaz, stop = lex.gaz, lex.stop
        for m in lex.run_re.finditer(text):
            start, run = m.start(), m.group()
            if " " not in run:
                # Most runs are one word: the common cases without building a segment.
                if run in stop:
                    continue
                initial = sentence_initial(text, start, lex.abbreviations)
                if initial and self.words.drop_initial(run):
                    continue
                entry = gaz.get(run)
                if entry is not None:
                    self.mentions.known(run, entry, seg, start)
                    continue
                self.classifier.classify_single(Segment(text, seg, start, run, initial), 0)
                continue
            entry = gaz.get(run)
            if entry is not None:
                self.mentions.known(run, entry, seg, start)
                continue
            initial = sentence_initial(text, start, lex.abbreviations)
            memo = self.memo.get((run, initial))
            segment = Segment(text, seg, start, run, initial)
            if memo is not None:
                self.replay(segment, memo)
                continue
            first = len(self.mentions)
            self.split_run(segment)
            self.memo[(run, initial)] = [
                (m.pos[1] - start, len(m.text), m.type, m.canon, m.strength, m.rank)
                for m in self.mentions[first:]
            ]
        if "(" in text or ", or " in text:
            for m in lex.acronym_def_re.finditer(text):
                p = m.start()
                before = self.mentions.ends.get((seg, p - 1)) or self.mentions.ends.get((seg, p))
                acr = m.group(1) or m.group(2)
                if before is not None and is_acronym(acr) and acronym_fits(acr, before.text):
                    self.acronym_defs.append((acr, before, (seg, m.start())))

    def split_run(self, s: Segment) -> None:
        lex, toks = self.lex, s.toks
        n = len(toks)
        # Multi-word gazetteer names first: their connectors and stop words belong to them ("The Hague").
        protected: dict[int, int] = {}
        longest_from, gaz = lex.longest_from, lex.gaz
        i = 0
        while i < n:
            longest = longest_from.get(toks[i], 0)
            for length in range(min(longest, n - i), 1, -1):
                if " ".join(toks[i:i + length]) in gaz:
                    protected[i] = i + length
                    i += length
                    break
            else:
                i += 1
        segments: list[tuple[int, int]] = []
        start: int | None = None
        i = 0
        if s.initial and 0 not in protected and (
            self.words.drop_initial(toks[0])
            # "Back ECOWAS mediation", "Ask Washington": an imperative before a known name.
            or n > 1 and s.key(1, n) in lex.gaz and toks[0] not in lex.given and toks[0] not in lex.title_heads
            and toks[0] not in lex.title_mods and toks[0] not in lex.compass and toks[0] not in lex.demonyms
            and toks[0] not in lex.gaz
        ):
            i = 1
        while i < n:
            if i in protected:
                if start is None:
                    start = i
                i = protected[i]
                continue
            t = toks[i]
            if t in lex.connectors and not (t[:1].isupper()):
                j = i
                while j < n and toks[j] in lex.connectors:
                    j += 1
                if start is not None and j < n and self.joins(toks, start, i, j):
                    i = j
                    continue
                if start is not None:
                    segments.append((start, i))
                start = None
                i = j
                continue
            if t in lex.stop:
                if start is not None:
                    segments.append((start, i))
                start = None
                i += 1
                continue
            if start is None:
                start = i
            i += 1
        if start is not None:
            segments.append((start, n))
        for a, b in segments:
            self.classifier.classify(s, a, b)

    def replay(self, s: Segment, memo: list[tuple[int, int, str | None, tuple[str, str] | None, int, int]]) -> None:
        starts = {off - s.run_start: k for k, off in enumerate(s.offs)}
        ends = {off + len(tok) - s.run_start: k + 1 for k, (off, tok) in enumerate(zip(s.offs, s.toks))}
        for rel, length, type_, canon, strength, rank in memo:
            i, j = starts.get(rel), ends.get(rel + length)
            if i is None or j is None:
                # A part of a hyphenated word ("US" of "US-Cambodia"): rebuild its one-word segment.
                sub = Segment(s.text, s.seg, s.run_start + rel, s.text[s.run_start + rel:s.run_start + rel + length],
                               False)
                i, j, seg_ = 0, 1, sub
            else:
                seg_ = s
            if type_ is None:
                self.classifier.add_unsure(seg_, i, j)
            else:
                self.mentions.add(seg_, i, j, type_, strength, canon, rank)

    def joins(self, toks: list[str], start: int, a: int, b: int) -> bool:
        """Do the connectors toks[a:b] continue the name that began at `start`?"""
        lex = self.lex
        conns = toks[a:b]
        if all(c in lex.particles for c in conns):
            return True
        first = conns[0]
        if first == "to":
            return len(conns) <= 2 and all(c == "the" for c in conns[1:]) and toks[a - 1] in lex.title_heads
        if first in lex.of_like:
            if not (all(c == "the" for c in conns[1:]) and toks[a - 1] in lex.of_heads):
                return False
            # "the General Assembly on the Millennium Development Goals" is two names.
            return not (" ".join(toks[start:a]) in lex.gaz and any(
                " ".join(toks[b:b + n]) in lex.gaz
                for n in range(1, min(lex.longest_from.get(toks[b], 0), len(toks) - b) + 1)
            ))
        if first in ("in", "at") and all(c == "the" for c in conns[1:]) and " ".join(toks[start:a]) in lex.gaz:
            # "Islamic State in the Greater Sahara", "al-Qaeda in the Islamic Maghreb"
            # The place is a region of two words or more, not a country: "ASML in the Netherlands" is a
            # company and where it is.
            if lex.gaz[" ".join(toks[start:a])].type != ORG or b + 1 >= len(toks):
                return False
            place = lex.gaz.get(" ".join(toks[b:b + 2]))
            second = lex.gaz.get(toks[b + 1])
            return (place is not None and place.type == LOC) or (
                (toks[b] in lex.compass or toks[b] in lex.demonyms) and second is not None and second.type == LOC
            )
        if first == "and" and len(conns) == 1:
            # "Ministry of Economy and Finance", not "Association of Southeast Asian Nations and China".
            if toks[b] in lex.given or toks[b] in lex.title_heads or any(
                " ".join(toks[b:b + n]) in lex.gaz for n in range(1, min(lex.longest_from.get(toks[b], 0),
                                                                         len(toks) - b) + 1)
            ):
                return False
            return toks[start] in lex.and_heads and any(t in lex.of_like for t in toks[start:a])
        return False


def normalise_text(text: str) -> str:
    """The text as names are read in it: NFC, wide and no-break spaces as a plain space, soft hyphens and
    zero-width characters dropped."""
    if text.isascii():
        return text.replace("\t", " ") if "\t" in text else text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.translate(_NORMALISE_TABLE)


def sentence_initial(text: str, start: int, abbreviations: tuple[str, ...]) -> bool:
    """Does the word at `start` begin a sentence, a quotation, a line or the text?"""
    i = start - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    if i < 0:
        return True
    c = text[i]
    if c in "\n\r\f\v\u2028\u2029":
        return True
    if c in "\"“‘«‹([{—–-*•·":
        return c not in "-–—" or i == 0 or text[i - 1] in " \n"
    if c in "”’'\")]»›":
        i -= 1
        c = text[i] if i >= 0 else "."
    if c in "!?…:;":
        return c != ";"
    if c == ".":
        j = i
        while j > 0 and (text[j - 1].isalpha() or text[j - 1] == "."):
            j -= 1
        word = text[j:i]
        if word in abbreviations or (len(word) == 1 and word.isupper()):
            return False
        return True
    return False


def acronym_fits(acr: str, name: str) -> bool:
    initials = [w[0] for w in name.replace("-", " ").split() if w[:1].isupper()]
    letters = [c for c in acr if c.isalpha()]
    if not initials or not letters or letters[0] != initials[0]:
        return False
    return len(letters) <= len(initials) + 3

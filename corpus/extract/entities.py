"""Named entities in a commentary: people (PER), organisations (ORG), places (LOC) and other names (MISC).

Rule-based and local: standard library only, no model. The gazetteers and word lists were typed for
polsearch (`corpus/data/entities_*.txt`) and are loaded once per process, on first use.

Moving parts:
- `_lexicon()`: the data files and the compiled patterns, built lazily and cached for the process;
- the scanner (`_Reader.scan`): `run_re` finds runs of capitalised words, with "of", "de", "bin", ... allowed
  inside; each run is cut into segments at connectors that do not belong to a name ("China and Russia") and at
  stop words, and an ordinary word that only starts a sentence is dropped;
- the classifier (`_Reader.classify`): a segment is typed by the gazetteers, by head words ("... Ministry",
  "... River", "... Treaty", "Gulf of ..."), by a title before a name ("Foreign Minister Wang Yi"), by a given
  name, or by its context (a role noun before it, "said" or an appositive after it); otherwise it is kept
  as an unsure mention;
- the document pass (`_Reader.entities`): unsure mentions are settled against the whole document (a bare
  surname is the person already named in full, an acronym defined in parentheses is its expansion), the
  spellings of one entity are merged under the fullest one, a Title-Cased headline is matched only against
  what is already known, and entities come out once each, in order of first mention.

Entity text is a span of the input after light normalisation (NFC; no-break and other wide spaces read as a
plain space; soft hyphens and zero-width characters dropped), with titles and possessives left out.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable

from .. import data
from ..document import Entity

log = logging.getLogger(__name__)

PER, ORG, LOC, MISC = "PER", "ORG", "LOC", "MISC"

# Strengths of the evidence for a mention's type; the strongest wins when one name gets several types.
_GAZ, _RULE, _CUE = 4, 3, 2

# A run of capitalised words longer than this is not one name; the regex starts a new run after it.
_MAX_RUN_TOKENS = 12
# Text beyond this many characters per document is not read: a long commentary is 50,000 characters, and
# the cap bounds the time spent on pathological input (about a second for 600,000 characters of capitalised
# garbage).
_MAX_DOC_CHARS = 600_000

_SPACE_LIKE = "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_NORMALISE_TABLE = {**dict.fromkeys(map(ord, _SPACE_LIKE), " "), **dict.fromkeys(map(ord, _INVISIBLE), None)}

# Connectors that may stand between the capitalised words of one name; whether they really join is decided
# per run (`_Reader.joins`). Particles of personal names come from the lexicon.
_CONNECTORS = ("of", "for", "on", "to", "and", "the", "in", "at")
_OF_LIKE = frozenset({"of", "for", "on", "to"})
_ABBREVIATIONS = (
    "Mr", "Mrs", "Ms", "Dr", "St", "Mt", "Gen", "Sen", "Rep", "Gov", "Prof", "Lt", "Col", "Capt", "Adm", "Maj",
    "Sgt", "Brig", "Jr", "Sr", "Hon", "Rev", "Amb", "Fr", "Cmdr", "Messrs", "No", "Vol", "Ft",
)
_ROLE_EXTRA = ("prime minister", "foreign minister", "secretary of state")
_APPOSITIVE_STARTS = frozenset({"the", "a", "an", "former", "then", "now", "its", "his", "her", "their", "our"})
_ACRONYM_VERBS = frozenset({"is", "was", "has", "had", "will", "would", "can", "could", "should", "must", "may",
                            "said", "says", "says", "announced", "warned", "argued", "claimed", "won", "lost",
                            "and", "or", "to", "in", "on", "at", "for", "with", "as", "from", "itself"})
_LIST_SEPARATORS = (", and ", ", or ", ", ", " and ", " or ")
_APPOSITIVE_STOPS = frozenset({"of", "in", "for", "at", "on", "to", "from", "with", "who", "whose", "which",
                               "that", "and", "or", "since", "until", "under", "by", "as"})


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    return _Lexicon()


class _Entry:
    """One gazetteer spelling: its type, the entity it names (`canon`), and its rank among that entity's
    spellings (0 is the preferred, fullest one)."""

    __slots__ = ("type", "canon", "rank")

    def __init__(self, type_: str, canon: tuple[str, str], rank: int) -> None:
        self.type, self.canon, self.rank = type_, canon, rank


class _Lexicon:
    """Everything read from `corpus/data/`, plus the patterns built from it."""

    def __init__(self) -> None:
        sections = data.sections("entities_lexicon.txt")
        self.gaz: dict[str, _Entry] = {}
        for filename, type_ in (
            ("entities_people.txt", PER),
            ("entities_organisations.txt", ORG),
            ("entities_places.txt", LOC),
            ("entities_misc.txt", MISC),
        ):
            for line in data.lines(filename):
                forms = [f.strip() for f in line.split("|") if f.strip()]
                canon = (type_, forms[0])
                for rank, form in enumerate(forms):
                    form = " ".join(form.split())
                    self.gaz.setdefault(form, _Entry(type_, canon, rank))
                    if "'" in form:
                        self.gaz.setdefault(form.replace("'", "’"), _Entry(type_, canon, rank))
        # For each first word, the length in words of the longest name starting with it: longest-match
        # scans try only the lengths that can match.
        self.longest_from: dict[str, int] = {}
        self.longest_person_from: dict[str, int] = {}
        for key, entry in self.gaz.items():
            words = key.split(" ")
            if self.longest_from.get(words[0], 0) < len(words):
                self.longest_from[words[0]] = len(words)
            if entry.type == PER and self.longest_person_from.get(words[0], 0) < len(words):
                self.longest_person_from[words[0]] = len(words)
        self.given = frozenset(data.lines("entities_given_names.txt"))

        def words(name: str) -> frozenset[str]:
            return frozenset(sections.get(name, ()))

        self.stop = frozenset(
            variant for w in sections.get("stopwords", ()) for variant in (w, w.replace("'", "’"))
        )
        self.common = frozenset(w.lower() for w in sections.get("common", ()))
        self.compass = words("compass")
        heads, mods = set(), set(words("title_modifiers"))
        for title in sections.get("title_heads", ()):
            *before, head = title.split()
            heads.add(head)
            mods.update(before)
        for head in list(heads):
            for rank in ("Lieutenant", "Major", "Brigadier", "Vice", "Deputy", "Co", "Ex", "Under"):
                heads.add(f"{rank}-{head}")
        self.title_heads = frozenset(heads)
        self.title_mods = frozenset(mods)
        self.portfolio = words("portfolio")
        self.roles = frozenset(
            {w.lower() for w in sections.get("roles", ())}
            | {h.lower().rstrip(".") for h in heads if len(h) > 2}
        )
        self.speech = frozenset(w for w in sections.get("speech_verbs", ()) if " " not in w)
        self.honorifics = frozenset(sections.get("honorifics", ()))
        self.weak_titles = words("weak_titles")
        self.generic_modifiers = words("generic_modifiers")
        self.org_heads = words("org_heads")
        self.org_heads_named = words("org_heads_named")
        self.weak_org_heads = words("weak_org_heads")
        self.org_starts = words("org_starts")
        self.loc_heads = words("loc_heads")
        self.weak_loc_heads = words("weak_loc_heads")
        self.loc_starts = words("loc_starts")
        self.loc_prefixes = words("loc_prefixes")
        self.misc_heads = words("misc_heads")
        self.misc_starts = words("misc_starts")
        self.particles = words("particles")
        self.generic_acronyms = words("generic_acronyms")
        self.loc_nouns = words("loc_nouns")
        self.org_nouns = words("org_nouns")
        self.loc_preps = words("loc_preps")
        demonyms = set()
        for d in sections.get("demonyms", ()):
            demonyms.update((d, d + "s", d + "es"))
        self.demonyms = frozenset(demonyms)
        self.connectors = frozenset(_CONNECTORS) | self.particles
        # Words after which "of"/"for"/"on"/"to" continues the name ("Bank of England", "Minister for ...").
        self.of_heads = (
            self.org_starts | self.loc_starts | self.misc_starts | self.title_heads | self.org_heads
            | self.org_heads_named | self.loc_heads | self.weak_loc_heads | self.misc_heads | self.portfolio
        )
        # First words of a name after which "and" continues it ("Ministry of Economy and Finance").
        self.and_heads = self.org_starts | self.misc_starts | self.loc_starts | self.title_heads | self.title_mods
        # Words that are part of a name's structure, never a person's name.
        self.structural = (
            self.title_heads | self.org_heads | self.org_heads_named | self.loc_heads | self.weak_loc_heads
            | self.misc_heads | self.weak_org_heads
        )
        self.loc_appositive = words("loc_appositive_heads")
        self.org_appositive = words("org_appositive_heads")
        self.run_re = _build_run_regex(self.connectors, words("hyphen_suffixes"), words("possessive_names"))
        self.acronym_def_re = re.compile(_ACRONYM_DEF)
        self.lower_word_re = re.compile(_LOWER_WORD)
        self.word_re = re.compile(_WORD)
        self.appositive_re = re.compile(_APPOSITIVE)
        self.lowercase_word_re = re.compile("[a-z]{4}")


def _build_run_regex(connectors: frozenset[str], hyphen_suffixes: frozenset[str],
                     possessive_names: frozenset[str]) -> re.Pattern[str]:
    upper = "".join(
        ch
        for lo, hi in ((0x41, 0x5A), (0xC0, 0x24F), (0x370, 0x3FF), (0x400, 0x52F), (0x1E00, 0x1EFF))
        for ch in map(chr, range(lo, hi + 1))
        if ch.isupper() or ch.istitle()
    )
    up = f"[{upper}]"
    w = r"[^\W_]"
    apos = r"['’](?![sS]\b)" + w + "+"
    # "Brussels-based", "Sierra Leone-flagged": the name ends before such a suffix.
    suffix = r"(?!(?:" + "|".join(sorted(hyphen_suffixes, key=len, reverse=True)) + r")\b)"
    cap = rf"{up}{w}*(?:{apos})*(?:[-‐‑]{suffix}{w}+(?:{apos})*)*"
    abbr = r"(?:" + "|".join(_ABBREVIATIONS) + r")\.(?= )"
    acr_dots = rf"(?:{up}\.){{2,}}"
    initial = rf"{up}\.(?= {up})"
    bases = sorted({n.rstrip("'’s") if n.endswith(("'s", "’s")) else n.rstrip("'’") for n in possessive_names})
    poss = "(?:" + "|".join(bases) + rf")['’]s?(?= {up})"
    prefixed = rf"(?:al|el|ad|an|ar|as|ash|at|az|ud|ul|bin|ibn|abu)[-‐]{cap}|[dl]['’]{cap}"
    tok = f"(?:{abbr}|{acr_dots}|{poss}|{initial}|{prefixed}|{cap})"
    conn = "(?:" + "|".join(sorted(connectors, key=len, reverse=True)) + ")"
    # The lookahead fails fast on the many positions where no name can start.
    first = f"(?=[{upper}abdeilu])"
    return re.compile(rf"{first}(?<![\w'’]){tok}(?: (?:{conn} ){{0,3}}{tok}){{0,{_MAX_RUN_TOKENS - 1}}}")


# "Full Name (ACR)" and "the Full Name, or ACR,": the acronym names what stands just before it.
_ACRONYM_DEF = r"\(\s*([A-Z][A-Za-z0-9&+.\-]{1,11})\s*\)|,\s+or\s+([A-Z][A-Z0-9&+.\-]{1,11})\b"
_LOWER_WORD = r"(?<![\w'’-])[a-z][a-z]+\b"
_WORD = r"[\w'’-]+"
_APPOSITIVE = r",\s+([^,.;:()]+)"


def _normalise(text: str) -> str:
    if text.isascii():
        return text.replace("\t", " ") if "\t" in text else text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.translate(_NORMALISE_TABLE)


# Endings of English vocabulary that names (even foreign ones) rarely have, and endings that some do have
# ("Jinping", "Kelly") and so count only for a word standing alone.
_ENGLISH_ENDINGS = ("ism", "isms", "tion", "tions", "ment", "ments", "ness", "ity", "ities", "ics", "ology",
                    "ship", "ance", "ence", "ances", "ences", "ists", "ency", "ancy", "acy")
_ENGLISH_ENDINGS_ALONE = _ENGLISH_ENDINGS + ("ing", "ings", "ly", "ed")


# Endings of adjectives made from names ("Comorian", "Mediterranean", "Congolese"): before "State" or
# "Republic" they describe, they do not name.
_ADJECTIVE_ENDINGS = ("ian", "ean", "ese", "ish", "ic")


def _english_shape(low: str, alone: bool = True) -> bool:
    """A lowercased word shaped like English vocabulary ("counting", "reportedly", "multilateralism")."""
    if len(low) < 6:
        return False
    if alone:
        return low.endswith(_ENGLISH_ENDINGS_ALONE) and not low.endswith("eed")  # "Rasheed" is a name
    return low.endswith(_ENGLISH_ENDINGS)


def _is_acronym(tok: str) -> bool:
    """"ASEAN", "U.S.", "G20": all its letters are capitals, and there is more than an initial ("W.")."""
    return len(tok) > 1 and tok.isupper() and not (len(tok) == 2 and tok[1] == ".")


class _Mention:
    """A name found at `pos` (segment number, character offset). `type` is None while it is unsure."""

    __slots__ = ("text", "type", "canon", "strength", "pos", "rank", "cue", "initial")

    def __init__(self, text: str, type_: str | None, canon: tuple[str, str] | None, strength: int,
                 pos: tuple[int, int], rank: int = 0, cue: str | None = None, initial: bool = False) -> None:
        self.text, self.type, self.canon, self.strength = text, type_, canon, strength
        self.pos, self.rank, self.cue, self.initial = pos, rank, cue, initial


class _Cluster:
    """One entity of the document: its spellings seen, and where it was first mentioned."""

    __slots__ = ("type", "strength", "pos", "forms")

    def __init__(self, type_: str, strength: int, pos: tuple[int, int]) -> None:
        self.type, self.strength, self.pos = type_, strength, pos
        self.forms: dict[str, tuple[int, tuple[int, int]]] = {}

    def add(self, text: str, rank: int, pos: tuple[int, int]) -> None:
        old = self.forms.get(text)
        if old is None or pos < old[1]:
            self.forms[text] = (min(rank, old[0]) if old else rank, pos)
        if pos < self.pos:
            self.pos = pos

    def absorb(self, other: _Cluster) -> None:
        for text, (rank, pos) in other.forms.items():
            self.add(text, rank, pos)
        self.strength = max(self.strength, other.strength)

    def best_text(self) -> str:
        if self.type == PER:
            # The fullest name: most words, then the gazetteer's preferred spelling, then the first seen.
            return min(self.forms.items(), key=lambda kv: (-len(kv[0].split()), kv[1][0], kv[1][1]))[0]
        return min(self.forms.items(), key=lambda kv: (kv[1][0], -len(kv[0]), kv[1][1]))[0]


class _Segment:
    """A run of capitalised words in context: its text, tokens and their offsets."""

    __slots__ = ("text", "seg", "toks", "offs", "initial", "run_start", "run_end")

    def __init__(self, text: str, seg: int, start: int, run: str, initial: bool) -> None:
        self.text, self.seg, self.initial = text, seg, initial
        self.toks = run.split(" ")
        offs, o = [], start
        for t in self.toks:
            offs.append(o)
            o += len(t) + 1
        self.offs = offs
        self.run_start, self.run_end = start, start + len(run)

    def span(self, i: int, j: int) -> tuple[int, int]:
        return self.offs[i], self.offs[j - 1] + len(self.toks[j - 1])

    def key(self, i: int, j: int) -> str:
        return " ".join(self.toks[i:j])


class _Reader:
    """Reads one document: scans its segments, then settles and merges what it found."""

    def __init__(self, lex: _Lexicon, texts: list[str]) -> None:
        self.lex = lex
        self.texts = texts
        self.mentions: list[_Mention] = []
        self.ends: dict[tuple[int, int], _Mention] = {}
        self.starts: dict[tuple[int, int], _Mention] = {}
        # A run met again in the same document reads the same way, except for the context cues of its
        # unsure names: what split_run found is kept per (run, sentence-initial) and replayed.
        self.memo: dict[tuple[str, bool], list[tuple[int, int, str | None, tuple[str, str] | None, int, int]]] = {}
        self.acronym_defs: list[tuple[str, _Mention, tuple[int, int]]] = []
        self._doc_lower: frozenset[str] | None = None

    # --- document evidence ------------------------------------------------------------------------------

    @property
    def doc_lower(self) -> frozenset[str]:
        """Words the document itself writes in lowercase: a capitalised one of them is an ordinary word."""
        if self._doc_lower is None:
            self._doc_lower = frozenset(w for t in self.texts for w in self.lex.lower_word_re.findall(t))
        return self._doc_lower

    def ordinary(self, tok: str) -> bool:
        """An ordinary word, capitalised only by position: a stop word, a common word, or one the document
        also writes in lowercase. Acronyms never are ("US" is not "us")."""
        if tok in self.lex.stop:
            return True
        if _is_acronym(tok):
            return False
        low = tok.lower()
        return low in self.lex.common or low in self.doc_lower

    def namey(self, tok: str) -> bool:
        """Could this token be (part of) a proper name?"""
        lex = self.lex
        if tok in lex.gaz or tok in lex.given or tok in lex.demonyms:
            return True
        if tok in lex.stop or tok in lex.structural or tok in lex.title_mods or tok in lex.connectors:
            return False
        if _is_acronym(tok):
            return tok not in lex.generic_acronyms
        if "-" in tok and any(p in lex.gaz for p in tok.split("-")):
            return True
        return not self.ordinary(tok) and tok[:1].isupper() and not _english_shape(tok.lower(), alone=False)

    def demonym_of_place(self, tok: str) -> bool:
        """"Alaskans", "Mississippian", "Floridians": people of a known place, not a name."""
        word = tok[:-1] if tok.endswith("s") else tok
        gaz = self.lex.gaz
        for suffix, endings in (("ian", ("", "a", "ia", "os")), ("an", ("", "a")), ("n", ("",)),
                                ("ese", ("", "a"))):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)]
                for ending in endings:
                    e = gaz.get(stem + ending)
                    if e is not None and e.type == LOC:
                        return True
        return False

    def unknown_namey(self, tok: str) -> bool:
        """A token that looks like part of a name and is none of the rule words."""
        lex = self.lex
        if tok in lex.demonyms or tok in lex.compass:
            return False
        return self.namey(tok)

    # --- scanning ---------------------------------------------------------------------------------------

    def scan(self, seg: int, text: str) -> None:
        lex = self.lex
        gaz, stop = lex.gaz, lex.stop
        for m in lex.run_re.finditer(text):
            start, run = m.start(), m.group()
            if " " not in run:
                # Most runs are one word: the common cases without building a segment.
                if run in stop:
                    continue
                initial = _sentence_initial(text, start)
                if initial and self.drop_initial(run):
                    continue
                entry = gaz.get(run)
                if entry is not None:
                    mention = _Mention(run, entry.type, entry.canon, _GAZ, (seg, start), entry.rank)
                    self.mentions.append(mention)
                    self.ends[(seg, start + len(run))] = mention
                    self.starts[(seg, start)] = mention
                    continue
                self.classify_single(_Segment(text, seg, start, run, initial), 0)
                continue
            entry = gaz.get(run)
            if entry is not None:
                mention = _Mention(run, entry.type, entry.canon, _GAZ, (seg, start), entry.rank)
                self.mentions.append(mention)
                self.ends[(seg, start + len(run))] = mention
                self.starts[(seg, start)] = mention
                continue
            initial = _sentence_initial(text, start)
            memo = self.memo.get((run, initial))
            segment = _Segment(text, seg, start, run, initial)
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
                before = self.ends.get((seg, p - 1)) or self.ends.get((seg, p))
                acr = m.group(1) or m.group(2)
                if before is not None and _is_acronym(acr) and _acronym_fits(acr, before.text):
                    self.acronym_defs.append((acr, before, (seg, m.start())))

    def split_run(self, s: _Segment) -> None:
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
            self.drop_initial(toks[0])
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
            self.classify(s, a, b)

    def replay(self, s: _Segment, memo: list[tuple[int, int, str | None, tuple[str, str] | None, int, int]]) -> None:
        starts = {off - s.run_start: k for k, off in enumerate(s.offs)}
        ends = {off + len(tok) - s.run_start: k + 1 for k, (off, tok) in enumerate(zip(s.offs, s.toks))}
        for rel, length, type_, canon, strength, rank in memo:
            i, j = starts.get(rel), ends.get(rel + length)
            if i is None or j is None:
                # A part of a hyphenated word ("US" of "US-Cambodia"): rebuild its one-word segment.
                sub = _Segment(s.text, s.seg, s.run_start + rel, s.text[s.run_start + rel:s.run_start + rel + length],
                               False)
                i, j, seg_ = 0, 1, sub
            else:
                seg_ = s
            if type_ is None:
                self.add_unsure(seg_, i, j)
            else:
                self.add(seg_, i, j, type_, strength, canon, rank)

    def drop_initial(self, tok: str) -> bool:
        """Is this sentence-initial word an ordinary word rather than (part of) a name?"""
        lex = self.lex
        if tok in lex.stop:
            return True
        if tok in lex.gaz:
            return tok.lower() in self.doc_lower
        if (tok in lex.title_heads or tok in lex.title_mods or tok in lex.compass or tok in lex.demonyms
                or tok in lex.given or tok in lex.org_starts or tok in lex.loc_starts or tok in lex.misc_starts
                or _is_acronym(tok)):
            return False
        low = tok.lower()
        return low in lex.common or low in self.doc_lower or _english_shape(low)

    def joins(self, toks: list[str], start: int, a: int, b: int) -> bool:
        """Do the connectors toks[a:b] continue the name that began at `start`?"""
        lex = self.lex
        conns = toks[a:b]
        if all(c in lex.particles for c in conns):
            return True
        first = conns[0]
        if first == "to":
            return len(conns) <= 2 and all(c == "the" for c in conns[1:]) and toks[a - 1] in lex.title_heads
        if first in _OF_LIKE:
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
            return toks[start] in lex.and_heads and any(t in _OF_LIKE for t in toks[start:a])
        return False

    # --- classification ---------------------------------------------------------------------------------

    def add(self, s: _Segment, i: int, j: int, type_: str | None, strength: int,
            canon: tuple[str, str] | None = None, rank: int = 0, cue: str | None = None) -> _Mention:
        a, b = s.span(i, j)
        text = s.text[a:b]
        if type_ is not None and canon is None:
            canon = (type_, text)
        m = _Mention(text, type_, canon, strength, (s.seg, a), rank, cue, s.initial and a == s.run_start)
        self.mentions.append(m)
        self.ends[(s.seg, b)] = m
        self.starts[(s.seg, a)] = m
        return m

    def add_entry(self, s: _Segment, i: int, j: int, e: _Entry) -> None:
        self.add(s, i, j, e.type, _GAZ, e.canon, e.rank)

    def classify(self, s: _Segment, i: int, j: int) -> None:
        lex, toks = self.lex, s.toks
        if j - i > 1 and toks[i] in lex.stop:
            entry = lex.gaz.get(s.key(i, j))
            if entry is not None:  # "The Hague", "The Gambia"
                self.add_entry(s, i, j, entry)
                return
        while i < j and (toks[i] in lex.stop or toks[i] in lex.connectors):
            i += 1
        while j > i and toks[j - 1] in lex.connectors:
            j -= 1
        if i >= j:
            return
        n = j - i
        entry = lex.gaz.get(s.key(i, j))
        if entry is not None:
            self.add_entry(s, i, j, entry)
            return
        if n == 1:
            self.classify_single(s, i)
            return
        last = toks[j - 1]
        headed = last in lex.structural and last not in lex.title_heads
        if not headed and self.by_gazetteer_inside(s, i, j):
            return
        if self.split_place_prefix(s, i, j):
            return
        if self.by_title(s, i, j) or self.by_start(s, i, j) or self.by_head(s, i, j):
            return
        if any("-" in toks[k] for k in range(i, j)) and self.by_compound(s, i, j):
            return
        # A given name and capitalised words after it: a person, even when the surname is also a word
        # ("Sarah Brown", "Mark Field").
        if toks[i] in lex.given and 2 <= n <= 4 and all(
            t[:1].isupper() and t not in lex.stop and t not in lex.structural and t not in lex.demonyms
            and t not in lex.title_mods and (t not in lex.gaz or lex.gaz[t].type == PER)
            for t in toks[i + 1:j]
        ):
            self.add(s, i, j, PER, _RULE)
            return
        # Leading demonyms and compass words ("Cambodian ...", "Western ...") are not part of a name.
        while i < j and (toks[i] in lex.demonyms or toks[i] in lex.compass or toks[i] in lex.title_mods):
            i += 1
        # What is left is a name only where every word could be one; trim ordinary words at the edges.
        while i < j and not self.unknown_namey(toks[i]):
            i += 1
        while j > i and not self.unknown_namey(toks[j - 1]):
            j -= 1
        if i >= j:
            return
        if j - i == 1:
            self.classify_single(s, i)
            return
        if not all(self.unknown_namey(toks[k]) or toks[k] in lex.particles for k in range(i, j)):
            for k in range(i, j):
                if not self.unknown_namey(toks[k]) and toks[k] not in lex.particles:
                    self.classify(s, i, k)
                    self.classify(s, k + 1, j)
                    return
        if j - i > 5:
            return
        if toks[i] in lex.given and not _is_acronym(toks[i]):
            self.add(s, i, j, PER, _RULE)
            return
        self.add_unsure(s, i, j)

    def classify_single(self, s: _Segment, i: int) -> None:
        lex = self.lex
        tok = s.toks[i]
        entry = lex.gaz.get(tok)
        if entry is not None:
            self.add_entry(s, i, i + 1, entry)
            return
        if tok in lex.stop or tok in lex.demonyms or tok in lex.structural or tok in lex.title_mods:
            return
        if tok in lex.compass or tok in lex.connectors or tok in lex.given or self.demonym_of_place(tok):
            return
        if "-" in tok and self.split_compound(s, i):
            return
        if len(tok) > 2 and tok[-1] == "s" and _is_acronym(tok[:-1]):
            return  # "NGOs", "HSIs": a plural is a common noun
        if _is_acronym(tok):
            if tok in lex.generic_acronyms or not tok[0].isalpha() or len(tok) > 10:
                return
            if all(c in "IVXLCDM" for c in tok):  # a Roman numeral
                return
            self.add_unsure(s, i, i + 1)
            return
        if tok[-1] == "." or not tok[:1].isupper() and tok.split("-")[0] not in lex.particles:
            return
        if self.ordinary(tok) or _english_shape(tok.lower()):
            return
        self.add_unsure(s, i, i + 1)

    def by_head(self, s: _Segment, i: int, j: int) -> bool:
        """"Mekong River Commission", "Gaza Strip", "Paris Agreement", "Biden Administration"."""
        lex, toks = self.lex, s.toks
        last = toks[j - 1]
        if last in lex.weak_org_heads:
            self.classify(s, i, j - 1)
            return True
        if last in lex.org_heads:
            type_, needs_name = ORG, False
        elif last in lex.org_heads_named:
            type_, needs_name = ORG, True
        elif last in lex.loc_heads:
            type_, needs_name = LOC, False
        elif last in lex.weak_loc_heads:
            type_, needs_name = LOC, True
        elif last in lex.misc_heads:
            type_, needs_name = MISC, True
        else:
            return False
        modifiers = toks[i:j - 1]
        if any(t in lex.connectors and t not in lex.particles for t in modifiers) and any(
            s.key(k, j) in lex.gaz for k in range(i + 2, j - 1)
        ):
            return False  # the head belongs to a known name at the end ("... for the Central African Republic")
        if all(t in lex.stop or t in lex.connectors or t in lex.generic_modifiers for t in modifiers):
            return False  # "The Party", "State Party", "Ruling Party"
        if needs_name and not any(self.namey(t) and t not in lex.compass for t in modifiers
                                  if t not in lex.connectors):
            return False
        if type_ == LOC and needs_name and not any(
            not _is_acronym(t) and not t.endswith(_ADJECTIVE_ENDINGS)
            and (self.unknown_namey(t) or t in lex.gaz and lex.gaz[t].type == LOC)
            for t in modifiers
        ):
            return False  # "Syrian State", "Comorian State", "Islamic Republic" are not place names
        self.add(s, i, j, type_, _RULE)
        return True

    def split_place_prefix(self, s: _Segment, i: int, j: int) -> bool:
        """"US Senate" is a place and an organisation; "US Department of State" too."""
        lex, toks = self.lex, s.toks
        for k in range(i + 1, min(i + 4, j)):
            pre = lex.gaz.get(s.key(i, k))
            if pre is None or pre.type not in (LOC, ORG):
                continue
            # Only a country's short name splits off a longer body's name ("US Senate", "UK Parliament");
            # "Copenhagen Green Climate Fund" is one name.
            if not (_is_acronym(toks[i]) or j - k == 1):
                continue
            rest = lex.gaz.get(s.key(k, j))
            if (rest is not None and rest.type in (ORG, MISC)) or (
                toks[k] in lex.org_starts and k + 1 < j and toks[k + 1] in _OF_LIKE
            ):
                self.add_entry(s, i, k, pre)
                self.classify(s, k, j)
                return True
        return False

    def by_gazetteer_inside(self, s: _Segment, i: int, j: int) -> bool:
        """A known person inside a longer run: "Cambodian Prime Minister Hun Manet", "President Putin"."""
        lex = self.lex
        best: tuple[int, int, _Entry] | None = None
        for a in range(i, j):
            for length in range(min(lex.longest_person_from.get(s.toks[a], 0), j - a), 0, -1):
                e = lex.gaz.get(s.key(a, a + length))
                if e is not None and e.type == PER:
                    if length == 1 and (
                        a + 1 < j and self.unknown_namey(s.toks[a + 1])
                        or a > i and (s.toks[a - 1] in lex.given or self.unknown_namey(s.toks[a - 1]))
                    ):
                        break  # "Lumumba Di-Aping" is not Patrice Lumumba, "Linda Yvette Chávez" not Hugo
                    if best is None or length > best[1] - best[0]:
                        best = (a, a + length, e)
                    break
        if best is None:
            return False
        a, b, e = best
        self.add_entry(s, a, b, e)
        self.classify(s, i, self.strip_title_tail(s, i, a))
        self.classify(s, b, j)
        return True

    def strip_title_tail(self, s: _Segment, i: int, j: int) -> int:
        lex, toks = self.lex, s.toks
        while j > i and (toks[j - 1] in lex.title_heads or toks[j - 1] in lex.title_mods
                         or toks[j - 1] in lex.stop):
            j -= 1
        return j

    def by_title(self, s: _Segment, i: int, j: int) -> bool:
        """"President Barack Obama", "UN Secretary-General António Guterres", "Minister of Foreign Affairs
        Prak Sokhonn": the title is dropped, what stands before it is classified on its own."""
        for p in range(j - 2, i - 1, -1):
            if s.toks[p] in self.lex.title_heads and self.title_at(s, i, j, p):
                return True
        return False

    def title_at(self, s: _Segment, i: int, j: int, p: int) -> bool:
        lex, toks = self.lex, s.toks
        q = p + 1
        domain: list[tuple[int, int, _Entry]] = []
        rest = -1  # where the words after "of"/"for"/"to" start, when the title has them
        if toks[q] in _OF_LIKE:
            while q < j and toks[q] in lex.connectors:
                q += 1
            rest = q
            # "Minister of Foreign Affairs Prak Sokhonn", "Ambassador to China Nicholas Burns": portfolio
            # words and the place or body of the office belong to the title.
            while q < j:
                t = toks[q]
                if t in lex.connectors or t in lex.portfolio:
                    q += 1
                    continue
                for length in range(min(lex.longest_from.get(t, 0), j - q), 0, -1):
                    e = lex.gaz.get(s.key(q, q + length))
                    if e is not None and e.type in (LOC, ORG):
                        domain.append((q, q + length, e))
                        q += length
                        break
                else:
                    break
        name_start = q
        while name_start < j and (toks[name_start] in lex.title_heads or toks[name_start] in lex.title_mods):
            name_start += 1
        name = toks[name_start:j]
        if rest >= 0 and name_start == rest:
            name = []  # "President of the Federated States": what follows "of" is the office's domain
        # "Mr. President", "Madam Secretary-General": an honorific before another title belongs to that title.
        title = next((t for t in reversed(toks[p:name_start]) if t in lex.title_heads), toks[p])
        if name and self.person_after_title(title, name):
            self.classify(s, i, self.strip_title_tail(s, i, p + 1))
            for a, b, e in domain:
                self.add_entry(s, a, b, e)
            entry = lex.gaz.get(s.key(name_start, j))
            if entry is not None:
                self.add_entry(s, name_start, j, entry)
            else:
                self.add(s, name_start, j, PER, _RULE)
            return True
        before = self.strip_title_tail(s, i, p + 1)
        if rest < 0 or any(t in lex.connectors for t in toks[i:before]):
            return False  # "Office of the United Nations High Commissioner for Refugees" is one name
        # "President of the General Assembly", "CEO of Parker Ranch": no person; the body is classified
        # on its own and the title is dropped.
        self.classify(s, i, before)
        self.classify(s, rest, j)
        return True

    def person_after_title(self, title: str, name: list[str]) -> bool:
        lex = self.lex
        if any(t in lex.stop or t in lex.demonyms or t in lex.structural
               or t in lex.connectors and t not in lex.particles for t in name):
            return False
        if any(_is_acronym(t) and len(t) > 3 for t in name):
            return False
        if title not in lex.honorifics and all(self.ordinary(t) and t not in lex.gaz for t in name):
            return False  # "General Debate", "High Commissioner for Refugees"
        if title not in lex.honorifics and any(
            t not in lex.gaz and t not in lex.given and _english_shape(t.lower(), alone=len(name) == 1) for t in name
        ):
            return False  # "Counselor for Trade and Manufacturing"
        if title in lex.weak_titles and len(name) == 1 and name[0] not in lex.gaz and name[0] not in lex.given:
            return False  # "General Provisions", "Field Leader Supervisor"
        return True

    def by_start(self, s: _Segment, i: int, j: int) -> bool:
        """"Ministry of Foreign Affairs", "Gulf of Thailand", "Treaty of Versailles", "Mount Everest"."""
        lex, toks = self.lex, s.toks
        first = toks[i]
        for k in range(i + 1, j - 1):
            if toks[k] in ("in", "at") and lex.gaz.get(s.key(i, k)) is not None and lex.gaz[s.key(i, k)].type == ORG:
                self.add(s, i, j, ORG, _RULE)
                return True
        for k in range(i + 1, j - 2):
            # "People's Alliance for Democracy", "Assistance Association for Political Prisoners".
            if toks[k + 1] not in _OF_LIKE or not all(self.namey(t) or t[:1].isupper() for t in toks[i:k]):
                continue
            if toks[k] in lex.org_starts or toks[k] in lex.org_heads:
                self.add(s, i, j, ORG, _RULE)
                return True
            if toks[k] in lex.misc_starts or toks[k] in lex.misc_heads:  # "Brussels Conference for the ..."
                self.add(s, i, j, MISC, _RULE)
                return True
        if toks[j - 1] in lex.demonyms:
            return False  # "Forum of African ..." was cut short
        if j - i >= 3 and toks[i + 1] in _OF_LIKE:
            if first in lex.org_starts:
                self.add(s, i, j, ORG, _RULE)
                return True
            if first in lex.loc_starts and any(self.namey(t) for t in toks[i + 2:j] if t not in lex.connectors):
                self.add(s, i, j, LOC, _RULE)
                return True
            if first in lex.misc_starts and any(self.namey(t) for t in toks[i + 2:j]):
                self.add(s, i, j, MISC, _RULE)
                return True
        if first in lex.loc_prefixes and all(self.namey(t) for t in toks[i + 1:j]):
            self.add(s, i, j, LOC, _RULE)
            return True
        if first in lex.compass:
            rest = lex.gaz.get(s.key(i + 1, j))
            if rest is not None and rest.type == LOC:
                self.add(s, i, j, LOC, _RULE)
                return True
        return False

    def by_compound(self, s: _Segment, i: int, j: int) -> bool:
        """"US-Cambodia Relations": the known places of the compound, the rest on its own."""
        for k in range(i, j):
            if "-" in s.toks[k] and s.toks[k] not in self.lex.gaz and self.compound_parts(s.toks[k]):
                self.classify(s, i, k)
                self.split_compound(s, k)
                self.classify(s, k + 1, j)
                return True
        return False

    def compound_parts(self, tok: str) -> list[str] | None:
        parts = tok.split("-")
        if len(parts) < 2 or not all(p[:1].isupper() for p in parts):
            return None
        gaz = self.lex.gaz
        if not any(p in gaz for p in parts):
            return None
        return parts

    def split_compound(self, s: _Segment, i: int) -> bool:
        tok = s.toks[i]
        parts = self.compound_parts(tok)
        if parts is None:
            return False
        offset = s.offs[i]
        for part in parts:
            sub = _Segment(s.text, s.seg, offset, part, False)
            entry = self.lex.gaz.get(part)
            if entry is not None:
                self.add_entry(sub, 0, 1, entry)
            elif self.unknown_namey(part):
                self.add_unsure(sub, 0, 1)
            offset += len(part) + 1
        return True

    def add_unsure(self, s: _Segment, i: int, j: int) -> None:
        """A name of unknown type: look at its context for a cue, settle it later against the document."""
        a, b = s.span(i, j)
        left = i == 0 or s.toks[i - 1] in self.lex.connectors
        right = j == len(s.toks) or s.toks[j] in self.lex.connectors
        cue = None
        if left or right:
            cue = _context_cue(self.lex, s.text, a, b, single=j - i == 1,
                               acronym=j - i == 1 and _is_acronym(s.toks[i]), left=left, right=right)
        self.add(s, i, j, None, 0, None, 0, cue)

    # --- the document pass ------------------------------------------------------------------------------

    def headline(self, seg: int, text: str, known: dict[str, tuple[str, tuple[str, str], int]]) -> None:
        """A Title-Cased headline: every word is capitalised, so only known names count."""
        lex = self.lex
        for m in lex.run_re.finditer(text):
            s = _Segment(text, seg, m.start(), m.group(), False)
            toks, n, i = s.toks, len(s.toks), 0
            while i < n:
                if toks[i] in lex.connectors:
                    i += 1
                    continue
                # Stop words may start a known name ("The Hague") but are never one alone.
                shortest = 2 if toks[i] in lex.stop else 1
                for length in range(min(max(lex.longest_from.get(toks[i], 1), 4), n - i), shortest - 1, -1):
                    key = s.key(i, i + length)
                    hit = known.get(key)
                    if hit is None:
                        e = lex.gaz.get(key)
                        if e is not None and (length > 1 or not self.ordinary(key)):
                            hit = (e.type, e.canon, e.rank)
                    if hit is not None:
                        a, _ = s.span(i, i + length)
                        self.mentions.append(_Mention(key, hit[0], hit[1], _GAZ, (seg, a), hit[2]))
                        i += length
                        break
                else:
                    i += 1

    def entities(self, headlines: list[tuple[int, str]]) -> list[Entity]:
        clusters: dict[tuple[str, str], _Cluster] = {}
        by_form: dict[str, tuple[str, str]] = {}

        def place(m: _Mention) -> None:
            """File a typed mention under its entity: the one already known by this spelling, else its own."""
            canon = by_form.get(m.text) if m.strength < _GAZ else None
            if canon is None or canon not in clusters:
                canon = m.canon if m.canon is not None else (m.type or MISC, m.text)
            c = clusters.get(canon)
            type_ = m.type or canon[0]
            if c is None:
                c = clusters[canon] = _Cluster(type_, m.strength, m.pos)
            elif m.strength > c.strength:
                c.type, c.strength = type_, m.strength
            c.add(m.text, m.rank, m.pos)
            by_form.setdefault(m.text, canon)

        plural_acronyms = {m.text[:-1] for m in self.mentions if m.text.endswith("s") and _is_acronym(m.text[:-1])}
        for acr, full, _ in self.acronym_defs:
            if full.type is None:
                full.type, full.canon, full.strength = ORG, (ORG, full.text), _RULE
        acronyms = {acr: full for acr, full, _ in self.acronym_defs}
        unsure: list[_Mention] = []
        unsure_counts: dict[str, int] = {}
        for m in self.mentions:
            if m.type is None and m.text in acronyms:
                full = acronyms[m.text]
                m.type, m.canon, m.strength, m.rank = full.type, full.canon, full.strength, 1
            if m.type is None:
                unsure.append(m)
                unsure_counts[m.text] = unsure_counts.get(m.text, 0) + 1
            else:
                place(m)
        # Unsure names with a cue in their context become typed, unless the document already knows them.
        still: list[_Mention] = []
        for m in unsure:
            if m.cue == ORG and m.text in plural_acronyms:
                still.append(m)  # "the MDG targets" beside "the MDGs": a common noun
            elif m.cue in (PER, ORG, LOC) and m.text not in by_form:
                m.type, m.canon, m.strength = m.cue, (m.cue, m.text), _CUE
                place(m)
            else:
                still.append(m)
        self.merge_people(clusters)
        per_tokens = self.person_tokens(clusters)
        per_index = self.person_index(clusters)
        for m in still:
            canon = by_form.get(m.text)
            if canon is None:
                owners = per_tokens.get(m.text)
                if owners is not None:
                    if len(owners) == 1:
                        canon = next(iter(owners))
                    else:
                        continue  # a surname shared by two people of the document: skip it
            if canon is None:
                canon = self.person_containing(clusters, per_index, m.text)
            if canon is None and " " in m.text:
                # "Sam Rainsy" where the document also says "Mr Rainsy": the fuller name of that person.
                words = m.text.split(" ")
                for w in (words[-1], words[0]):
                    owner = by_form.get(w)
                    if owner in clusters and clusters[owner].type == PER and " " not in w:
                        canon = owner
                        break
            if canon is not None and canon in clusters:
                clusters[canon].add(m.text, 9, m.pos)
                continue
            type_ = self.coordinated_type(m)
            if type_ is not None:
                m.type, m.canon, m.strength = type_, (type_, m.text), _CUE
                place(m)
            elif m.cue == "loc-prep":
                m.type, m.canon, m.strength = LOC, (LOC, m.text), _CUE
                place(m)
        self.merge_people(clusters)
        # Headlines last: only what the gazetteers or the body already know.
        known: dict[str, tuple[str, tuple[str, str], int]] = {}
        for canon, c in clusters.items():
            for form in c.forms:
                known.setdefault(form, (c.type, canon, 9))
        for token, owners in self.person_tokens(clusters).items():
            if len(owners) == 1 and token not in self.lex.gaz and not self.ordinary(token):
                canon = next(iter(owners))
                known.setdefault(token, (PER, canon, 9))
        for seg, text in headlines:
            before = len(self.mentions)
            self.headline(seg, text, known)
            for m in self.mentions[before:]:
                canon = by_form.get(m.text) or m.canon
                if canon in clusters:
                    clusters[canon].add(m.text, m.rank, m.pos)
                else:
                    place(m)
        return self.output(clusters)

    def coordinated_type(self, m: _Mention) -> str | None:
        """"from Odesa, Chornomorsk and Pivdennyi": a name listed with names of one type has that type.
        A comma alone is a list only when the name has list separators on both sides."""
        if m.initial:
            return None
        seg, a = m.pos
        text = self.texts[seg]
        b = a + len(m.text)
        right = next((sep for sep in _LIST_SEPARATORS if text.startswith(sep, b)), None)
        left = next((sep for sep in _LIST_SEPARATORS if text.endswith(sep, 0, a)), None)
        types = set()
        if right is not None and (right != ", " or left is not None):
            other = self.starts.get((seg, b + len(right)))
            if other is not None and other.type is not None:
                types.add(other.type)
        if left is not None and (left != ", " or right is not None):
            other = self.ends.get((seg, a - len(left)))
            if other is not None and other.type is not None:
                types.add(other.type)
        type_ = types.pop() if len(types) == 1 else None
        return type_ if type_ != MISC else None

    def person_tokens(self, clusters: dict[tuple[str, str], _Cluster]) -> dict[str, set[tuple[str, str]]]:
        """First and last words of the people's multi-word names, to the people they may stand for."""
        owners: dict[str, set[tuple[str, str]]] = {}
        for canon, c in clusters.items():
            if c.type != PER:
                continue
            for form in c.forms:
                words = form.split(" ")
                if len(words) < 2:
                    continue
                for w in {words[0], words[-1], " ".join(words[-2:]) if words[-2] in self.lex.particles else ""}:
                    if w and w not in self.lex.particles:
                        owners.setdefault(w, set()).add(canon)
        return owners

    @staticmethod
    def person_index(clusters: dict[tuple[str, str], _Cluster]) -> dict[str, set[tuple[str, str]]]:
        """Every word of every person's names, to those people."""
        index: dict[str, set[tuple[str, str]]] = {}
        for canon, c in clusters.items():
            if c.type == PER:
                for form in c.forms:
                    for word in form.split(" "):
                        index.setdefault(word, set()).add(canon)
        return index

    def person_containing(self, clusters: dict[tuple[str, str], _Cluster],
                          index: dict[str, set[tuple[str, str]]], text: str) -> tuple[str, str] | None:
        """The one person of the document whose name contains `text` ("Lula da Silva"), if just one."""
        words = text.split(" ")
        candidates = set.intersection(*(index.get(w, set()) for w in words))
        found = None
        for canon in candidates:
            c = clusters.get(canon)
            if c is not None and any(_contains(form.split(" "), words) for form in c.forms):
                if found is not None:
                    return None
                found = canon
        return found

    def merge_people(self, clusters: dict[tuple[str, str], _Cluster]) -> None:
        """"Obama" and "Barack Obama" are one person when the document names only one Obama."""
        words_of = {canon: [f.split(" ") for f in c.forms] for canon, c in clusters.items() if c.type == PER}
        if len(words_of) < 2:
            return
        longest = {canon: max(len(w) for w in forms) for canon, forms in words_of.items()}
        index = self.person_index(clusters)
        particles = self.lex.particles
        for canon in sorted(words_of, key=lambda k: longest[k]):
            c = clusters.get(canon)
            if c is None:
                continue
            candidates = set()
            for words in words_of[canon]:
                for word in words:
                    candidates |= index.get(word, set())
                    if word.isupper():
                        candidates |= index.get(word.capitalize(), set())
            targets = set()
            for other in candidates:
                if other == canon or other not in clusters or longest[other] <= longest[canon]:
                    continue
                if any(_part_of_name(w, ow, particles) for w in words_of[canon] for ow in words_of[other]):
                    targets.add(other)
            if len(targets) == 1:
                clusters[targets.pop()].absorb(c)
                del clusters[canon]
            elif len(targets) > 1 and longest[canon] == 1 and c.strength < _GAZ:
                del clusters[canon]  # "Mr Hun" beside Hun Sen and Hun Manet: which one is unclear

    def output(self, clusters: dict[tuple[str, str], _Cluster]) -> list[Entity]:
        out: list[Entity] = []
        seen: set[str] = set()
        for c in sorted(clusters.values(), key=lambda c: c.pos):
            text = c.best_text().strip()
            if not text or text in seen:
                continue
            seen.add(text)
            out.append(Entity(text, c.type))
        return out


def _contains(longer: list[str], shorter: list[str]) -> bool:
    n, k = len(longer), len(shorter)
    return k < n and any(longer[i:i + k] == shorter for i in range(n - k + 1))


def _part_of_name(words: list[str], full: list[str], particles: frozenset[str]) -> bool:
    """Is `words` a shorter form of the name `full`: its surname, its given name, or a run of it?"""
    if len(words) >= len(full):
        return False
    if len(words) == 1:
        word = words[0]
        if word.isupper() and len(word) > 3:  # "LONGORIA:" in a transcript is Eva Longoria
            return word in (w.upper() for w in full)
        return word in full and word not in particles
    return _contains(full, words)


def _acronym_fits(acr: str, name: str) -> bool:
    initials = [w[0] for w in name.replace("-", " ").split() if w[:1].isupper()]
    letters = [c for c in acr if c.isalpha()]
    if not initials or not letters or letters[0] != initials[0]:
        return False
    return len(letters) <= len(initials) + 3


def _sentence_initial(text: str, start: int) -> bool:
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
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            return False
        return True
    return False


def _context_cue(lex: _Lexicon, text: str, a: int, b: int, single: bool, acronym: bool,
                 left: bool, right: bool) -> str | None:
    """PER, ORG or LOC when the words around text[a:b] say so; "loc-prep" for a weak hint of a place.
    `left`/`right` say whether the word on that side is outside the name; where it is more capitalised
    words of the same run, that side says nothing."""
    prev = _prev_word(text, a) if left else ""
    possessive = right and (text.startswith(("'s", "’s"), b) or text.startswith(("' ", "’ "), b))
    after = b + 2 if possessive and text[b + 1:b + 2] in "sS" else b
    nxt, sep = _next_word(text, after) if right else ("", "")
    if prev in lex.roles or left and _prev_two(text, a) in _ROLE_EXTRA:
        return PER
    if acronym:
        # "the CPP said", "the CNRP." but not "the HPV vaccine": an acronym used as an adjective is a term.
        if prev == "the" and b - a >= 3 and (sep not in (" ", "") or nxt in _ACRONYM_VERBS or possessive):
            return ORG
        return None
    if not possessive and sep == " ":
        if nxt in lex.loc_nouns:
            return LOC
        if nxt in lex.org_nouns:
            return ORG
        if not single and nxt in lex.speech:
            return PER
    if not possessive and sep == ",":
        chunk = text[after:after + 90]
        m = lex.appositive_re.match(chunk)
        if m:
            words = [w.lower().rstrip("'’s") if w.endswith(("'s", "’s")) else w.lower()
                     for w in lex.word_re.findall(m.group(1))]
            if words and words[0] in ("who", "whose"):
                return PER
            if words and (words[0] in _APPOSITIVE_STARTS or words[0].endswith(("'", "’"))):
                # The head of the appositive noun phrase: its last word before "of", "in", "who", ...
                phrase = []
                for w in words[1:8]:
                    if w in _APPOSITIVE_STOPS:
                        break
                    phrase.append(w)
                head = phrase[-1] if phrase else ""
                if head in lex.roles:
                    return PER
                if head in lex.loc_appositive:
                    return LOC
                if head in lex.org_appositive:
                    return ORG
    if right and not possessive:
        if prev in lex.loc_preps:
            return LOC
        if prev in ("in", "at"):
            return "loc-prep"
    return None


def _prev_word(text: str, a: int) -> str:
    i = a - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    end = i + 1
    while i >= 0 and (text[i].isalpha() or text[i] in "-'’."):
        i -= 1
    return text[i + 1:end].lower().rstrip(".")


def _prev_two(text: str, a: int) -> str:
    first = _prev_word(text, a)
    if not first:
        return ""
    i = a - 1
    while i >= 0 and text[i] == " ":
        i -= 1
    i -= len(first)
    second = _prev_word(text, i + 1)
    return f"{second} {first}"


def _next_word(text: str, b: int) -> tuple[str, str]:
    """The word after position `b`, and what separates it ("" if nothing)."""
    if b >= len(text):
        return "", ""
    sep = text[b]
    if sep not in " ,":
        return "", sep
    i = b + 1
    while i < len(text) and text[i] == " ":
        i += 1
    j = i
    while j < len(text) and (text[j].isalpha() or text[j] in "-'’"):
        j += 1
    return text[i:j].lower(), sep


def _shouting(text: str, lex: _Lexicon) -> bool:
    """Mostly capital letters: case says nothing about names there."""
    if lex.lowercase_word_re.search(text, 0, 400):
        return False
    head = text[:400]
    upper = sum(map(str.isupper, head))
    return upper >= 12 and upper > 2 * sum(map(str.islower, head))


def _is_headline(text: str, lex: _Lexicon) -> bool:
    """Title Case: most content words capitalised (a headline or a subheading), or all in capitals."""
    words = [w for w in lex.word_re.findall(text) if w[:1].isalpha()]
    content = [w for w in words if w.lower() not in _HEADLINE_SMALL_WORDS]
    if len(content) < 2:
        return False
    caps = sum(1 for w in content if w[:1].isupper())
    return caps >= 0.75 * len(content) and caps >= 2


_HEADLINE_SMALL_WORDS = frozenset(
    "a an the and but or nor for of on in at to by with from as vs via per into onto over under is are was be "
    "its it's".split()
)


def find_entities(title: str, paragraphs: list[str]) -> list[Entity]:
    """Named people (PER), organisations (ORG), places (LOC) and other names (MISC) mentioned in a
    commentary, each once, in order of first mention, with the fullest surface form as text.

    Titles ("President", "Dr") and possessives are not part of a name; a bare surname counts as the person
    named in full elsewhere in the text. Never raises: odd input gives fewer entities, not an error.
    """
    try:
        return _find_entities(title, paragraphs)
    except Exception:  # a bug here must not stop an ingest run; it is logged for the fix
        log.exception("entity recognition failed; returning no entities")
        return []


def _find_entities(title: str, paragraphs: Iterable[str] | None) -> list[Entity]:
    if not isinstance(title, str):
        title = ""
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    elif not isinstance(paragraphs, Iterable):
        paragraphs = []
    texts: list[str] = [_normalise(title[:_MAX_DOC_CHARS])]
    budget = _MAX_DOC_CHARS - len(texts[0])
    for p in paragraphs:
        if not isinstance(p, str) or not p:
            continue
        if budget <= 0:
            break
        p = _normalise(p[:budget])
        budget -= len(p)
        texts.append(p)
    if not any(t.strip() for t in texts):
        return []
    lex = _lexicon()
    reader = _Reader(lex, texts)
    headlines: list[tuple[int, str]] = []
    for seg, text in enumerate(texts):
        if not text or _shouting(text, lex):
            continue
        short = seg == 0 or (len(text) < 200 and text.rstrip()[-1:] not in ".!?:;\"”")
        if short and _is_headline(text, lex):
            headlines.append((seg, text))
        else:
            reader.scan(seg, text)
    return reader.entities(headlines)

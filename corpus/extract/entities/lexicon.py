"""What the entity recogniser knows before it reads a word: the gazetteers, the rule words, the patterns.

Moving parts:
- `load_lexicon()`: the one `Lexicon` of the process, built on first use from `corpus/data/entities_*.txt`
  (the gazetteers of people, organisations, places and other names, the given names, and the rule
  word lists of `entities_lexicon.txt`), with the patterns compiled from them;
- `Entry`: one gazetteer spelling, its type, the entity it names and its rank among its spellings;
- `Words`: what a word is in one document: an ordinary word capitalised only by position, a word that
  could be part of a name, a demonym of a known place. It knows the document's own lowercase words;
- `is_acronym()`, and the types (`PER`, `ORG`, `LOC`, `MISC`) with the strengths of evidence for them.
"""

from __future__ import annotations

import functools
import re

from ... import data

PER, ORG, LOC, MISC = "PER", "ORG", "LOC", "MISC"

# Strengths of the evidence for a mention's type; the strongest wins when one name gets several types.
GAZ, RULE, CUE = 4, 3, 2

# A run of capitalised words longer than this is not one name; the regex starts a new run after it.
MAX_RUN_TOKENS = 12

# "Full Name (ACR)" and "the Full Name, or ACR,": the acronym names what stands just before it.
_ACRONYM_DEF = r"\(\s*([A-Z][A-Za-z0-9&+.\-]{1,11})\s*\)|,\s+or\s+([A-Z][A-Z0-9&+.\-]{1,11})\b"
_LOWER_WORD = r"(?<![\w'’-])[a-z][a-z]+\b"
_WORD = r"[\w'’-]+"
_APPOSITIVE = r",\s+([^,.;:()]+)"


@functools.lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The lexicon of the process: read and compiled on the first call, then kept."""
    return Lexicon()


def is_acronym(tok: str) -> bool:
    """"ASEAN", "U.S.", "G20": all its letters are capitals, and there is more than an initial ("W.")."""
    return len(tok) > 1 and tok.isupper() and not (len(tok) == 2 and tok[1] == ".")


class Entry:
    """One gazetteer spelling: its type, the entity it names (`canon`), and its rank among that entity's
    spellings (0 is the preferred, fullest one)."""

    __slots__ = ("type", "canon", "rank")

    def __init__(self, type_: str, canon: tuple[str, str], rank: int) -> None:
        self.type, self.canon, self.rank = type_, canon, rank


class Lexicon:
    """Everything read from `corpus/data/`, plus the patterns built from it."""

    def __init__(self) -> None:
        sections = data.sections("entities_lexicon.txt")
        self.gaz: dict[str, Entry] = {}
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
                    self.gaz.setdefault(form, Entry(type_, canon, rank))
                    if "'" in form:
                        self.gaz.setdefault(form.replace("'", "’"), Entry(type_, canon, rank))
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
            for rank in sections["title_ranks"]:
                heads.add(f"{rank}-{head}")
        self.title_heads = frozenset(heads)
        self.title_mods = frozenset(mods)
        self.portfolio = words("portfolio")
        self.roles = frozenset(
            {w.lower() for w in sections.get("roles", ())}
            | {h.lower().rstrip(".") for h in heads if len(h) > 2}
        )
        self.role_phrases = words("role_phrases")
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
        self.of_like = words("of_like")
        self.connectors = words("connectors") | self.particles
        self.abbreviations = sections["abbreviations"]
        self.appositive_starts = words("appositive_starts")
        self.appositive_stops = words("appositive_stops")
        self.acronym_verbs = words("acronym_verbs")
        self.english_endings = sections["english_endings"]
        self.english_endings_alone = self.english_endings + sections["english_endings_alone"]
        self.adjective_endings = sections["adjective_endings"]
        self.headline_small_words = words("headline_small_words")
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
        self.run_re = _build_run_regex(self.connectors, words("hyphen_suffixes"), words("possessive_names"),
                                       self.abbreviations, sections["name_prefixes"])
        self.acronym_def_re = re.compile(_ACRONYM_DEF)
        self.lower_word_re = re.compile(_LOWER_WORD)
        self.word_re = re.compile(_WORD)
        self.appositive_re = re.compile(_APPOSITIVE)
        self.lowercase_word_re = re.compile("[a-z]{4}")

    def english_shape(self, low: str, alone: bool = True) -> bool:
        """A lowercased word shaped like English vocabulary ("counting", "reportedly", "multilateralism")."""
        if len(low) < 6:
            return False
        if alone:
            return low.endswith(self.english_endings_alone) and not low.endswith("eed")  # "Rasheed" is a name
        return low.endswith(self.english_endings)


def _build_run_regex(connectors: frozenset[str], hyphen_suffixes: frozenset[str], possessive_names: frozenset[str],
                     abbreviations: tuple[str, ...], name_prefixes: tuple[str, ...]) -> re.Pattern[str]:
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
    abbr = r"(?:" + "|".join(abbreviations) + r")\.(?= )"
    acr_dots = rf"(?:{up}\.){{2,}}"
    initial = rf"{up}\.(?= {up})"
    bases = sorted({n.rstrip("'’s") if n.endswith(("'s", "’s")) else n.rstrip("'’") for n in possessive_names})
    poss = "(?:" + "|".join(bases) + rf")['’]s?(?= {up})"
    prefixed = rf"(?:{'|'.join(name_prefixes)})[-‐]{cap}|[dl]['’]{cap}"
    tok = f"(?:{abbr}|{acr_dots}|{poss}|{initial}|{prefixed}|{cap})"
    conn = "(?:" + "|".join(sorted(connectors, key=len, reverse=True)) + ")"
    # The lookahead fails fast on the many positions where no name can start: a capital, or the first
    # letter of a lowercase prefix ("al-", "bin-", "d'", "l'").
    lowercase_starts = "".join(sorted({p[0] for p in name_prefixes} | {"d", "l"}))
    first = f"(?=[{upper}{lowercase_starts}])"
    return re.compile(rf"{first}(?<![\w'’]){tok}(?: (?:{conn} ){{0,3}}{tok}){{0,{MAX_RUN_TOKENS - 1}}}")


class Words:
    """What a word is in one document: the lexicon's lists, and the words the document writes in lowercase."""

    def __init__(self, lex: Lexicon, texts: list[str]) -> None:
        self.lex = lex
        self.texts = texts
        self._doc_lower: frozenset[str] | None = None

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
        if is_acronym(tok):
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
        if is_acronym(tok):
            return tok not in lex.generic_acronyms
        if "-" in tok and any(p in lex.gaz for p in tok.split("-")):
            return True
        return not self.ordinary(tok) and tok[:1].isupper() and not lex.english_shape(tok.lower(), alone=False)

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

    def drop_initial(self, tok: str) -> bool:
        """Is this sentence-initial word an ordinary word rather than (part of) a name?"""
        lex = self.lex
        if tok in lex.stop:
            return True
        if tok in lex.gaz:
            return tok.lower() in self.doc_lower
        if (tok in lex.title_heads or tok in lex.title_mods or tok in lex.compass or tok in lex.demonyms
                or tok in lex.given or tok in lex.org_starts or tok in lex.loc_starts or tok in lex.misc_starts
                or is_acronym(tok)):
            return False
        low = tok.lower()
        return low in lex.common or low in self.doc_lower or lex.english_shape(low)

"""Named entities in a commentary: people (PER), organisations (ORG), places (LOC) and other names (MISC).

Rule-based and local: standard library only, no model. The gazetteers and word lists were typed for
polsearch (`corpus/data/entities_*.txt`) and are loaded once per process, on first use.

`find_entities(title, paragraphs)` runs the passes in order, one module each:
- `lexicon.py`: the data files and the patterns compiled from them, built lazily and cached for the
  process, and `Words`, what a word is in this document;
- `scan.py`: runs of capitalised words found and cut into segments that may each be one name;
- `classify.py`: each segment typed by the gazetteers, head words ("... Ministry", "Gulf of ..."), a title
  before a name ("Foreign Minister Wang Yi") or a given name, else kept as unsure with the cue its
  context gives (`context.py`);
- `resolve.py`: unsure mentions settled against the whole document (a bare surname is the person already
  named in full, an acronym defined in parentheses is its expansion), the spellings of one entity merged
  under the fullest one, Title-Cased headlines matched only against what is already known;
- `mentions.py`: the records these passes hand each other.

Entity text is a span of the input after light normalisation (NFC; no-break and other wide spaces read as a
plain space; soft hyphens and zero-width characters dropped), with titles and possessives left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from ...document import Entity
from .classify import Classifier
from .lexicon import CUE, Lexicon, Words, load_lexicon
from .mentions import Mentions
from .resolve import Resolver
from .scan import Scanner, normalise_text, sentence_initial

log = logging.getLogger(__name__)

# Text beyond this many characters per document is not read: a long commentary is 50,000 characters, and
# the cap bounds the time spent on pathological input (about a second for 600,000 characters of capitalised
# garbage).
_MAX_DOC_CHARS = 600_000


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
    ruled = rules_pass(title, paragraphs)
    return _add_statistical(*ruled) if ruled is not None else []


def rules_pass(title: str, paragraphs: Iterable[str] | None) -> tuple | None:
    """The rules' entities and what the CRF's pass reads beside them: (entities, texts, headline
    segments, lexicon, mentions, names typed only by a context cue); None for a document without text.
    The rules do not depend on the CRF's settings, so training computes this once per document."""
    if not isinstance(title, str):
        title = ""
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    elif not isinstance(paragraphs, Iterable):
        paragraphs = []
    texts: list[str] = [normalise_text(title[:_MAX_DOC_CHARS])]
    budget = _MAX_DOC_CHARS - len(texts[0])
    for p in paragraphs:
        if not isinstance(p, str) or not p:
            continue
        if budget <= 0:
            break
        p = normalise_text(p[:budget])
        budget -= len(p)
        texts.append(p)
    if not any(t.strip() for t in texts):
        return None
    lex = load_lexicon()
    words = Words(lex, texts)
    mentions = Mentions()
    scanner = Scanner(lex, words, mentions, Classifier(lex, words, mentions))
    headlines: list[tuple[int, str]] = []
    for seg, text in enumerate(texts):
        if not text or _shouting(text, lex):
            continue
        short = seg == 0 or (len(text) < 200 and text.rstrip()[-1:] not in ".!?:;\"”")
        if short and _is_headline(text, lex):
            headlines.append((seg, text))
        else:
            scanner.scan(seg, text)
    resolver = Resolver(lex, words, mentions, texts, scanner.acronym_defs)
    found = resolver.resolve(headlines)
    weak = {text for text, strength in resolver.strength.items() if strength <= CUE}
    return found, texts, {seg for seg, _ in headlines}, lex, mentions, weak


def _add_statistical(found: list[Entity], texts: list[str], headline_segs: set[int], lex: Lexicon,
                     mentions: Mentions, weak: set[str]) -> list[Entity]:
    """The rules' entities, then the people, organisations and places the CRF finds that the rules did
    not: a name sharing a word with one the rules found is theirs (they are the more precise). A name the
    rules typed only by a context cue (`weak`) stays when the CRF also finds a name there; a name that is
    only ever a piece of a longer one the CRF finds ("Wales" of "New South Wales") gives way to it."""
    from . import crf

    if not crf.model_available():
        return found
    paragraphs = [(t if not _shouting(t, lex) else "", seg in headline_segs or seg == 0)
                  for seg, t in enumerate(texts)]
    floors = [crf.MIN_MARGINAL, crf.MIN_MARGINAL_SINGLE]
    for floor in (crf.CONFIRM_CUES, crf.WHOLE_NAMES):
        if floor is not None:
            floors.append(floor)
    tagged = crf.tag_paragraphs(paragraphs, min(floors))
    gaz, common = crf.gazetteer(), crf.clusters()
    pieces: set[tuple[int, int]] = set()
    if crf.WHOLE_NAMES is not None:
        # not in a Title-Cased headline, where the capitals say nothing of where a name ends
        prose = [t for t in tagged if not paragraphs[t[0]][1]]
        found, pieces = _whole_names(found, texts, prose, crf.WHOLE_NAMES, lex, gaz, common)
    kept = {e.text for e in found}
    # where the rules' names stand, the CRF adds nothing, except over a piece of a longer name it found
    covered = {(m.pos[0], m.pos[1] + k) for m in mentions
               if (m.text in kept or (m.canon and m.canon[1] in kept)) and m.pos not in pieces
               for k in range(len(m.text))}
    if crf.CONFIRM_CUES is not None and weak:
        confirmed = {w for p, a, b, typ, conf in tagged if typ != "MISC" and conf >= crf.CONFIRM_CUES
                     for w in texts[p][a:b].split()}
        found = [e for e in found if e.text not in weak or any(w in confirmed for w in e.text.split())]
    seen = {e.text for e in found}
    # the rules' names as sets of words, and their acronyms: a name the CRF finds that is a part of one of
    # them ("Sokha" of "Kem Sokha", "MFN" of "Mekong Futures Network") is that name, which the rules
    # already give in full; a different name sharing a word ("Alan Brooke" beside "Basil Brooke", "New
    # Zealand" beside "New York") is not
    known = [frozenset(e.text.lower().split()) for e in found]
    known += [frozenset(["".join(w[0] for w in e.text.split() if w[:1].isupper()).lower()]) for e in found]
    # each name the CRF finds, in order of first mention, with the confidence it gave each type over the
    # document: one name gets one type, the one most of its mentions carry ("Georgia" the state, not the
    # country, where most mentions say so), and none when that is MISC
    votes: dict[str, dict[str, float]] = {}
    for p, a, b, typ, conf in tagged:
        if conf < (crf.MIN_MARGINAL if " " in texts[p][a:b].strip() else crf.MIN_MARGINAL_SINGLE):
            continue
        text = texts[p][a:b].strip()
        for tail in ("'s", "’s"):  # a possessive is the name's ("Sokha's" is Sokha, whom the rules may know)
            if text.endswith(tail):
                text = text[: -len(tail)]
                b -= len(tail)
        if text.startswith("the ") and text[4:5].isupper():  # "the United States" is United States
            text, a = text[4:], a + 4
        # a sentence's first word that unlabelled prose writes in lower case, and no gazetteer knows, is
        # that word, capitalised only to start the sentence ("Counting Guinea-Bissau", "Allies agreed")
        start = sentence_initial(texts[p], a, lex.abbreviations)
        if start and _common_word(text.split()[0], gaz, common):
            rest = text[len(text.split()[0]):].lstrip()
            text, a, start = rest, a + len(text) - len(rest), False
        if not text[:1].isupper() or text in seen or len(text) < 2:
            continue
        if (p, a) in covered or (p, b - 1) in covered or _part_of(text, known):
            continue
        if not _name_like(text, gaz):
            continue
        first = text.split()[0]
        if text in lex.stop or text in lex.demonyms or first in lex.stop:
            continue
        # a capital that only starts a sentence says little: one word there must be a known name, or one
        # the CRF is sure of (`SENTENCE_START`, chosen in training; None: a known name only)
        if (start and " " not in text and text.lower() not in gaz
                and (crf.SENTENCE_START is None or conf < crf.SENTENCE_START)):
            continue
        by_type = votes.setdefault(text, {})
        by_type[typ] = by_type.get(typ, 0.0) + conf
    out = list(found)
    for text, by_type in votes.items():
        typ = max(by_type, key=by_type.get)
        if typ != "MISC":
            out.append(Entity(text, typ))
    return out


def _whole_names(found: list[Entity], texts: list[str], tagged: list[tuple[int, int, int, str, float]],
                 floor: float, lex: Lexicon, gaz: dict[str, str], common: dict
                 ) -> tuple[list[Entity], set[tuple[int, int]]]:
    """`found` less the names of which every occurrence lies inside a longer name the CRF finds with at
    least `floor` confidence, and where (paragraph, offset) the occurrences inside such names stand: the
    gazetteers know "Wales", "America" and "Rome", but in "New South Wales", "Mystery Writers of
    America" and "Ancient Rome" they are a piece of another name. A longer span that only adds a title
    or an article ("Sir Thomas Legg", "the United States") does not count."""
    longer: dict[int, list[tuple[int, int]]] = {}
    for p, a, b, _typ, conf in tagged:
        if conf >= floor:
            longer.setdefault(p, []).append((a, b))
    if not longer:
        return found, set()
    minor = lex.title_heads | lex.title_mods | lex.honorifics | {"the", "The"}

    def extends(p: int, x: int, a: int, b: int, y: int) -> bool:
        text = texts[p]
        after = text[b:y]
        if after[:1] in ("-", "'", "’", ".", ","):  # "Sierra Leone-flagged", "G20’s Common Framework", "G20."
            return False
        if "," in text[x:a] or ";" in text[x:y]:  # a list of names, "Paris, France", is no one name
            return False
        before = text[x:a].split()
        if before and sentence_initial(text, x, lex.abbreviations) and _common_word(before[0], gaz, common):
            before = before[1:]  # "Counting Guinea-Bissau", "Officials in The Hague"
        extra = before + after.split()
        if any(w[:1].islower() and w not in _CONNECTORS for w in extra):
            return False  # a lower-case word: "United Nations mission MINUSMA" is no one name
        return any(w[:1].isupper() and w not in minor and w.lower() not in lex.roles for w in extra)

    def inside(p: int, a: int, b: int) -> bool:
        return any(x <= a and b <= y and (x, y) != (a, b) and extends(p, x, a, b, y)
                   for x, y in longer.get(p, ()))

    out, pieces = [], set()
    for e in found:
        pattern = re.compile(r"(?<!\w)" + re.escape(e.text) + r"(?!\w)")
        places = [(p, m.start(), m.end()) for p, text in enumerate(texts) for m in pattern.finditer(text)]
        within = [place for place in places if inside(*place)]
        pieces.update((p, a) for p, a, _b in within)
        if not places or len(within) < len(places):
            out.append(e)
    return out, pieces


def _part_of(text: str, known: list[frozenset[str]]) -> bool:
    """Whether the words of `text` (connectors aside) are all words of one of the `known` names."""
    words = frozenset(text.lower().split()) - _CONNECTORS
    return any(words <= name for name in known)


_CONNECTORS = frozenset("of the for and de la du da del von van al el bin on in".split())


def _common_word(word: str, gaz: dict[str, str], common: dict) -> bool:
    """A word unlabelled prose writes in lower case (the word clusters' vocabulary) that no gazetteer
    knows."""
    low = word.lower()
    return low != word and low in common and low not in gaz


def _name_like(text: str, gaz: dict[str, str]) -> bool:
    """Capitalised words (connectors aside), no number, and no long word in capitals that the gazetteers
    do not know (a navigation label: "PUBLICATIONS")."""
    words = text.split()
    if not words or any(w.lower() not in _CONNECTORS and not w[:1].isupper() for w in words):
        return False
    if any(ch.isdigit() for ch in text):
        return False
    return not any(len(w) > 5 and w.isupper() and w.lower() not in gaz for w in words)


def _shouting(text: str, lex: Lexicon) -> bool:
    """Mostly capital letters: case says nothing about names there."""
    if lex.lowercase_word_re.search(text, 0, 400):
        return False
    head = text[:400]
    upper = sum(map(str.isupper, head))
    return upper >= 12 and upper > 2 * sum(map(str.islower, head))


def _is_headline(text: str, lex: Lexicon) -> bool:
    """Title Case: most content words capitalised (a headline or a subheading), or all in capitals."""
    words = [w for w in lex.word_re.findall(text) if w[:1].isalpha()]
    content = [w for w in words if w.lower() not in lex.headline_small_words]
    if len(content) < 2:
        return False
    caps = sum(1 for w in content if w[:1].isupper())
    return caps >= 0.75 * len(content) and caps >= 2

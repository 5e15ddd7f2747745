"""Settling one document's mentions into its entities, once each, with the fullest spelling.

Moving parts:
- `Resolver.resolve(headlines)`: mentions the gazetteers or the rules typed are filed under their
  entity (`Cluster`); an acronym defined in parentheses takes its expansion's type and entity; unsure
  mentions are settled against the document: by their context cue, by a name listed beside names of
  one type (`coordinated_type`), as the person already named in full (a bare surname, "Mr Rainsy"),
  or not at all. People's shorter names merge into the fuller one when the document names only one
  such person (`merge_people`). A Title-Cased headline is read last, only for names already known
  (`headline`);
- `Cluster`: one entity of the document, its spellings seen and where it was first mentioned;
  `output()` gives the entities in order of first mention, with the fullest spelling.
"""

from __future__ import annotations

from ...document import Entity
from .lexicon import CUE, GAZ, LOC, MISC, ORG, PER, RULE, Lexicon, Words, is_acronym
from .mentions import Mention, Mentions, Segment

_LIST_SEPARATORS = (", and ", ", or ", ", ", " and ", " or ")


class Cluster:
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

    def absorb(self, other: Cluster) -> None:
        for text, (rank, pos) in other.forms.items():
            self.add(text, rank, pos)
        self.strength = max(self.strength, other.strength)

    def best_text(self) -> str:
        if self.type == PER:
            # The fullest name: most words, then the gazetteer's preferred spelling, then the first seen.
            return min(self.forms.items(), key=lambda kv: (-len(kv[0].split()), kv[1][0], kv[1][1]))[0]
        return min(self.forms.items(), key=lambda kv: (kv[1][0], -len(kv[0]), kv[1][1]))[0]


class Resolver:
    """Settles the mentions of one document (`mentions`, with the acronyms its texts define)."""

    def __init__(self, lex: Lexicon, words: Words, mentions: Mentions, texts: list[str],
                 acronym_defs: list[tuple[str, Mention, tuple[int, int]]]) -> None:
        self.lex = lex
        self.words = words
        self.mentions = mentions
        self.texts = texts
        self.acronym_defs = acronym_defs
        # each output name's strongest evidence (GAZ, RULE, CUE): the weakest may be checked against the CRF
        self.strength: dict[str, int] = {}

    def headline(self, seg: int, text: str, known: dict[str, tuple[str, tuple[str, str], int]]) -> None:
        """A Title-Cased headline: every word is capitalised, so only known names count."""
        lex = self.lex
        for m in lex.run_re.finditer(text):
            s = Segment(text, seg, m.start(), m.group(), False)
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
                        if e is not None and (length > 1 or not self.words.ordinary(key)):
                            hit = (e.type, e.canon, e.rank)
                    if hit is not None:
                        a, _ = s.span(i, i + length)
                        self.mentions.append(Mention(key, hit[0], hit[1], GAZ, (seg, a), hit[2]))
                        i += length
                        break
                else:
                    i += 1

    def resolve(self, headlines: list[tuple[int, str]]) -> list[Entity]:
        """The document's entities, once each, in order of first mention; `headlines` (segment, text) are
        the Title-Cased texts, read last against what is known."""
        clusters: dict[tuple[str, str], Cluster] = {}
        by_form: dict[str, tuple[str, str]] = {}

        def place(m: Mention) -> None:
            """File a typed mention under its entity: the one already known by this spelling, else its own."""
            canon = by_form.get(m.text) if m.strength < GAZ else None
            if canon is None or canon not in clusters:
                canon = m.canon if m.canon is not None else (m.type or MISC, m.text)
            c = clusters.get(canon)
            type_ = m.type or canon[0]
            if c is None:
                c = clusters[canon] = Cluster(type_, m.strength, m.pos)
            elif m.strength > c.strength:
                c.type, c.strength = type_, m.strength
            c.add(m.text, m.rank, m.pos)
            by_form.setdefault(m.text, canon)

        plural_acronyms = {m.text[:-1] for m in self.mentions if m.text.endswith("s") and is_acronym(m.text[:-1])}
        for acr, full, _ in self.acronym_defs:
            if full.type is None:
                full.type, full.canon, full.strength = ORG, (ORG, full.text), RULE
        acronyms = {acr: full for acr, full, _ in self.acronym_defs}
        unsure: list[Mention] = []
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
        still: list[Mention] = []
        for m in unsure:
            if m.cue == ORG and m.text in plural_acronyms:
                still.append(m)  # "the MDG targets" beside "the MDGs": a common noun
            elif m.cue in (PER, ORG, LOC) and m.text not in by_form:
                m.type, m.canon, m.strength = m.cue, (m.cue, m.text), CUE
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
                m.type, m.canon, m.strength = type_, (type_, m.text), CUE
                place(m)
            elif m.cue == "loc-prep":
                m.type, m.canon, m.strength = LOC, (LOC, m.text), CUE
                place(m)
        self.merge_people(clusters)
        # Headlines last: only what the gazetteers or the body already know.
        known: dict[str, tuple[str, tuple[str, str], int]] = {}
        for canon, c in clusters.items():
            for form in c.forms:
                known.setdefault(form, (c.type, canon, 9))
        for token, owners in self.person_tokens(clusters).items():
            if len(owners) == 1 and token not in self.lex.gaz and not self.words.ordinary(token):
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

    def coordinated_type(self, m: Mention) -> str | None:
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
            other = self.mentions.starts.get((seg, b + len(right)))
            if other is not None and other.type is not None:
                types.add(other.type)
        if left is not None and (left != ", " or right is not None):
            other = self.mentions.ends.get((seg, a - len(left)))
            if other is not None and other.type is not None:
                types.add(other.type)
        type_ = types.pop() if len(types) == 1 else None
        return type_ if type_ != MISC else None

    def person_tokens(self, clusters: dict[tuple[str, str], Cluster]) -> dict[str, set[tuple[str, str]]]:
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
    def person_index(clusters: dict[tuple[str, str], Cluster]) -> dict[str, set[tuple[str, str]]]:
        """Every word of every person's names, to those people."""
        index: dict[str, set[tuple[str, str]]] = {}
        for canon, c in clusters.items():
            if c.type == PER:
                for form in c.forms:
                    for word in form.split(" "):
                        index.setdefault(word, set()).add(canon)
        return index

    def person_containing(self, clusters: dict[tuple[str, str], Cluster],
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

    def merge_people(self, clusters: dict[tuple[str, str], Cluster]) -> None:
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
            elif len(targets) > 1 and longest[canon] == 1 and c.strength < GAZ:
                del clusters[canon]  # "Mr Hun" beside Hun Sen and Hun Manet: which one is unclear

    def output(self, clusters: dict[tuple[str, str], Cluster]) -> list[Entity]:
        out: list[Entity] = []
        seen: set[str] = set()
        for c in sorted(clusters.values(), key=lambda c: c.pos):
            text = c.best_text().strip()
            if not text or text in seen:
                continue
            seen.add(text)
            self.strength[text] = c.strength
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

"""Typing the names the scanner finds: a person, an organisation, a place, another name, or unsure.

`Classifier.classify(segment, i, j)`: tokens i..j of a run are typed by the gazetteers, then by the
rules in turn: a known person inside a longer run ("Cambodian Prime Minister Hun Manet"), a place
before a body ("US Senate"), a title before a name ("Foreign Minister Wang Yi", `by_title`), a first
word ("Ministry of ...", "Gulf of ...", `by_start`), a head word ("... River", "... Treaty",
`by_head`), a hyphenated compound ("US-Cambodia"), a given name; what is left is kept as an unsure
mention (`add_unsure`) with the cue its context gives (`context.py`).
"""

from __future__ import annotations

from .context import context_cue
from .lexicon import LOC, MISC, ORG, PER, RULE, Entry, Lexicon, Words, is_acronym
from .mentions import Mentions, Segment


class Classifier:
    """Types the segments of one document's runs, adding what it finds to the document's mentions."""

    def __init__(self, lex: Lexicon, words: Words, mentions: Mentions) -> None:
        self.lex = lex
        self.words = words
        self.mentions = mentions

    def classify(self, s: Segment, i: int, j: int) -> None:
        lex, toks = self.lex, s.toks
        if j - i > 1 and toks[i] in lex.stop:
            entry = lex.gaz.get(s.key(i, j))
            if entry is not None:  # "The Hague", "The Gambia"
                self.mentions.add_entry(s, i, j, entry)
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
            self.mentions.add_entry(s, i, j, entry)
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
            self.mentions.add(s, i, j, PER, RULE)
            return
        # Leading demonyms and compass words ("Cambodian ...", "Western ...") are not part of a name.
        while i < j and (toks[i] in lex.demonyms or toks[i] in lex.compass or toks[i] in lex.title_mods):
            i += 1
        # What is left is a name only where every word could be one; trim ordinary words at the edges.
        while i < j and not self.words.unknown_namey(toks[i]):
            i += 1
        while j > i and not self.words.unknown_namey(toks[j - 1]):
            j -= 1
        if i >= j:
            return
        if j - i == 1:
            self.classify_single(s, i)
            return
        if not all(self.words.unknown_namey(toks[k]) or toks[k] in lex.particles for k in range(i, j)):
            for k in range(i, j):
                if not self.words.unknown_namey(toks[k]) and toks[k] not in lex.particles:
                    self.classify(s, i, k)
                    self.classify(s, k + 1, j)
                    return
        if j - i > 5:
            return
        if toks[i] in lex.given and not is_acronym(toks[i]):
            self.mentions.add(s, i, j, PER, RULE)
            return
        self.add_unsure(s, i, j)

    def classify_single(self, s: Segment, i: int) -> None:
        lex = self.lex
        tok = s.toks[i]
        entry = lex.gaz.get(tok)
        if entry is not None:
            self.mentions.add_entry(s, i, i + 1, entry)
            return
        if tok in lex.stop or tok in lex.demonyms or tok in lex.structural or tok in lex.title_mods:
            return
        if tok in lex.compass or tok in lex.connectors or tok in lex.given or self.words.demonym_of_place(tok):
            return
        if "-" in tok and self.split_compound(s, i):
            return
        if len(tok) > 2 and tok[-1] == "s" and is_acronym(tok[:-1]):
            return  # "NGOs", "HSIs": a plural is a common noun
        if is_acronym(tok):
            if tok in lex.generic_acronyms or not tok[0].isalpha() or len(tok) > 10:
                return
            if all(c in "IVXLCDM" for c in tok):  # a Roman numeral
                return
            self.add_unsure(s, i, i + 1)
            return
        if tok[-1] == "." or not tok[:1].isupper() and tok.split("-")[0] not in lex.particles:
            return
        if self.words.ordinary(tok) or self.lex.english_shape(tok.lower()):
            return
        self.add_unsure(s, i, i + 1)

    def by_head(self, s: Segment, i: int, j: int) -> bool:
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
        if needs_name and not any(self.words.namey(t) and t not in lex.compass for t in modifiers
                                  if t not in lex.connectors):
            return False
        if type_ == LOC and needs_name and not any(
            not is_acronym(t) and not t.endswith(self.lex.adjective_endings)
            and (self.words.unknown_namey(t) or t in lex.gaz and lex.gaz[t].type == LOC)
            for t in modifiers
        ):
            return False  # "Syrian State", "Comorian State", "Islamic Republic" are not place names
        self.mentions.add(s, i, j, type_, RULE)
        return True

    def split_place_prefix(self, s: Segment, i: int, j: int) -> bool:
        """"US Senate" is a place and an organisation; "US Department of State" too."""
        lex, toks = self.lex, s.toks
        for k in range(i + 1, min(i + 4, j)):
            pre = lex.gaz.get(s.key(i, k))
            if pre is None or pre.type not in (LOC, ORG):
                continue
            # Only a country's short name splits off a longer body's name ("US Senate", "UK Parliament");
            # "Copenhagen Green Climate Fund" is one name.
            if not (is_acronym(toks[i]) or j - k == 1):
                continue
            rest = lex.gaz.get(s.key(k, j))
            if (rest is not None and rest.type in (ORG, MISC)) or (
                toks[k] in lex.org_starts and k + 1 < j and toks[k + 1] in self.lex.of_like
            ):
                self.mentions.add_entry(s, i, k, pre)
                self.classify(s, k, j)
                return True
        return False

    def by_gazetteer_inside(self, s: Segment, i: int, j: int) -> bool:
        """A known person inside a longer run: "Cambodian Prime Minister Hun Manet", "President Putin"."""
        lex = self.lex
        best: tuple[int, int, Entry] | None = None
        for a in range(i, j):
            for length in range(min(lex.longest_person_from.get(s.toks[a], 0), j - a), 0, -1):
                e = lex.gaz.get(s.key(a, a + length))
                if e is not None and e.type == PER:
                    if length == 1 and (
                        a + 1 < j and self.words.unknown_namey(s.toks[a + 1])
                        or a > i and (s.toks[a - 1] in lex.given or self.words.unknown_namey(s.toks[a - 1]))
                    ):
                        break  # "Lumumba Di-Aping" is not Patrice Lumumba, "Linda Yvette Chávez" not Hugo
                    if best is None or length > best[1] - best[0]:
                        best = (a, a + length, e)
                    break
        if best is None:
            return False
        a, b, e = best
        self.mentions.add_entry(s, a, b, e)
        self.classify(s, i, self.strip_title_tail(s, i, a))
        self.classify(s, b, j)
        return True

    def strip_title_tail(self, s: Segment, i: int, j: int) -> int:
        lex, toks = self.lex, s.toks
        while j > i and (toks[j - 1] in lex.title_heads or toks[j - 1] in lex.title_mods
                         or toks[j - 1] in lex.stop):
            j -= 1
        return j

    def by_title(self, s: Segment, i: int, j: int) -> bool:
        """"President Barack Obama", "UN Secretary-General António Guterres", "Minister of Foreign Affairs
        Prak Sokhonn": the title is dropped, what stands before it is classified on its own."""
        for p in range(j - 2, i - 1, -1):
            if s.toks[p] in self.lex.title_heads and self.title_at(s, i, j, p):
                return True
        return False

    def title_at(self, s: Segment, i: int, j: int, p: int) -> bool:
        lex, toks = self.lex, s.toks
        q = p + 1
        domain: list[tuple[int, int, Entry]] = []
        rest = -1  # where the words after "of"/"for"/"to" start, when the title has them
        if toks[q] in self.lex.of_like:
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
                self.mentions.add_entry(s, a, b, e)
            entry = lex.gaz.get(s.key(name_start, j))
            if entry is not None:
                self.mentions.add_entry(s, name_start, j, entry)
            else:
                self.mentions.add(s, name_start, j, PER, RULE)
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
        if any(is_acronym(t) and len(t) > 3 for t in name):
            return False
        if title not in lex.honorifics and all(self.words.ordinary(t) and t not in lex.gaz for t in name):
            return False  # "General Debate", "High Commissioner for Refugees"
        if title not in lex.honorifics and any(
            t not in lex.gaz and t not in lex.given and self.lex.english_shape(t.lower(), alone=len(name) == 1) for t in name
        ):
            return False  # "Counselor for Trade and Manufacturing"
        if title in lex.weak_titles and len(name) == 1 and name[0] not in lex.gaz and name[0] not in lex.given:
            return False  # "General Provisions", "Field Leader Supervisor"
        return True

    def by_start(self, s: Segment, i: int, j: int) -> bool:
        """"Ministry of Foreign Affairs", "Gulf of Thailand", "Treaty of Versailles", "Mount Everest"."""
        lex, toks = self.lex, s.toks
        first = toks[i]
        for k in range(i + 1, j - 1):
            if toks[k] in ("in", "at") and lex.gaz.get(s.key(i, k)) is not None and lex.gaz[s.key(i, k)].type == ORG:
                self.mentions.add(s, i, j, ORG, RULE)
                return True
        for k in range(i + 1, j - 2):
            # "People's Alliance for Democracy", "Assistance Association for Political Prisoners".
            if toks[k + 1] not in self.lex.of_like or not all(self.words.namey(t) or t[:1].isupper() for t in toks[i:k]):
                continue
            if toks[k] in lex.org_starts or toks[k] in lex.org_heads:
                self.mentions.add(s, i, j, ORG, RULE)
                return True
            if toks[k] in lex.misc_starts or toks[k] in lex.misc_heads:  # "Brussels Conference for the ..."
                self.mentions.add(s, i, j, MISC, RULE)
                return True
        if toks[j - 1] in lex.demonyms:
            return False  # "Forum of African ..." was cut short
        if j - i >= 3 and toks[i + 1] in self.lex.of_like:
            if first in lex.org_starts:
                self.mentions.add(s, i, j, ORG, RULE)
                return True
            if first in lex.loc_starts and any(self.words.namey(t) for t in toks[i + 2:j] if t not in lex.connectors):
                self.mentions.add(s, i, j, LOC, RULE)
                return True
            if first in lex.misc_starts and any(self.words.namey(t) for t in toks[i + 2:j]):
                self.mentions.add(s, i, j, MISC, RULE)
                return True
        if first in lex.loc_prefixes and all(self.words.namey(t) for t in toks[i + 1:j]):
            self.mentions.add(s, i, j, LOC, RULE)
            return True
        if first in lex.compass:
            rest = lex.gaz.get(s.key(i + 1, j))
            if rest is not None and rest.type == LOC:
                self.mentions.add(s, i, j, LOC, RULE)
                return True
        return False

    def by_compound(self, s: Segment, i: int, j: int) -> bool:
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

    def split_compound(self, s: Segment, i: int) -> bool:
        tok = s.toks[i]
        parts = self.compound_parts(tok)
        if parts is None:
            return False
        offset = s.offs[i]
        for part in parts:
            sub = Segment(s.text, s.seg, offset, part, False)
            entry = self.lex.gaz.get(part)
            if entry is not None:
                self.mentions.add_entry(sub, 0, 1, entry)
            elif self.words.unknown_namey(part):
                self.add_unsure(sub, 0, 1)
            offset += len(part) + 1
        return True

    def add_unsure(self, s: Segment, i: int, j: int) -> None:
        """A name of unknown type: look at its context for a cue, settle it later against the document."""
        a, b = s.span(i, j)
        left = i == 0 or s.toks[i - 1] in self.lex.connectors
        right = j == len(s.toks) or s.toks[j] in self.lex.connectors
        cue = None
        if left or right:
            cue = context_cue(self.lex, s.text, a, b, single=j - i == 1,
                               acronym=j - i == 1 and is_acronym(s.toks[i]), left=left, right=right)
        self.mentions.add(s, i, j, None, 0, None, 0, cue)

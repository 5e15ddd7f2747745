"""What the words around a name say of it, when the gazetteers and the rules could not type it.

`context_cue(lex, text, a, b, ...)` gives PER, ORG or LOC, or "loc-prep" for a weak hint of a place:
- a role before the name ("minister Hun Sen", "prime minister ..."): a person;
- after it, "said" and the other speech verbs: a person; a place noun ("... province") or a body noun;
- an appositive after a comma ("Kem Sokha, the opposition leader", "..., who said"): its head noun;
- "the ACRONYM said" is a body, "the HPV vaccine" a term; a preposition of place before it ("in ...").
The resolver decides later whether the cue holds against the rest of the document.
"""

from __future__ import annotations

from .lexicon import LOC, ORG, PER, Lexicon


def context_cue(lex: Lexicon, text: str, a: int, b: int, single: bool, acronym: bool,
                 left: bool, right: bool) -> str | None:
    """PER, ORG or LOC when the words around text[a:b] say so; "loc-prep" for a weak hint of a place.
    `left`/`right` say whether the word on that side is outside the name; where it is more capitalised
    words of the same run, that side says nothing."""
    prev = _prev_word(text, a) if left else ""
    possessive = right and (text.startswith(("'s", "’s"), b) or text.startswith(("' ", "’ "), b))
    after = b + 2 if possessive and text[b + 1:b + 2] in "sS" else b
    nxt, sep = _next_word(text, after) if right else ("", "")
    if prev in lex.roles or left and _prev_two(text, a) in lex.role_phrases:
        return PER
    if acronym:
        # "the CPP said", "the CNRP." but not "the HPV vaccine": an acronym used as an adjective is a term.
        if prev == "the" and b - a >= 3 and (sep not in (" ", "") or nxt in lex.acronym_verbs or possessive):
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
            if words and (words[0] in lex.appositive_starts or words[0].endswith(("'", "’"))):
                # The head of the appositive noun phrase: its last word before "of", "in", "who", ...
                phrase = []
                for w in words[1:8]:
                    if w in lex.appositive_stops:
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

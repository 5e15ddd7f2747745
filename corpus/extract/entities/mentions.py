"""The records the recogniser's passes hand each other: runs of capitalised words and the names found in them.

Moving parts:
- `Segment`: a run of capitalised words in its text, with its tokens and their offsets;
- `Mention`: a name found at a position (segment number, character offset), with its type (None while
  it is unsure), the entity it names (`canon`), the strength of the evidence and the context cue;
- `Mentions`: the mentions of one document in the order found, indexed by where they start and end
  (the resolver reads its neighbours: "Odesa, Chornomorsk and Pivdennyi").
"""

from __future__ import annotations

from .lexicon import GAZ, Entry


class Segment:
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


class Mention:
    """A name found at `pos` (segment number, character offset). `type` is None while it is unsure."""

    __slots__ = ("text", "type", "canon", "strength", "pos", "rank", "cue", "initial")

    def __init__(self, text: str, type_: str | None, canon: tuple[str, str] | None, strength: int,
                 pos: tuple[int, int], rank: int = 0, cue: str | None = None, initial: bool = False) -> None:
        self.text, self.type, self.canon, self.strength = text, type_, canon, strength
        self.pos, self.rank, self.cue, self.initial = pos, rank, cue, initial


class Mentions(list):
    """The mentions of one document, in the order found; `ends` and `starts` index them by position."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: dict[tuple[int, int], Mention] = {}
        self.starts: dict[tuple[int, int], Mention] = {}

    def put(self, m: Mention, seg: int, a: int, b: int) -> Mention:
        """Keep `m`, which stands at characters a..b of segment `seg`."""
        self.append(m)
        self.ends[(seg, b)] = m
        self.starts[(seg, a)] = m
        return m

    def known(self, run: str, entry: Entry, seg: int, start: int) -> None:
        """A whole run that the gazetteers name."""
        self.put(Mention(run, entry.type, entry.canon, GAZ, (seg, start), entry.rank), seg, start, start + len(run))

    def add(self, s: Segment, i: int, j: int, type_: str | None, strength: int,
            canon: tuple[str, str] | None = None, rank: int = 0, cue: str | None = None) -> Mention:
        """The name of tokens i..j of `s`; typed (with its entity) or, with `type_` None, unsure."""
        a, b = s.span(i, j)
        text = s.text[a:b]
        if type_ is not None and canon is None:
            canon = (type_, text)
        return self.put(Mention(text, type_, canon, strength, (s.seg, a), rank, cue, s.initial and a == s.run_start),
                        s.seg, a, b)

    def add_entry(self, s: Segment, i: int, j: int, e: Entry) -> None:
        self.add(s, i, j, e.type, GAZ, e.canon, e.rank)

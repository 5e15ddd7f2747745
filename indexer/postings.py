"""Whoosh's posting lists written a run of postings at a time, in Whoosh's own format by Whoosh's own
block writer.

`FieldWriter.add_postings` takes one posting at a time and makes four Python calls for each (the
generator, `add`, `add_posting` with its type checks, the length lookup): at 100,000 documents that
is some 50 million postings and most of a segment build. `write()` takes runs of postings of one term
(the builder has them as arrays already) and fills the codec's block buffer a block at a time, then
lets the codec's own `_write_block` and `finish_postings` encode, compress and index each block. The
files are the bytes `add_postings` writes (`tests/test_segments.py` compares them byte for byte);
`write()` leans on the W3 postings writer's buffer (`_ids`, `_weights`, `_values`, its block
statistics), so a Whoosh whose writer is not that one is refused rather than written wrongly.
"""

from __future__ import annotations

from array import array
from typing import Callable, Iterable, Sequence

# One run: (field name, term bytes, document numbers, weights, encoded values); consecutive runs of
# one term in one field continue it. Fields in name order, terms in byte order, documents ascending.
Run = tuple[str, bytes, Sequence[int], Sequence[float], Sequence[bytes]]


def supported(fieldwriter) -> bool:
    """True when `fieldwriter` is the W3 field writer whose block buffer `write()` fills."""
    from whoosh.codec import whoosh3

    return type(fieldwriter) is whoosh3.W3FieldWriter and \
        type(fieldwriter._codec.postings_writer(None)) is whoosh3.W3PostingsWriter


def write(fieldwriter, schema, lengths: Callable[[str], Callable[[int], object]], runs: Iterable[Run]) -> None:
    """Write `runs` through `fieldwriter` (a `W3FieldWriter`). `lengths(field)` gives the field's
    per-document length lookup as `add_postings` reads it (falsy: no length)."""
    field = term = None
    length_of: Callable[[int], object] = lambda _d: 0  # noqa: E731 - rebound per field
    for name, btext, docs, weights, values in runs:
        if name != field:
            if term is not None:
                fieldwriter.finish_term()
            if field is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(name, schema[name])
            field, term = name, None
            length_of = lengths(name)
        if btext != term:
            if term is not None:
                fieldwriter.finish_term()
            fieldwriter.start_term(btext)
            term = btext
        _add_run(fieldwriter._postwriter, docs, weights, values, length_of)
    if term is not None:
        fieldwriter.finish_term()
    if field is not None:
        fieldwriter.finish_field()


def _add_run(pw, docs: Sequence[int], weights: Sequence[float], values: Sequence[bytes],
             length_of: Callable[[int], object]) -> None:
    """`pw.add_posting` for each posting of the run, a block's worth at a time: a full block is
    written when one more posting comes, as `add_posting` does, and the last one by `finish_postings`."""
    limit = pw._blocklimit
    n = len(docs)
    i = 0
    while i < n:
        room = limit - len(pw._ids)
        if room <= 0:
            pw._write_block()
            room = limit
        j = min(n, i + room)
        pw._ids.extend(docs[i:j])
        block_weights = weights[i:j]
        pw._weights.extend(block_weights)
        heaviest = max(block_weights)
        if heaviest > pw._maxweight:
            pw._maxweight = heaviest
        pw._values.extend(v for v in values[i:j] if v)
        found = [x for x in map(length_of, docs[i:j]) if x]
        if found:
            shortest, longest = min(found), max(found)
            if pw._minlength is None or shortest < pw._minlength:
                pw._minlength = shortest
            if longest > pw._maxlength:
                pw._maxlength = longest
        i = j


class Lengths:
    """Each document's field lengths as `FieldWriter.add_postings` asks the per-document reader for them
    (`W3PerDocReader.doc_field_length_reader`: the stored byte decoded, falsy for none), from the
    lengths the builder counted rather than read back from the file."""

    def __init__(self, lengths: dict[str, array]) -> None:
        from whoosh.util.numeric import byte_to_length, length_to_byte

        self.decoded: dict[str, list] = {}
        for name, values in lengths.items():
            table: dict[int, int | None] = {}
            out = []
            for n in values:
                q = table.get(n, -1)
                if q == -1:
                    byte = length_to_byte(n)
                    q = table[n] = byte_to_length(byte) if byte else None
                out.append(q)
            if any(out):  # the file has a lengths column for the field only then
                self.decoded[name] = out

    def doc_field_length_reader(self, fieldname: str, default=0):
        values = self.decoded.get(fieldname)
        if values is None:
            return lambda docnum, _default=default: _default
        return values.__getitem__

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        return self.doc_field_length_reader(fieldname, default)(docnum)

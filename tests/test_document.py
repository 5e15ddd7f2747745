"""The Document record: JSON round trip, identity, and what counts as a change."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.document import Document, Entity, canonical_url, make_id

_text = st.text(max_size=60)
_entity = st.builds(Entity, text=_text, type=st.sampled_from(["PER", "ORG", "LOC", "MISC"]))
_documents = st.builds(
    Document,
    id=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    url=_text, title=_text, body=st.text(max_size=400), source=_text,
    date=st.dates().map(lambda d: d.isoformat()) | st.just(""),
    updated=st.dates().map(lambda d: d.isoformat()) | st.just(""),
    authors=st.lists(_text, max_size=4), summary=_text, entities=st.lists(_entity, max_size=5),
    tags=st.lists(_text, max_size=4), language=st.sampled_from(["", "en", "de"]),
    fetched_at=_text,
    provenance=st.dictionaries(st.sampled_from(["kind", "path", "offset"]), _text, max_size=3),
)


@settings(max_examples=200)
@given(_documents)
def test_json_round_trip_keeps_every_field(doc):
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert again.to_dict() == doc.to_dict()
    assert again.content_hash == doc.content_hash


def _doc(**changes):
    base = dict(id=make_id("https://x.example/a"), url="https://x.example/a", title="T", body="One.\n\nTwo.")
    base.update(changes)
    return Document(**base)


def test_content_hash_follows_content_not_fetch_details():
    doc = _doc()
    assert _doc(fetched_at="2024-01-01", provenance={"kind": "warc"}).content_hash == doc.content_hash
    assert _doc(body="One.\n\nTwo, edited.").content_hash != doc.content_hash
    assert doc.replace(title="New").content_hash != doc.content_hash
    assert doc.replace(fetched_at="later").content_hash == doc.content_hash


def test_paragraphs_are_blank_line_separated():
    assert _doc().paragraphs == ["One.", "Two."]


def test_ids_are_lowercase_hex_digests_of_canonical_urls():
    a = make_id(canonical_url("HTTPS://Www.Example.org:443/a/b?utm_source=x&id=3#top"))
    b = make_id(canonical_url("https://www.example.org/a/b?id=3"))
    assert a == b
    assert re.fullmatch(r"[0-9a-f]{16}", a)
    assert canonical_url("relative/path.html") == "relative/path.html"

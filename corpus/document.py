"""The one record that crosses package boundaries: `Document`, and its identity.

Moving parts:
- `Entity` (a named mention with a PER/ORG/LOC/MISC type) and `Document` (a frozen dataclass with
  `to_json()`/`from_json()`);
- `canonical_url()` and `make_id()`: a document's id is a hex digest of its canonical URL, else of the
  URL it was fetched from, else of the file path relative to what was indexed;
- `content_hash()`: a digest of the normalised fields only, so re-fetching the same text (a new fetch
  time, another WARC record) is "unchanged" while an edited paragraph is "changed".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")

# Query parameters that only track a visit; they never select different content.
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga", "ref_src")


@dataclass(frozen=True)
class Entity:
    text: str
    type: str

    def to_json(self) -> dict[str, str]:
        return {"text": self.text, "type": self.type}


@dataclass(frozen=True)
class Document:
    """A normalised commentary page.

    `body` is plain text, paragraphs separated by one blank line. `date` is the publication date and
    `updated` the last-updated date the page shows, both ISO `YYYY-MM-DD` or "" when unknown.
    `provenance` says where the raw page came from (`{"kind": "file", "path": ...}` or
    `{"kind": "warc", "file": ..., "record_id": ..., "offset": ..., ...}`); `extraction` says where each
    value came from (`title_source`, `date_source`, `body_strategy`, ...), so a wrong value can be traced.
    """

    id: str
    url: str
    title: str
    body: str
    source: str = ""
    date: str = ""
    updated: str = ""
    authors: tuple[str, ...] = ()
    summary: str = ""
    entities: tuple[Entity, ...] = ()
    tags: tuple[str, ...] = ()
    language: str = ""
    content_hash: str = ""
    fetched_at: str = ""
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    extraction: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        # Accept lists from callers and JSON; store tuples so the record is really immutable.
        object.__setattr__(self, "authors", tuple(self.authors))
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(
            self,
            "entities",
            tuple(e if isinstance(e, Entity) else Entity(e["text"], e["type"]) for e in self.entities),
        )
        if not self.content_hash:
            object.__setattr__(self, "content_hash", content_hash(self))

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    def replace(self, **changes: Any) -> Document:
        """A copy with `changes`; the content hash is recomputed when content fields change."""
        if not changes.keys() <= _NON_CONTENT_FIELDS:
            changes.setdefault("content_hash", "")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "title": self.title,
            "date": self.date,
            "updated": self.updated,
            "authors": list(self.authors),
            "summary": self.summary,
            "body": self.body,
            "entities": [e.to_json() for e in self.entities],
            "tags": list(self.tags),
            "language": self.language,
            "content_hash": self.content_hash,
            "fetched_at": self.fetched_at,
            "provenance": dict(self.provenance),
            "extraction": dict(self.extraction),
        }

    def to_json(self, **dumps_args: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **dumps_args)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_json(cls, text: str | bytes) -> Document:
        return cls.from_dict(json.loads(text))


_NON_CONTENT_FIELDS = frozenset({"fetched_at", "provenance", "extraction", "content_hash", "id"})
_CONTENT_FIELDS = (
    "url", "source", "title", "date", "updated", "authors", "summary", "body", "entities", "tags",
    "language",
)


def content_hash(doc: Document) -> str:
    """Digest of the normalised content: what decides whether a page "changed"."""
    payload = {name: getattr(doc, name) for name in _CONTENT_FIELDS}
    payload["entities"] = [e.to_json() for e in doc.entities]
    payload["authors"] = list(doc.authors)
    payload["tags"] = list(doc.tags)
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def canonical_url(url: str) -> str:
    """A stable spelling of an http(s) URL: lowercase scheme and host, no default port, no fragment,
    no tracking parameters. Other strings (file paths) come back unchanged."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    port = parts.port if parts.port not in (None, 80 if scheme == "http" else 443) else None
    netloc = host if port is None else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith(_TRACKING_PARAMS)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def make_id(key: str) -> str:
    """The document id for a canonical URL (or fallback key): 16 lowercase hex digits."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]

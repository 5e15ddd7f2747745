"""The document store: versions, change detection, and the change feed the index follows."""

from __future__ import annotations

from corpus.document import Document, make_id
from corpus.store.documents import Store


def _doc(body: str, fetched: str, url: str = "https://x.example/a") -> Document:
    return Document(id=make_id(url), url=url, title="A title", body=body, fetched_at=fetched)


def test_added_unchanged_updated_and_versions_kept(tmp_path):
    with Store.open(tmp_path, create=True) as store:
        with store.transaction():
            assert store.put(_doc("First text.", "2024-01-01")) == "added"
            assert store.put(_doc("First text.", "2024-02-01")) == "unchanged"
            assert store.put(_doc("Second text.", "2024-03-01")) == "updated"
        current = store.get(make_id("https://x.example/a"))
        assert current.body == "Second text."
        assert [v["fetched_at"] for v in store.versions(current.id)] == ["2024-01-01"]
        assert store.stats()["documents"] == 1


def test_an_older_capture_never_replaces_a_newer_one(tmp_path):
    with Store.open(tmp_path, create=True) as store:
        with store.transaction():
            store.put(_doc("Newest text.", "2024-05-01"))
            assert store.put(_doc("Old text.", "2023-01-01")) == "older"
        doc_id = make_id("https://x.example/a")
        assert store.get(doc_id).body == "Newest text."
        assert len(store.versions(doc_id)) == 1


def test_change_feed_by_seq(tmp_path):
    with Store.open(tmp_path, create=True) as store:
        with store.transaction():
            store.put(_doc("a", "1", "https://x.example/1"))
            store.put(_doc("b", "1", "https://x.example/2"))
        mark = store.seq
        with store.transaction():
            store.put(_doc("b changed", "2", "https://x.example/2"))
            store.put(_doc("c", "2", "https://x.example/3"))
        changed = [doc.url for _seq, doc in store.iter_documents(mark)]
        assert changed == ["https://x.example/2", "https://x.example/3"]
        assert len(list(store.iter_documents(0))) == 3


def test_a_failed_transaction_leaves_nothing(tmp_path):
    with Store.open(tmp_path, create=True) as store:
        try:
            with store.transaction():
                store.put(_doc("a", "1"))
                raise RuntimeError("crash")
        except RuntimeError:
            pass
        assert store.count() == 0

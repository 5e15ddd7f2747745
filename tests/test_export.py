"""Exports write every hit, in files their format's own parser reads back (csv, json, rispy,
bibtexparser), with provenance and a manifest that lets the search be re-run."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from corpus.store.documents import Store
from search import export as export_module
from search import formats

from .test_facets import SPECIAL_TITLES, build_corpus
from .test_search_exact import _word

QUERY = "sanctions OR tariffs"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    index, docs = build_corpus(tmp_path_factory.mktemp("export"))
    matching = {d.id: d for d in docs if _word(d, "sanctions") or _word(d, "tariffs")}
    assert len(matching) > 20  # more than a page of search hits: an export is not capped
    return index, docs, matching


def _export(cli, index, *args):
    result = cli("export", "--index", index, *args, "--json", QUERY)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _search_total(cli, index, query=QUERY):
    return cli.json("search", "--index", index, "--limit", "0", query)["total"]


def test_csv_has_one_header_row_and_every_hit(cli, corpus, tmp_path):
    index, _docs, matching = corpus
    target = tmp_path / "hits.csv"
    summary = _export(cli, index, "-o", target)
    assert summary == {"file": str(target), "manifest": f"{target}.manifest.json", "format": "csv",
                       "count": len(matching)}
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, so that Excel reads it as UTF-8
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:]
    assert header == list(export_module.DEFAULT_FIELDS)
    assert header not in records and len(records) == len(matching) == _search_total(cli, index)
    by_id = {r[0]: dict(zip(header, r)) for r in records}
    assert set(by_id) == set(matching)
    for doc_id, row in by_id.items():
        doc = matching[doc_id]
        assert row["authors"] == "; ".join(doc.authors)  # several values: joined with "; "
        assert row["tags"] == "; ".join(doc.tags)
        assert row["entities"] == "; ".join(f"{e.text} ({e.type})" for e in doc.entities)
        assert (row["url"], row["source"], row["date"], row["content_hash"], row["fetched_at"]) == \
            (doc.url, doc.source, doc.date, doc.content_hash, doc.fetched_at)
        assert json.loads(row["provenance"]) == doc.provenance
        expected_title = doc.title if not doc.title.startswith("=") else "'" + doc.title
        assert row["title"] == expected_title  # commas, quotes, #, %, {, \ survive; formulas are defused
    dates = [r["date"] for r in by_id.values() if r["date"]]
    assert [r[3] for r in records if r[3]] == sorted(dates)  # --sort date (the default): oldest first


def test_fields_choose_and_order_the_columns(cli, corpus, tmp_path):
    index, _docs, matching = corpus
    target = tmp_path / "few.csv"
    _export(cli, index, "-o", target, "--fields", "title,id,body,score,rank", "--sort", "relevance")
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["title", "id", "body", "score", "rank"]
    assert [int(r["rank"]) for r in rows] == list(range(1, len(matching) + 1))
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["body"] == matching[r["id"]].body for r in rows)  # multi-line text survives quoting


def test_jsonl_is_one_object_per_hit(cli, corpus, tmp_path):
    index, _docs, matching = corpus
    target = tmp_path / "hits.jsonl"
    summary = _export(cli, index, "-o", target, "--sort", "-date")
    lines = target.read_text(encoding="utf-8").splitlines()
    assert summary["format"] == "jsonl" and len(lines) == summary["count"] == len(matching)
    objects = [json.loads(line) for line in lines]
    assert {o["id"] for o in objects} == set(matching)
    for o in objects:
        doc = matching[o["id"]]
        assert list(o) == list(export_module.DEFAULT_FIELDS)
        assert o["authors"] == list(doc.authors) and o["title"] == doc.title
        assert o["entities"] == [e.to_json() for e in doc.entities] and o["provenance"] == doc.provenance
        assert o["date"] == (doc.date or None)
    dates = [o["date"] for o in objects if o["date"]]
    assert dates == sorted(dates, reverse=True)


def test_ris_reads_back_with_rispy(cli, corpus, tmp_path):
    rispy = pytest.importorskip("rispy")
    index, _docs, matching = corpus
    target = tmp_path / "hits.ris"
    summary = _export(cli, index, "-o", target)
    assert summary["format"] == "ris"
    with open(target, encoding="utf-8") as handle:
        entries = rispy.load(handle)
    assert len(entries) == len(matching)
    for entry in entries:
        doc = matching[entry["id"]]
        assert entry["type_of_reference"] == "ELEC"  # Zotero: Web Page
        assert entry["title"] == doc.title
        # one AU line per author, "Last, First"
        assert [" ".join(reversed(a.split(", ", 1))) for a in entry.get("authors", [])] == list(doc.authors)
        assert entry["urls"] == [doc.url] and entry["secondary_title"] == doc.source
        assert entry.get("keywords", []) == list(doc.tags)
        assert entry["access_date"] == doc.fetched_at[:10].replace("-", "/")
        if doc.date:
            assert entry["date"] == doc.date.replace("-", "/") and entry["year"] == doc.date[:4]
        note = " ".join(entry["notes"]) if isinstance(entry["notes"], list) else entry["notes"]
        assert doc.id in note and doc.content_hash in note
        if doc.summary:
            assert entry["abstract"] == " ".join(doc.summary.split())


def test_bibtex_reads_back_with_bibtexparser(cli, corpus, tmp_path):
    bibtexparser = pytest.importorskip("bibtexparser")
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors

    index, _docs, matching = corpus
    target = tmp_path / "hits.bib"
    summary = _export(cli, index, "-o", target)
    assert summary["format"] == "bibtex"
    library = bibtexparser.parse_string(target.read_text(encoding="utf-8"),
                                        append_middleware=[LatexDecodingMiddleware(), SeparateCoAuthors()])
    assert not library.failed_blocks  # no syntax error, no duplicate key
    assert len(library.entries) == len(matching)
    keys = [e.key for e in library.entries]
    assert len(set(keys)) == len(keys)
    found = set()
    for entry in library.entries:
        fields = {f.key: f.value for f in entry.fields}
        annote = fields["annote"]
        doc = next(matching[i] for i in matching if i in annote)
        found.add(doc.id)
        assert entry.entry_type == "online" and doc.content_hash in annote
        # special characters escaped, and decoded back (pylatexenc reads \textasciicircum as U+02C6)
        assert fields["title"].replace("\u02c6", "^") == doc.title
        assert fields["url"] == doc.url and fields["urldate"] == doc.fetched_at[:10]
        assert fields.get("organization") == doc.source
        authors = fields.get("author", [])
        assert [" ".join(reversed(a.split(", ", 1))) for a in authors] == list(doc.authors)
        if doc.date:
            assert fields["date"] == doc.date and fields["year"] == doc.date[:4]
        first = doc.authors[0].split()[-1] if doc.authors else doc.source.split()[0]
        year = doc.date[:4] if doc.date else "nd"
        assert entry.key.startswith(formats._ascii_word(first) + year)  # author-year-word
    assert found == set(matching)


def test_special_characters_survive_every_format(cli, corpus, tmp_path):
    index, docs, _matching = corpus
    title = SPECIAL_TITLES[1]
    doc = next(d for d in docs if d.title == title)
    query = f"id:{doc.id}"
    for suffix in ("csv", "jsonl", "ris", "bib"):
        target = tmp_path / f"one.{suffix}"
        assert cli("export", "--index", index, "-o", target, query).exit_code == 0
    with open(tmp_path / "one.csv", encoding="utf-8-sig", newline="") as handle:
        assert next(csv.DictReader(handle))["title"] == title
    assert json.loads((tmp_path / "one.jsonl").read_text(encoding="utf-8"))["title"] == title
    bib = (tmp_path / "one.bib").read_text(encoding="utf-8")
    assert r"\&" in bib and r"\%" in bib and r"\#" in bib and r"\{draft\}" in bib and r"\_" in bib
    if pytest.importorskip("rispy"):
        import rispy

        with open(tmp_path / "one.ris", encoding="utf-8") as handle:
            assert rispy.load(handle)[0]["title"] == title


def test_citation_keys_are_unique():
    from corpus.document import Document

    writer = formats.BibtexWriter(None, ())
    writer.begin()
    doc = Document(id="1", url="u", title="The Sanctions Question", body="b", authors=("Jane Smith",),
                   date="2019-02-03")
    keys = [writer._unique(formats.citation_key(doc)) for _ in range(30)]
    assert keys[:3] == ["smith2019sanctions", "smith2019sanctionsb", "smith2019sanctionsc"]
    assert len(set(keys)) == 30


def test_streams_in_batches_and_is_not_capped(cli, corpus, tmp_path, monkeypatch):
    index, _docs, matching = corpus
    reads: list[int] = []  # the documents asked of the store, read by read
    get_many = Store.get_many

    def counted(self, ids):
        ids = list(ids)
        reads.append(len(ids))
        return get_many(self, ids)

    monkeypatch.setattr(Store, "get_many", counted)
    whole = tmp_path / "whole.jsonl"
    export_module.export(index, QUERY, str(whole))
    assert reads == [len(matching)] and len(matching) < export_module.BATCH  # one read at the default
    reads.clear()
    target = tmp_path / "all.jsonl"
    summary = export_module.export(index, QUERY, str(target), batch=3).to_json()
    assert summary["count"] == len(matching) > 10
    assert {json.loads(line)["id"] for line in target.read_text().splitlines()} == set(matching)
    assert reads == [3] * (len(matching) // 3) + ([len(matching) % 3] if len(matching) % 3 else [])
    assert target.read_text() == whole.read_text()  # the same file, however it was read


def test_manifest_says_how_to_rerun_and_report_the_search(cli, corpus, tmp_path):
    index, docs, matching = corpus
    target = tmp_path / "hits.csv"
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    result = cli("export", "--index", index, "-o", target, "--from", "2013", "--sort", "-date", QUERY)
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((tmp_path / "hits.csv.manifest.json").read_text(encoding="utf-8"))
    expected = [d for d in matching.values() if d.date >= "2013-01-01"]
    assert manifest["count"] == len(expected)
    assert f"Exported {len(expected)} documents to {target} (csv)" in result.stdout
    assert manifest["query"] == QUERY
    assert manifest["parsed_query"] == "((sanctions OR tariffs) AND date:2013-01-01..)"
    assert manifest["filters"]["from"] == "2013-01-01" and manifest["match"] == "all"
    assert (manifest["sort"], manifest["format"]) == ("-date", "csv")
    assert manifest["fields"] == list(export_module.DEFAULT_FIELDS)
    assert manifest["file"] == str(target.resolve())
    assert manifest["command"].startswith("polsearch export --index ") and "--from 2013" in manifest["command"]
    assert manifest["command"].endswith("'sanctions OR tariffs'")
    state = manifest["index"]
    stats = cli.json("stats", "--index", index)
    assert state["path"] == str(index.resolve()) and state["documents"] == stats["documents"] == len(docs)
    assert (state["first_date"], state["last_date"]) == (stats["first_date"], stats["last_date"])
    assert state["store_seq"] >= len(docs) and state["index_generation"]
    assert state["index_synced_seq"] == state["store_seq"]
    started = dt.datetime.fromisoformat(manifest["started_at"])
    assert started.utcoffset() == dt.timedelta(0) and before <= started
    assert manifest["polsearch"]


def test_export_to_stdout(cli, corpus, tmp_path):
    index, _docs, matching = corpus
    result = cli("export", "--index", index, "-o", "-", "--format", "jsonl", "--fields", "id,title", QUERY)
    assert result.exit_code == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == len(matching) and all(list(o) == ["id", "title"] for o in objects)
    assert "no manifest" in result.stderr
    manifest = tmp_path / "m.json"
    result = cli("export", "--index", index, "-o", "-", "--format", "ris", "--manifest", manifest, QUERY)
    assert result.stdout.count("ER  - ") == len(matching)
    assert json.loads(manifest.read_text())["file"] is None


@pytest.mark.parametrize("args, code, words", [
    (["-o", "{tmp}/x.csv", "--fields", "id,colour"], 1, "unknown field 'colour'"),
    (["-o", "{tmp}/x.ris", "--fields", "id"], 1, "--fields"),
    (["-o", "{tmp}/x.csv", "--format", "xls"], 2, "xls"),
    (["-o", "{tmp}/x.txt"], 1, "--format"),
    (["-o", "{tmp}/no/such/folder/x.csv"], 1, "cannot write"),
    (["-o", "{tmp}"], 2, "is a directory"),
    (["-o", "-", "--format", "csv", "--json"], 2, "--json"),
    (["-o", "{tmp}/x.csv", "--sort", "random"], 2, "random"),
])
def test_export_errors_are_one_line(cli, corpus, tmp_path, args, code, words):
    index, _docs, _matching = corpus
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = cli("export", "--index", index, *args, QUERY)
    assert result.exit_code == code and words in result.stderr, result.stderr
    if code == 1:
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists() and not list(tmp_path.glob(".*.part"))


def test_a_missing_index_is_a_one_line_error(cli, tmp_path):
    result = cli("export", "--index", tmp_path / "nope", "-o", tmp_path / "x.csv", "x")
    assert result.exit_code == 1 and "no index" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_kwic_csv_defuses_formulas_as_exports_do(cli, tmp_path):
    from .conftest import make_page

    pages = tmp_path / "pages"
    pages.mkdir()
    hostile = '=HYPERLINK("http://x","y")'
    (pages / "a.html").write_text(make_page(hostile, ["=cmd|' /C calc'!A0 sanctions were renewed in May.",
                                                      "The sanctions regime has held for a decade."],
                                            date="2019-03-04", url="https://apf.example/a"), encoding="utf-8")
    index = tmp_path / "idx"
    assert cli("index", "--index", index, pages).exit_code == 0
    kwic = tmp_path / "kwic.csv"
    result = cli("search", "--index", index, "--kwic-csv", kwic, "--context", "20", "sanctions")
    assert result.exit_code == 0, result.stderr
    assert "Wrote 2 KWIC lines from 1 documents" in result.stderr
    exported = tmp_path / "hits.csv"
    assert cli("export", "--index", index, "-o", exported, "sanctions").exit_code == 0
    raw = kwic.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == 3  # a BOM, one header row, two lines
    with open(kwic, encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.DictReader(handle))
    with open(exported, encoding="utf-8-sig", newline="") as handle:
        (hit,) = list(csv.DictReader(handle))
    assert hit["title"] == "'" + hostile  # export's guard
    assert [line["title"] for line in lines] == [hit["title"]] * 2  # the same guard in KWIC files
    assert lines[0]["left"].startswith("'=cmd|")  # every cell, context too
    assert [line["match"] for line in lines] == ["sanctions"] * 2
    assert lines[0]["date"] == "2019-03-04" and lines[1]["right"].startswith("regime")
    to_stdout = cli("search", "--index", index, "--kwic-csv", "-", "--context", "20", "sanctions")
    assert list(csv.DictReader(to_stdout.stdout.splitlines())) == lines

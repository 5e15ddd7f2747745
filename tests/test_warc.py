"""Indexing WARC files: any producer's, broken ones, and the archive folders `scrape` makes.

The real files in ../shared/data/warc-samples (Heritrix, wget, pywb, warcio; WARC/0.17 and 1.0; revisits,
chunked bodies) are indexed one by one when that folder is there; the rest builds its own WARC files
with warcio, so the project never needs it.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import corpus.inputs.warc
from corpus.errors import SkipPage
from corpus.inputs.warc import read_payload
from corpus.store.documents import Store

from .conftest import SHARED_DATA, make_page

WARC_SAMPLES = SHARED_DATA / "warc-samples"
PARAS = ["Cambodia still carries the debt of Lon Nol, a loan from the early 1970s.",
         "Washington and Phnom Penh have discussed it for years without a settlement."]


def _samples() -> list[str]:
    if not WARC_SAMPLES.is_dir():
        return ["(absent)"]
    return sorted(p.name for p in WARC_SAMPLES.iterdir() if p.name.endswith((".warc", ".warc.gz")))


@pytest.mark.parametrize("name", _samples())
def test_real_warc_files_index_without_a_crash(cli, tmp_path, name):
    if not WARC_SAMPLES.is_dir():
        pytest.skip("../shared/data/warc-samples is not here")
    path = WARC_SAMPLES / name
    expected = 0  # HTML 2xx captures, counted with warcio on its own
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response" and record.http_headers is not None:
                status = record.http_headers.get_statuscode() or ""
                kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip()
                if status.startswith("2") and kind == "text/html":
                    expected += 1
    result = cli("index", "--index", tmp_path / "idx", path, "--json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["failed"] == 0 and report["errors"] == []
    assert report["added"] + report["updated"] + report["unchanged"] + report["skipped"] == expected
    assert result.exit_code == (0 if expected else 1)  # a file with no HTML page at all says so
    if report["added"]:
        with Store.open(tmp_path / "idx", readonly=True) as store:
            doc_id = next(store.iter_documents())[1].id
        shown = cli.json("show", "--index", tmp_path / "idx", doc_id)
        provenance = shown["provenance"]
        assert provenance["kind"] == "warc" and provenance["file"] == str(path.absolute())
        assert provenance["record_id"].startswith("<urn:") and provenance["captured_at"]
        assert provenance["target_uri"].startswith("http") and provenance["status"] == 200


# -- WARC files made here ----------------------------------------------------------------------------
def _response(writer: WARCWriter, url: str, body: bytes, *, date: str = "2024-01-02T03:04:05Z",
              content_type: str = "text/html; charset=utf-8", status: str = "200 OK",
              headers: list[tuple[str, str]] = ()):
    http = StatusAndHeaders(status, [("Content-Type", content_type), *headers], protocol="HTTP/1.1")
    record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                       http_headers=http, warc_headers_dict={"WARC-Date": date})
    writer.write_record(record)
    return record


def _page(title: str, extra: str = "") -> bytes:
    return make_page(title, PARAS + ([extra] if extra else []), date="2024-01-02").encode()


def build_warc(path: Path, *, gz: bool = True) -> Path:
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        _response(writer, "https://apf.example/c/1", _page("First commentary", "unique1 words"))
        _response(writer, "https://apf.example/style.css", b"body{}", content_type="text/css")
        _response(writer, "https://apf.example/c/2", _page("Second commentary", "unique2 words"))
        _response(writer, "https://apf.example/gone", b"<html>Not found</html>", status="404 Not Found")
        _response(writer, "https://apf.example/c/3", gzip.compress(_page("Third commentary", "unique3 words")),
                  headers=[("Content-Encoding", "gzip")])
        revisit = writer.create_revisit_record("https://apf.example/c/1", "sha1:AAAA", "https://apf.example/c/1",
                                               "2024-01-02T03:04:05Z")
        writer.write_record(revisit)
    return path


def test_html_responses_become_documents_the_rest_is_passed_over(cli, tmp_path):
    warc = build_warc(tmp_path / "crawl.warc.gz")
    report = cli.json("index", "--index", tmp_path / "idx", warc)
    assert (report["added"], report["skipped"], report["failed"]) == (3, 0, 0)
    assert report["passed_over"] == {"http-error": 1, "not-html": 1, "revisit": 1, "warcinfo": 1}
    assert cli.json("search", "--index", tmp_path / "idx", "unique3")["total"] == 1  # gzip undone


def test_show_tells_where_a_text_came_from(cli, tmp_path):
    warc = build_warc(tmp_path / "crawl.warc.gz")
    cli.json("index", "--index", tmp_path / "idx", warc)
    hit = cli.json("search", "--index", tmp_path / "idx", "unique2")["hits"][0]
    doc = cli.json("show", "--index", tmp_path / "idx", hit["id"])
    p = doc["provenance"]
    assert p["kind"] == "warc" and p["file"] == str(warc.absolute()) and p["status"] == 200
    assert p["target_uri"] == "https://apf.example/c/2" and p["captured_at"] == "2024-01-02T03:04:05Z"
    assert doc["fetched_at"] == "2024-01-02T03:04:05+00:00"
    with warc.open("rb") as fh:
        fh.seek(p["offset"])
        record = next(iter(ArchiveIterator(fh)))
    assert record.rec_headers.get_header("WARC-Record-ID") == p["record_id"]
    text = cli("show", "--index", tmp_path / "idx", hit["id"]).stdout
    assert (f"from: WARC {warc.absolute()} at offset {p['offset']}, record {p['record_id']}, "
            f"captured 2024-01-02T03:04:05Z, from https://apf.example/c/2 (HTTP 200)") in text


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_a_malformed_record_is_reported_and_the_rest_indexed(cli, tmp_path, gz):
    good = build_warc(tmp_path / ("good.warc.gz" if gz else "good.warc"), gz=gz)
    data = good.read_bytes()
    with good.open("rb") as fh:
        offsets = [(r.rec_headers.get_header("WARC-Target-URI"), it_offset)
                   for r, it_offset in _offsets(fh)]
    start = dict(offsets)["https://apf.example/c/2"] + (10 if gz else 0)  # inside the gzip member / record
    broken = tmp_path / ("broken.warc.gz" if gz else "broken.warc")
    broken.write_bytes(data[:start] + b"\x00garbage\xff" * 20 + data[start:])
    result = cli("index", "--index", tmp_path / "idx", broken, "--json")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and report["failed"] == 1
    assert "malformed WARC record" in report["errors"][0]["error"]
    for word in ("unique1", "unique3"):  # the records before and after it
        assert cli.json("search", "--index", tmp_path / "idx", word)["total"] == 1
    assert "Traceback" not in result.stderr


def _offsets(fh):
    records = ArchiveIterator(fh)
    for record in records:
        offset = records.offset
        yield record, offset


def test_a_decompression_bomb_is_skipped(cli, tmp_path, monkeypatch):
    path = tmp_path / "bomb.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        body = gzip.compress(b"<html><body><p>" + b"a" * 5_000_000 + b"</p></body></html>")
        _response(writer, "https://apf.example/bomb", body, headers=[("Content-Encoding", "gzip")])
    with pytest.raises(SkipPage, match="larger than"):
        read_payload(path, 0, limit=1_000_000)
    monkeypatch.setattr(corpus.inputs.warc, "MAX_PAYLOAD", 1_000_000)
    report = cli.json("index", "--index", tmp_path / "idx", path)
    assert report["skipped"] == 1 and "larger than" in report["skips"][0]["reason"]


def test_several_captures_of_one_url_are_one_document_with_versions(cli, tmp_path):
    path = tmp_path / "captures.warc.gz"
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        # The newest capture comes first in the file: order in the file does not decide.
        _response(writer, "https://apf.example/c/1", _page("First commentary", "revised2024 text"),
                  date="2024-06-01T00:00:00Z")
        _response(writer, "https://apf.example/c/1", _page("First commentary", "original2023 text"),
                  date="2023-06-01T00:00:00Z")
    report = cli.json("index", "--index", tmp_path / "idx", path, "-j", "1")
    assert report["added"] == 1 and report["added"] + report["unchanged"] == 2
    assert cli.json("stats", "--index", tmp_path / "idx")["documents"] == 1
    hit = cli.json("search", "--index", tmp_path / "idx", "revised2024")["hits"]
    assert len(hit) == 1 and cli.json("search", "--index", tmp_path / "idx", "original2023")["total"] == 0
    shown = cli.json("show", "--index", tmp_path / "idx", hit[0]["id"], "--versions")
    assert [v["fetched_at"] for v in shown["versions"]] == ["2023-06-01T00:00:00+00:00"]


def test_an_unchanged_warc_file_is_not_opened_again_and_a_new_one_is_read(cli, tmp_path, monkeypatch):
    folder = tmp_path / "archive"
    folder.mkdir()
    build_warc(folder / "one.warc.gz")
    first = cli.json("index", "--index", tmp_path / "idx", folder)
    assert first["added"] == 3
    opened = []
    real = corpus.inputs.warc.pages
    monkeypatch.setattr(corpus.inputs.warc, "pages", lambda path, tally=None: opened.append(path.name) or real(path, tally))
    again = cli.json("index", "--index", tmp_path / "idx", folder)
    assert (again["added"], again["unchanged"], opened) == (0, 3, [])
    with (folder / "two.warc.gz").open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        _response(writer, "https://apf.example/c/4", _page("Fourth commentary", "unique4 words"))
    third = cli.json("index", "--index", tmp_path / "idx", folder)
    assert (third["added"], third["unchanged"], opened) == (1, 3, ["two.warc.gz"])


def test_a_grown_warc_file_reads_only_its_new_records(cli, tmp_path, monkeypatch):
    path = build_warc(tmp_path / "growing.warc.gz")
    cli.json("index", "--index", tmp_path / "idx", path)
    with path.open("ab") as fh:
        writer = WARCWriter(fh, gzip=True)
        _response(writer, "https://apf.example/c/5", _page("Fifth commentary", "unique5 words"))
    read = []
    real = corpus.inputs.warc.read_payload
    monkeypatch.setattr(corpus.inputs.warc, "read_payload", lambda p, o, limit=0: read.append(o) or real(p, o, limit))
    report = cli.json("index", "--index", tmp_path / "idx", path)
    assert (report["added"], report["unchanged"], len(read)) == (1, 3, 1)

"""`polsearch index` on JSON Lines files of clean documents: accounting, provenance, bad lines, formats."""

from __future__ import annotations

import gzip
import json

from click.testing import CliRunner

from search.cli import main
from search.searcher import search, show


def _line(**fields) -> str:
    return json.dumps(fields, ensure_ascii=False)


def _index(index, *paths):
    return CliRunner().invoke(main, ["index", "--index", str(index), *map(str, paths)])


GOOD = [
    _line(title="Trade in the Mekong", body="Cambodia and Vietnam signed a trade pact.\n\nHun Sen spoke in "
          "Phnom Penh about the United States.", date="2020-03-01", authors=["Ana Silva"],
          source="Mekong Forum", url="https://mekong.example/trade"),
    _line(id="speech-7", title="Energy security", body="Energy security matters for Europe.",
          entities=[{"text": "Europe", "type": "LOC"}], tags=["energy"]),
    _line(title="A debate", body="The assembly debated climate finance at length.", date="2019-09-24"),
]


def test_jsonl_documents_are_indexed_with_provenance_and_entities(tmp_path):
    data = tmp_path / "corpus.jsonl"
    data.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    result = _index(tmp_path / "ix", data)
    assert result.exit_code == 0, result.output
    assert "3 added, 0 updated, 0 unchanged, 0 skipped, 0 failed" in result.output
    hits = search(tmp_path / "ix", "cambodia").hits
    assert [h.doc.title for h in hits] == ["Trade in the Mekong"]
    doc = hits[0].doc
    assert doc.date == "2020-03-01" and doc.authors == ("Ana Silva",) and doc.source == "Mekong Forum"
    assert doc.provenance["kind"] == "jsonl" and doc.provenance["line"] == 1
    assert doc.provenance["file"] == str(data.absolute())
    # entities absent from the line are found in the text; given ones are kept as given
    assert {"Hun Sen", "Phnom Penh"} <= {e.text for e in doc.entities}
    given, _versions = show(tmp_path / "ix", "speech-7")
    assert [(e.text, e.type) for e in given.entities] == [("Europe", "LOC")] and given.tags == ("energy",)


def test_unchanged_updated_and_added_lines_are_counted(tmp_path):
    data = tmp_path / "corpus.jsonl"
    data.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    assert _index(tmp_path / "ix", data).exit_code == 0
    again = _index(tmp_path / "ix", data)
    assert "0 added, 0 updated, 3 unchanged" in again.output
    changed = GOOD[:1] + [_line(id="speech-7", title="Energy security", body="Energy security matters for Asia.")] + \
        GOOD[2:] + [_line(title="New", body="A new line about tariffs.")]
    data.write_text("\n".join(changed) + "\n", encoding="utf-8")
    result = _index(tmp_path / "ix", data)
    assert "1 added, 1 updated, 2 unchanged, 0 skipped, 0 failed" in result.output, result.output
    assert search(tmp_path / "ix", "asia").total == 1 and search(tmp_path / "ix", "europe").total == 0


def test_bad_lines_are_reported_and_skipped_the_rest_indexed(tmp_path):
    data = tmp_path / "mixed.ndjson"
    data.write_text("\n".join([GOOD[0], '{"title": "no body"}', "not json", "[1, 2]",
                               _line(title="Bad date", body="x", date="next Tuesday"),
                               _line(title=3, body="x"), "", GOOD[2]]) + "\n", encoding="utf-8")
    result = _index(tmp_path / "ix", data)
    assert result.exit_code == 1
    assert "2 added, 0 updated, 0 unchanged, 0 skipped, 5 failed" in result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert len(lines) == 5
    assert any(f"{data}:2: no 'body'" in line for line in lines)
    assert any(f"{data}:3: not JSON" in line for line in lines)
    assert any(f"{data}:5: 'date' is not a date" in line for line in lines)
    assert search(tmp_path / "ix", "climate").total == 1


def test_gzipped_jsonl_in_a_folder(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    with gzip.open(folder / "part-1.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(GOOD[:2]) + "\n")
    (folder / "part-2.ndjson").write_text(GOOD[2] + "\n", encoding="utf-8")
    result = _index(tmp_path / "ix", folder)
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output
    assert search(tmp_path / "ix", "energy").total == 1
    broken = folder / "part-3.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    result = _index(tmp_path / "ix", folder)
    assert result.exit_code == 1 and "part-3.jsonl.gz" in result.output and "Traceback" not in result.output
    assert "3 unchanged" in result.output

"""The cross-validation harness (`bench/crossval.py`): folds hold whole sites out, tuning is chosen on the
training folds only, and the report names every figure. A tiny constructed sample runs anywhere; a few
real dev pages run when ../shared is there and skip cleanly when it is not."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench import crossval

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-dev"


def _article(site: int, n: int) -> str:
    paragraphs = "".join(
        f"<p>Site {site} reports, in story {n}, that the parliament debated the budget line {k} at length, "
        f"and that the minister promised a written answer before the end of the session.</p>" for k in range(4))
    return (f'<html lang="en"><head><title>Budget story {n} on site {site}</title>'
            f'<meta property="article:published_time" content="2021-03-{n + 1:02d}">'
            f'<meta name="author" content="Jane Roe"></head><body><nav><a href="/">Home</a> Menu links</nav>'
            f"<article><h1>Budget story {n} on site {site}</h1>{paragraphs}</article>"
            f"<footer>Imprint and contact</footer></body></html>")


@pytest.fixture
def sample(tmp_path):
    truth = {}
    (tmp_path / "html").mkdir()
    for site in range(3):
        for n in range(2):
            name = f"s{site}-{n}.html"
            (tmp_path / "html" / f"{name}.gz").write_bytes(gzip.compress(_article(site, n).encode()))
            truth[f"https://site{site}.example.org/story-{n}"] = {
                "file": name, "with": [f"Site {site} reports, in story {n}"], "without": ["Imprint and contact"],
                "date": f"2021-03-{n + 1:02d}", "author": "Jane Roe", "title": f"Budget story {n} on site {site}"}
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return tmp_path


def test_folds_hold_whole_sites_out(sample):
    results = crossval.run_pages(crossval.load(sample))
    folds = crossval.domain_folds(results, 3)
    assert sorted(len(f) for f in folds) == [1, 1, 1]
    assert set().union(*folds) == {r.domain for r in results}


def test_report_on_a_tiny_sample(sample, capsys):
    out_json = sample / "report.json"
    assert crossval.main(["--data", str(sample), "--folds", "3", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "false skips: 0 of 6" in printed
    for label in ("cross-validated", "in-sample", "trafilatura alone", "htmldate alone"):
        assert label in printed
    report = json.loads(out_json.read_text())
    assert len(report["folds"]) == 3 and sum(f["pages"] for f in report["folds"]) == 6
    cv = report["rows"]["cross-validated"]
    assert cv["body"]["snF1"] == 1.0 and cv["date"]["accuracy"] == 1.0
    assert cv["authors"] == {"pages": 6, "right": 6, "wrong": 0, "missing": 0}
    assert report["speed"]["time_ratio_to_trafilatura"] > 0


def test_a_policy_that_loses_on_training_is_not_chosen(sample):
    results = crossval.run_pages(crossval.load(sample))
    for r in results:  # ours now misses every date the library finds
        r.ours["date"] = ""
    assert set(crossval.choose("date", results).values()) <= {"library", "library-else-ours"}


def test_missing_data_is_a_message_not_a_traceback(tmp_path, capsys):
    assert crossval.main(["--data", str(tmp_path / "absent")]) == 1
    assert "needs" in capsys.readouterr().err


@pytest.mark.skipif(not SHARED.is_dir(), reason="needs ../shared/data/extraction-dev")
def test_a_few_real_dev_pages(capsys):
    assert crossval.main(["--data", str(SHARED), "--folds", "2", "--limit", "6"]) == 0
    assert "cross-validated" in capsys.readouterr().out

"""The cross-validation harness (`bench/crossval.py`): folds hold whole sites out, tuning is chosen on the
training folds only, and the report names every figure. A tiny constructed sample runs anywhere; a few
real dev pages run when ../shared is there and skip cleanly when it is not."""

from __future__ import annotations

import copy
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


def test_date_weights_are_measured_precisions_and_the_vote_reproduces_the_normaliser(sample):
    results = crossval.run_pages(crossval.load(sample))
    assert all(r.date_evidence for r in results)
    weights = crossval.measure_weights(results)
    # every page's metadata date is right: (6 + 1) / (6 + 2); kinds no page gave sit at a coin's toss
    assert weights["meta:published"] == round(7 / 8, 3)
    assert weights["text:updated-line"] == 0.5
    for r in results:
        assert crossval.vote(r, crossval._shipped_weights()) == r.ours["date"]
    for r in results:  # a kind that is always wrong on the training pages loses its vote
        r.date_evidence = [("meta:published", r.ours["date"]), ("url", "2019-01-01"), ("url", "2019-01-01")]
    wrong = crossval.measure_weights(results)
    assert wrong["url"] < 0.5 and all(crossval.vote(r, wrong) == r.ours["date"] for r in results)


def test_a_policy_needs_a_significant_lead(sample):
    pages = crossval.run_pages(crossval.load(sample))
    results = [copy.deepcopy(r) for _ in range(5) for r in pages]  # 30 pages
    for r in results:
        r.group = "de"
    for r in results[:4]:  # ours right on 4 pages where the library is wrong, the library right on 1
        r.htmldate = "1999-01-01"
    results[4].ours = dict(results[4].ours, date="1999-01-01")
    # ahead by more than GROUP_MARGIN pages, but 4 wins to 1 is no evidence (one-sided sign test p = 0.19):
    # the library's answer stands
    assert not crossval.significantly_better("date", results, "ours", "library")
    assert crossval.choose("date", results)["de"] == "library"
    for r in results[5:20]:  # 19 wins to 1
        r.htmldate = "1999-01-01"
    assert crossval.significantly_better("date", results, "ours", "library")
    assert crossval.choose("date", results)["de"] == "ours"
    # a group of 12 pages where the library leads ours 4 to 1 keeps the choice made for all pages
    english = [copy.deepcopy(r) for r in results[:12]]
    for r in english:  # ours and the library both right, to begin with
        r.group, r.htmldate = "en", r.ours["date"]
    for r in english[:4]:
        r.ours = dict(r.ours, date="1999-01-01")
    english[4].htmldate = "1999-01-01"
    assert crossval.choose("date", results + english)["en"] == "ours"
    for r in english[5:12]:  # 11 wins to 1 there: a policy of its own
        r.ours = dict(r.ours, date="1999-01-01")
    assert crossval.choose("date", results + english)["en"] in ("library", "library-else-ours")

"""Cross-validation that holds whole sites out: is our combination better than the plain libraries on
sites it was never tuned on?

    python -m bench.crossval [--data ../shared/data/extraction-dev] [--folds 5] [--limit N] [--json FILE]

Moving parts:
- `run_pages()` extracts every page once with polsearch's normaliser, trafilatura alone (comments off,
  with metadata) and htmldate alone (`original_date=True`), timing polsearch against trafilatura;
- `domain_folds()` puts each site (the URL's host without `www.`) in exactly one of k folds, largest
  sites first into the smallest fold, so a fold is a set of sites nobody tuned on;
- the tuning decisions (`BODY_POLICIES`, `DATE_POLICIES`, `AUTHOR_POLICIES`: keep ours, take the
  library's answer, or defer to it in a named case) are chosen per language group on the training
  folds only, and scored on the held-out fold; a policy that loses to the library on the training folds
  is never chosen over it, so the library's answer wins where ours does not earn its place (a policy
  over the library, or a language group's own, must also pass a one-sided sign test, p < 0.05);
- the date evidence's weights (`measure_weights()`: each kind's smoothed precision) are measured on
  the training folds and each held-out page's evidence is voted again with them (`vote()`, the
  normaliser's own vote); `--write-date-weights` writes the weights measured on all pages into
  `corpus/data/date_evidence.toml` (`make tune-dates`);
- the report: per fold and overall snippet F1 of the body (the dev set's truth is snippets, scored as
  `../shared/tools/score_extraction.py` does), the share of pages under F1 0.5, date accuracy overall and
  by language group, authors right / wrong / missing, beside trafilatura alone and htmldate alone on
  the same pages, in-sample (tuned on all pages) beside cross-validated; false skips (every dev page is
  a real article, so every skip is false); speed as a ratio to trafilatura.

Needs the data folder; exits 1 with a message when it is not there.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "extraction-dev"
LANGUAGE_GROUPS = ("de", "en", "other")
_WS = re.compile(r"\s+")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|&|\||\band\b)\s*", re.I)
_LANG = re.compile(rb"<html[^>]*?\slang\s*=\s*[\"']?([A-Za-z]{2})", re.I)


@dataclass
class PageResult:
    key: str
    domain: str
    group: str                      # language group of the page (`<html lang>`)
    truth: dict
    ours: dict = field(default_factory=dict)
    trafilatura: dict = field(default_factory=dict)
    htmldate: str = ""
    # (kind, ISO day) of each date the page gives for itself (corpus/extract/dates.py's evidence,
    # htmldate aside), so that our vote can be taken again with weights measured on other sites
    date_evidence: list = field(default_factory=list)
    voted: str | None = None        # our date voted with the current fold's weights (evaluate sets it)
    skipped: str = ""               # the reason, when polsearch skipped the page
    seconds_ours: float = 0.0
    seconds_trafilatura: float = 0.0


# -- reading and extracting ---------------------------------------------------------------------------
def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


def language_group(raw: bytes) -> str:
    match = _LANG.search(raw[:20000])
    lang = match.group(1).decode().lower() if match else ""
    return lang if lang in ("de", "en") else "other"


def load(data: Path, limit: int = 0) -> list[tuple[str, dict, bytes]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        rec = truth[key]
        path = data / "html" / rec["file"]
        path = path if path.is_file() else path.with_name(path.name + ".gz")
        if not path.is_file():
            continue
        raw = path.read_bytes()
        pages.append((key, rec, gzip.decompress(raw) if path.suffix == ".gz" else raw))
        if limit and len(pages) >= limit:
            break
    return pages


def run_pages(pages: list[tuple[str, dict, bytes]], progress: Callable[[int], None] = lambda n: None
              ) -> list[PageResult]:
    import trafilatura
    from htmldate import find_date

    from corpus import normalise
    from corpus.errors import PageError, SkipPage
    from corpus.extract import dates
    from corpus.extract.decode import decode_html
    from corpus.extract.page import Page

    results = []
    for n, (key, rec, raw) in enumerate(pages, 1):
        html = _decode(raw)
        url = key if key.startswith(("http://", "https://")) else None
        result = PageResult(key, domain_of(key), language_group(raw), rec)
        started = time.perf_counter()
        try:
            doc = normalise(raw, url)
            result.ours = {"body": doc.body, "date": doc.date, "authors": list(doc.authors)}
        except SkipPage as exc:
            result.skipped = f"{exc.kind}: {exc}"
            result.ours = {"body": "", "date": "", "authors": []}
        except PageError as exc:
            result.skipped = f"failed: {exc}"
            result.ours = {"body": "", "date": "", "authors": []}
        result.seconds_ours = time.perf_counter() - started
        if not result.skipped and doc.extraction.get("date_source", "").split(":")[0] != "profile":
            text, encoding = decode_html(raw, None)  # outside the timing: the normaliser did this once
            result.date_evidence = [(kind, dates.iso(seen)) for kind, seen, _ in
                                    dates.page_evidence(Page(text, url, encoding))]
        started = time.perf_counter()
        found = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
        result.seconds_trafilatura = time.perf_counter() - started
        result.trafilatura = {"body": (found.text or "") if found else "",
                              "date": (found.date or "") if found else "",
                              "authors": [a.strip() for a in ((found.author or "") if found else "").split(";")
                                          if a.strip()]}
        try:
            result.htmldate = find_date(html, url=url, original_date=True, outputformat="%Y-%m-%d") or ""
        except Exception:  # noqa: BLE001 - htmldate's failure on one page is its empty answer
            result.htmldate = ""
        results.append(result)
        progress(n)
    return results


# -- folds --------------------------------------------------------------------------------------------
def domain_folds(results: list[PageResult], k: int) -> list[set[str]]:
    """k disjoint sets of domains, balanced by pages: largest sites first, each into the smallest fold."""
    sizes = Counter(r.domain for r in results)
    folds: list[set[str]] = [set() for _ in range(k)]
    load_ = [0] * k
    for domain, count in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        i = min(range(k), key=lambda j: (load_[j], j))
        folds[i].add(domain)
        load_[i] += count
    return folds


# -- scoring ------------------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return _WS.sub(" ", text or "").strip()


def snippet_counts(truth: dict, body: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one page's snippets."""
    out = _norm(body)
    present = [_norm(s) in out for s in truth.get("with") or []]
    leaked = [_norm(s) in out for s in truth.get("without") or []]
    return sum(present), sum(leaked), len(present) - sum(present)


def _f1(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def day(value: str) -> str:
    match = _ISO.search(value or "")
    if not match:
        return ""
    y, m, d = (int(g) for g in match.groups())
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else ""


def author_set(value) -> frozenset:
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v)
    return frozenset(p.strip() for p in _AUTHOR_SPLIT.split(_norm(str(value or "")).casefold()) if p.strip())


def _tokens(text: str) -> int:
    return len((text or "").split())


# -- the tuning decisions -----------------------------------------------------------------------------
BODY_POLICIES: dict[str, Callable[[PageResult], str]] = {
    "ours": lambda r: r.ours["body"],
    "library": lambda r: r.trafilatura["body"],
    "ours-else-library": lambda r: r.ours["body"] or r.trafilatura["body"],
    "library-when-ours-under-half": lambda r: (
        r.trafilatura["body"] if _tokens(r.ours["body"]) < 0.5 * _tokens(r.trafilatura["body"]) else r.ours["body"]),
    "library-when-ours-over-double": lambda r: (
        r.trafilatura["body"] if _tokens(r.ours["body"]) > 2 * _tokens(r.trafilatura["body"]) > 0
        else r.ours["body"] or r.trafilatura["body"]),
}
def our_date(r: PageResult) -> str:
    """Our date: as voted with the current fold's weights when `evaluate` set them, else as shipped."""
    return r.voted if r.voted is not None else day(r.ours["date"])


DATE_POLICIES: dict[str, Callable[[PageResult], str]] = {
    "ours": our_date,
    "library": lambda r: day(r.htmldate),
    "ours-else-library": lambda r: our_date(r) or day(r.htmldate),
    "library-else-ours": lambda r: day(r.htmldate) or our_date(r),
}


# -- the date evidence's weights ----------------------------------------------------------------------
def measure_weights(results: list[PageResult]) -> dict[str, float]:
    """Each kind of date evidence's precision on `results`: the share of the pages where it gave a day
    on which that day is the truth's, smoothed ((right + 1) / (given + 2)) so that a rare kind stays near
    a coin's toss. htmldate's is measured on every page it answered. These are the weights
    `corpus/data/date_evidence.toml` ships (`--write-date-weights`)."""
    from corpus.extract.dates import DATE_EVIDENCE

    right: Counter = Counter()
    given: Counter = Counter()
    for r in results:
        truth = day(r.truth.get("date", ""))
        if not truth or r.skipped:
            continue
        answers = [(kind, seen) for kind, seen in r.date_evidence if kind != "htmldate"]
        if r.htmldate:
            answers.append(("htmldate", day(r.htmldate)))
        for kind, seen in answers:
            given[kind] += 1
            right[kind] += seen == truth
    return {kind: round((right[kind] + 1) / (given[kind] + 2), 3) for kind in DATE_EVIDENCE}


def vote(r: PageResult, weights: dict[str, float]) -> str:
    """Our date for `r` voted from its evidence with `weights` (the normaliser's own vote), or the date
    it shipped when the page gave no evidence the vote reads (a site profile's date, a skipped page)."""
    from corpus.extract import dates

    if not r.date_evidence:
        return day(r.ours["date"])
    evidence = [(kind, dates.parse_date(seen), kind) for kind, seen in r.date_evidence]
    found = dates.parse_date(r.htmldate) if r.htmldate else None
    won = dates.winner(dates.with_htmldate(evidence, lambda: found, weights), weights)
    return dates.iso(won)


def write_date_weights(weights: dict[str, float], pages: int, sites: int) -> Path:
    target = ROOT / "corpus" / "data" / "date_evidence.toml"
    lines = ["# How far each kind of evidence for a publication date is to be trusted (extract/dates.py): its",
             "# precision, the share of pages on which the day it gave was right, where it gave one, smoothed",
             f"# as (right + 1) / (given + 2), measured on the {pages} pages of {sites} sites of extraction-dev by",
             "# `python -m bench.crossval --write-date-weights`, which also scores these weights measured on",
             "# other sites only (cross-validated by site). Votes weigh log(p / (1 - p)).",
             *(f'"{kind}" = {p}' for kind, p in weights.items())]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
AUTHOR_POLICIES: dict[str, Callable[[PageResult], list]] = {
    "ours": lambda r: r.ours["authors"],
    "library": lambda r: r.trafilatura["authors"],
    "ours-else-library": lambda r: r.ours["authors"] or r.trafilatura["authors"],
}


def body_score(results: list[PageResult], pick: Callable[[PageResult], str]) -> dict:
    tp = fp = fn = 0
    under = 0
    for r in results:
        c = snippet_counts(r.truth, pick(r))
        tp, fp, fn = tp + c[0], fp + c[1], fn + c[2]
        under += _f1(*c) < 0.5
    return {"pages": len(results), "snF1": _f1(tp, fp, fn), "under_0.5": under / len(results) if results else 0.0}


def date_score(results: list[PageResult], pick: Callable[[PageResult], str]) -> dict:
    dated = [r for r in results if day(r.truth.get("date", ""))]
    right = sum(1 for r in dated if pick(r) == day(r.truth["date"]))
    return {"pages": len(dated), "right": right, "accuracy": right / len(dated) if dated else 0.0}


def author_score(results: list[PageResult], pick: Callable[[PageResult], list]) -> dict:
    named = [r for r in results if author_set(r.truth.get("author"))]
    right = wrong = missing = 0
    for r in named:
        got = author_set(pick(r))
        if not got:
            missing += 1
        elif got == author_set(r.truth["author"]):
            right += 1
        else:
            wrong += 1
    return {"pages": len(named), "right": right, "wrong": wrong, "missing": missing}


def _merit(field_: str, results: list[PageResult], pick) -> tuple:
    if field_ == "body":
        s = body_score(results, pick)
        return (round(s["snF1"], 6), -s["under_0.5"])
    if field_ == "date":
        return (date_score(results, pick)["right"],)
    s = author_score(results, pick)
    return (s["right"] - s["wrong"], -s["wrong"])


POLICIES = {"body": BODY_POLICIES, "date": DATE_POLICIES, "authors": AUTHOR_POLICIES}


# A language group gets a policy of its own only when it beats the one chosen for all pages on that
# group's training pages by this many pages at least, and by a sign test over the pages where the two
# differ at `SIGNIFICANCE` (one-sided): groups must not be fitted on a handful of pages, nor on noise.
# The same test stands between the library and any policy chosen over it for all pages.
GROUP_MARGIN = 3
SIGNIFICANCE = 0.05


def _page_scores(field_: str, pages: list[PageResult], pick) -> list[float]:
    """Each page's score under `pick`: the body's snippet F1, the date right (1) or not (0), authors
    right (1), missing (0) or wrong (-1)."""
    if field_ == "body":
        return [_f1(*snippet_counts(r.truth, pick(r))) for r in pages]
    if field_ == "date":
        return [float(pick(r) == day(r.truth["date"])) for r in pages if day(r.truth.get("date", ""))]
    scores = []
    for r in pages:
        truth = author_set(r.truth.get("author"))
        if truth:
            got = author_set(pick(r))
            scores.append(0.0 if not got else (1.0 if got == truth else -1.0))
    return scores


def significantly_better(field_: str, pages: list[PageResult], a: str, b: str) -> bool:
    """Whether policy `a` beats `b` on `pages` by a one-sided sign test over the pages where they
    differ (exact binomial, p < `SIGNIFICANCE`)."""
    from math import comb

    sa = _page_scores(field_, pages, POLICIES[field_][a])
    sb = _page_scores(field_, pages, POLICIES[field_][b])
    wins = sum(x > y + 1e-9 for x, y in zip(sa, sb))
    losses = sum(y > x + 1e-9 for x, y in zip(sa, sb))
    n = wins + losses
    if wins <= losses:
        return False
    p = sum(comb(n, k) for k in range(wins, n + 1)) / 2 ** n
    return p < SIGNIFICANCE


def _best(field_: str, pages: list[PageResult]) -> tuple[str, tuple]:
    best = "library"
    best_merit = _merit(field_, pages, POLICIES[field_]["library"])
    for name, pick in POLICIES[field_].items():
        merit = _merit(field_, pages, pick)
        if merit > best_merit:
            best, best_merit = name, merit
    return best, best_merit


def _pages_ahead(field_: str, pages: list[PageResult], a: str, b: str) -> float:
    """By how many pages policy `a` beats `b` on `pages` (body: snippets-F1 times pages)."""
    ma, mb = _merit(field_, pages, POLICIES[field_][a]), _merit(field_, pages, POLICIES[field_][b])
    return (ma[0] - mb[0]) * (len(pages) if field_ == "body" else 1)


def choose(field_: str, training: list[PageResult]) -> dict[str, str]:
    """The policy that scores best on `training` (the library on a tie, a loss or a win the sign test
    does not bear out), and for a language group the policy best on its pages only when it is ahead
    there by `GROUP_MARGIN` pages and significantly so."""
    overall, _ = _best(field_, training)
    if overall != "library" and not significantly_better(field_, training, overall, "library"):
        overall = "library"
    chosen = {}
    for group in LANGUAGE_GROUPS:
        pages = [r for r in training if r.group == group]
        local, _ = _best(field_, pages) if pages else (overall, ())
        ahead = _pages_ahead(field_, pages, local, overall) if pages else 0
        chosen[group] = (local if ahead >= GROUP_MARGIN and significantly_better(field_, pages, local, overall)
                         else overall)
    return chosen


def picker(field_: str, chosen: dict[str, str]) -> Callable[[PageResult], object]:
    return lambda r: POLICIES[field_][chosen[r.group]](r)


# -- the report ---------------------------------------------------------------------------------------
def evaluate(results: list[PageResult], k: int) -> dict:
    folds = domain_folds(results, k)
    per_fold = []
    cv_picks: dict[str, dict[str, Callable]] = {f: {} for f in POLICIES}
    cv_dates: dict[str, str] = {}
    for i, domains in enumerate(folds):
        test = [r for r in results if r.domain in domains]
        train = [r for r in results if r.domain not in domains]
        weights = measure_weights(train)  # our dates voted with weights measured on the training sites
        for r in results:
            r.voted = vote(r, weights)
        chosen = {f: choose(f, train) for f in POLICIES}
        picks = {f: picker(f, chosen[f]) for f in POLICIES}
        for r in test:
            cv_dates[r.key] = picks["date"](r)
            for f in POLICIES:
                cv_picks[f][r.key] = picks[f]
        per_fold.append({
            "fold": i + 1, "sites": len(domains), "pages": len(test), "chosen": chosen,
            "body": body_score(test, picks["body"]), "body_trafilatura": body_score(test, BODY_POLICIES["library"]),
            "date": date_score(test, picks["date"]), "date_htmldate": date_score(test, DATE_POLICIES["library"]),
            "authors": author_score(test, picks["authors"]),
        })

    def cv(field_):
        if field_ == "date":  # each held-out page's date as its fold gave it, the weights included
            return lambda r: cv_dates[r.key]
        return lambda r: cv_picks[field_][r.key](r)

    weights = measure_weights(results)
    for r in results:
        r.voted = vote(r, weights)
    in_sample = {f: choose(f, results) for f in POLICIES}
    in_sample_dates = {r.key: picker("date", in_sample["date"])(r) for r in results}
    for r in results:
        r.voted = None  # "polsearch as is": the dates the normaliser gave, with its shipped weights
    shipped = sum(1 for r in results if vote(r, _shipped_weights()) == day(r.ours["date"]))
    report = {"pages": len(results), "sites": len({r.domain for r in results}), "folds": per_fold,
              "chosen_on_all_pages": in_sample, "false_skips": [{"page": r.key, "reason": r.skipped}
                                                                  for r in results if r.skipped]}
    rows = {}
    for label, body, date, authors in (
            ("cross-validated", cv("body"), cv("date"), cv("authors")),
            ("in-sample", picker("body", in_sample["body"]), lambda r: in_sample_dates[r.key],
             picker("authors", in_sample["authors"])),
            ("polsearch as is", BODY_POLICIES["ours"], DATE_POLICIES["ours"], AUTHOR_POLICIES["ours"]),
            ("trafilatura alone", BODY_POLICIES["library"], lambda r: day(r.trafilatura["date"]),
             AUTHOR_POLICIES["library"]),
            ("htmldate alone", None, DATE_POLICIES["library"], None)):
        row = {}
        if body:
            row["body"] = body_score(results, body)
            row["authors"] = author_score(results, authors)
        row["date"] = date_score(results, date)
        row["date_by_group"] = {g: date_score([r for r in results if r.group == g], date)["accuracy"]
                                for g in LANGUAGE_GROUPS}
        if body:
            row["body_by_group"] = {g: body_score([r for r in results if r.group == g], body)["snF1"]
                                    for g in LANGUAGE_GROUPS}
        rows[label] = row
    report["rows"] = rows
    ours = sum(r.seconds_ours for r in results)
    lib = sum(r.seconds_trafilatura for r in results)
    report["speed"] = {"polsearch_pages_per_s": len(results) / ours if ours else 0.0,
                       "trafilatura_pages_per_s": len(results) / lib if lib else 0.0,
                       "time_ratio_to_trafilatura": ours / lib if lib else 0.0}
    report["pages_by_group"] = dict(Counter(r.group for r in results))
    report["date_weights"] = {"measured_on_all_pages": weights, "shipped": _shipped_weights(),
                              "votes_reproduced": shipped}
    return report


def _shipped_weights() -> dict[str, float]:
    from corpus.extract.dates import DATE_EVIDENCE

    return dict(DATE_EVIDENCE)


def format_report(report: dict) -> str:
    lines = [f"{report['pages']} pages from {report['sites']} sites, {len(report['folds'])} folds by site; "
             f"language groups {report['pages_by_group']}",
             f"false skips: {len(report['false_skips'])} of {report['pages']} (every page is a real article)"]
    lines += [f"  {s['page']}: {s['reason']}" for s in report["false_skips"]]
    lines.append("")
    lines.append(f"{'fold':>4} {'sites':>5} {'pages':>5}  {'body snF1':>9} {'trafil.':>7}  {'date':>5} "
                 f"{'htmld.':>6}  authors r/w/m   chosen (body | date | authors, de/en/other)")
    for f in report["folds"]:
        a = f["authors"]
        chosen = " | ".join("/".join(f["chosen"][k][g] for g in LANGUAGE_GROUPS) for k in POLICIES)
        lines.append(f"{f['fold']:>4} {f['sites']:>5} {f['pages']:>5}  {f['body']['snF1']:9.3f} "
                     f"{f['body_trafilatura']['snF1']:7.3f}  {f['date']['accuracy']:5.3f} "
                     f"{f['date_htmldate']['accuracy']:6.3f}  {a['right']:>3}/{a['wrong']}/{a['missing']:<5}  {chosen}")
    lines.append("")
    lines.append(f"{'':18} {'body snF1':>9} {'F1<.5':>6} {'date':>6} {'de':>6} {'en':>6} {'other':>6}  "
                 f"{'authors right/wrong/missing':>27}")
    for label, row in report["rows"].items():
        body = f"{row['body']['snF1']:9.3f} {row['body']['under_0.5']:6.3f}" if "body" in row else f"{'-':>9} {'-':>6}"
        groups = " ".join(f"{row['date_by_group'][g]:6.3f}" for g in LANGUAGE_GROUPS)
        authors = (f"{row['authors']['right']}/{row['authors']['wrong']}/{row['authors']['missing']}"
                   if "authors" in row else "-")
        lines.append(f"{label:18} {body} {row['date']['accuracy']:6.3f} {groups}  {authors:>27}")
    lines.append("")
    chosen = report["chosen_on_all_pages"]
    lines.append("chosen on all pages: " + "; ".join(f"{k}: {chosen[k]}" for k in POLICIES))
    w = report["date_weights"]
    lines.append("date evidence weights measured on all pages: "
                 + ", ".join(f"{k} {v}" for k, v in w["measured_on_all_pages"].items()))
    lines.append(f"shipped weights: {'the same' if w['shipped'] == w['measured_on_all_pages'] else w['shipped']}; "
                 f"the shipped vote, taken again here, gives the normaliser's date on "
                 f"{w['votes_reproduced']} of {report['pages']} pages")
    s = report["speed"]
    lines.append(f"speed: polsearch {s['polsearch_pages_per_s']:.1f} pages/s, trafilatura "
                 f"{s['trafilatura_pages_per_s']:.1f} pages/s; polsearch takes "
                 f"{s['time_ratio_to_trafilatura']:.2f}x trafilatura's time")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crossval", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--json", dest="json_path", default="", help="also write the report as JSON here")
    parser.add_argument("--cache", default="", help="keep the extractions in this file; reuse it if there")
    parser.add_argument("--write-date-weights", action="store_true",
                        help="write the date evidence's weights measured on all pages to corpus/data")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not (data / "ground-truth.json").is_file():
        print(f"needs {data}/ground-truth.json (the extraction-dev set)", file=sys.stderr)
        return 1
    pages = load(data, args.limit)
    if len({domain_of(key) for key, _, _ in pages}) < args.folds:
        print(f"needs at least {args.folds} sites for {args.folds} folds", file=sys.stderr)
        return 1
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.is_file():
        results = [PageResult(**r) for r in json.loads(cache.read_text(encoding="utf-8"))]
    else:
        results = run_pages(pages, lambda n: print(f"\r{n}/{len(pages)} pages", end="", file=sys.stderr)
                            if n % 25 == 0 or n == len(pages) else None)
        print(file=sys.stderr)
        if cache is not None:
            cache.write_text(json.dumps([r.__dict__ for r in results]), encoding="utf-8")
    report = evaluate(results, args.folds)
    print(format_report(report))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.write_date_weights:
        target = write_date_weights(report["date_weights"]["measured_on_all_pages"], report["pages"],
                                    report["sites"])
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Extraction quality and speed against other extractors, with the team's scorer.

    python -m bench.extraction [--data ../shared/data/extraction-dev] [--limit N]

Runs `../shared/tools/score_extraction.py` on polsearch's normaliser, trafilatura (with metadata,
comments off: the reference) and, when installed, readability-lxml, interleaved page by page in one
process, and prints the scorer's table (snippet P/R/F1, title, date, authors, pages/s and speed
relative to trafilatura). Needs `../shared`; exits with a message when it is not there.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
DATA = ROOT.parent / "shared" / "data" / "extraction-dev"


def extract(html: str, url: str | None = None) -> dict:
    """polsearch as the scorer calls an extractor."""
    from corpus import normalise
    from corpus.errors import PageError, SkipPage

    try:
        doc = normalise(html, url)
    except (SkipPage, PageError):
        return {"title": "", "date": "", "authors": [], "body": ""}
    return {"title": doc.title, "date": doc.date, "authors": list(doc.authors), "body": doc.body}


def trafilatura_reference(html: str, url: str | None = None) -> dict:
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if not result:
        return {"title": "", "date": "", "authors": [], "body": ""}
    return {"title": result.title or "", "date": result.date or "", "body": result.text or "",
            "authors": [a.strip() for a in (result.author or "").split(";") if a.strip()]}


def readability_reference(html: str, url: str | None = None) -> dict:
    import lxml.html
    from readability import Document

    doc = Document(html)
    body = lxml.html.fromstring(doc.summary()).text_content() if html.strip() else ""
    return {"title": doc.short_title(), "date": "", "authors": [], "body": body}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args(argv)
    if not SCORER.exists() or not Path(args.data).exists():
        print(f"needs {SCORER} and {args.data}", file=sys.stderr)
        return 1
    command = [sys.executable, str(SCORER), "--data", args.data, "--path-add", str(ROOT),
               "--py", "polsearch=bench.extraction:extract",
               "--py", "trafilatura=bench.extraction:trafilatura_reference", "--ref", "trafilatura"]
    try:
        import readability  # noqa: F401

        command += ["--py", "readability=bench.extraction:readability_reference"]
    except ImportError:
        print("readability-lxml is not installed: pip install readability-lxml to compare with it too",
              file=sys.stderr)
    if args.limit:
        command += ["--limit", str(args.limit)]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())

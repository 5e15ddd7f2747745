"""Shared fixtures: a CLI runner, page builders, and copies of the bundled samples."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "data" / "samples"
GOLDEN_SAMPLES = Path(__file__).resolve().parent / "data" / "samples"
EDGE_PAGES = Path(__file__).resolve().parent / "data" / "pages"
SHARED_DATA = ROOT.parent / "shared" / "data"


class Cli:
    """Runs `polsearch ARGS` in-process; `.json()` parses stdout."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict | None = None):
        return self.runner.invoke(main, [str(a) for a in args], input=input, env=env,
                                  catch_exceptions=False)

    def json(self, *args: str):
        result = self(*args, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def cli() -> Cli:
    return Cli()


def make_page(title: str, paragraphs: list[str], *, date: str = "", author: str = "",
              url: str = "", site: str = "Test Institute", sidebar: list[str] = ()) -> str:
    """A small commentary page with the usual chrome around it."""
    head = [f"<title>{html.escape(title)} | {site}</title>"]
    if url:
        head.append(f'<link rel="canonical" href="{url}">')
    if date:
        head.append(f'<meta property="article:published_time" content="{date}">')
    if author:
        head.append(f'<meta name="author" content="{html.escape(author)}">')
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    side = "".join(f'<li><a href="/r{i}">{html.escape(s)}</a></li>' for i, s in enumerate(sidebar))
    return (f"<!doctype html><html lang='en'><head>{''.join(head)}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/about'>About us</a></nav>"
            f"<article><h1>{html.escape(title)}</h1>{body}</article>"
            f"<aside><h3>Related</h3><ul>{side}</ul></aside>"
            f"<footer>Copyright {site}</footer></body></html>")


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A writable copy of the bundled sample corpus."""
    target = tmp_path / "samples"
    shutil.copytree(SAMPLES, target)
    return target


def golden_samples() -> list[Path]:
    return sorted(GOLDEN_SAMPLES.glob("*.json"))

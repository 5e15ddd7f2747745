"""trafilatura gives the body its best candidate: without it every page would quietly fall back to the
weaker ones. A missing or broken install must stop extraction with an error that names the package."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, SAMPLES, make_page

# Only `import trafilatura` is made to fail (None in sys.modules); the rest of the pipeline is real.
UNIMPORTABLE = "import sys; sys.modules['trafilatura'] = None\n"
PAGE = sorted(SAMPLES.glob("*.html"))[0]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", UNIMPORTABLE + code, str(PAGE)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_normalise_raises_an_import_error_naming_trafilatura():
    result = _run("try:\n"
                  "    from corpus import normalise\n"
                  "    normalise(open(sys.argv[1], 'rb').read())\n"
                  "except ImportError as exc:\n"
                  "    print(exc.name, '|', exc)\n"
                  "else:\n"
                  "    print('extracted without trafilatura')\n")
    assert result.returncode == 0, result.stderr
    name, _, message = result.stdout.partition(" | ")
    assert name == "trafilatura"
    assert "trafilatura" in message and "pip install" in message


def test_the_cli_fails_with_one_line_naming_trafilatura():
    result = _run("from search.cli import main\nmain(['normalise', sys.argv[1]])\n")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "trafilatura" in line and "pip install" in line


def test_with_trafilatura_the_body_comes_from_it():
    from corpus import normalise

    paragraphs = [f"Paragraph {i} of a commentary on the Mekong, long enough to be article text and not "
                  "a caption, a pointer line or a teaser of another page on the site." for i in range(6)]
    doc = normalise(make_page("Water Diplomacy on the Mekong", paragraphs))
    assert doc.extraction["body_strategy"].startswith("trafilatura")

"""Shared by the `serve` tests: an index over the samples plus a hostile page, and `polsearch serve`
started as a real process on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from .conftest import SAMPLES

# A page whose every field tries something: script tags, event attributes, a javascript: URL, terminal
# escapes. Escaped in the HTML source, so that they reach the document's fields as text.
HOSTILE_TITLE = '<script>window.pwned=1</script> Hostile <img src=x onerror="window.pwned=2"> Mekong'
HOSTILE = f"""<!doctype html><html lang="en"><head>
<title>&lt;script&gt;window.pwned=1&lt;/script&gt; Hostile &lt;img src=x onerror="window.pwned=2"&gt; Mekong</title>
<link rel="canonical" href="javascript:window.pwned=3">
<meta property="og:site_name" content="&lt;svg onload=window.pwned=4&gt;Evil Site">
<meta name="author" content="&lt;b onmouseover=window.pwned=5&gt;Eve&lt;/b&gt; \x1b[31mRed\x1b[0m">
<meta property="article:published_time" content="2021-05-04">
<meta name="keywords" content="&lt;iframe src=javascript:alert(6)&gt;">
</head><body><article>
<h1>&lt;script&gt;window.pwned=1&lt;/script&gt; Hostile &lt;img src=x onerror="window.pwned=2"&gt; Mekong</h1>
<p>The Mekong hostile test: &lt;script&gt;window.pwned=7&lt;/script&gt; and a
&lt;a href="javascript:window.pwned=8"&gt;link&lt;/a&gt; and \x1b]0;title\x07 a terminal escape \x1b[2J here.
The river and its dams matter for the Mekong basin and for every country along the water.</p>
<p>A second paragraph about Mekong dams, water diplomacy and &lt;style&gt;body{{display:none}}&lt;/style&gt;
which must show as text, as must "quotes" and 'apostrophes' &amp; ampersands.</p>
</article></body></html>"""


def polsearch(*args) -> list[str]:
    script = Path(sys.executable).parent / "polsearch"
    head = [str(script)] if script.exists() else [sys.executable, "-m", "search.cli"]
    return head + [str(a) for a in args]


def build_index(base: Path) -> Path:
    pages = base / "pages"
    shutil.copytree(SAMPLES, pages)
    (pages / "zz-hostile.html").write_text(HOSTILE, encoding="utf-8")
    index = base / "index"
    done = subprocess.run(polsearch("index", "--index", index, pages, "--json"), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return index


class Server:
    """`polsearch serve --port 0` as a process; `.url` is where it listens."""

    def __init__(self, index: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(polsearch("serve", "--index", index, "--port", "0", *extra),
                                     stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self.url = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            found = re.search(r"at (http://\S+/) ", line)
            if found:
                self.url = found.group(1)
                break
        if not self.url:
            self.stop()
            raise AssertionError("serve did not start: " + "".join(self.lines))

    def get(self, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(self.url.rstrip("/") + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def text(self, path: str) -> str:
        status, _headers, body = self.get(path)
        assert status == 200, (status, body[:500])
        return body.decode("utf-8")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stderr, self.proc.stdout):
            if stream:
                stream.close()

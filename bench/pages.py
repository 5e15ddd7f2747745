"""Realistic commentary pages for benchmarks: real policy prose inside generated site chrome.

Texts come from `../shared/data` when it is there (White House briefing-room documents, UN General
Debate speeches), otherwise from a small generator over the bundled samples' sentences. Each text is
wrapped in one of three site templates with the clutter real sites carry (menus, sidebars with teasers,
share bars, newsletter boxes, inline scripts and styles, footers), so pages weigh roughly 50 KB like
real institute pages. Pages are written once per (source, count) and reused.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SOURCES = {
    "wh": SHARED / "whitehouse-briefing-room" / "wh-briefing-room-2021-2026.jsonl.gz",
    "un": SHARED / "un-general-debates" / "ungdc-1990-2024.jsonl.gz",
}

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def _paragraphs_from_markdown(text: str) -> list[str]:
    text = _LINK.sub(r"\1", text.replace("\\###", ""))
    blocks = re.split(r"\n\s*\n|  \n", text)
    paras = []
    for block in blocks:
        block = re.sub(r"^\s*[-*]\s+", "", block.strip())
        block = " ".join(block.split())
        if len(block) > 1:
            paras.append(block)
    return paras


def iter_texts(source: str) -> Iterator[dict]:
    """Records with title, date, tags, authors and paragraphs."""
    if source in SOURCES and SOURCES[source].exists():
        with gzip.open(SOURCES[source], "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if source == "wh":
                    paras = _paragraphs_from_markdown(rec["text"])
                    yield {"title": rec["title"], "date": rec["date"], "tags": [rec["category"]],
                           "authors": [], "paragraphs": paras, "id": rec["id"]}
                else:
                    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", rec["text"]) if p.strip()]
                    yield {"title": rec["title"], "date": f"{rec['year']}-09-{20 + rec['year'] % 8:02d}",
                           "tags": [rec.get("country") or rec["country_iso3"]],
                           "authors": [rec["speaker"]] if rec.get("speaker") else [],
                           "paragraphs": paras, "id": rec["id"]}
        return
    yield from _synthetic()


def _synthetic() -> Iterator[dict]:
    """Shuffled sentences of the bundled samples: only for machines without ../shared/data."""
    from bs4 import BeautifulSoup

    sentences = []
    for page in sorted((ROOT / "corpus" / "data" / "samples").glob("*.html")):
        soup = BeautifulSoup(page.read_bytes(), "lxml")
        for p in soup.find_all("p"):
            sentences.extend(s.strip() + "." for s in p.get_text(" ").split(". ") if len(s) > 40)
    rng = random.Random(7)
    n = 0
    while True:
        paras = [" ".join(rng.choice(sentences) for _ in range(rng.randint(3, 6))) for _ in range(rng.randint(6, 14))]
        title = " ".join(rng.choice(sentences).split()[:8]).rstrip(".,;")
        yield {"title": f"{title} ({n})", "date": f"{rng.randint(2009, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
               "tags": [], "authors": [], "paragraphs": paras, "id": f"SYN-{n}"}
        n += 1


_MENU = ["Home", "Research", "Commentary", "Events", "Experts", "Programmes", "Publications", "Podcasts",
         "About us", "Support us", "Contact", "Careers", "Press", "Newsletters"]
_REGIONS = ["Africa", "Americas", "Asia", "Europe", "Middle East", "Russia and Eurasia", "Global economy",
            "Climate", "Security", "Technology", "Trade", "Energy", "Health", "Migration"]
_STYLE = "body{font-family:Georgia,serif;margin:0}.wrap{max-width:1140px;margin:auto}" * 80
_SCRIPT = ("window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
           "gtag('js',new Date());gtag('config','G-XXXX');") * 60


def _menu(rng: random.Random) -> str:
    items = []
    for name in _MENU:
        sub = "".join(f'<li><a href="/{name.lower()}/{r.lower().replace(" ", "-")}">{r}</a></li>'
                      for r in rng.sample(_REGIONS, 12))
        items.append(f'<li class="menu-item"><a href="/{name.lower().replace(" ", "-")}">{name}</a>'
                     f'<ul class="sub-menu">{sub}</ul></li>')
    return f'<nav class="main-nav"><ul class="menu">{"".join(items)}</ul></nav>'


def _teasers(titles: list[str], cls: str) -> str:
    return "".join(f'<li class="{cls}"><a href="/c/{i}">{html.escape(t)}</a>'
                   f'<span class="teaser-date">2023-0{1 + i % 9}-1{i % 9}</span></li>'
                   for i, t in enumerate(titles))


def render(rec: dict, template: int, related: list[str], rng: random.Random) -> str:
    title = html.escape(rec["title"])
    body = "".join("<p>" + _BOLD.sub(r"<strong>\1</strong>", html.escape(p)) + "</p>" for p in rec["paragraphs"])
    authors = ", ".join(html.escape(a) for a in rec["authors"])
    tags = "".join(f'<a rel="tag" href="/tag/{html.escape(t)}">{html.escape(t)}</a> ' for t in rec["tags"])
    url = f"https://bench{template}.example/commentary/{rec['id'].lower()}"
    share = ('<div class="share-bar">Share: <a href="#">X</a> <a href="#">Facebook</a> <a href="#">LinkedIn</a> '
             '<a href="#">Email</a> <a href="#">Print</a></div>')
    newsletter = ('<div class="newsletter-box"><h3>Get our weekly briefing</h3><p>Analysis of the week in '
                  'global policy, every Friday in your inbox.</p><form><input type="email"><button>Sign up'
                  '</button></form></div>')
    footer = ("<footer class='site-footer'>" + "".join(f"<ul>{_teasers(rng.sample(_REGIONS, 10), 'f')}</ul>"
                                                       for _ in range(8))
              + "<p>© Bench Institute. 1 Example Square, Example City.</p></footer>")
    byline = f'<p class="byline">By {authors}</p>' if authors else ""
    if template == 0:
        head = (f'<meta property="og:title" content="{title}"><meta property="og:site_name" content="Bench Institute">'
                f'<link rel="canonical" href="{url}"><meta property="article:published_time" content="{rec["date"]}">')
        main = (f'<article class="post"><header><h1 class="entry-title">{title}</h1>{byline}'
                f'<time datetime="{rec["date"]}">{rec["date"]}</time></header>{share}'
                f'<div class="entry-content">{body}</div><footer class="tags">{tags}</footer></article>')
    elif template == 1:
        head = f'<link rel="canonical" href="{url}">'
        main = (f'<div class="col-md-8 blk-2"><h1 class="t1">{title}</h1><div class="pst">Posted {rec["date"]}'
                f'{" by " + authors if authors else ""}</div><div class="txt">{body}{newsletter}</div>{share}</div>')
    else:
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": rec["title"],
                         "datePublished": rec["date"], "author": [{"@type": "Person", "name": a} for a in rec["authors"]]})
        head = f'<script type="application/ld+json">{ld}</script><meta property="og:url" content="{url}">'
        main = (f'<main><div class="kicker">Commentary</div><h1>{title}</h1>{byline}'
                f'<div class="article-text">{body}</div><div class="topics">Topics: {tags}</div></main>')
    sidebar = (f'<aside class="sidebar"><h3>Most read</h3><ul>{_teasers(related[:8], "mr")}</ul>{newsletter}'
               f'<h3>Related</h3><ul>{_teasers(related[8:16], "rel")}</ul></aside>')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Bench Institute</title>'
            f'{head}<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>'
            f'<div class="cookie-banner">We use cookies. <button>Accept</button></div>'
            f'<header class="site-header"><a class="logo" href="/">Bench Institute</a>{_menu(rng)}</header>'
            f'<div class="wrap">{main}{sidebar}</div>{footer}</body></html>')


def build(source: str, count: int, out: Path) -> Path:
    """Write `count` pages (once) under `out/<source>-<count>/` and return that folder."""
    folder = out / f"{source}-{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    titles: list[str] = []
    n = 0
    for rec in iter_texts(source):
        if n >= count:
            break
        if sum(len(p) for p in rec["paragraphs"]) < 200:
            continue
        titles.append(rec["title"])
        related = rng.sample(titles, min(16, len(titles)))
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{n:06d}.html").write_text(render(rec, n % 3, related, rng), encoding="utf-8")
        n += 1
    done.write_text(str(n))
    return folder

"""`scrape`: collect a site's commentaries from seed URLs into an archive folder, politely.

Moving parts:
- `ScrapeReport`: what a run did (fetched, unchanged, new, changed, skipped, failed, with the reasons);
  its settings, `ScrapeSettings`, are in `settings.py`;
- `scrape()`: the loop. Seeds, then the pages an earlier crawl captured (asked again, conditionally),
  then what the seeds lead to (`discover.py`): a listing's pages and its next pages, a sitemap's pages
  or sub-sitemaps, a feed's items. Per URL: scope (`scope.py`), robots.txt (`robots.py`, fetched once per site per
  run; its Crawl-delay slows the fetcher down), one polite GET (`fetch.py`, conditional when the page
  was captured before), then the WARC records and the state (`archive.py`), committed together.

The queue lives in the archive's state file, so a run stopped by Ctrl-C, a crash or `--max-pages`
resumes where it stopped: the next run of `scrape` on the same archive goes on with the same crawl and
fetches nothing that crawl already has. A run after a finished crawl starts a new one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urljoin

from ..errors import ScrapeError
from ..progress import SILENT, Progress
from .archive import Archive
from .discover import MAX_XML_BYTES, discover
from ..inputs.records import HTML_TYPES
from .fetch import XML_TYPES, FetchError, Fetcher, host_of, normalise_url, origin_of
from .robots import RobotsRules
from .scope import Scope, check_seed, seed_prefix, site_of
from .settings import ScrapeSettings
from .wire import Exchange

log = logging.getLogger(__name__)

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Kinds of queued URL: a seed (a listing, sitemap or feed, told apart when fetched), a listing page
# (its links are followed), a sitemap (from a sitemap index), a page (archived; its links are not).
FOLLOWED_KINDS = frozenset({"seed", "listing", "sitemap"})
_ROBOTS_REDIRECTS = 5


@dataclass
class ScrapeReport:
    fetched: int = 0      # full downloads (2xx with a body)
    unchanged: int = 0    # 304 Not Modified, or downloaded with the same content as last time
    new: int = 0          # captured for the first time
    changed: int = 0      # captured with content different from the last capture
    skipped: int = 0      # not collected, with a reason (robots.txt, scope, type, size)
    failed: int = 0       # no usable answer (errors after retries, timeouts, 4xx/5xx)
    robots: int = 0       # of the skipped: disallowed by robots.txt
    redirects: int = 0
    seconds: float = 0.0
    resumed: bool = False
    complete: bool = True  # False when --max-pages stopped the run before the queue was empty
    archive: str = ""
    warc_files: list[str] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    skips: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"fetched": self.fetched, "unchanged": self.unchanged, "new": self.new, "changed": self.changed,
                "skipped": self.skipped, "failed": self.failed, "robots": self.robots,
                "redirects": self.redirects, "complete": self.complete, "resumed": self.resumed,
                "seconds": round(self.seconds, 3), "archive": self.archive, "warc_files": self.warc_files,
                "errors": self.errors, "skips": self.skips}

    def fail(self, url: str, reason: str) -> None:
        self.failed += 1
        self.errors.append({"url": url, "error": reason})

    def skip(self, url: str, reason: str, robots: bool = False) -> None:
        self.skipped += 1
        self.robots += robots
        self.skips.append({"url": url, "reason": reason})


# -- the crawl -----------------------------------------------------------------------------------------
def scrape(archive_path: str | Path, seeds: Sequence[str], settings: ScrapeSettings = ScrapeSettings(),
           *, progress: Progress = SILENT) -> ScrapeReport:
    """Collect from `seeds` into the archive folder at `archive_path` (created if needed)."""
    started = time.perf_counter()
    urls = [check_seed(s) for s in seeds]
    if not urls:
        raise ScrapeError("no seed URL given")
    report = ScrapeReport(archive=str(archive_path))
    with Archive.open(archive_path, warcinfo=settings.warcinfo, max_warc_size=settings.max_warc_size) as archive, \
            Fetcher(settings.fetch) as fetcher:
        crawl = _Crawl(archive, fetcher, settings, report, progress)
        try:
            crawl.begin(urls)
            crawl.run()
        finally:
            progress.finish()
            report.warc_files = list(archive.files_written)
            report.seconds = time.perf_counter() - started
    return report


@dataclass(eq=False)
class _Crawl:
    """One run of the loop: what it writes to and fetches with, its per-host queues, what it learnt."""
    archive: Archive
    fetcher: Fetcher
    settings: ScrapeSettings
    report: ScrapeReport
    progress: Progress
    crawl: int = 0
    queues: dict[str, deque[tuple[str, str, int, int]]] = field(default_factory=dict)
    robots: dict[str, RobotsRules] = field(default_factory=dict)
    listing_digests: set[str] = field(default_factory=set)
    requests: int = 0  # for --max-pages
    known: int = 0     # URLs in the crawl's queue, done or not: the progress bar's length

    def __post_init__(self) -> None:
        self.scope = Scope([], self.settings.include, self.settings.exclude)

    # -- setting up ------------------------------------------------------------------------------------
    def begin(self, urls: list[str]) -> None:
        archive = self.archive
        self.crawl, seeds, resumed = archive.open_crawl(fresh=self.settings.fresh)
        self.report.resumed = resumed
        hint = {} if resumed else {s["url"]: s["prefix"] for s in seeds}
        if not resumed:
            seeds = []
        self.scope.seeds = seeds
        with archive.transaction():
            for url in urls:
                if all(s["url"] != url for s in seeds):
                    seeds.append({"url": url, "prefix": hint.get(url, seed_prefix(url))})
                archive.enqueue(self.crawl, url, "seed", 0, next(i for i, s in enumerate(seeds) if s["url"] == url))
            archive.set_seeds(self.crawl, seeds)
            if not resumed:
                for url in archive.known_pages():
                    if self.scope.why_not(url) is None:
                        archive.enqueue(self.crawl, url, "page")
        for item in archive.pending(self.crawl):
            self.queues.setdefault(host_of(item[0]), deque()).append(item)
        done, self.known = archive.counts(self.crawl)
        self.progress.start("scraping", self.known)
        if done:
            self.progress.advance(done)

    # -- the loop --------------------------------------------------------------------------------------
    def run(self) -> None:
        while True:
            item = self._next()
            if item is None:
                self.archive.end_crawl(self.crawl, "done")
                return
            if self.settings.max_pages is not None and self.requests >= self.settings.max_pages:
                self.report.complete = False
                self.archive.end_crawl(self.crawl, "paused")
                return
            url, kind, hops, seed = item
            self.queues[host_of(url)].popleft()
            self._visit(url, kind, hops, seed)
            self.progress.advance()

    def _next(self) -> tuple[str, str, int, int] | None:
        """The head of the queue of the host whose turn comes first."""
        ready = [(self.fetcher.ready_at(host), host) for host, q in self.queues.items() if q]
        if not ready:
            return None
        return self.queues[min(ready)[1]][0]

    def _enqueue(self, url: str, kind: str, hops: int, seed: int) -> bool:
        if not self.archive.enqueue(self.crawl, url, kind, hops, seed):
            return False
        self.queues.setdefault(host_of(url), deque()).append((url, kind, hops, seed))
        self.known += 1
        self.progress.resize(self.known)
        return True

    def _visit(self, url: str, kind: str, hops: int, seed: int) -> None:
        archive, report = self.archive, self.report
        reason = self.scope.why_not(url)
        if reason is not None:  # queued by an earlier run with other --include/--exclude
            with archive.transaction():
                archive.note(url, kind, "skipped", reason)
                archive.mark_done(self.crawl, url)
            report.skip(url, reason)
            return
        rules = self._robots_for(url)
        if not rules.allows(url):
            with archive.transaction():
                archive.note(url, kind, "skipped", rules.why_not(url))
                archive.mark_done(self.crawl, url)
            report.skip(url, rules.why_not(url), robots=True)
            return
        prev = archive.state(url)
        headers = prev.conditional_headers() if prev is not None else []
        accept = HTML_TYPES if kind in ("page", "listing") else HTML_TYPES | XML_TYPES
        self.requests += 1
        fetched = self.fetcher.fetch(url, headers, accept)
        with archive.transaction():
            for attempt in fetched.earlier:
                archive.keep(attempt, kind, "retried", f"HTTP {attempt.status}, retried")
            self._settle(fetched.final, kind, hops, seed, prev)
            archive.mark_done(self.crawl, url)

    def _settle(self, ex: Exchange, kind: str, hops: int, seed: int, prev) -> None:
        archive, report, url = self.archive, self.report, ex.url
        if ex.error:
            archive.note(url, kind, "failed", ex.error, ex.status or None)
            report.fail(url, ex.error)
        elif ex.skipped:
            archive.note(url, kind, "skipped", ex.skipped, ex.status)
            report.skip(url, ex.skipped)
        elif ex.truncated:
            reason = f"larger than {self.settings.fetch.max_size} bytes (archived cut off)"
            archive.keep(ex, kind, "skipped", reason)
            report.skip(url, reason)
        elif ex.status in REDIRECTS:
            self._redirect(ex, kind, hops, seed)
        elif ex.status == 304 and prev is not None and prev.captured:
            archive.capture(ex, kind)
            report.unchanged += 1
            if kind in FOLLOWED_KINDS:
                body = archive.stored_content(prev, MAX_XML_BYTES)
                if body is not None:
                    self._follow(url, body, prev.content_type or "", None, kind, seed)
        elif 200 <= ex.status < 300:
            outcome = archive.capture(ex, kind)
            report.fetched += 1
            setattr(report, outcome, getattr(report, outcome) + 1)
            if kind in FOLLOWED_KINDS:
                try:
                    body = ex.content(MAX_XML_BYTES)
                except ValueError as exc:
                    log.warning("%s: cannot read its links: %s", url, exc)
                else:
                    self._follow(url, body, ex.content_type, ex.charset, kind, seed)
        else:
            reason = f"HTTP {ex.status} {ex.reason}".strip()
            archive.keep(ex, kind, "failed", reason)
            report.fail(url, reason)

    def _redirect(self, ex: Exchange, kind: str, hops: int, seed: int) -> None:
        archive, report, url = self.archive, self.report, ex.url
        location = ex.header("Location")
        try:
            target = normalise_url(urljoin(url, location or ""))
        except (FetchError, ValueError):
            target = None
        if not location or target is None:
            reason = f"HTTP {ex.status} without a usable Location ({location or 'none'})"
            archive.keep(ex, kind, "failed", reason)
            report.fail(url, reason)
            return
        archive.keep(ex, kind, "redirect", f"HTTP {ex.status} to {target}")
        report.redirects += 1
        if hops + 1 > self.settings.max_redirects:
            report.fail(url, f"more than {self.settings.max_redirects} redirects (last to {target})")
            return
        reason = self.scope.why_not(target)
        if reason is not None:
            report.skip(url, f"redirects out of scope to {target}")
            return
        self._enqueue(target, kind, hops + 1, seed)

    def _follow(self, url: str, body: bytes, content_type: str, charset: str | None, kind: str,
                seed: int) -> None:
        links = discover(body, url, content_type, charset)
        if links.note:
            log.info("%s: %s", url, links.note)
        if kind == "seed" and links.kind in ("sitemap", "sitemap-index", "feed"):
            self._widen(seed)
        in_scope = self._in_scope(links.pages)
        for page in in_scope:
            self._enqueue(page, "page", 0, seed)
        for sitemap in self._in_scope(links.sitemaps):
            self._enqueue(sitemap, "sitemap", 0, seed)
        if links.kind == "listing" and links.listings:
            # A listing page is followed to its next pages only if it lists something and is not a page
            # seen already (a calendar or session-id trap returns the same page under new URLs).
            digest = hashlib.sha1(body).hexdigest()
            if not in_scope or digest in self.listing_digests:
                return
            self.listing_digests.add(digest)
            for listing in self._in_scope(links.listings):
                self._enqueue(listing, "listing", 0, seed)

    def _in_scope(self, urls: list[str]) -> list[str]:
        """`urls` spelt as they will be requested (and stored), those in scope only."""
        kept = []
        for url in urls:
            try:
                url = normalise_url(url)
            except FetchError:
                continue
            if self.scope.why_not(url) is None:
                kept.append(url)
        return kept

    def _widen(self, seed: int) -> None:
        """A sitemap's or feed's items may be anywhere on its site: its scope is the whole site."""
        seeds = self.scope.seeds
        if 0 <= seed < len(seeds) and seeds[seed]["prefix"] != "/":
            seeds[seed]["prefix"] = "/"
            self.archive.set_seeds(self.crawl, seeds)

    # -- robots.txt ------------------------------------------------------------------------------------
    def _robots_for(self, url: str) -> RobotsRules:
        origin = origin_of(url)
        rules = self.robots.get(origin)
        if rules is not None:
            return rules
        target = f"{origin}/robots.txt"
        rules = RobotsRules.allow_all(note="robots.txt redirects too often")
        for _ in range(_ROBOTS_REDIRECTS + 1):
            fetched = self.fetcher.fetch(target, (), accept=None)
            ex = fetched.final
            with self.archive.transaction():
                for attempt in fetched.earlier:
                    self.archive.keep(attempt, "robots", "retried", f"HTTP {attempt.status}, retried")
                if ex.status and not ex.error:
                    self.archive.keep(ex, "robots", "robots", f"HTTP {ex.status}")
            location = ex.header("Location") if ex.status in REDIRECTS else None
            if not location:
                rules = RobotsRules.from_exchange(ex)
                break
            try:
                target = normalise_url(urljoin(target, location))
            except (FetchError, ValueError):
                rules = RobotsRules.allow_all(note="robots.txt redirects to a bad URL")
                break
            if site_of(host_of(target)) != site_of(host_of(url)):
                # Not followed to another site (out of scope): as if there were no robots.txt.
                rules = RobotsRules.allow_all(note=f"robots.txt redirects to another site ({target})")
                break
        if rules.note:
            log.info("%s: %s", origin, rules.note)
        self.robots[origin] = rules
        self.fetcher.set_delay(host_of(url), rules.delay)
        if rules.delay:
            log.info("%s: robots.txt asks for %.2f s between requests", origin, rules.delay)
        return rules

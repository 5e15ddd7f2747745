"""Which URLs a crawl may visit: the seeds' sites, under each seed's folder, as the options adjust it.

Moving parts:
- `Scope.why_not(url)`: None when a URL is in scope, else the reason it is not. In scope: a URL on a
  seed's site (`www.` or not, any port or scheme) under the seed's folder (the whole site for a sitemap
  or a feed, which the crawler widens when it sees one), or anything `--include` names; never what
  `--exclude` names. Every link and every redirect hop is checked before it is queued;
- `seed_prefix()` (a seed's folder), `site_of()` (a host without `www.`) and `check_seed()` (a seed as
  it will be requested, or a `ScrapeError`).
"""

from __future__ import annotations

import fnmatch
from typing import Any, Sequence
from urllib.parse import urlsplit

from ..errors import ScrapeError
from .fetch import FetchError, host_of, normalise_url


def site_of(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def seed_prefix(url: str) -> str:
    """The folder of a seed URL: `/commentary/` for `/commentary/` and for `/commentary/index.html`."""
    path = urlsplit(url).path or "/"
    return path[: path.rfind("/") + 1]


def _matches(pattern: str, url: str) -> bool:
    """Glob patterns (`*`, `?`, `[...]`): against the whole URL if the pattern has `://`, else against
    the path and query (`/tag/*`, `*?print=*`)."""
    if "://" in pattern:
        return fnmatch.fnmatchcase(url, pattern)
    parts = urlsplit(url)
    return fnmatch.fnmatchcase(parts.path + (f"?{parts.query}" if parts.query else ""), pattern)


class Scope:
    def __init__(self, seeds: list[dict[str, Any]], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> None:
        self.seeds = seeds
        self.include = tuple(include)
        self.exclude = tuple(exclude)

    def why_not(self, url: str) -> str | None:
        """None when `url` is in scope, else the reason it is not."""
        if urlsplit(url).scheme not in ("http", "https"):
            return f"not http(s): {url}"
        for pattern in self.exclude:
            if _matches(pattern, url):
                return f"excluded by {pattern}: {url}"
        if any(_matches(pattern, url) for pattern in self.include):
            return None
        site, path = site_of(host_of(url)), urlsplit(url).path or "/"
        for seed in self.seeds:
            if site_of(host_of(seed["url"])) == site and path.startswith(seed["prefix"]):
                return None
        return f"out of scope: {url}"


def check_seed(url: str) -> str:
    """The seed as it will be requested; `ScrapeError` for what cannot be (not http/https, no host)."""
    try:
        return normalise_url(url)
    except FetchError as exc:
        raise ScrapeError(str(exc)) from None

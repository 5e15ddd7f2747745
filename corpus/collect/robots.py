"""robots.txt for `scrape`: the rules of RFC 9309, and what a missing or unreachable file means.

`RobotsRules.from_exchange(exchange)` reads a fetched `/robots.txt`:
- 2xx: the file's rules for the `polsearch` product token (group `User-agent: polsearch`, else `*`),
  matched as RFC 9309 says (longest match wins, `*` and `$` wildcards) by protego;
- 4xx (including 401/403): no rules — everything may be fetched (RFC 9309 §2.3.1.3);
- 5xx, 429, or no answer at all: nothing may be fetched from that site in this run (§2.3.1.4).
`allows(url)` applies them; `delay` is the site's Crawl-delay (or its Request-rate, as seconds per
request), which the fetcher uses when it is longer than `--delay`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRODUCT_TOKEN = "polsearch"
# RFC 9309 §2.5: crawlers must read at least 500 KiB; rules past that point are ignored.
MAX_ROBOTS_BYTES = 500 * 1024


@dataclass
class RobotsRules:
    parser: Any = None                  # a protego.Protego, or None for "no rules"
    disallow_all: bool = False
    note: str = ""                      # why, when the file could not be read
    sitemaps: list[str] = field(default_factory=list)

    @classmethod
    def allow_all(cls, note: str = "") -> RobotsRules:
        return cls(note=note)

    @classmethod
    def parse(cls, text: str) -> RobotsRules:
        from protego import Protego

        parser = Protego.parse(text)
        return cls(parser=parser, sitemaps=list(parser.sitemaps))

    @classmethod
    def from_exchange(cls, exchange: Any) -> RobotsRules:
        """Rules from the last exchange for `/robots.txt` (redirects already followed)."""
        status = exchange.status
        if exchange.error and not status:
            return cls(disallow_all=True, note=f"robots.txt unreachable ({exchange.error})")
        if 200 <= status < 300:
            try:
                body = exchange.content(MAX_ROBOTS_BYTES * 4)
            except ValueError:
                body = exchange.body
            return cls.parse(body[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace"))
        if status == 429 or status >= 500:
            return cls(disallow_all=True, note=f"robots.txt unavailable (HTTP {status})")
        return cls.allow_all(note=f"no robots.txt (HTTP {status})")

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.parser is None:
            return True
        return bool(self.parser.can_fetch(url, PRODUCT_TOKEN))

    @property
    def delay(self) -> float | None:
        """Seconds the site asks between requests: Crawl-delay, or Request-rate turned into seconds."""
        if self.parser is None:
            return None
        delays = []
        crawl_delay = self.parser.crawl_delay(PRODUCT_TOKEN)
        if crawl_delay:
            delays.append(float(crawl_delay))
        rate = self.parser.request_rate(PRODUCT_TOKEN)
        if rate and rate.requests:
            delays.append(rate.seconds / rate.requests)
        return max(delays) if delays else None

    def why_not(self, url: str) -> str:
        return self.note or f"robots.txt disallows {url}"

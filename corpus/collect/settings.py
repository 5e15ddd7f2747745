"""Every default of `scrape`, written once: the table `SETTINGS`, one row per setting.

Moving parts:
- `Setting`: one row — its name (the field of the settings class), its default, its type (`float`,
  `int`, `str`, `size` in bytes, `patterns`, `flag`), the help text, which class it belongs to (`fetch`:
  every request; `scrape`: the crawl), and how `scrape` takes it on the command line: the option
  (`--delay`; None for a setting with no option), the range it accepts, a metavar, an environment
  variable;
- `SETTINGS`: the table, in the order `polsearch scrape --help` lists the options;
- `FetchSettings` (politeness and safety, read by the fetcher) and `ScrapeSettings` (the crawl's own,
  holding a `FetchSettings`): frozen dataclasses built from the table, so no default is written twice;
- `scrape_settings(values, ...)`: both from option values keyed by setting name.

The CLI builds `scrape`'s options from the same rows (`search/cli.py` is the only module that knows
click), and a test checks that every option is in the README. The defaults are data, as in scrapy's
`default_settings.py`, not scattered through the code that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any, Mapping

_SIZE_UNITS = (("G", 1024 ** 3), ("M", 1024 ** 2), ("K", 1024))
_ANNOTATIONS = {"float": "float", "int": "int", "str": "str", "size": "int", "patterns": "tuple[str, ...]",
                "flag": "bool"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: str
    help: str
    group: str                       # "fetch" (FetchSettings) or "scrape" (ScrapeSettings)
    option: str | None = None        # the `scrape` option that sets it
    minimum: float | None = None
    maximum: float | None = None
    metavar: str | None = None
    envvar: str | None = None

    @property
    def written(self) -> Any:
        """The default as it is written on the command line: a size as `10M`, anything else as is."""
        if self.type != "size":
            return self.default
        for unit, factor in _SIZE_UNITS:
            if self.default % factor == 0:
                return f"{self.default // factor}{unit}"
        return str(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("include", (), "patterns", "Also collect URLs matching this glob (full URL if it has ://, else "
            "path?query). Repeatable.", "scrape", "--include", metavar="PATTERN"),
    Setting("exclude", (), "patterns", "Never collect URLs matching this glob. Repeatable.", "scrape",
            "--exclude", metavar="PATTERN"),
    Setting("max_pages", None, "int", "Stop after this many requests; the next run goes on from there.",
            "scrape", "--max-pages", minimum=1),
    Setting("delay", 1.0, "float", "Seconds between requests to one host (robots.txt Crawl-delay wins if "
            "longer).", "fetch", "--delay", minimum=0),
    Setting("contact", "", "str", "How site operators can reach you; sent in the User-Agent (and From:) "
            "[env: POLSEARCH_CONTACT].", "fetch", "--contact", metavar="URL|EMAIL", envvar="POLSEARCH_CONTACT"),
    Setting("timeout", 30.0, "float", "Seconds to wait for a connection or for data.", "fetch", "--timeout",
            minimum=0.1),
    Setting("retries", 3, "int", "Further attempts after a 429, a 5xx or a connection error (with backoff).",
            "fetch", "--retries", minimum=0, maximum=10),
    Setting("max_size", 10 * 1024 ** 2, "size", "Largest page body; a larger one is cut off and not indexed.",
            "fetch", "--max-size"),
    Setting("max_redirects", 5, "int", "Redirects followed from one URL.", "scrape", "--max-redirects",
            minimum=0, maximum=20),
    Setting("max_warc_size", 1024 ** 3, "size", "Start a new WARC file when the current one is this large.",
            "scrape", "--warc-size"),
    Setting("fresh", False, "flag", "Start a new crawl even if the last one did not finish.", "scrape",
            "--fresh"),
    # Set by the code, not by an option of their own.
    Setting("user_agent", "polsearch", "str", "The User-Agent header; `scrape` sends "
            "`polsearch/<version> (+<contact>)`.", "fetch"),
    Setting("max_time", 120.0, "float", "Seconds for a whole response (stops trickling servers).", "fetch"),
    Setting("max_retry_after", 300.0, "float", "A longer Retry-After gives up on the URL for this run.",
            "fetch"),
)
DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


def _settings_class(name: str, group: str, doc: str, *extra: tuple[str, str, Any]) -> type:
    rows = [(s.name, _annotation(s), field(default=s.default)) for s in SETTINGS if s.group == group]
    return make_dataclass(name, [*extra, *rows], frozen=True, namespace={"__doc__": doc, "__module__": __name__})


def _annotation(setting: Setting) -> str:
    kind = _ANNOTATIONS[setting.type]
    return f"{kind} | None" if setting.default is None else kind


FetchSettings = _settings_class(
    "FetchSettings", "fetch",
    "Politeness and safety for every request (delay, timeouts, retries, sizes, User-Agent); the rows of "
    "`SETTINGS` whose group is `fetch`.")
ScrapeSettings = _settings_class(
    "ScrapeSettings", "scrape",
    "A crawl's settings: its `FetchSettings`, the `warcinfo` fields of its WARC files, and the rows of "
    "`SETTINGS` whose group is `scrape`.",
    ("fetch", "FetchSettings", field(default_factory=FetchSettings)),
    ("warcinfo", "dict[str, str]", field(default_factory=dict)))


def scrape_settings(values: Mapping[str, Any], **fixed: Any) -> Any:
    """`ScrapeSettings` (with its `FetchSettings`) from values keyed by setting name, such as a command's
    options; `fixed` adds fields no option sets (`user_agent`, `warcinfo`). Missing names keep their
    defaults."""
    given = {**values, **fixed}
    groups: dict[str, dict[str, Any]] = {"fetch": {}, "scrape": {}}
    for setting in SETTINGS:
        if setting.name in given:
            groups[setting.group][setting.name] = given[setting.name]
    extra = {k: given[k] for k in ("warcinfo",) if k in given}
    return ScrapeSettings(fetch=FetchSettings(**groups["fetch"]), **groups["scrape"], **extra)

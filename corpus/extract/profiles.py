"""Site profiles: per-site selectors for title, dates, authors, tags and body, kept as data.

A profile is a TOML file (see `corpus/data/profiles/*.toml`, the profiles of the bundled sample sites, and
the README for writing one). It names the site, says which pages it applies to (`[match]`: URL hosts,
or a CSS selector that only the site's pages match, for saved pages without a URL), and gives CSS
selectors for the fields it knows (`[fields]`). A page that matches a profile gets those fields from
it; a field the profile does not give, or whose selector finds nothing on a page, falls back to the
generic stages, and `Document.extraction` says which way each value came.

Profiles are read from the package's own folder, then from every folder named in the environment
variable `POLSEARCH_PROFILES` (separated by `:`), then from folders passed to `load_profiles()`; a later
profile with the same name replaces an earlier one. Selectors are CSS (translated to XPath by cssselect).

Moving parts: `Profile` (one site's selectors), `read_profile()`, `load_profiles()` (cached per set of
folders), `find_profile()` (the profile a page matches), `select()` (CSS on the tree) and
`from_profile()` (a field read with a profile's selectors, as the other field stages return it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from .. import data
from ..data import tomllib
from ..errors import CorpusError
from .authors import clean_author_names
from .dates import iso, page_date, text_date
from .page import NOT_FOUND, Found, Page, dedupe, text_of

BUILTIN = data.PROFILES
ENV_VAR = "POLSEARCH_PROFILES"
FIELDS = ("title", "date", "updated", "authors", "tags", "body", "remove", "source")


class ProfileError(CorpusError):
    """A profile file that cannot be read or has a bad selector."""


@dataclass(frozen=True)
class Profile:
    name: str
    path: str
    hosts: tuple[str, ...] = ()
    selector: str = ""
    source: str = ""
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def matches(self, root: HtmlElement, url: str | None) -> bool:
        host = _host(url)
        if host and self.hosts:
            return host in self.hosts
        return bool(self.selector) and bool(select(root, self.selector))

    def elements(self, root: HtmlElement, name: str) -> list[HtmlElement]:
        """The elements the profile's selectors for `name` find, in document order, without repeats."""
        found: list[HtmlElement] = []
        for css in self.fields.get(name, ()):
            found.extend(el for el in select(root, css) if el not in found)
        if len(self.fields.get(name, ())) > 1:
            order = {el: i for i, el in enumerate(root.iter())}
            found.sort(key=lambda el: order.get(el, 0))
        return found


def _host(url: str | None) -> str:
    host = (urlsplit(url).hostname or "") if url else ""
    return host[4:] if host.startswith("www.") else host


@lru_cache(maxsize=512)
def _xpath(css: str):
    from cssselect import GenericTranslator, SelectorError
    from lxml.etree import XPath

    try:
        return XPath(GenericTranslator().css_to_xpath(css))
    except SelectorError as exc:
        raise ProfileError(f"bad CSS selector {css!r}: {exc}") from None


def select(root: HtmlElement, css: str) -> list[HtmlElement]:
    return [el for el in _xpath(css)(root) if isinstance(el, HtmlElement)]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProfileError(f"{where}: expected a selector or a list of selectors")


def read_profile(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"cannot read the site profile {path}: {exc}") from None
    name = data.get("name") or path.stem
    match = data.get("match", {})
    fields = data.get("fields", {})
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ProfileError(f"{path}: unknown field(s) {', '.join(sorted(unknown))}; known: {', '.join(FIELDS)}")
    hosts = tuple(h[4:] if h.startswith("www.") else h for h in _strings(match.get("hosts", []), f"{path}: hosts"))
    selector = match.get("selector", "")
    if not hosts and not selector:
        raise ProfileError(f"{path}: [match] needs hosts or a selector")
    profile = Profile(name=str(name), path=str(path), hosts=hosts, selector=str(selector),
                      source=str(data.get("source", "")),
                      fields={k: _strings(v, f"{path}: {k}") for k, v in fields.items()})
    for css in [selector, *(c for v in profile.fields.values() for c in v)]:
        if css:
            _xpath(css)  # a bad selector is reported when the profile is loaded, not on some page
    return profile


def _folders(extra: Iterable[str | os.PathLike[str]]) -> list[Path]:
    folders = [BUILTIN]
    env = os.environ.get(ENV_VAR, "")
    folders += [Path(p) for p in env.split(os.pathsep) if p]
    folders += [Path(p) for p in extra]
    return folders


def load_profiles(extra: Iterable[str | os.PathLike[str]] = ()) -> tuple[Profile, ...]:
    extra = tuple(str(p) for p in extra)
    key = (os.environ.get(ENV_VAR, ""), extra)
    return _load(key)


@lru_cache(maxsize=16)
def _load(key: tuple[str, tuple[str, ...]]) -> tuple[Profile, ...]:
    by_name: dict[str, Profile] = {}
    for folder in _folders(key[1]):
        if not folder.is_dir():
            if folder != BUILTIN and str(folder) in key[1]:
                raise ProfileError(f"no profile folder {folder}")
            continue
        for path in sorted(folder.glob("*.toml")):
            profile = read_profile(path)
            by_name[profile.name] = profile
    return tuple(by_name.values())


def find_profile(root: HtmlElement, url: str | None, profiles: tuple[Profile, ...]) -> Profile | None:
    for profile in profiles:
        if profile.matches(root, url):
            return profile
    return None


def from_profile(page: Page, profile: Profile | None, name: str) -> Found:
    """A field read with a site profile's selectors; NOT_FOUND when the profile has
    no selector for it or finds nothing on this page."""
    if profile is None or not profile.fields.get(name):
        return NOT_FOUND
    elements = profile.elements(page.tree, name)
    source = f"profile:{profile.name}"
    if not elements:
        return NOT_FOUND
    if name == "title":
        text = text_of(elements[0])
        return Found(text, source) if text else NOT_FOUND
    if name in ("date", "updated"):
        for el in elements:
            day = page_date(page, el.get("datetime") or el.get("content")) or text_date(page, text_of(el))
            if day:
                return Found(iso(day), source)
        return NOT_FOUND
    if name == "authors":
        names = dedupe([n for el in elements for n in clean_author_names(text_of(el))])
        return Found(names, source) if names else NOT_FOUND
    if name == "tags":
        tags = dedupe([t for t in (text_of(el) for el in elements) if 0 < len(t) < 60])
        return Found(tags, source) if tags else NOT_FOUND
    return NOT_FOUND

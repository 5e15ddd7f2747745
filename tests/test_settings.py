"""The crawl's defaults are written once, in `corpus.collect.settings.SETTINGS`: the settings classes and
the options of `polsearch scrape` are built from that table, and every option is in the README."""

from __future__ import annotations

import dataclasses
import re

import pytest

from corpus.collect.settings import SETTINGS, FetchSettings, ScrapeSettings, scrape_settings
from search.cli import main

from .conftest import ROOT

OPTIONS = [s for s in SETTINGS if s.option]


@pytest.mark.parametrize("setting", OPTIONS, ids=lambda s: s.option)
def test_every_option_is_in_the_readme(setting):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(setting.option)}(?![\w-])", readme), f"{setting.option} is not in the README"


def test_the_settings_classes_are_the_rows_of_the_table():
    fetch = {f.name: f.default for f in dataclasses.fields(FetchSettings)}
    scrape = {f.name: f.default for f in dataclasses.fields(ScrapeSettings) if f.name not in ("fetch", "warcinfo")}
    assert fetch == {s.name: s.default for s in SETTINGS if s.group == "fetch"}
    assert scrape == {s.name: s.default for s in SETTINGS if s.group == "scrape"}
    assert ScrapeSettings().fetch == FetchSettings()


def test_the_scrape_options_are_the_rows_of_the_table(monkeypatch):
    monkeypatch.delenv("POLSEARCH_CONTACT", raising=False)
    command = main.commands["scrape"]
    params = {p.name: p for p in command.params}
    for setting in OPTIONS:
        assert params[setting.name].opts == [setting.option]
        assert params[setting.name].help == setting.help
    ctx = command.make_context("scrape", ["https://institute.example/commentary/", "--archive", "arch"])
    given = {name: value for name, value in ctx.params.items() if name in {s.name for s in SETTINGS}}
    assert given == {s.name: s.default for s in OPTIONS}
    assert scrape_settings(given) == ScrapeSettings()


def test_option_values_reach_the_settings():
    settings = scrape_settings({"delay": 2.5, "max_warc_size": 1024, "include": ("/tag/*",)},
                               user_agent="polsearch/0 (+me@example.org)", warcinfo={"operator": "me"})
    assert settings.fetch.delay == 2.5 and settings.fetch.user_agent == "polsearch/0 (+me@example.org)"
    assert settings.max_warc_size == 1024 and settings.include == ("/tag/*",)
    assert settings.warcinfo == {"operator": "me"} and settings.fetch.retries == 3

"""Site profiles: a user's TOML profile takes over the fields it names, and bad profiles are reported."""

from __future__ import annotations

import json

from .conftest import EDGE_PAGES

PROFILE = """
name = "strait-policy-forum"
source = "Strait Policy Forum (profile)"

[match]
selector = "td.principal h1.titular"

[fields]
title = "h1.titular"
date = "p.firma"
authors = "p.firma"
body = "div.texto"
"""


def test_a_users_profile_gives_the_fields_it_names(cli, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "spf.toml").write_text(PROFILE)
    page = EDGE_PAGES / "latin1-http-equiv.html"
    expected = json.loads((EDGE_PAGES / "latin1-http-equiv.json").read_text())
    doc = cli.json("normalise", "--profiles", folder, page)
    assert doc["source"] == "Strait Policy Forum (profile)"
    assert doc["title"] == expected["title"] and doc["date"] == expected["date"]
    assert doc["authors"] == expected["authors"] and doc["body"] == expected["body"]
    assert doc["extraction"]["profile"] == "strait-policy-forum"
    assert doc["extraction"]["body_strategy"] == "profile:strait-policy-forum"
    shown = cli("normalise", "--profiles", folder, page).stdout
    assert "[profile:strait-policy-forum]" in shown

    # The same through the environment, and through `index`.
    env = {"POLSEARCH_PROFILES": str(folder)}
    assert cli("normalise", "--json", page, env=env).stdout.count("strait-policy-forum") >= 2
    report = cli.json("index", "--index", tmp_path / "idx", "--profiles", folder, page)
    assert report["added"] == 1
    found = cli.json("search", "--index", tmp_path / "idx", 'source:"Strait Policy Forum"')
    assert found["total"] == 1


def test_pages_of_other_sites_are_left_to_the_generic_stages(cli, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "spf.toml").write_text(PROFILE)
    doc = cli.json("normalise", "--profiles", folder, EDGE_PAGES / "utf8-bom.html")
    assert doc["extraction"]["profile"] == ""


def test_bad_profiles_are_one_line_errors(cli, tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "x"\n[match]\nselector = "div[[["\n')
    result = cli("normalise", "--profiles", folder, EDGE_PAGES / "utf8-bom.html")
    assert result.exit_code == 1 and "bad CSS selector" in result.stderr
    (folder / "bad.toml").write_text('name = "x"\n[fields]\ntitle = "h1"\n')
    result = cli("index", "--index", tmp_path / "idx", "--profiles", folder, EDGE_PAGES / "utf8-bom.html")
    assert result.exit_code == 1 and "[match] needs hosts or a selector" in result.stderr
    result = cli("normalise", "--profiles", tmp_path / "nowhere", EDGE_PAGES / "utf8-bom.html")
    assert result.exit_code == 1 and "no profile folder" in result.stderr

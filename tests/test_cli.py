"""The command line end to end, and every error path: one line on stderr, the right exit code."""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from indexer.index import IndexFolder, writing
from search.cli import main

from .conftest import make_page

PARAS = ["Cambodia still carries the debt of Lon Nol, a loan from the early 1970s.",
         "Washington and Phnom Penh have discussed it for years without a settlement."]


def _pages(folder, n=3):
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"c{i}.html").write_text(make_page(
            f"Commentary number {i}", PARAS + [f"Paragraph unique{i} about the Mekong."],
            date=f"201{i}-05-0{i + 1}", author="Dara Kim", url=f"https://apf.example/c/{i}"))
    return folder


def _no_traceback(result):
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_end_to_end_normalise_index_search_show_stats(cli, tmp_path):
    pages = _pages(tmp_path / "pages")
    doc = cli.json("normalise", pages / "c1.html")
    assert doc["title"] == "Commentary number 1" and doc["date"] == "2011-05-02"
    assert doc["url"] == "https://apf.example/c/1" and doc["authors"] == ["Dara Kim"]

    index = tmp_path / "idx"
    report = cli.json("index", "--index", index, pages)
    assert {k: report[k] for k in ("added", "updated", "unchanged", "skipped", "failed")} == \
        {"added": 3, "updated": 0, "unchanged": 0, "skipped": 0, "failed": 0}
    assert report["errors"] == []

    found = cli.json("search", "--index", index, '"debt of Lon Nol" unique1')
    assert found["query"] == '"debt of Lon Nol" unique1' and found["total"] == 1
    hit = found["hits"][0]
    assert set(hit) == {"id", "url", "title", "date", "authors", "source", "score", "snippet", "entities"}
    assert hit["id"] == doc["id"] and "<mark>debt of Lon Nol</mark>" in hit["snippet"]

    shown = cli.json("show", "--index", index, hit["id"])
    assert shown["body"].split("\n\n")[:2] == PARAS and shown["content_hash"]
    assert shown["provenance"]["kind"] == "file"

    stats = cli.json("stats", "--index", index)
    assert stats["documents"] == 3 and stats["first_date"] == "2010-05-01"
    assert stats["last_date"] == "2012-05-03" and stats["sources"] == {"Test Institute": 3}
    assert stats["bytes"] > 0


def test_human_output_and_json_only_on_stdout(cli, tmp_path):
    pages = _pages(tmp_path / "pages")
    index = tmp_path / "idx"
    result = cli("index", "--index", index, pages, "--json")
    json.loads(result.stdout)  # exactly one JSON document on stdout
    assert "3 added" in result.stderr
    result = cli("search", "--index", index, "mekong")
    assert result.exit_code == 0 and "3 documents match" in result.stdout
    assert "Commentary number" in result.stdout and "\x1b[" not in result.stdout  # no colour in a pipe
    result = cli("show", "--index", index, json.loads(cli("search", "--index", index, "unique2", "--json")
                                                      .stdout)["hits"][0]["id"][:8])
    assert result.exit_code == 0 and "Commentary number 2" in result.stdout


def test_index_from_environment_variable(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    env = {"POLSEARCH_INDEX": str(tmp_path / "env-idx")}
    assert cli("index", pages, env=env).exit_code == 0
    assert json.loads(cli("stats", "--json", env=env).stdout)["documents"] == 1


def test_incremental_reindex_adds_updates_and_skips(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 4)
    index = tmp_path / "idx"
    cli.json("index", "--index", index, pages)
    again = cli.json("index", "--index", index, pages)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 4)

    (pages / "c2.html").write_text(make_page("Commentary number 2", PARAS + ["Edited: unique2 rewritten."],
                                             date="2012-05-03", url="https://apf.example/c/2"))
    (pages / "new.html").write_text(make_page("A new one", PARAS, url="https://apf.example/c/new"))
    os.utime(pages / "c3.html")  # touched, same bytes: still unchanged, and not re-parsed
    third = cli.json("index", "--index", index, pages)
    assert (third["added"], third["updated"], third["unchanged"]) == (1, 1, 3)
    assert cli.json("search", "--index", index, "rewritten")["total"] == 1
    assert cli.json("stats", "--index", index)["documents"] == 5


def test_missing_index_is_a_one_line_error(cli, tmp_path):
    for args in (["search", "x"], ["show", "abcdef12"], ["stats"]):
        result = cli(*args, "--index", tmp_path / "nope")
        assert result.exit_code == 1, args
        assert result.stderr.count("\n") == 1 and "no index at" in result.stderr
        _no_traceback(result)


def test_existing_empty_folder_is_an_empty_index(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    assert cli.json("stats", "--index", tmp_path / "empty")["documents"] == 0
    found = cli.json("search", "--index", tmp_path / "empty", "anything")
    assert found == {"query": "anything", "total": 0, "hits": [], "suggestion": None}


def test_bad_inputs_to_index(cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = cli("index", "--index", tmp_path / "idx", tmp_path / "empty")
    assert result.exit_code == 1 and "no HTML pages found" in result.stderr
    result = cli("index", "--index", tmp_path / "idx", tmp_path / "missing.html")
    assert result.exit_code == 1 and "no such file or folder" in result.stderr
    _no_traceback(result)


def test_binary_and_unreadable_files(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    (pages / "picture.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (pages / "loop.html").symlink_to(pages / "loop.html")  # unreadable, even for root
    result = cli("index", "--index", tmp_path / "idx", pages, "--json")
    report = json.loads(result.stdout)
    assert (report["added"], report["skipped"], report["failed"]) == (1, 1, 1)
    assert result.exit_code == 1  # a page failed
    assert any("loop.html" in e["source"] for e in report["errors"])
    assert re.search(r"failed: .*loop\.html: ", result.stderr)
    _no_traceback(result)

    result = cli("normalise", pages / "picture.html")
    assert result.exit_code == 1 and "not an HTML page" in result.stderr
    result = cli("normalise", tmp_path / "nothing.html")
    assert result.exit_code == 1 and "cannot read" in result.stderr


def test_bad_query_points_at_the_problem(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    cli("index", "--index", tmp_path / "idx", pages)
    result = cli("search", "--index", tmp_path / "idx", 'debt "of Lon')
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unclosed quote at column 6")
    assert result.stderr.count("\n") == 1
    result = cli("search", "--index", tmp_path / "idx", "--limit", "-1", "x")
    assert result.exit_code == 2  # a usage error


def test_a_locked_index_names_the_writer(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    index = tmp_path / "idx"
    cli("index", "--index", index, pages)
    with writing(IndexFolder(index)):
        result = cli("index", "--index", index, pages)
        assert result.exit_code == 1
        assert f"being updated by process {os.getpid()}" in result.stderr
        # Readers are never blocked by a writer.
        assert cli.json("search", "--index", index, "debt")["total"] == 1
    assert cli("index", "--index", index, pages).exit_code == 0


def test_show_unknown_id(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 1)
    cli("index", "--index", tmp_path / "idx", pages)
    result = cli("show", "--index", tmp_path / "idx", "0000000000000000")
    assert result.exit_code == 1 and "no document 0000000000000000" in result.stderr


def test_reindex_rebuilds_from_the_store(cli, tmp_path):
    pages = _pages(tmp_path / "pages", 3)
    index = tmp_path / "idx"
    cli("index", "--index", index, pages)
    for page in pages.iterdir():
        page.unlink()  # no raw page is needed to rebuild
    started = time.perf_counter()
    report = cli.json("reindex", "--index", index)
    wall = time.perf_counter() - started
    assert set(report) == {"documents", "seconds"}
    # The time of the rebuild itself, rounded to milliseconds: more than nothing, less than the command.
    assert report["documents"] == 3 and 0 < report["seconds"] <= wall + 0.0005
    assert cli.json("search", "--index", index, "mekong")["total"] == 3
    generations = list((index / "whoosh").iterdir())
    assert len(generations) <= 2


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0 and "Example" in result.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_in_the_readme(command):
    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert f"polsearch {command}" in readme

"""The house stays as docs/architecture.md draws it. Every module of corpus/, indexer/ and search/ is read
with `ast` (nothing is imported): imports point one way, `corpus` <- `indexer` <- `search`, and inside
`corpus` along the pipeline; module-level imports make no cycle; no module reaches 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGES = ("corpus", "indexer", "search")
MAX_LINES = 600
# Inside corpus, a part imports only parts of a lower rank: the shared records (document, errors,
# progress, closing, data) < extract (a page to a Document) and store (keeping Documents) < inputs (raw
# pages to read) < collect (scrape, which writes what inputs reads). `corpus/__init__.py` is the public
# face of them all and is not ranked.
CORPUS_RANKS = {"corpus.extract": 1, "corpus.store": 1, "corpus.inputs": 2, "corpus.collect": 3}


def _module_names() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = _module_names()


class _Imports(ast.NodeVisitor):
    """Every import of one module, resolved to module names, and whether it runs at import time."""

    def __init__(self, name: str, is_package: bool) -> None:
        self.package = name if is_package else name.rpartition(".")[0]
        self.found: list[tuple[str, bool]] = []
        self.depth = 0

    def _inside(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _inside

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, self.depth == 0) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            self.found.append((submodule if submodule in MODULES else module, self.depth == 0))


def _imports(name: str) -> list[tuple[str, bool]]:
    path = MODULES[name]
    visitor = _Imports(name, path.name == "__init__.py")
    visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
    return visitor.found


IMPORTS = {name: _imports(name) for name in MODULES}


def _rank(name: str, ranks: dict[str, int]) -> int | None:
    for prefix, rank in ranks.items():
        if name == prefix or name.startswith(prefix + "."):
            return rank
    return None


def test_every_module_is_read():
    assert {"corpus.extract.pipeline", "corpus.collect.settings", "indexer.analysis", "search"} <= set(MODULES)
    assert all(IMPORTS[name] for name in ("corpus.extract.pipeline", "indexer.ingest"))


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_one_above_it(package):
    layer = {p: i for i, p in enumerate(PACKAGES)}
    wrong = [f"{name} imports {target}" for name in MODULES if name.split(".")[0] == package
             for target, _ in IMPORTS[name]
             if target.split(".")[0] in layer and layer[target.split(".")[0]] > layer[package]]
    assert not wrong, "\n".join(wrong)


def test_inside_corpus_imports_follow_the_pipeline():
    ranks = {**{p: 0 for p in ("corpus.document", "corpus.errors", "corpus.progress", "corpus.closing",
                               "corpus.data")}, **CORPUS_RANKS}
    unranked = [name for name in MODULES if name.startswith("corpus.") and _rank(name, ranks) is None]
    assert not unranked, f"give these a rank in CORPUS_RANKS: {unranked}"
    wrong = []
    for name in MODULES:
        rank = _rank(name, ranks) if name != "corpus" else None
        for target, _ in IMPORTS[name]:
            target_rank = _rank(target, ranks)
            if rank is not None and target_rank is not None and target_rank > rank:
                wrong.append(f"{name} imports {target}")
            elif rank is not None and target_rank == rank and rank and target.split(".")[:2] != name.split(".")[:2]:
                wrong.append(f"{name} imports {target}, a part of the same rank")
    assert not wrong, "\n".join(wrong)


def test_module_level_imports_make_no_cycle():
    graph = {name: sorted({t for t, at_import in IMPORTS[name] if at_import and t in MODULES and t != name})
             for name in MODULES}
    cycles, done, path = [], set(), []

    def visit(name: str) -> None:
        if name in path:
            cycles.append(" -> ".join(path[path.index(name):] + [name]))
            return
        if name in done:
            return
        path.append(name)
        for target in graph[name]:
            visit(target)
        path.pop()
        done.add(name)

    for name in graph:
        visit(name)
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("name", sorted(MODULES), ids=str)
def test_every_module_is_under_the_line_limit(name):
    path = MODULES[name]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{name}: {lines} lines"


def test_every_module_says_what_it_holds():
    missing = [name for name, path in MODULES.items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert not missing, f"modules without a docstring: {missing}"

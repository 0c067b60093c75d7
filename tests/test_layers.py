"""The packages' layering, read from the source: catalog, images and ocr import none of each other nor
the pipeline; the pipeline orchestrates them; the web app and the command line sit on top; and no
module imports, even inside a function, a module that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder in the repository -> the package it installs as (pyproject.toml's package-dir).
FOLDERS = {"bomcat": "bomcat", "catalog": "bomcat.catalog", "images": "bomcat.images", "ocr": "bomcat.ocr",
           "pipeline": "bomcat.pipeline", "web": "bomcat.web"}
# Layer -> the layers it may import (besides itself).
ALLOWED = {
    "errors": set(),
    "settings": {"errors"},
    "catalog": {"errors", "settings"},
    "images": {"errors", "settings"},
    "ocr": {"errors", "settings"},
    "scoring": {"catalog", "images"},
    "pipeline": {"errors", "settings", "catalog", "images", "ocr", "scoring"},
    "web": {"errors", "settings", "catalog", "images", "ocr", "pipeline"},
    "tools": {"errors", "settings", "catalog", "images", "ocr", "scoring", "pipeline", "web", "tools"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("catalog", "images", "ocr", "pipeline", "web", "errors", "settings", "scoring"):
        return parts[1]
    return "tools"  # the command line and what only it runs: demo, benches, the static site


def source_modules() -> dict[str, Path]:
    modules = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            if folder == "bomcat" and parts and parts[0] in FOLDERS:
                continue
            modules[".".join([package, *parts])] = path
    return modules


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every bomcat module `module` imports, at the top or inside a function."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` names the module; `from module import name` the module
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = source_modules()
    known = set(modules)
    return {m: imports_of(m, p, known) for m, p in modules.items()}


def test_the_walk_sees_the_packages_and_their_imports(graph):
    assert {"bomcat.pipeline.ingest", "bomcat.ocr.read", "bomcat.catalog.resolver.resolve",
            "bomcat.cli.bench", "bomcat.web.views"} <= set(graph)
    assert "bomcat.catalog.db" in graph["bomcat.pipeline.ingest"]
    assert "bomcat.ocr.read" in graph["bomcat.pipeline.ingest"]


def test_each_layer_imports_only_the_layers_under_it(graph):
    wrong = sorted(f"{m} imports {d}" for m, deps in graph.items() for d in deps
                   if layer_of(d) != layer_of(m) and layer_of(d) not in ALLOWED[layer_of(m)])
    assert wrong == []


def test_no_import_cycle(graph):
    """Tarjan's strongly connected components over the module graph: every one is a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []

"""No import cycle in ``generator`` (issue 17): the modules form layers, so each can be read,
tested and replaced on its own.

Two checks:

- the import graph read from the source — every ``import``, at the top of a module or inside a
  function (a lazy import is still a dependency) — has no cycle; importing ``pkg.mod`` from
  outside ``pkg`` also runs ``pkg/__init__.py``, so it counts as importing ``pkg`` too;
- every module imports on its own in a fresh interpreter.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT / "generator"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PROJECT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = _package_of(name, path)
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    full = ".".join(base + ([node.module] if node.module else []))
                else:
                    full = node.module or ""
                targets.update(c for c in [full] + [f"{full}.{a.name}" for a in node.names] if c in modules)
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in modules)
        edges = set()
        for target in targets:
            edges.add(target)
            # pkg.mod imported from outside pkg runs pkg/__init__.py first
            parts = target.split(".")
            for i in range(2, len(parts)):
                parent = ".".join(parts[:i])
                if parent in modules and not name.startswith(parent + ".") and name != parent:
                    edges.add(parent)
        edges.discard(name)
        edges.discard("generator")  # the root package's __init__ only names the version
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_reader_sees_a_cycle_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    graph = import_graph()
    assert "generator.repository" in graph["generator.checker"]
    assert "generator.history" in graph["generator.repository"]  # a lazy import counts
    assert "generator.rules" in graph["generator.reader"]  # via generator.rules.files


def test_no_import_cycle():
    assert _cycles(import_graph()) == []


def test_every_module_imports_alone_in_a_fresh_interpreter():
    names = [n for n in _modules() if not n.endswith("__main__")]
    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    proc = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if proc.returncode:\n"
        "        failed.append((name, proc.stderr.strip().splitlines()[-1:]))\n"
        "print(failed)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, cwd=PROJECT,
                          timeout=600)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr
    assert len(names) > 30

"""The import graph of ``src/ffnn``: data flows one way (no cycles), no private name crosses a
module boundary, and the low layers never reach up to the model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "ffnn"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(path: Path, top_level_only: bool):
    """``(target module, imported names)`` of every ffnn import in ``path``."""
    module, is_package = _module_name(path), path.name == "__init__.py"
    tree = ast.parse(path.read_text())

    def walk(nodes, top):
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node):
                continue
            if isinstance(node, ast.ImportFrom):
                target = _resolve(module, is_package, node)
                if target.startswith("ffnn"):
                    yield target, [a.name for a in node.names], top
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("ffnn"):
                        yield a.name, [], top
            inner = top and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from walk(children, inner and isinstance(node, (ast.If, ast.Try, ast.With, ast.ClassDef)))

    for target, names, top in walk(tree.body, True):
        if top or not top_level_only:
            yield module, target, names


FILES = sorted(SRC.rglob("*.py"))
MODULES = {_module_name(p) for p in FILES}


def _owner(target: str, names: list[str]) -> list[str]:
    """The modules an import statement really loads (``from . import x`` loads ``ffnn.x``)."""
    found = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
    return found or [target]


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for path in FILES:
        for module, target, names in _imports(path, top_level_only):
            for dep in _owner(target, names):
                if dep != module and dep in MODULES:
                    graph[module].add(dep)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` (iterative depth-first search), or None."""
    state: dict[str, int] = {}
    for root in sorted(graph):
        if root in state:
            continue
        stack = [(root, iter(sorted(graph[root])))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def _package_of(module: str) -> str:
    return module.rsplit(".", 1)[0]


def test_no_import_cycle_at_import_time():
    cycle = _cycle(_graph(top_level_only=True))
    assert cycle is None, " -> ".join(cycle)


def test_no_import_cycle_counting_deferred_imports():
    """Imports inside functions count too: a deferred import is still a dependency, and a
    package's ``__init__`` re-exporting its modules is one as well."""
    cycle = _cycle(_graph(top_level_only=False))
    assert cycle is None, " -> ".join(cycle)


def test_no_private_name_is_imported_across_modules():
    offenders = [
        f"{module}: from {target} import {name}"
        for path in FILES
        for module, target, names in _imports(path, top_level_only=False)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("low", ["ffnn.training", "ffnn.callbacks", "ffnn.objective", "ffnn.network",
                                 "ffnn.layers", "ffnn.io", "ffnn.autograd"])
def test_low_layers_never_import_the_model(low):
    graph = _graph(top_level_only=False)
    users = sorted(m for m in graph if (m == low or m.startswith(low + ".")) and "ffnn.model" in graph[m])
    assert not users, f"{users} import ffnn.model"

"""No import cycle anywhere in src/lrs, counting imports inside functions too.

A function-level import hides a cycle from Python (the module is loaded by the time the
function runs) but not from the reader: the two modules still cannot be understood,
tested or moved apart. So every import counts here, at module level or in a function;
only ``if TYPE_CHECKING:`` blocks (never run) are left out, and they may name only a
model (``lrs.<app>.models``) for an annotation: the same relation a ForeignKey already
names by string ("organisations.Organisation"), which Django resolves without an import.
Behaviour (services, selectors, views) is never reached that way (tested below).

Modules are the nodes: ``from lrs.x import y`` points at ``lrs.x.y`` when that is a
module, else at ``lrs.x``. A cycle is a strongly connected group of two or more modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# Cycles known and being removed elsewhere. Each must still exist (so the entry is
# deleted when its cycle goes). Empty: keep it so.
KNOWN_CYCLES: set[frozenset[str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "lrs").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _type_checking_imports(tree: ast.AST) -> Iterator[str]:
    """The lrs modules imported inside ``if TYPE_CHECKING:`` blocks."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.body:
                for inner in ast.walk(child):
                    if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                        yield inner.module
                    elif isinstance(inner, ast.Import):
                        yield from (alias.name for alias in inner.names)


def _imported(tree: ast.AST) -> Iterator[tuple[str, list[str]]]:
    """(module, names) of every import that can run: ("lrs.a", []) for ``import lrs.a``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and _is_type_checking(child):
            for other in child.orelse:
                yield from _imported(ast.Module(body=[other], type_ignores=[]))
            continue
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield alias.name, []
        elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
            yield child.module, [alias.name for alias in child.names]
        else:
            yield from _imported(child)


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, names in _imported(tree):
            if not module.startswith("lrs"):
                continue
            targets = [f"{module}.{n}" for n in names if f"{module}.{n}" in modules] or [module]
            for target in targets:
                resolved = resolve(target)
                if resolved and resolved != name:
                    graph[name].add(resolved)
    return graph


def cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected groups of two or more modules (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.add(frozenset(group))
    return found


def _describe(group: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} -> {b}" for a in sorted(group) for b in sorted(graph[a] & group)]
    return "; ".join(edges)


def test_no_module_imports_itself_back_through_others():
    graph = import_graph()
    new = cycles(graph) - KNOWN_CYCLES
    assert not new, "Import cycles: " + " | ".join(_describe(g, graph) for g in new)


def test_every_known_cycle_still_exists_so_that_the_list_shrinks():
    assert cycles(import_graph()) >= KNOWN_CYCLES


def test_type_checking_blocks_name_only_models_so_no_behaviour_hides_there():
    offenders = [
        f"{path.relative_to(SRC)} imports {module}"
        for path in sorted((SRC / "lrs").rglob("*.py"))
        for module in _type_checking_imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.startswith("lrs") and module.rpartition(".")[2] != "models"
    ]
    assert offenders == []


def test_the_check_sees_a_cycle_hidden_in_a_function_and_ignores_type_checking():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == {frozenset({"a", "b", "c"})}
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from lrs.x import y\n"
        "def f():\n    from lrs.z import w\n"
    )
    assert [m for m, _ in _imported(tree) if m.startswith("lrs")] == ["lrs.z"]
    assert list(_type_checking_imports(tree)) == ["lrs.x"]


# --- Between apps ---------------------------------------------------------------------
# An app is a top-level package of lrs (lrs.records, lrs.core, lrs.matching, ...): every
# module in it, tests' view of "records imports credentials" included, counts as the app.
#
# Wiring is the top layer: modules that only assemble apps may import every app and are
# kept as nodes of their own (not folded into the package they sit in). An app importing
# a wiring module that imports it back is still a cycle. Migrations are left out (see
# _modules): they are history pinned to a schema state and name other apps by string.
WIRING = {
    "lrs",  # the package itself
    "lrs.settings",
    "lrs.settings_test",
    "lrs.urls",  # the URL tree: every app's urls and the API
    "lrs.wsgi",
    "lrs.cli",  # the command-line entry point
    "lrs.api.urls",  # the one NinjaAPI assembling every app's api.py router
}

# App cycles known and being removed. Each entry is a strongly connected group of apps
# and must still exist exactly, so an entry is rewritten (smaller) or deleted as edges go.
# Empty: keep it so (docs/architecture.md, "No import cycles", says how the last went).
KNOWN_APP_CYCLES: set[frozenset[str]] = set()


def app_of(module: str) -> str:
    if module in WIRING:
        return module
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else module


def app_graph(graph: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """The module graph with each module folded into its app (wiring kept apart)."""
    apps: dict[str, set[str]] = {}
    for module, targets in (graph or import_graph()).items():
        app = app_of(module)
        apps.setdefault(app, set())
        for target in targets:
            other = app_of(target)
            apps.setdefault(other, set())
            if other != app:
                apps[app].add(other)
    return apps


def _describe_apps(group: frozenset[str]) -> str:
    graph = import_graph()
    edges = [
        f"{a} -> {b}"
        for a in sorted(graph)
        for b in sorted(graph[a])
        if app_of(a) in group and app_of(b) in group and app_of(a) != app_of(b)
    ]
    return "; ".join(edges)


def test_no_app_imports_itself_back_through_other_apps():
    new = cycles(app_graph()) - KNOWN_APP_CYCLES
    assert not new, "App import cycles: " + " | ".join(_describe_apps(g) for g in new)


def test_every_known_app_cycle_still_exists_so_that_the_list_shrinks():
    found = cycles(app_graph())
    gone = KNOWN_APP_CYCLES - found
    assert not gone, "Rewrite or delete these KNOWN_APP_CYCLES entries: " + " | ".join(
        ", ".join(sorted(g)) for g in gone
    )


def test_the_app_graph_folds_modules_into_apps_and_keeps_wiring_apart():
    modules = {
        "lrs.records.services": {"lrs.credentials.models"},
        "lrs.credentials.receivers": {"lrs.records.signals"},
        "lrs.api.urls": {"lrs.records.api", "lrs.api.errors"},
        "lrs.records.api": {"lrs.api.errors"},
        "lrs.api.errors": set(),
        "lrs.records.signals": set(),
        "lrs.credentials.models": set(),
    }
    assert cycles(app_graph(modules)) == {frozenset({"records", "credentials"})}
    modules["lrs.records.services"] = set()
    assert cycles(app_graph(modules)) == set()
    modules["lrs.api.errors"] = {"lrs.api.urls"}
    assert cycles(app_graph(modules)) == {frozenset({"api", "lrs.api.urls", "records"})}


if __name__ == "__main__":
    # python tests/test_import_cycles.py: the app cycles now, with the imports behind them.
    for group in sorted(cycles(app_graph()), key=sorted):
        print(", ".join(sorted(group)))
        for edge in _describe_apps(group).split("; "):
            print("   ", edge)

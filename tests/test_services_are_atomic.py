"""Every public service that writes does so inside ``transaction.atomic``.

A static check of every ``services.py`` under src/lrs: a public function (no leading
underscore) that writes to the database, directly or through another function that
does, must be decorated with ``transaction.atomic`` or make each of those writes inside
a ``with transaction.atomic():`` block. Calling a function that makes all its own writes
in transactions is fine (a scheduler claims its run, then runs it). Otherwise an access
grant and its audit entry, say, could be committed apart, and a failure between them
leave half a change.

Writes are ORM writes (``save``, ``create``, ``bulk_create``, ``delete``, a queryset's
``update`` …), ``audit_record``, and calls of any function, in this module or another
``services.py``, that writes.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ORM_WRITES = frozenset(
    {
        "save",
        "create",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "delete",
    }
)
QUERYSET_HINTS = ("objects", "filter(", "exclude(", "select_for_update", "_set")
ALWAYS_WRITES = frozenset({"audit_record"})


@dataclass
class Function:
    module: str
    name: str
    node: ast.FunctionDef
    atomic: bool
    # (callee key or "", line, inside an atomic block) for each call that may write.
    calls: list[tuple[str, int, bool]] = field(default_factory=list)
    # Writes outside any transaction: directly, or by calling a function that does.
    writes: bool = False


def _is_atomic(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Attribute):
        return expr.attr == "atomic"
    return isinstance(expr, ast.Name) and expr.id == "atomic"


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name -> "module.function" for names imported from lrs.*.services."""
    names = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith(".services"):
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


class _Calls(ast.NodeVisitor):
    def __init__(self, module: str, imported: dict[str, str], local: set[str]) -> None:
        self.module, self.imported, self.local = module, imported, local
        self.depth = 0
        self.found: list[tuple[str, int, bool]] = []

    def visit_With(self, node: ast.With) -> None:
        atomic = any(_is_atomic(item.context_expr) for item in node.items)
        self.depth += atomic
        self.generic_visit(node)
        self.depth -= atomic

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        # A nested function runs when called, inside whatever block calls it.
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        inside = self.depth > 0
        func = node.func
        if isinstance(func, ast.Attribute):
            receiver = ast.unparse(func.value)
            if receiver == "cache":
                pass  # the cache is not the database
            elif func.attr in ORM_WRITES or (
                func.attr == "update" and any(h in receiver for h in QUERYSET_HINTS)
            ):
                self.found.append(("<orm>", node.lineno, inside))
        elif isinstance(func, ast.Name):
            if func.id in ALWAYS_WRITES:
                self.found.append(("<orm>", node.lineno, inside))
            elif func.id in self.local:
                self.found.append((f"{self.module}.{func.id}", node.lineno, inside))
            elif func.id in self.imported:
                self.found.append((self.imported[func.id], node.lineno, inside))
        self.generic_visit(node)


def service_functions() -> dict[str, Function]:
    functions: dict[str, Function] = {}
    for path in sorted(SRC.glob("lrs/**/services.py")):
        module = ".".join(path.relative_to(SRC).with_suffix("").parts)
        tree = ast.parse(path.read_text(), filename=str(path))
        imported = _imports(tree)
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        local = {d.name for d in defs}
        for node in defs:
            visitor = _Calls(module, imported, local)
            for statement in node.body:
                visitor.visit(statement)
            functions[f"{module}.{node.name}"] = Function(
                module,
                node.name,
                node,
                atomic=any(_is_atomic(d) for d in node.decorator_list),
                calls=visitor.found,
            )
    # Which functions write outside any transaction of their own, directly or through
    # others that do: to a fixed point.
    changed = True
    while changed:
        changed = False
        for function in functions.values():
            if function.writes or function.atomic:
                continue
            if any(_bare(functions, callee, inside) for callee, _, inside in function.calls):
                function.writes = changed = True
    return functions


def _bare(functions: dict[str, Function], callee: str, inside: bool) -> bool:
    """Whether a call writes outside a transaction: an ORM write, or a call of a function
    that does, made outside an atomic block."""
    if inside:
        return False
    return callee == "<orm>" or (callee in functions and functions[callee].writes)


def unprotected_writes(functions: dict[str, Function]) -> list[str]:
    problems = []
    for key, function in functions.items():
        if function.name.startswith("_") or not function.writes:
            continue
        for callee, line, inside in function.calls:
            if _bare(functions, callee, inside):
                what = "writes" if callee == "<orm>" else f"calls {callee.rsplit('.', 1)[1]}"
                problems.append(f"{key} (line {line}) {what} outside transaction.atomic")
    return problems


def test_every_public_service_that_writes_is_atomic():
    functions = service_functions()
    assert len(functions) > 100  # the check found the services it is meant to check
    problems = unprotected_writes(functions)
    assert not problems, "\n".join(problems)


def test_the_check_finds_a_write_outside_a_transaction(tmp_path, monkeypatch):
    package = tmp_path / "lrs" / "example"
    package.mkdir(parents=True)
    (package / "services.py").write_text(
        "from django.db import transaction\n"
        "from lrs.audit.services import audit_record\n\n"
        "def _grant(x):\n    x.save()\n\n"
        "def thing_find(*, actor):\n"
        "    _grant(actor)\n"
        "    with transaction.atomic():\n"
        "        audit_record(action='x')\n\n"
        "@transaction.atomic\n"
        "def thing_make(*, actor):\n    _grant(actor)\n    audit_record(action='x')\n\n"
        "def thing_read(*, actor):\n    return {}.update(a=1)\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["SRC"]), "SRC", tmp_path)
    functions = service_functions()
    assert functions["lrs.example.services.thing_find"].writes
    assert not functions["lrs.example.services.thing_make"].writes
    assert not functions["lrs.example.services.thing_read"].writes
    assert unprotected_writes(functions) == [
        "lrs.example.services.thing_find (line 8) calls _grant outside transaction.atomic"
    ]

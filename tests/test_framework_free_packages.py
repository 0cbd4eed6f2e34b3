"""The pure-logic packages must import nothing from Django, so they run anywhere."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "lrs"
FRAMEWORK_FREE = [
    "identifiers",
    "access",
    "matching",
    "synthetic",
    "evaluation",
    "validation",
    "batchfiles",
    "achievementfiles",
    "tabular",
    "workingdays",
    "soapwire",
    "vc",
]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("package", FRAMEWORK_FREE)
def test_framework_free_package_imports_neither_django_nor_django_apps(package):
    folder = SRC / package
    assert folder.is_dir()
    forbidden = ("django", "ninja", "lrs.core", "lrs.users", "lrs.organisations", "lrs.audit")
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in folder.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("django", "ninja") or name.startswith(forbidden)
    ]
    assert offenders == []

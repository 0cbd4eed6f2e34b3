"""The pure-logic packages run anywhere: each imports only what it is allowed to.

An allow-list, not a deny-list: a framework-free package may import the standard
library, the third-party libraries declared for it below, and other framework-free
packages. Anything else (Django, ninja, any Django app of lrs) fails the test, whatever
its name, so a new dependency is a decision made here, in the open.
"""

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "lrs"

# Each framework-free package and the third-party libraries it may import (top-level
# import names, as in ``import rapidfuzz``).
FRAMEWORK_FREE: dict[str, frozenset[str]] = {
    "identifiers": frozenset(),
    "access": frozenset(),
    # faker: only the calibration tool, drawing synthetic people.
    "matching": frozenset({"rapidfuzz", "jellyfish", "nicknames", "faker"}),
    "synthetic": frozenset(),
    "evaluation": frozenset({"faker"}),
    "validation": frozenset(),
    "batchfiles": frozenset({"defusedxml", "openpyxl"}),
    "achievementfiles": frozenset(),
    "tabular": frozenset({"defusedxml", "openpyxl"}),
    "workingdays": frozenset({"holidays"}),
    "soapwire": frozenset({"lxml"}),
    "vc": frozenset({"base58", "cryptography", "pyld"}),
}
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names) | {"__future__"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _allowed(package: str, name: str) -> bool:
    parts = name.split(".")
    if parts[0] == "lrs":
        return len(parts) > 1 and parts[1] in FRAMEWORK_FREE
    return parts[0] in STANDARD_LIBRARY or parts[0] in FRAMEWORK_FREE[package]


@pytest.mark.parametrize("package", sorted(FRAMEWORK_FREE))
def test_framework_free_package_imports_only_the_standard_library_its_libraries_and_its_peers(
    package,
):
    folder = SRC / package
    assert folder.is_dir()
    offenders = [
        f"{path.relative_to(SRC)} imports {name}"
        for path in sorted(folder.rglob("*.py"))
        for name in _imports(path)
        if not _allowed(package, name)
    ]
    assert offenders == []


def test_the_allow_list_refuses_django_and_the_django_apps():
    assert not _allowed("matching", "django.db")
    assert not _allowed("matching", "ninja")
    assert not _allowed("matching", "lrs.core.errors")
    assert not _allowed("matching", "lrs.learners.models")
    assert not _allowed("identifiers", "rapidfuzz")
    assert _allowed("matching", "lrs.identifiers.uln")
    assert _allowed("matching", "collections.abc")

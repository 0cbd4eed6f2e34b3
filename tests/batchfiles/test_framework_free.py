"""The batch-file package runs without Django: the offline validator depends on it."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "lrs" / "batchfiles"
ALLOWED_LRS = (
    "lrs.batchfiles",
    "lrs.tabular",
    "lrs.validation",
    "lrs.identifiers",
    "lrs.matching.normalise",
)


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_batchfiles_imports_nothing_from_django_nor_from_lrs_apps():
    offenders = [
        f"{path.name} imports {name}"
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("django", "ninja")
        or (name.startswith("lrs") and not name.startswith(ALLOWED_LRS))
    ]
    assert offenders == []


def test_importing_batchfiles_loads_no_django_module():
    code = (
        "import sys, lrs.batchfiles, lrs.batchfiles.validate\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja'))\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"

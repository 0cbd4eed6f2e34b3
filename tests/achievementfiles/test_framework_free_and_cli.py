"""The achievement-file package runs without Django, and so does its offline validator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from lrs.achievementfiles.validate import main
from tests.achievementfiles.conftest import AO_UKPRN, TODAY, achievement, file_bytes, name

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "lrs" / "achievementfiles"
ALLOWED_LRS = (
    "lrs.achievementfiles",
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


def test_achievementfiles_imports_nothing_from_django_nor_from_lrs_apps():
    offenders = [
        f"{path.name} imports {name}"
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in ("django", "ninja")
        or (name.startswith("lrs") and not name.startswith(ALLOWED_LRS))
    ]
    assert offenders == []


def test_importing_achievementfiles_loads_no_django_module():
    code = (
        "import sys, lrs.achievementfiles, lrs.achievementfiles.validate\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja'))\n"
        "print(bad)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )
    assert result.stdout.strip() == "[]"


def test_the_cli_prints_valid_and_exits_0_for_a_good_file(tmp_path, capsys):
    path = tmp_path / name()
    path.write_bytes(file_bytes([achievement()]))
    assert main([str(path), "--ukprn", AO_UKPRN, "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "VALID: no problems found" in out
    assert "RecordCount 1" in out


def test_the_cli_lists_each_problem_and_exits_1(tmp_path, capsys):
    path = tmp_path / name()
    path.write_bytes(file_bytes([achievement(2), achievement(3, action="7")]))
    assert main([str(path), "--ukprn", "10099999", "--today", TODAY.isoformat()]) == 1
    out = capsys.readouterr().out
    assert "[FL04 file]" in out
    assert "Row 3 Action: '7' is not an action code" in out
    assert "REJECTED" in out


def test_the_cli_writes_an_error_file_of_the_rejected_rows(tmp_path, capsys):
    path = tmp_path / name()
    path.write_bytes(file_bytes([achievement(2), achievement(3, grade="")]))
    errors = tmp_path / "errors.xml"
    assert main([str(path), "--today", TODAY.isoformat(), "--errors", str(errors)]) == 1
    assert "Wrote 1 rejected row to" in capsys.readouterr().out
    text = errors.read_text(encoding="utf-8")
    assert "<ErrorCode>FD02</ErrorCode>" in text
    assert f"<FileName>{name().replace('.CSV', '_ERRORS.CSV')}</FileName>" in text


def test_the_cli_refuses_a_missing_file_and_a_bad_date(tmp_path, capsys):
    assert main([str(tmp_path / "nothing.CSV")]) == 1
    assert "no such file" in capsys.readouterr().err
    path = tmp_path / name()
    path.write_bytes(file_bytes([achievement()]))
    with pytest.raises(SystemExit) as caught:
        main([str(path), "--today", "15/01/2025"])
    assert caught.value.code == 2


def test_the_cli_runs_as_a_module_without_django(tmp_path):
    path = tmp_path / name()
    path.write_bytes(file_bytes([achievement()]))
    result = subprocess.run(
        [sys.executable, "-m", "lrs.achievementfiles.validate", str(path), "--today", "2025-01-15"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout

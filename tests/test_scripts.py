"""The README's two commands set up what they need on a fresh machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENSURE_CHROMIUM = ROOT / "scripts" / "ensure-chromium"


def _stub(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/bash\n{body}\n")
    path.chmod(0o755)


def ensure_chromium(tmp_path: Path, *, uid: int, apt: bool) -> subprocess.CompletedProcess[str]:
    stubs = tmp_path / "bin"
    stubs.mkdir()
    _stub(stubs, "id", f"echo {uid}")
    if apt:
        _stub(stubs, "apt-get", f'echo "$@" >> {tmp_path / "apt.log"}')
    return subprocess.run(
        ["/bin/bash", str(ENSURE_CHROMIUM)],
        capture_output=True,
        text=True,
        env={"PATH": str(stubs), "LRS_CHROMIUM": str(tmp_path / "no-chromium")},
        check=False,
    )


def test_the_test_command_installs_chromium_itself_as_root_with_apt(tmp_path):
    result = ensure_chromium(tmp_path, uid=0, apt=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "apt.log").read_text().splitlines() == [
        "update -qq",
        "install -y -qq chromium",
    ]


@pytest.mark.parametrize(("uid", "apt"), [(1000, True), (0, False)])
def test_where_it_cannot_install_it_prints_the_one_line_instruction(tmp_path, uid, apt):
    result = ensure_chromium(tmp_path, uid=uid, apt=apt)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"The browser tests need Debian's chromium at {tmp_path / 'no-chromium'}: "
        "sudo apt-get install -y chromium"
    ]
    assert not (tmp_path / "apt.log").exists()


def test_the_test_command_and_ci_both_use_it():
    assert "scripts/ensure-chromium" in (ROOT / "scripts" / "test").read_text()
    assert "scripts/ensure-chromium" in (ROOT / ".ci" / "run").read_text()


def test_the_start_command_serves_the_local_demo_without_debug():
    start = (ROOT / "scripts" / "start").read_text()
    assert "export LRS_LOCAL_DEMO=true" in start
    assert "DEBUG" not in start.replace("Not DEBUG", "")

"""The `lrs` command fails in one plain sentence, never a Python traceback, and the
commands that need no settings run without them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def lrs(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DATABASE_URL", "DEBUG", "LRS_LOCAL_DEMO")
        and not k.startswith("DJANGO_")
    }
    return subprocess.run(
        [sys.executable, "-m", "lrs.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, "LRS_DATA_DIR": str(tmp_path), **env},
        cwd=tmp_path,
        check=False,
        timeout=120,
    )


def one_plain_sentence(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_uln_check_needs_neither_a_secret_key_nor_django_settings(tmp_path):
    settingsless = {"DJANGO_SETTINGS_MODULE": "no.such.settings"}
    valid = lrs("uln", "check", "9276308686", tmp_path=tmp_path, **settingsless)
    assert valid.returncode == 0, valid.stderr
    assert valid.stdout.strip() == "9276308686 is a valid ULN"
    invalid = lrs("uln", "check", "9276308687", tmp_path=tmp_path, **settingsless)
    assert invalid.returncode == 1
    line = one_plain_sentence(invalid)
    assert line.startswith("9276308687 is not a valid ULN: ")


@pytest.mark.parametrize("command", [("migrate",), ("uln", "new"), ("org", "list"), ("demo",)])
def test_a_command_without_a_secret_key_says_so_in_one_sentence(tmp_path, command):
    line = one_plain_sentence(lrs(*command, tmp_path=tmp_path))
    assert line.startswith("lrs: SECRET_KEY is not set")


def test_a_command_on_a_database_that_is_not_set_up_says_so_in_one_sentence(tmp_path):
    line = one_plain_sentence(lrs("org", "list", tmp_path=tmp_path, SECRET_KEY="k" * 50))
    assert line.startswith("lrs: the database could not be used")
    assert "lrs migrate" in line


def test_traceback_still_shows_one_for_developers(tmp_path):
    result = lrs("org", "--traceback", "list", tmp_path=tmp_path, SECRET_KEY="k" * 50)
    assert result.returncode != 0
    assert "Traceback" in result.stderr

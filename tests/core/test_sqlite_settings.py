"""SQLite is hardened (WAL, IMMEDIATE transactions, a busy timeout) however it is named:
by default, by SQLITE_PATH, or by DATABASE_URL=sqlite:///…"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PRINT_CONNECTION = """
import json, django
django.setup()
from django.db import connection
connection.ensure_connection()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({
    "options": connection.settings_dict["OPTIONS"],
    "journal": journal,
    "busy": busy,
}))
"""


def connection_under(tmp_path, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "SQLITE_PATH") and not k.startswith("DJANGO_")
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CONNECTION],
        capture_output=True,
        text=True,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "lrs.settings",
            "SECRET_KEY": "x" * 50,
            "LRS_DATA_DIR": str(tmp_path),
            **env,
        },
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SQLITE_PATH": "named.sqlite3"},
        {"DATABASE_URL": "sqlite:///url.sqlite3"},
    ],
    ids=["default", "sqlite-path", "database-url"],
)
def test_sqlite_gets_wal_immediate_transactions_and_a_busy_timeout_however_named(tmp_path, env):
    if "DATABASE_URL" in env:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'url.sqlite3'}"}
    connection = connection_under(tmp_path, **env)
    assert connection["options"]["transaction_mode"] == "IMMEDIATE"
    assert connection["options"]["timeout"] == 30
    assert connection["journal"] == "wal"
    assert connection["busy"] == 30000

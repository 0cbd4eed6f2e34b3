import os
import subprocess
import sys

from tests.factories import batch_file_name, batch_record, batch_upload


def run(args, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "no.such.settings"  # proves Django is never loaded
    return subprocess.run(
        [sys.executable, "-m", "lrs.cli", "batch", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )


def test_lrs_batch_validate_checks_a_file_offline_and_lists_problems_by_row(tmp_path):
    good = tmp_path / batch_file_name("10012345")
    good.write_bytes(batch_upload("10012345", [batch_record(2)]).read())
    ok = run(["validate", str(good), "--ukprn", "10012345"], tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "VALID" in ok.stdout
    bad = tmp_path / batch_file_name("10012345")
    bad.write_bytes(batch_upload("10012345", [batch_record(2, gender="7")]).read())
    failed = run(["validate", str(bad)], tmp_path)
    assert failed.returncode == 1
    assert "Row 2" in failed.stdout
    assert "Gender" in failed.stdout


def test_lrs_batch_without_a_subcommand_prints_usage(tmp_path):
    assert "usage: lrs batch validate" in run(["--help"], tmp_path).stdout

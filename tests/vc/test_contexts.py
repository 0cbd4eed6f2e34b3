"""The shipped contexts are exactly those the npm packages publish."""

import hashlib
import re
import subprocess
from pathlib import Path

from lrs.vc import contexts
from tests.vc.interop import ROOT, node

FOLDER = Path(contexts.__file__).parent


def test_every_shipped_context_matches_the_npm_package_it_came_from():
    done = subprocess.run(
        [node(), "scripts/vc-contexts.mjs", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_records_the_provenance_and_digest_of_every_shipped_context():
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    for url, name in contexts.FILES.items():
        digest = hashlib.sha256((FOLDER / name).read_bytes()).hexdigest()
        row = next((line for line in readme.splitlines() if f"`{name}`" in line), "")
        assert url in row
        assert digest in row, f"{name}: update its SHA-256 in README.md"
    assert len(re.findall(r"^\| `", readme, re.M)) == len(contexts.FILES)

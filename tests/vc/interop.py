"""Runs the independent verifier and signer (tests/vc/interop.mjs, Digital Bazaar's
libraries under Node) on files, for the interoperability tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "vc" / "interop.mjs"


def node() -> str:
    found = shutil.which("node")
    assert found, "Node.js 20+ is needed for the interoperability tests (scripts/setup)"
    return found


def _write(directory: Path, name: str, document: Any) -> str:
    path = directory / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def db_verify(
    directory: Path,
    credential: dict[str, Any],
    *,
    did_documents: list[dict[str, Any]],
    status_lists: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """What Digital Bazaar's verifier says of ``credential`` (offline, with these files)."""
    args = [node(), str(SCRIPT), "verify", _write(directory, "credential.json", credential)]
    for n, document in enumerate(did_documents):
        args += ["--did", _write(directory, f"did-{n}.json", document)]
    for n, listing in enumerate(status_lists):
        args += ["--status", _write(directory, f"status-{n}.json", listing)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.stdout, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def db_sign(directory: Path, credential: dict[str, Any]) -> dict[str, Any]:
    """``credential`` signed by Digital Bazaar's issuer with a new did:key."""
    args = [node(), str(SCRIPT), "sign", _write(directory, "unsigned.json", credential)]
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result

"""`lrs credential verify FILE` and `lrs credential new-key`: offline, no settings or database.

Verifying needs the issuer's published keys: its DID document (for LRS, the file served at
/.well-known/did.json), given with --did-document; did:key issuers need nothing. The
revocation status is checked when the issuer's status list credential is given with
--status-list (LRS serves it at the credential's statusListCredential address).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from lrs.vc.did import Resolver
from lrs.vc.multikey import SigningKey
from lrs.vc.verify import Outcome, Report, verify_credential

_VERDICT = {
    "verified": "VERIFIED",
    "not_verified": "NOT VERIFIED",
    "unchecked": "NOT FULLY CHECKED: nothing failed, but not everything could be checked offline",
}
_MARK = {Outcome.OK: "ok  ", Outcome.FAILED: "FAIL", Outcome.UNKNOWN: "??  "}


def _load(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise SystemExit(f"Cannot read the {what} {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SystemExit(f"The {what} {path} is not JSON: {exc}") from None


def _print(report: Report, indent: str = "") -> None:
    title = report.name or report.kind or "Credential"
    print(f"{indent}{title}" + (f" ({report.credential_id})" if report.credential_id else ""))
    if report.learner_name or report.learner_uln:
        print(f"{indent}  Learner: {report.learner_name}, ULN {report.learner_uln}")
    for finding in report.findings:
        print(f"{indent}  [{_MARK[finding.outcome]}] {finding.text}")
    for part in report.inner:
        _print(part, indent + "    ")


def _verify(args: argparse.Namespace) -> int:
    document = _load(args.file, "credential")
    dids = [_load(p, "DID document") for p in args.did_document]
    lists = {}
    for path in args.status_list:
        listing = _load(path, "status list")
        if isinstance(listing, dict):
            lists[str(listing.get("id", ""))] = listing
    report = verify_credential(
        document,
        resolve=Resolver([d for d in dids if isinstance(d, dict)]),
        status_lists=lists.get,
    )
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        _print(report)
        print(_VERDICT[report.state])
    return {"verified": 0, "not_verified": 1}.get(report.state, 3)


def _new_key(args: argparse.Namespace) -> int:
    key = SigningKey.generate()
    print(f"LRS_ISSUER_KEY={key.secret_multibase}")
    print(f"# public key (publicKeyMultibase): {key.public_multibase}", file=sys.stderr)
    return 0


def main(argv: list[str], prog: str = "lrs credential") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Verifiable credentials, offline.")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="check a credential's signature, issuer key, dates and status, offline",
        description=__doc__,
    )
    verify.add_argument("file", help="the credential (JSON)")
    verify.add_argument(
        "--did-document",
        action="append",
        default=[],
        metavar="FILE",
        help="the issuer's DID document (e.g. LRS's /.well-known/did.json); repeatable",
    )
    verify.add_argument(
        "--status-list",
        action="append",
        default=[],
        metavar="FILE",
        help="the issuer's status list credential, to check revocation; repeatable",
    )
    verify.add_argument("--json", action="store_true", help="print the findings as JSON")
    verify.set_defaults(run=_verify)
    new_key = commands.add_parser(
        "new-key", help="print a new Ed25519 signing key for the LRS_ISSUER_KEY setting"
    )
    new_key.set_defaults(run=_new_key)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result

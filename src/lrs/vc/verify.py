"""Verifying a credential and saying in plain English what is true and what is not.

The checks: the proof (eddsa-rdfc-2022) against the issuer's published key, that the key
belongs to the issuer and may issue (not revoked), the credential's dates, and its status
in the issuer's Bitstring Status List (itself a signed credential of the same issuer).
A CLR's inner credentials are each checked the same way. Nothing is fetched: keys come
from the DID documents the caller knows (and did:key), status lists from the caller.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lrs.vc import statuslist
from lrs.vc.documents import ACHIEVEMENT_CREDENTIAL, CLR_CREDENTIAL, ULN_IDENTITY
from lrs.vc.proof import KeyResolver, ProofCheck, verify_proof

# Canonicalization costs time in proportion to a document's size: a verifier open to anyone
# refuses documents far larger than any real credential (a CLR of 100 achievements is
# about 300 KB).
MAX_DOCUMENT_BYTES = 1_000_000
MAX_INNER_CREDENTIALS = 200

# Returns the status list credential at a URL, or None when it cannot be had here.
StatusListSource = Callable[[str], dict[str, Any] | None]


class Outcome:
    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass
class Finding:
    check: str  # proof, key, dates, status, format
    outcome: str
    text: str


@dataclass(frozen=True)
class AwardSummary:
    name: str
    code: str
    grade: str
    awarded: str
    awarded_by: str


@dataclass
class Report:
    """What a verifier found. ``verified`` is True only when every check passed."""

    findings: list[Finding] = field(default_factory=list)
    kind: str = ""
    credential_id: str = ""
    name: str = ""
    issuer_id: str = ""
    issuer_name: str = ""
    signed_at: str = ""
    key_id: str = ""
    learner_name: str = ""
    learner_uln: str = ""
    awards: list[AwardSummary] = field(default_factory=list)
    revoked: bool | None = None
    status_list: str = ""
    status_index: int | None = None
    inner: list[Report] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return (
            bool(self.findings)
            and all(f.outcome == Outcome.OK for f in self.findings)
            and all(r.verified for r in self.inner)
        )

    @property
    def failed(self) -> bool:
        return any(f.outcome == Outcome.FAILED for f in self.findings) or any(
            r.failed for r in self.inner
        )

    @property
    def state(self) -> str:
        """verified; not_verified (something failed); or unchecked (nothing failed, but
        something, such as the status, could not be checked here)."""
        if self.verified:
            return "verified"
        return "not_verified" if self.failed or not self.findings else "unchecked"

    @property
    def signature_valid(self) -> bool:
        return any(f.check == "proof" and f.outcome == Outcome.OK for f in self.findings)

    def add(self, check: str, outcome: str, text: str) -> None:
        self.findings.append(Finding(check, outcome, text))

    def as_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "state": self.state,
            "kind": self.kind,
            "id": self.credential_id,
            "name": self.name,
            "issuer": {"id": self.issuer_id, "name": self.issuer_name},
            "signed_at": self.signed_at,
            "key": self.key_id,
            "learner": {"name": self.learner_name, "uln": self.learner_uln},
            "achievements": [a.__dict__ for a in self.awards],
            "revoked": self.revoked,
            "checks": [f.__dict__ for f in self.findings],
            "credentials": [r.as_dict() for r in self.inner],
        }


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def plain_date(value: Any) -> str:
    moment = _parse_time(value)
    if moment is None:
        return str(value or "")
    return f"{moment.day} {moment:%B %Y}"


def _types(document: dict[str, Any]) -> list[str]:
    value = document.get("type", [])
    return [value] if isinstance(value, str) else [str(t) for t in value or []]


def _issuer(document: dict[str, Any]) -> tuple[str, str]:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", "")), str(issuer.get("name", ""))
    return str(issuer or ""), ""


def _describe(report: Report, document: dict[str, Any]) -> None:
    types = _types(document)
    for known in (CLR_CREDENTIAL, ACHIEVEMENT_CREDENTIAL, "OpenBadgeCredential"):
        if known in types:
            report.kind = known
            break
    else:
        report.kind = next((t for t in types if t != "VerifiableCredential"), "")
    report.credential_id = str(document.get("id", ""))
    report.name = str(document.get("name", ""))
    report.issuer_id, report.issuer_name = _issuer(document)
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        return
    for identity in subject.get("identifier", []) or []:
        if not isinstance(identity, dict) or identity.get("hashed") not in (False, "false"):
            continue
        if identity.get("identityType") == ULN_IDENTITY:
            report.learner_uln = str(identity.get("identityHash", ""))
        elif identity.get("identityType") == "name":
            report.learner_name = str(identity.get("identityHash", ""))
    achievement = subject.get("achievement")
    if isinstance(achievement, dict):
        results = subject.get("result") or []
        grade = next(
            (str(r.get("value", "")) for r in results if isinstance(r, dict) and r.get("value")),
            "",
        )
        source = subject.get("source") if isinstance(subject.get("source"), dict) else {}
        creator = achievement.get("creator") if isinstance(achievement.get("creator"), dict) else {}
        report.awards.append(
            AwardSummary(
                name=str(achievement.get("name", "")),
                code=str(achievement.get("humanCode", "")),
                grade=grade,
                awarded=plain_date(document.get("awardedDate", "")),
                awarded_by=str((source or creator or {}).get("name", "")),
            )
        )


def _check_proof(report: Report, document: dict[str, Any], resolve: KeyResolver) -> ProofCheck:
    check = verify_proof(document, resolve=resolve)
    issuer = report.issuer_name or report.issuer_id or "an unnamed issuer"
    if check.key is not None:
        report.key_id = check.key.id
    report.signed_at = check.created
    if not check.valid:
        report.add("proof", Outcome.FAILED, f"The signature is not valid. {check.problem}.")
        return check
    assert check.key is not None
    report.add(
        "proof",
        Outcome.OK,
        f"Signed by {issuer} on {plain_date(check.created)}; the credential has not been "
        "changed since.",
    )
    controller_ok = check.key.controller == report.issuer_id
    if not controller_ok:
        report.add(
            "key",
            Outcome.FAILED,
            f"The key that signed it belongs to {check.key.controller}, not to the issuer "
            f"it names ({report.issuer_id}).",
        )
    elif check.key.revoked:
        report.add(
            "key",
            Outcome.FAILED,
            f"The issuer revoked the key that signed it on {plain_date(check.key.revoked)} "
            "(it may have been compromised): do not rely on anything it signed.",
        )
    elif not check.key.for_assertion:
        report.add("key", Outcome.FAILED, "The issuer does not list this key for issuing.")
    else:
        report.add("key", Outcome.OK, "The key that signed it is one the issuer publishes.")
    return check


def _check_dates(report: Report, document: dict[str, Any], now: dt.datetime) -> None:
    valid_from = _parse_time(document.get("validFrom") or document.get("issuanceDate"))
    valid_until = _parse_time(document.get("validUntil") or document.get("expirationDate"))
    if valid_from is None:
        report.add("dates", Outcome.FAILED, "It does not say from when it is valid.")
    elif valid_from > now:
        report.add(
            "dates",
            Outcome.FAILED,
            f"It is not valid yet: only from {plain_date(valid_from.isoformat())}.",
        )
    elif valid_until is not None and valid_until < now:
        report.add("dates", Outcome.FAILED, f"It expired on {plain_date(valid_until.isoformat())}.")
    else:
        until = (
            ", with no expiry date"
            if valid_until is None
            else f" until {plain_date(valid_until.isoformat())}"
        )
        report.add("dates", Outcome.OK, f"Valid from {plain_date(valid_from.isoformat())}{until}.")


def _check_status(
    report: Report,
    document: dict[str, Any],
    resolve: KeyResolver,
    status_lists: StatusListSource,
) -> None:
    status = document.get("credentialStatus")
    if status is None:
        report.add("status", Outcome.OK, "It has no status entry: its issuer cannot revoke it.")
        return
    entries = status if isinstance(status, list) else [status]
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("type") != statuslist.ENTRY_TYPE:
            report.add("status", Outcome.UNKNOWN, "Its status is of a kind LRS cannot check.")
            continue
        purpose = str(entry.get("statusPurpose", ""))
        url = str(entry.get("statusListCredential", ""))
        try:
            index = int(str(entry.get("statusListIndex", "")))
        except ValueError:
            report.add("status", Outcome.FAILED, "Its status entry has no valid list index.")
            continue
        report.status_list, report.status_index = url, index
        listing = status_lists(url)
        if listing is None:
            report.add(
                "status",
                Outcome.UNKNOWN,
                f"Its revocation status could not be checked here: the status list {url} "
                "is not available (give it to check).",
            )
            continue
        list_check = verify_proof(listing, resolve=resolve)
        list_issuer, _ = _issuer(listing)
        subject = listing.get("credentialSubject") or {}
        if not list_check.valid or list_issuer != report.issuer_id or not isinstance(subject, dict):
            report.add(
                "status",
                Outcome.FAILED,
                "The status list is not validly signed by the same issuer, so the status "
                f"cannot be trusted. {list_check.problem}".strip(),
            )
            continue
        if subject.get("statusPurpose") != purpose:
            report.add("status", Outcome.FAILED, "The status list is for another purpose.")
            continue
        try:
            is_set = statuslist.bit(statuslist.decode(str(subject.get("encodedList", ""))), index)
        except statuslist.StatusListError as exc:
            report.add("status", Outcome.FAILED, f"The status list is unreadable: {exc}.")
            continue
        if purpose == statuslist.REVOCATION:
            report.revoked = is_set
        if is_set:
            report.add("status", Outcome.FAILED, f"The issuer has revoked it ({purpose}).")
        else:
            report.add(
                "status",
                Outcome.OK,
                f"Not revoked: checked against the issuer's status list ({purpose}).",
            )


def verify_credential(
    document: Any,
    *,
    resolve: KeyResolver,
    status_lists: StatusListSource,
    now: dt.datetime | None = None,
) -> Report:
    now = now or dt.datetime.now(dt.UTC)
    report = Report()
    if not isinstance(document, dict):
        report.add("format", Outcome.FAILED, "This is not a credential: expected a JSON object.")
        return report
    if "VerifiableCredential" not in _types(document):
        report.add(
            "format",
            Outcome.FAILED,
            "This is not a verifiable credential (its type says otherwise).",
        )
        return report
    size = len(json.dumps(document))
    subject = document.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if size > MAX_DOCUMENT_BYTES or (
        isinstance(inner, list) and len(inner) > MAX_INNER_CREDENTIALS
    ):
        report.add(
            "format",
            Outcome.FAILED,
            f"This is too large to check here (more than {MAX_DOCUMENT_BYTES // 1000} KB or "
            f"{MAX_INNER_CREDENTIALS} credentials).",
        )
        return report
    _describe(report, document)
    _check_proof(report, document, resolve)
    _check_dates(report, document, now)
    _check_status(report, document, resolve, status_lists)
    for each in inner if isinstance(inner, list) else []:
        part = verify_credential(each, resolve=resolve, status_lists=status_lists, now=now)
        report.inner.append(part)
        report.awards.extend(part.awards)
    return report

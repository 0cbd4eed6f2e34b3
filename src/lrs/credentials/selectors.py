"""Reads of credentials: what a learner has been issued, the published DID document and
status lists, and verifying a credential someone presents."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from lrs.access import OrganisationType
from lrs.core.errors import NotFound
from lrs.credentials.issuer import IssuingNotConfigured, configured_public_key, issuer
from lrs.credentials.models import IssuedCredential, IssuerKey, KeyState, StatusList
from lrs.credentials.services import Requester, check_may_see_plr, plr_owner
from lrs.learners.models import Learner
from lrs.records.models import LearningEvent
from lrs.users.models import User
from lrs.vc.did import PublishedKey, Resolver, did_document
from lrs.vc.proof import xml_datetime
from lrs.vc.verify import Outcome, Report, plain_date, verify_credential


def credentials_for_learner(*, actor: Requester, learner: Learner) -> QuerySet[IssuedCredential]:
    """The credentials issued of a learner's PLR (CLRs and standalone achievements)."""
    check_may_see_plr(actor, learner)
    found = IssuedCredential.objects.filter(learner=plr_owner(learner), parent__isnull=True)
    if (
        isinstance(actor, User)
        and actor.organisation.type == OrganisationType.AWARDING_ORGANISATION
    ):
        # An awarding organisation sees only its own events on a PLR, so only credentials
        # carrying nothing else.
        found = found.exclude(
            carried__event__in=LearningEvent.objects.exclude(
                awarding_organisation_id=actor.organisation_id
            )
        )
    return found.select_related("organisation").prefetch_related("carried__event")


def published_keys() -> list[PublishedKey]:
    keys = [
        PublishedKey(
            k.public_key_multibase,
            revoked=xml_datetime(k.revoked_at)
            if k.state == KeyState.REVOKED and k.revoked_at
            else "",
        )
        for k in IssuerKey.objects.order_by("first_used_at", "id")
    ]
    configured = configured_public_key()
    if configured and configured not in {k.public_multibase for k in keys}:
        keys.append(PublishedKey(configured))
    return keys


def issuer_did_document() -> dict[str, Any]:
    """LRS's DID document (served at /.well-known/did.json)."""
    the_issuer = issuer()
    return did_document(the_issuer.did, published_keys())


def status_list_document(*, number: int) -> dict[str, Any]:
    """A signed status list credential (public: it reveals nothing about any one person)."""
    status_list = StatusList.objects.filter(number=number, signed__isnull=False).first()
    if status_list is None or status_list.signed is None:
        raise NotFound("No such status list")
    signed: dict[str, Any] = status_list.signed
    return signed


# --- Verifying ---------------------------------------------------------------------------------

_LIST_NUMBER = re.compile(r"/credentials/status/(\d+)$")


def _own_status_list(url: str) -> dict[str, Any] | None:
    try:
        prefix = issuer().url
    except IssuingNotConfigured:
        return None
    match = _LIST_NUMBER.search(url)
    if not url.startswith(prefix + "/") or match is None:
        return None
    try:
        return status_list_document(number=int(match.group(1)))
    except NotFound:
        return None


_REVOCATION_TEXT = {
    "withdrawn": "the awarding organisation withdrew this achievement on {date}",
    "amended": (
        "the achievement's details were corrected on {date} (after a data challenge or by "
        "the awarding organisation); ask the learner for a new credential"
    ),
    "moved": "the achievement was moved to another learner's record on {date}",
    "changed": "the achievement's details changed on {date}",
}


def _explain_revocations(reports: Iterable[Report]) -> None:
    """Say why LRS revoked its own credentials (the status list only says that it did)."""
    for report in reports:
        _explain_revocations(report.inner)
        if not report.revoked or not report.credential_id.startswith("urn:uuid:"):
            continue
        credential = IssuedCredential.objects.filter(
            public_id=report.credential_id.removeprefix("urn:uuid:"),
            revoked_at__isnull=False,
        ).first()
        if credential is None or credential.revoked_at is None:
            continue
        date = plain_date(credential.revoked_at.isoformat())
        why = _REVOCATION_TEXT.get(credential.revoked_reason, _REVOCATION_TEXT["changed"])
        for finding in report.findings:
            if finding.check == "status" and finding.outcome == Outcome.FAILED:
                finding.text = f"Revoked: {why.format(date=date)}."


def credential_verify(*, document: Any, now: dt.datetime | None = None) -> Report:
    """Check a presented credential: LRS's own keys and status lists, and any did:key.

    Anyone may ask (no sign-in): a verifier learns only what the credential already says,
    and, if LRS revoked it, why and when.
    """
    documents = []
    with contextlib.suppress(IssuingNotConfigured):
        documents.append(issuer_did_document())
    report = verify_credential(
        document, resolve=Resolver(documents), status_lists=_own_status_list, now=now
    )
    _explain_revocations([report])
    return report

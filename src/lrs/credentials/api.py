"""REST: issuing credentials of a PLR, fetching them, and verifying any credential.

``POST /credentials/verify`` is public (no token), like the /verify page: anyone holding a
credential may check it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict

from lrs.api.schemas import responses
from lrs.core.errors import FieldProblem, NotFound, ValidationFailed
from lrs.credentials import selectors, services
from lrs.credentials.models import IssuedCredential
from lrs.learners.models import Learner
from lrs.users.api_auth import api_user

router = Router(tags=["Verifiable credentials"])


class IssueIn(Schema):
    uln: str
    events: list[str]
    kind: str = "clr"


class CredentialOut(Schema):
    id: uuid.UUID
    kind: str
    issued_at: dt.datetime
    revoked: bool
    revoked_at: dt.datetime | None = None
    revoked_reason: str = ""
    events: list[str]
    document: dict[str, Any] | None = None


class LearnerIn(Schema):
    uln: str


class CheckOut(Schema):
    check: str
    outcome: str
    text: str


class ReportOut(Schema):
    verified: bool
    state: str
    kind: str
    id: str
    name: str
    issuer: dict[str, str]
    signed_at: str
    key: str
    learner: dict[str, str]
    achievements: list[dict[str, str]]
    revoked: bool | None
    checks: list[CheckOut]
    credentials: list[dict[str, Any]]


def credential_out(credential: IssuedCredential, *, with_document: bool) -> CredentialOut:
    return CredentialOut(
        id=credential.public_id,
        kind=credential.kind,
        issued_at=credential.issued_at,
        revoked=credential.revoked_at is not None,
        revoked_at=credential.revoked_at,
        revoked_reason=credential.revoked_reason,
        events=[str(c.event.public_id) for c in credential.carried.all()],
        document=credential.document if with_document else None,
    )


def _learner(uln: str) -> Learner:
    learner = Learner.objects.filter(uln=(uln or "").strip()).first()
    if learner is None:
        raise NotFound("No learner has this ULN")
    return learner


@router.post(
    "/credentials",
    response=responses({201: list[CredentialOut]}),
    summary="Issue credentials of learning events on a PLR (kind: clr or achievement)",
)
def issue(request: HttpRequest, payload: IssueIn) -> Status[list[CredentialOut]]:
    credentials = services.credentials_issue(
        actor=api_user(request),
        learner=_learner(payload.uln),
        event_ids=payload.events,
        kind=payload.kind,
    )
    return Status(201, [credential_out(c, with_document=True) for c in credentials])


@router.post(
    "/credentials/search",
    response=responses({200: list[CredentialOut]}),
    summary="The credentials issued of a learner's PLR",
)
def search(request: HttpRequest, payload: LearnerIn) -> list[CredentialOut]:
    found = selectors.credentials_for_learner(
        actor=api_user(request), learner=_learner(payload.uln)
    )
    return [credential_out(c, with_document=False) for c in found]


# The credential itself, or {"verifiableCredential": {…}} (the W3C VC API's form): never
# empty, and not an empty verifiableCredential without an @context of its own.
_A_CREDENTIAL: dict[str, Any] = {
    "minProperties": 1,
    "not": {
        "required": ["verifiableCredential"],
        "properties": {"verifiableCredential": {"type": "object", "maxProperties": 0}},
        "not": {"required": ["@context"]},
    },
}


class PresentedCredentialIn(BaseModel):
    """A credential: any JSON object (its own schema is the W3C data model)."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_A_CREDENTIAL)


@router.post(
    "/credentials/verify",
    auth=None,
    response=responses({200: ReportOut}),
    summary="Verify a credential (no token needed): signature, issuer key, dates, status",
)
def verify(request: HttpRequest, credential: PresentedCredentialIn) -> dict[str, Any]:
    # The credential itself, or {"verifiableCredential": …} as the W3C VC API sends it.
    payload = credential.model_dump()
    document = payload
    if "@context" not in payload and isinstance(payload.get("verifiableCredential"), dict):
        document = payload["verifiableCredential"]
    if not document:
        raise ValidationFailed([FieldProblem("credential", "Send the credential as the body")])
    return selectors.credential_verify(document=document).as_dict()


@router.get(
    "/credentials/{public_id}",
    response=responses({200: CredentialOut}),
    summary="An issued credential with its signed document",
)
def get(request: HttpRequest, public_id: uuid.UUID) -> CredentialOut:
    credential = services.credential_download(actor=api_user(request), public_id=public_id)
    return credential_out(credential, with_document=True)

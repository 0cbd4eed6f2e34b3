"""REST: a learner's own record, viewers, shares and verifiable credentials, for apps the
learner has given a token (``Authorization: Bearer lrsl_…``, created on the learner's
"apps" page). Learner tokens open only these endpoints, and organisation tokens never
open them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from lrs.api.schemas import Declared, code, responses
from lrs.credentials.api import CredentialOut
from lrs.credentials.api import credential_out as _credential_out
from lrs.credentials.models import CredentialKind
from lrs.learnerportal import selectors, services
from lrs.learnerportal.models import LearnerIdentity, Share
from lrs.learnerportal.pdf import event_summary
from lrs.users.api_auth import TokenAuthenticationError


class LearnerBearerToken(HttpBearer):
    """``Authorization: Bearer lrsl_…``: a learner's token for an app."""

    def authenticate(self, request: HttpRequest, token: str) -> LearnerIdentity:
        try:
            return services.learner_token_authenticate(plaintext=token)
        except services.LearnerTokenRefused as exc:
            raise TokenAuthenticationError(exc.message) from None


router = Router(tags=["A learner's own record"], auth=LearnerBearerToken())


def _identity(request: HttpRequest) -> LearnerIdentity:
    identity: Any = request.auth  # type: ignore[attr-defined]
    return identity


class OwnEventOut(Schema):
    id: str
    subject: str
    subject_code: str
    qualification_type: str
    level: str
    grade: str
    award_date: dt.date
    status: str
    awarding_organisation: str
    provider: str
    credits: int | None = None
    under_challenge: bool


class RecordOut(Schema):
    uln: str
    given_name: str
    family_name: str
    organisations_may_see_events: bool
    events: list[OwnEventOut]


class ViewingOut(Schema):
    at: dt.datetime
    who: str
    what: str
    kind: str


class ShareOut(Schema):
    id: str
    recipient: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime
    all_events: bool
    event_ids: list[str]
    offers_credential: bool
    credentials: list[str]
    views: list[dt.datetime]
    failed_attempts: int


class ShareIn(Schema):
    recipient: Annotated[str, Declared(pattern=r"\S", maxLength=100)]
    expires_on: Annotated[
        dt.date,
        Declared(
            description="From today to LRS_SHARE_MAX_DAYS (90 unless the operator changes it) "
            "days ahead"
        ),
    ]
    # Leave out (or null) to share the whole record.
    event_ids: list[str] | None = None
    # Let the recipient download what is shared as a signed CLR (kept after the share ends).
    offers_credential: bool = False


class ShareCreatedOut(ShareOut):
    link: str
    # Shown once: only a hash is kept.
    access_code: str


def _event(event: Any) -> dict[str, Any]:
    summary = event_summary(event)
    summary["award_date"] = event.award_date
    return summary


def _share(share: Share) -> dict[str, Any]:
    return {
        "id": str(share.public_id),
        "recipient": share.recipient,
        "status": selectors.share_status(share),
        "created_at": share.created_at,
        "expires_at": share.expires_at,
        "all_events": share.all_events,
        "event_ids": [] if share.all_events else [str(e.public_id) for e in share.events.all()],
        "views": [view.viewed_at for view in share.views.all()],
        "failed_attempts": share.failed_attempts,
        "offers_credential": share.offers_credential,
        "credentials": [str(c.public_id) for c in share.credentials.all()],
    }


@router.get("/learner/record", response=responses({200: RecordOut}), summary="My whole record")
def my_record(request: HttpRequest) -> dict[str, Any]:
    identity = _identity(request)
    learner = selectors.learner_record(identity=identity)
    return {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "organisations_may_see_events": learner.ability_to_share != services.DO_NOT_SHARE,
        "events": [_event(e) for e in selectors.learner_events(identity=identity)],
    }


@router.get(
    "/learner/viewers",
    response=responses({200: list[ViewingOut]}),
    summary="Who has viewed my record",
)
def my_viewers(request: HttpRequest) -> list[Any]:
    return list(selectors.learner_viewers(identity=_identity(request)))


@router.get("/learner/shares", response=responses({200: list[ShareOut]}), summary="My shares")
def my_shares(request: HttpRequest) -> list[dict[str, Any]]:
    return [_share(s) for s in selectors.learner_shares(identity=_identity(request))]


@router.post(
    "/learner/shares",
    response=responses({201: ShareCreatedOut}),
    summary="Share my record: a link and an access code",
)
def share_create(request: HttpRequest, payload: ShareIn) -> Status:
    share, code = services.share_create(
        identity=_identity(request),
        recipient=payload.recipient,
        expires_on=payload.expires_on,
        event_ids=payload.event_ids,
        offers_credential=payload.offers_credential,
    )
    return Status(
        201,
        {
            **_share(share),
            "link": request.build_absolute_uri(
                reverse("learner:share-open", args=[share.link_key])
            ),
            "access_code": services.format_code(code),
        },
    )


@router.post(
    "/learner/shares/{share_id}/revoke",
    response=responses({200: ShareOut}),
    summary="End a share at once",
)
def share_revoke(request: HttpRequest, share_id: str) -> dict[str, Any]:
    identity = _identity(request)
    share = selectors.learner_share_get(identity=identity, public_id=share_id)
    return _share(services.share_revoke(identity=identity, share=share))


class CredentialIn(Schema):
    events: Annotated[
        list[str], Declared(description="Ids of learning events on your record", minItems=1)
    ]
    # "clr": one Comprehensive Learner Record of them all; "achievement": an Open Badges
    # 3.0 credential per event.
    kind: Annotated[str, code(*CredentialKind.values)] = "clr"


@router.get(
    "/learner/credentials",
    response=responses({200: list[CredentialOut]}),
    summary="The verifiable credentials issued of my record",
)
def my_credentials(request: HttpRequest) -> list[CredentialOut]:
    found = selectors.learner_credentials(identity=_identity(request))
    return [_credential_out(c, with_document=False) for c in found]


@router.post(
    "/learner/credentials",
    response=responses({201: list[CredentialOut]}),
    summary="Issue verifiable credentials of events on my record (kind: clr or achievement)",
)
def credential_issue(request: HttpRequest, payload: CredentialIn) -> Status[list[CredentialOut]]:
    issued = services.learner_credentials_issue(
        identity=_identity(request), event_ids=payload.events, kind=payload.kind
    )
    return Status(201, [_credential_out(c, with_document=True) for c in issued])


@router.get(
    "/learner/credentials/{public_id}",
    response=responses({200: CredentialOut}),
    summary="One of my verifiable credentials, with its signed document",
)
def credential_get(request: HttpRequest, public_id: uuid.UUID) -> CredentialOut:
    credential = services.learner_credential_download(
        identity=_identity(request), public_id=str(public_id)
    )
    return _credential_out(credential, with_document=True)

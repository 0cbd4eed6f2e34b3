"""REST: raise, list, act on event data challenges."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from lrs.api.pagination import Mapped, paged
from lrs.api.schemas import Declared, code, responses
from lrs.challenges import selectors, services
from lrs.challenges.lifecycle import ChallengeType, Outcome, Party, moves_from
from lrs.challenges.models import Challenge
from lrs.users.api_auth import api_user

router = Router(tags=["Event data challenges"])


# Some text that is not only spaces (a JSON Schema pattern matches anywhere).
_SAID = r"\S"

# The rules challenge_raise checks that depend on the challenge's type: an incorrect
# details challenge says what the correct values are; a duplicate names the other event.
_BY_TYPE: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"type": {"const": ChallengeType.INCORRECT_DETAILS.value}}},
            "then": {
                "required": ["supplied_values"],
                "properties": {
                    "supplied_values": {
                        "anyOf": [
                            {"required": [name], "properties": {name: {"minLength": 1}}}
                            for name in services.SUPPLIED_FIELDS
                        ]
                    }
                },
            },
        },
        {
            "if": {"properties": {"type": {"const": ChallengeType.DUPLICATE_EVENT.value}}},
            "then": {
                "required": ["second_event_id"],
                "properties": {"second_event_id": {"minLength": 1}},
            },
        },
    ]
}


class RaiseIn(Schema):
    type: Annotated[str, code(*ChallengeType)]
    event_id: str
    second_event_id: str = ""
    contact_name: Annotated[str, Declared(pattern=_SAID, maxLength=100)]
    contact_telephone: str = ""
    contact_email: Annotated[str, Declared(pattern="@", maxLength=254)]
    explanation: Annotated[str, Declared(pattern=_SAID, maxLength=4000)]
    supplied_values: Annotated[
        dict[str, str],
        Declared(
            properties={"achieved_date": {"type": "string", "format": "date"}},
            description="Only "
            + ", ".join(services.SUPPLIED_FIELDS)
            + " are read; achieved_date as YYYY-MM-DD",
        ),
    ] = {}

    model_config = ConfigDict(json_schema_extra=_BY_TYPE)


class TransitionOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    organisation: str
    note: str


class ChallengeOut(Schema):
    reference: str
    type: str
    status: str
    event_id: str
    second_event_id: str
    owner: str
    raised_by_organisation: str
    created_at: dt.datetime
    acknowledge_due: dt.date
    resolve_due: dt.date
    resolved_at: dt.datetime | None
    outcome: str
    outcome_reason: str
    original_values: dict[str, Any]
    supplied_values: dict[str, Any]
    evidence: list[dict[str, Any]]
    timeline: list[TransitionOut]
    your_part: str
    next_moves: list[str]


def challenge_out(challenge: Challenge, actor: Any) -> ChallengeOut:
    party = services.party_of(actor, challenge) or Party.RAISER
    return ChallengeOut(
        reference=challenge.reference,
        type=challenge.type,
        status=challenge.status,
        event_id=str(challenge.event.public_id),
        second_event_id=str(challenge.second_event.public_id) if challenge.second_event else "",
        owner=challenge.owner_organisation.name,
        raised_by_organisation=challenge.raising_organisation.name,
        created_at=challenge.created_at,
        acknowledge_due=challenge.acknowledge_due,
        resolve_due=challenge.resolve_due,
        resolved_at=challenge.resolved_at,
        outcome=challenge.outcome,
        outcome_reason=challenge.outcome_reason,
        original_values=challenge.original_values,
        supplied_values=challenge.supplied_values,
        evidence=[
            {"id": e.pk, "name": e.original_name, "size": e.size, "type": e.content_type}
            for e in challenge.evidence.all()
        ],
        timeline=[
            TransitionOut(
                from_status=t.from_status,
                to_status=t.to_status,
                at=t.at,
                organisation=t.organisation.name if t.organisation else "LRS",
                note=t.note,
            )
            for t in challenge.timeline.select_related("organisation")
        ],
        your_part=party.value,
        next_moves=[m.value for m in moves_from(challenge.status, party)],
    )


@router.post("/challenges", response=responses({201: ChallengeOut}), summary="Raise a challenge")
def raise_challenge(request: HttpRequest, payload: RaiseIn) -> Status:
    actor = api_user(request)
    challenge = services.challenge_raise(actor=actor, **payload.dict())
    return Status(201, challenge_out(challenge, actor))


class ListQuery(Schema):
    status: str = ""
    type: str = ""
    owner_ukprn: str = ""
    overdue: bool = False


@router.get(
    "/challenges",
    response=responses({200: list[ChallengeOut]}),
    summary="Challenges you raised or own (all, for the service desk)",
)
@paged(200)
def list_challenges(request: HttpRequest, query: Query[ListQuery]) -> Any:
    actor = api_user(request)
    found = selectors.challenge_list(actor=actor, filters=selectors.ChallengeFilter(**query.dict()))
    return Mapped(found, lambda c: challenge_out(c, actor))


@router.get(
    "/challenges/report.csv",
    response=responses({200: None}),
    summary="Open and resolved challenges by owner, with median days to resolve",
)
def report_csv(request: HttpRequest) -> HttpResponse:
    rows = selectors.challenge_report(actor=api_user(request))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Owner", "UKPRN", "Open", "Resolved", "Overdue", "Median days to resolve"])
    for r in rows:
        writer.writerow(
            [
                r.owner,
                r.ukprn,
                r.open,
                r.resolved,
                r.overdue,
                "" if r.median_days_to_resolve is None else r.median_days_to_resolve,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="challenges-report.csv"'
    return response


@router.get("/challenges/{reference}", response=responses({200: ChallengeOut}))
def get_challenge(request: HttpRequest, reference: str) -> ChallengeOut:
    actor = api_user(request)
    return challenge_out(selectors.challenge_get(actor=actor, reference=reference), actor)


class NoteIn(Schema):
    note: str = ""


@router.post("/challenges/{reference}/acknowledge", response=responses({200: ChallengeOut}))
def acknowledge(request: HttpRequest, reference: str, payload: NoteIn) -> ChallengeOut:
    actor = api_user(request)
    challenge = selectors.challenge_get(actor=actor, reference=reference)
    return challenge_out(
        services.challenge_acknowledge(actor=actor, challenge=challenge, note=payload.note), actor
    )


@router.post("/challenges/{reference}/withdraw", response=responses({200: ChallengeOut}))
def withdraw(request: HttpRequest, reference: str, payload: NoteIn) -> ChallengeOut:
    actor = api_user(request)
    challenge = selectors.challenge_get(actor=actor, reference=reference)
    return challenge_out(
        services.challenge_withdraw(actor=actor, challenge=challenge, reason=payload.note), actor
    )


class ChallengeResolveIn(Schema):
    outcome: Annotated[str, code(*Outcome)]
    reason: Annotated[str, Declared(pattern=_SAID)]
    amended: dict[str, str] = {}
    correct_uln: str = ""


@router.post("/challenges/{reference}/resolve", response=responses({200: ChallengeOut}))
def resolve(request: HttpRequest, reference: str, payload: ChallengeResolveIn) -> ChallengeOut:
    actor = api_user(request)
    challenge = selectors.challenge_get(actor=actor, reference=reference)
    return challenge_out(
        services.challenge_resolve(actor=actor, challenge=challenge, **payload.dict()), actor
    )


@router.post(
    "/challenges/{reference}/evidence",
    response=responses({200: ChallengeOut}),
    summary="Add an evidence file (PDF, PNG, JPEG or text; the raiser only)",
)
def add_evidence(request: HttpRequest, reference: str, file: File[UploadedFile]) -> ChallengeOut:
    actor = api_user(request)
    challenge = selectors.challenge_get(actor=actor, reference=reference)
    services.challenge_add_evidence(actor=actor, challenge=challenge, upload=file)
    return challenge_out(challenge, actor)


@router.get("/challenges/{reference}/evidence/{evidence_id}", response=responses({200: None}))
def get_evidence(request: HttpRequest, reference: str, evidence_id: int) -> FileResponse:
    actor = api_user(request)
    challenge = selectors.challenge_get(actor=actor, reference=reference)
    evidence = selectors.evidence_get(actor=actor, challenge=challenge, evidence_id=evidence_id)
    response = FileResponse(
        services.evidence_path(evidence).open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

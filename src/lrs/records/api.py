"""REST: a learner's Personal Learning Record."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from lrs.api.auth import api_user
from lrs.api.schemas import responses
from lrs.records.models import LearningEvent
from lrs.records.services import PlrDetail, plr_get

router = Router(tags=["Personal Learning Records"])


class PlrIn(Schema):
    uln: str
    given_name: str
    family_name: str
    date_of_birth: str | None = None
    gender: str | None = None
    detail: str = PlrDetail.FULL


class EventOut(Schema):
    id: str
    source: str
    subject_code: str
    subject: str
    qualification_type: str
    level: str
    grade: str
    achievement_award_date: dt.date
    status: str
    credits: int | None = None
    achievement_provider_ukprn: str | None = None
    achievement_provider_name: str | None = None
    awarding_organisation_ukprn: str | None = None
    awarding_organisation_name: str | None = None
    language_for_assessment: str | None = None
    date_loaded: dt.datetime | None = None
    under_data_challenge: str | None = None
    restriction: str | None = None


class PlrOut(Schema):
    response_code: str
    outcome: str
    incoming_uln: str
    found_uln: str
    detail: str
    learning_events: list[EventOut]


def _event(event: LearningEvent, full: bool) -> EventOut:
    brief = EventOut(
        id=str(event.public_id),
        source=event.source,
        subject_code=event.subject_code,
        subject=event.subject,
        qualification_type=event.qualification_type,
        level=event.level,
        grade=event.grade,
        achievement_award_date=event.award_date,
        status=event.status,
    )
    if not full:
        return brief
    return brief.model_copy(
        update={
            "credits": event.credits,
            "achievement_provider_ukprn": event.achievement_provider_ukprn,
            "achievement_provider_name": event.achievement_provider_name,
            "awarding_organisation_ukprn": event.awarding_organisation_ukprn,
            "awarding_organisation_name": event.awarding_organisation_name,
            "language_for_assessment": event.language_for_assessment,
            "date_loaded": event.date_loaded,
            "under_data_challenge": "Y" if event.under_data_challenge else "N",
            "restriction": event.restriction,
        }
    )


@router.post(
    "/learners/learning-events",
    response=responses({200: PlrOut}),
    summary="A learner's learning events (FULL or BRIEF); the names must match the ULN",
)
def learning_events(request: HttpRequest, payload: PlrIn) -> PlrOut:
    result = plr_get(
        actor=api_user(request),
        uln=payload.uln,
        given_name=payload.given_name,
        family_name=payload.family_name,
        date_of_birth=payload.date_of_birth or None,
        gender=payload.gender or None,
        detail=payload.detail,
    )
    full = payload.detail.upper() == PlrDetail.FULL
    return PlrOut(
        response_code=result.response_code,
        outcome=result.outcome,
        incoming_uln=result.incoming_uln,
        found_uln=result.found_uln,
        detail=payload.detail.upper(),
        learning_events=[_event(e, full) for e in result.events],
    )

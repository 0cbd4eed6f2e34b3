"""REST: a learner's Personal Learning Record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from lrs.api.pagination import Mapped, paged
from lrs.api.schemas import Declared, Uln, responses
from lrs.records.models import AchievementJob, LearningEvent
from lrs.records.selectors import (
    achievement_job_errors_file,
    achievement_job_get,
    achievement_jobs,
)
from lrs.records.services import (
    PlrDetail,
    achievement_job_cancel,
    achievement_job_submit,
    plr_get,
)
from lrs.users.api_auth import api_user

router = Router(tags=["Personal Learning Records"])


class PlrIn(Schema):
    uln: Uln
    given_name: str
    family_name: str
    date_of_birth: str | None = None
    gender: str | None = None
    detail: Annotated[
        str,
        Declared(
            pattern=r"^(?:[Ff][Uu][Ll][Ll]|[Bb][Rr][Ii][Ee][Ff])?$",
            description="FULL or BRIEF (either case); FULL when empty",
        ),
    ] = PlrDetail.FULL


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


# --- Achievement jobs ------------------------------------------------------------------


class JobOut(Schema):
    id: uuid.UUID
    file_name: str
    status: str
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    records: int
    processed_records: int
    percentage_successful: float
    rejection_reason: str
    file_problems: list[dict[str, Any]]
    created: int
    updated: int
    withdrawn: int
    reinstated: int
    promoted: int
    final: int
    provisional: int
    field_data_errors: int
    learner_data_errors: int
    business_rule_errors: int
    linked_ulns_followed: int


def job_out(job: AchievementJob) -> JobOut:
    return JobOut(
        id=job.public_id,
        file_name=job.file_name,
        status=job.status,
        submitted_at=job.submitted_at,
        started_at=job.started_at,
        ended_at=job.ended_at,
        records=job.records,
        processed_records=job.processed_records,
        percentage_successful=job.percentage_successful,
        rejection_reason=job.rejection_reason,
        file_problems=job.file_problems,
        created=job.created,
        updated=job.updated,
        withdrawn=job.withdrawn,
        reinstated=job.reinstated,
        promoted=job.promoted,
        final=job.final_count,
        provisional=job.provisional_count,
        field_data_errors=job.field_errors,
        learner_data_errors=job.learner_errors,
        business_rule_errors=job.business_errors,
        linked_ulns_followed=job.linked_followed,
    )


@router.post(
    "/achievement-jobs",
    response=responses({202: JobOut}),
    summary="Submit an achievement file (ACH_<UKPRN>_<DDMMYYYYHHMM>.CSV|XML|XLSX)",
)
def submit_job(request: HttpRequest, file: File[UploadedFile]) -> Status:
    return Status(202, job_out(achievement_job_submit(actor=api_user(request), upload=file)))


@router.get("/achievement-jobs", response=responses({200: list[JobOut]}), summary="Your jobs")
@paged(100)
def list_jobs(request: HttpRequest) -> Any:
    return Mapped(achievement_jobs(actor=api_user(request)), job_out)


@router.get("/achievement-jobs/{job_id}", response=responses({200: JobOut}), summary="Poll a job")
def get_job(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    return job_out(achievement_job_get(actor=api_user(request), public_id=job_id))


@router.post(
    "/achievement-jobs/{job_id}/cancel",
    response=responses({200: JobOut}),
    summary="Cancel a job that has not started",
)
def cancel_job(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    actor = api_user(request)
    job = achievement_job_get(actor=actor, public_id=job_id)
    return job_out(achievement_job_cancel(actor=actor, job=job))


class ErrorsQuery(Schema):
    format: str = ""


@router.get(
    "/achievement-jobs/{job_id}/errors",
    response=responses({200: None}),
    summary="The rejected rows with their reasons (format=csv|xml|xlsx)",
)
def job_errors(request: HttpRequest, job_id: uuid.UUID, query: Query[ErrorsQuery]) -> Any:
    actor = api_user(request)
    job = achievement_job_get(actor=actor, public_id=job_id)
    name, stream = achievement_job_errors_file(actor=actor, job=job, fmt=query.format)
    return FileResponse(stream, as_attachment=True, filename=name)

"""Reads of PLR data, scoped to the caller."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from lrs.access import Capability
from lrs.achievementfiles import (
    AchievementProblem,
    AchievementRecord,
    RejectedRow,
    error_header,
    write_errors,
)
from lrs.audit.models import AuditEntry
from lrs.core.errors import FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.learners.models import Learner
from lrs.records.models import AchievementJob, LearningEvent, LearningEventChange, Qualification
from lrs.users.models import User

PLR_ACTIONS = ("plr.view", "learner.privacy_notice")


def plr_viewers(*, actor: User, learner: Learner) -> QuerySet[AuditEntry]:
    """Who has looked at this learner's PLR: organisation, user, time and action.

    For organisations that may see the learner (have found them) and the service desk.
    """
    from lrs.learners.selectors import learner_get

    if not actor.can(Capability.VIEW_PLR):
        raise NotPermitted("Your organisation may not view Personal Learning Records")
    learner_get(actor=actor, uln=learner.uln)  # raises NotFound unless visible
    return plr_view_entries(ulns=[learner.uln])


def plr_view_entries(*, ulns: list[str]) -> QuerySet[AuditEntry]:
    """The audit entries of PLR views (and privacy notices) of these ULNs, unscoped: for
    scoped selectors only (``plr_viewers`` here; the learner's own list in learnerportal)."""
    return AuditEntry.objects.filter(
        object_type="uln", object_id__in=ulns, action__in=PLR_ACTIONS
    ).select_related("organisation", "actor")


def event_history(*, event_id: int) -> QuerySet[LearningEventChange]:
    return LearningEventChange.objects.filter(event_id=event_id).select_related(
        "actor", "organisation"
    )


def qualification_search(
    *, text: str = "", awarding_organisation_id: int | None = None
) -> QuerySet[Qualification]:
    found = Qualification.objects.select_related("awarding_organisation")
    if text:
        found = found.filter(reference__icontains=text) | found.filter(title__icontains=text)
    if awarding_organisation_id is not None:
        found = found.filter(awarding_organisation_id=awarding_organisation_id)
    return found.order_by("reference")


def achievement_jobs(*, actor: User) -> QuerySet[AchievementJob]:
    if not actor.can(Capability.UPLOAD_ACHIEVEMENTS):
        raise NotPermitted("Only awarding organisations upload achievements")
    return AchievementJob.objects.filter(organisation_id=actor.organisation_id)


def achievement_job_get(*, actor: User, public_id: uuid.UUID | str) -> AchievementJob:
    try:
        return achievement_jobs(actor=actor).get(public_id=public_id)
    except (AchievementJob.DoesNotExist, ValueError):
        raise NotFound("No such achievement job for your organisation") from None


def _rejected_rows(job: AchievementJob) -> Iterator[RejectedRow]:
    for error in job.errors.order_by("row_number").iterator(2000):
        known = {k: v for k, v in error.data.items() if k in AchievementRecord.__dataclass_fields__}
        record = AchievementRecord(row=error.row_number, **known)
        yield RejectedRow(
            record,
            tuple(
                AchievementProblem(error.row_number, p["field"] or None, p["rule"], p["code"])
                for p in error.problems
            ),
        )


def achievement_job_errors_file(
    *, actor: User, job: AchievementJob, fmt: str = ""
) -> tuple[str, IO[bytes]]:
    """The rejected rows with their reasons, in the job's format unless another is asked."""
    fmt = (fmt or job.file_format).upper()
    if fmt not in ("CSV", "XML", "XLSX"):
        raise ValidationFailed([FieldProblem("format", "Use csv, xml or xlsx")])
    base = job.file_name.rsplit(".", 1)[0]
    header = error_header(f"{base}.{fmt}", job.organisation.ukprn, job.rejected_records)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_errors(out, header, _rejected_rows(job), fmt)
    out.seek(0)
    return header.file_name, out


def learning_event_get(*, actor: User, public_id: uuid.UUID | str) -> LearningEvent:
    """A current learning event of a learner the actor's organisation may see."""
    from lrs.learners.selectors import learner_get

    try:
        event = (
            LearningEvent.objects.select_related(
                "learner", "awarding_organisation", "qualification"
            )
            .filter(public_id=public_id, withdrawn=False)
            .first()
        )
    except (ValueError, ValidationError):
        event = None
    if event is None:
        raise NotFound("No such learning event")
    try:
        learner_get(actor=actor, uln=event.learner.uln)
    except NotPermitted:
        raise NotFound("No such learning event") from None
    return event


def learning_events_beside(*, event: LearningEvent) -> QuerySet[LearningEvent]:
    """The other current events on the same PLR (e.g. the one a duplicate repeats)."""
    return (
        LearningEvent.objects.filter(learner_id=event.learner_id, withdrawn=False)
        .exclude(pk=event.pk)
        .order_by("-award_date", "id")
    )

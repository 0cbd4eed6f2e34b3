"""Writes to Personal Learning Records, and the PLR view (which is audited).

Learning events change only through the functions here: awarding organisation uploads,
event data challenges and the service desk all use them, so every change has the same
history and audit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lrs.access import Capability, OrganisationType
from lrs.achievementfiles import check_achievement_file_name
from lrs.audit.services import audit_record
from lrs.batchfiles import BatchFileError, format_of
from lrs.core import codes
from lrs.core.errors import Conflict, FieldProblem, NotPermitted, ValidationFailed
from lrs.core.filejobs import (
    file_job_enqueue,
    file_jobs_requeue_stalled,
    file_store,
    file_upload_name,
)
from lrs.identifiers import uln as uln_rules
from lrs.identifiers.organisation import IdentifierError, validate_ukprn
from lrs.identifiers.qualification import REFERENCE_RULE, reference_kind
from lrs.learners.models import Learner, LearnerChange
from lrs.learners.services import LearnerError, learner_access_record, verify_one
from lrs.organisations.models import Organisation
from lrs.records import signals
from lrs.records.models import (
    AchievementJob,
    EventSource,
    EventStatus,
    JobStatus,
    LearningEvent,
    LearningEventChange,
    Qualification,
    QualificationKind,
    QualificationStatus,
)
from lrs.users.models import User
from lrs.validation.learner import parse_date

# --- The qualifications catalogue -----------------------------------------------------

CATALOGUE_COLUMNS = (
    "reference",
    "title",
    "qualification_type",
    "level",
    "credits",
    "awarding_organisation_ukprn",
    "status",
    "valid_from",
    "valid_to",
)


@dataclass(frozen=True)
class CatalogueImport:
    created: int
    updated: int


def _catalogue_row(
    number: int, row: Mapping[str, str], organisations: dict[str, Organisation]
) -> tuple[dict[str, Any], list[FieldProblem]]:
    problems: list[FieldProblem] = []

    def problem(column: str, rule: str) -> None:
        problems.append(FieldProblem(f"row {number}: {column}", rule))

    reference = (row.get("reference") or "").strip().upper()
    kind = reference_kind(reference)
    if kind is None:
        problem("reference", REFERENCE_RULE)
    title = (row.get("title") or "").strip()
    if not title or len(title) > 255:
        problem("title", "Give a title of 1 to 255 characters")
    credits_text = (row.get("credits") or "").strip()
    credits = None
    if credits_text:
        if not credits_text.isdigit():
            problem("credits", "Credits must be a whole number")
        else:
            credits = int(credits_text)
    ukprn = (row.get("awarding_organisation_ukprn") or "").strip()
    organisation = organisations.get(ukprn)
    if organisation is None:
        try:
            validate_ukprn(ukprn)
            problem("awarding_organisation_ukprn", f"No awarding organisation has UKPRN {ukprn}")
        except IdentifierError as exc:
            problem("awarding_organisation_ukprn", exc.rule)
    status = (row.get("status") or QualificationStatus.AVAILABLE).strip().lower()
    if status not in QualificationStatus.values:
        problem("status", "Use available or withdrawn")
    dates: dict[str, dt.date | None] = {}
    for column in ("valid_from", "valid_to"):
        text = (row.get(column) or "").strip()
        try:
            dates[column] = parse_date(text) if text else None
        except ValueError as exc:
            problem(column, str(exc))
    values = {
        "reference": reference,
        "kind": QualificationKind.UNIT if kind == "unit" else QualificationKind.QUALIFICATION,
        "title": title,
        "qualification_type": (row.get("qualification_type") or "").strip()[:100],
        "level": (row.get("level") or "").strip()[:50],
        "credits": credits,
        "awarding_organisation": organisation,
        "status": status,
        **dates,
    }
    return values, problems


@transaction.atomic
def qualifications_import(*, actor: User | None, text: str) -> CatalogueImport:
    """Create or update catalogue entries from CSV text; any bad row imports nothing."""
    if actor is not None and not actor.can(Capability.PUBLISH_LISTS):
        raise NotPermitted("Only the service desk maintains the qualifications catalogue")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [
        c
        for c in ("reference", "title", "awarding_organisation_ukprn")
        if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise ValidationFailed(
            [
                FieldProblem(
                    "file",
                    f"Missing column(s): {', '.join(missing)}; the columns are "
                    f"{', '.join(CATALOGUE_COLUMNS)}",
                )
            ]
        )
    organisations = {
        o.ukprn: o for o in Organisation.objects.filter(type=OrganisationType.AWARDING_ORGANISATION)
    }
    rows: list[dict[str, Any]] = []
    problems: list[FieldProblem] = []
    for number, row in enumerate(reader, start=2):
        values, row_problems = _catalogue_row(number, row, organisations)
        problems.extend(row_problems)
        rows.append(values)
    if problems:
        raise ValidationFailed(problems)
    created = updated = 0
    for values in rows:
        _, was_created = Qualification.objects.update_or_create(
            reference=values["reference"], defaults=values
        )
        created += was_created
        updated += not was_created
    audit_record(
        action="qualification.import",
        actor=actor,
        object_type="catalogue",
        detail={"created": created, "updated": updated},
    )
    return CatalogueImport(created=created, updated=updated)


# --- Learning events ----------------------------------------------------------------------


@dataclass(frozen=True)
class EventValues:
    """What an awarding organisation says about one achievement."""

    qualification: Qualification
    grade: str
    award_date: dt.date
    status: str = EventStatus.FINAL
    credits: int | None = None
    provider: Organisation | None = None
    language_for_assessment: str = ""
    mis_identifier: str = ""


def _snapshot(event: LearningEvent) -> dict[str, Any]:
    return {
        "grade": event.grade,
        "award_date": event.award_date.isoformat(),
        "status": event.status,
        "credits": event.credits,
        "achievement_provider_ukprn": event.achievement_provider_ukprn,
        "language_for_assessment": event.language_for_assessment,
        "withdrawn": event.withdrawn,
        "learner": event.learner_id,
    }


def _record_change(
    event: LearningEvent,
    *,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    reason: str = "",
) -> None:
    after = _snapshot(event)
    LearningEventChange.objects.create(
        event=event,
        version_number=event.version_number,
        changed_at=event.updated_at,
        action=action,
        actor=actor,
        organisation=actor.organisation if actor else None,
        reason=reason[:255],
        changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
    )


@transaction.atomic
def event_create(*, actor: User, learner: Learner, values: EventValues) -> LearningEvent:
    """Record an achievement on a (master) learner's PLR. The caller audits."""
    now = timezone.now()
    q = values.qualification
    ao = q.awarding_organisation
    event = LearningEvent.objects.create(
        learner=learner,
        source=EventSource.QCFU if q.kind == QualificationKind.UNIT else EventSource.AO,
        subject_code=q.reference,
        subject=q.title,
        qualification=q,
        qualification_type=q.qualification_type,
        level=q.level,
        grade=values.grade,
        award_date=values.award_date,
        credits=values.credits if values.credits is not None else q.credits,
        achievement_provider_ukprn=values.provider.ukprn if values.provider else "",
        achievement_provider_name=values.provider.name if values.provider else "",
        awarding_organisation=ao,
        awarding_organisation_ukprn=ao.ukprn,
        awarding_organisation_name=ao.name,
        language_for_assessment=values.language_for_assessment,
        status=values.status,
        mis_identifier=values.mis_identifier[:128],
        date_loaded=now,
        updated_at=now,
        recorded_by=actor,
    )
    _record_change(event, actor=actor, action="create", before={})
    return event


def _change(
    event: LearningEvent, *, actor: User | None, action: str, reason: str, **fields: Any
) -> LearningEvent:
    before = _snapshot(event)
    for name, value in fields.items():
        setattr(event, name, value)
    if _snapshot(event) == before:
        return event
    event.version_number += 1
    event.updated_at = timezone.now()
    event.save()
    _record_change(event, actor=actor, action=action, before=before, reason=reason)
    # Sent inside this transaction: credentials stating the old values are revoked (by
    # lrs.credentials' receiver) in this same transaction, or not at all.
    signals.event_changed.send(sender=LearningEvent, event=event, action=action, actor=actor)
    return event


@transaction.atomic
def event_update(
    *, actor: User | None, event: LearningEvent, values: EventValues, reason: str = ""
) -> LearningEvent:
    return _change(
        event,
        actor=actor,
        action="update",
        reason=reason,
        grade=values.grade,
        award_date=values.award_date,
        status=values.status,
        credits=values.credits if values.credits is not None else event.credits,
        achievement_provider_ukprn=values.provider.ukprn if values.provider else "",
        achievement_provider_name=values.provider.name if values.provider else "",
        language_for_assessment=values.language_for_assessment,
    )


@transaction.atomic
def event_withdraw(*, actor: User | None, event: LearningEvent, reason: str) -> LearningEvent:
    if event.withdrawn:
        raise Conflict("already_withdrawn", "The learning event is already withdrawn")
    return _change(event, actor=actor, action="withdraw", reason=reason, withdrawn=True)


@transaction.atomic
def event_reinstate(*, actor: User | None, event: LearningEvent, reason: str) -> LearningEvent:
    if not event.withdrawn:
        raise Conflict("not_withdrawn", "Only a withdrawn learning event can be reinstated")
    return _change(event, actor=actor, action="reinstate", reason=reason, withdrawn=False)


@transaction.atomic
def event_promote(*, actor: User | None, event: LearningEvent, reason: str = "") -> LearningEvent:
    if event.status != EventStatus.PROVISIONAL:
        raise Conflict("not_provisional", "Only a provisional learning event can be promoted")
    return _change(event, actor=actor, action="promote", reason=reason, status=EventStatus.FINAL)


@transaction.atomic
def event_move(
    *, actor: User | None, event: LearningEvent, learner: Learner, reason: str
) -> LearningEvent:
    """Move an event to another (master) learner: a challenge found it on the wrong PLR."""
    return _change(event, actor=actor, action="move", reason=reason, learner=learner)


# --- Viewing a PLR -----------------------------------------------------------------------


class PlrDetail:
    FULL = "FULL"
    BRIEF = "BRIEF"


# Since May 2018 learners cannot opt out, but old opt-outs stay flagged: a provider must
# give the learner the current privacy notice before it may see such a PLR.
OPTED_OUT = "2"


@dataclass(frozen=True)
class PlrResult:
    response_code: str
    outcome: str
    incoming_uln: str
    learner: Learner | None = None
    events: list[LearningEvent] = field(default_factory=list)

    @property
    def found_uln(self) -> str:
        return self.learner.uln if self.learner else ""


def _refuse(code: str, message: str, status: int = 403) -> LearnerError:
    return LearnerError(code, message, status=status)


def plr_get(
    *,
    actor: User,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | str | None = None,
    gender: str | None = None,
    detail: str = PlrDetail.FULL,
) -> PlrResult:
    """A learner's learning events, for an organisation allowed to see them. Audited."""
    if not actor.can(Capability.VIEW_PLR):
        raise NotPermitted("Your organisation may not view Personal Learning Records")
    detail = (detail or PlrDetail.FULL).upper()
    if detail not in (PlrDetail.FULL, PlrDetail.BRIEF):
        raise LearnerError(
            codes.INVALID_REQUEST,
            "detail: use FULL or BRIEF",
            status=422,
            problems=[FieldProblem("detail", "Use FULL or BRIEF")],
        )
    uln = (uln or "").strip()
    result, refusal = _plr_read(
        actor=actor,
        uln=uln,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        gender=gender,
        detail=detail,
    )
    # One transaction for the access grant and the audit entry; a refusal is audited in
    # it too, and raised only once that entry is committed.
    with transaction.atomic():
        if refusal is None and result.learner is not None:
            learner_access_record(
                organisation_id=actor.organisation_id, learner_ids=[result.learner.pk]
            )
        audit_record(
            action="plr.view",
            actor=actor,
            object_type="uln",
            object_id=result.found_uln or uln,
            outcome="refused" if refusal is not None else "success",
            detail={
                "response_code": result.response_code,
                "incoming_uln": uln,
                "detail": detail,
                "events": len(result.events),
            },
        )
    if refusal is not None:
        raise refusal
    return result


def _plr_read(
    *,
    actor: User,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | str | None,
    gender: str | None,
    detail: str,
) -> tuple[PlrResult, LearnerError | None]:
    check = uln_rules.check(uln)
    if not check.valid:
        return PlrResult(codes.INVALID_ULN, check.reason, uln), LearnerError(
            codes.INVALID_ULN, f"{uln} is not a valid ULN: {check.reason}", status=422
        )
    verified = verify_one(
        {
            "uln": uln,
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
        }
    )
    if verified.response_code not in (
        codes.VERIFY_MATCH,
        codes.VERIFY_LINKED_MATCH,
        codes.VERIFY_SIMILAR,
        codes.VERIFY_SIMILAR_LINKED,
    ):
        return PlrResult(codes.NOT_VERIFIED, "", uln), _refuse(
            codes.NOT_VERIFIED,
            "The learner could not be verified: the ULN and names do not match",
        )
    learner = Learner.objects.get(uln=verified.found_uln)
    if learner.ability_to_share == OPTED_OUT:
        return PlrResult(codes.NOT_SHARED, "", uln, learner), _refuse(
            codes.NOT_SHARED,
            "This learner has not agreed to share their learning record. Give them the "
            "current privacy notice and record that you have, then view it again.",
        )
    events = LearningEvent.objects.filter(learner=learner, withdrawn=False).select_related(
        "awarding_organisation"
    )
    if actor.organisation.type == OrganisationType.AWARDING_ORGANISATION:
        events = events.filter(awarding_organisation_id=actor.organisation_id)
    code = codes.MASTER_SUBSTITUTED if learner.uln != uln else codes.EXACT
    return (
        PlrResult(
            code, codes.DESCRIPTIONS[code], uln, learner, list(events.order_by("-award_date", "id"))
        ),
        None,
    )


@transaction.atomic(savepoint=False)
def learner_ability_to_share_change(
    *, learner: Learner, value: str, action: str, actor: User | None
) -> str:
    """Set a learner's ability to share as a new version with its history (the learner's
    own choice has no actor); returns the old value. For callers that hold the learner's
    row lock inside their transaction and audit the change themselves."""
    before = learner.ability_to_share
    now = timezone.now()
    learner.ability_to_share = value
    learner.version_number += 1
    learner.updated_at = now
    learner.save(update_fields=["ability_to_share", "version_number", "updated_at"])
    LearnerChange.objects.create(
        learner=learner,
        version_number=learner.version_number,
        changed_at=now,
        action=action,
        actor=actor,
        organisation=actor.organisation if actor is not None else None,
        changes={"ability_to_share": [before, value]},
    )
    return before


@transaction.atomic
def learner_record_privacy_notice(*, actor: User, learner: Learner) -> Learner:
    """The provider has given the learner the current privacy notice: sharing may resume.

    Changes an old opt-out (ability to share 2) to 1, recording who and when.
    """
    if not actor.can(Capability.VIEW_PLR) or actor.organisation.type == (
        OrganisationType.AWARDING_ORGANISATION
    ):
        raise NotPermitted("Only learning providers and local authorities record this")
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    if learner.ability_to_share != OPTED_OUT:
        raise Conflict("not_opted_out", "This learner has not opted out of sharing")
    learner_ability_to_share_change(
        learner=learner, value="1", action="privacy notice given", actor=actor
    )
    audit_record(
        action="learner.privacy_notice",
        actor=actor,
        object_type="uln",
        object_id=learner.uln,
        detail={"ability_to_share": [OPTED_OUT, "1"]},
    )
    return learner


# --- Achievement jobs ------------------------------------------------------------------


@transaction.atomic
def achievement_job_submit(*, actor: User, upload: Any) -> AchievementJob:
    """Accept an awarding organisation's achievement file and queue it."""
    if not actor.can(Capability.UPLOAD_ACHIEVEMENTS):
        raise NotPermitted("Only awarding organisations upload achievements")
    file_name = file_upload_name(upload)
    try:
        fmt = format_of(file_name)
    except BatchFileError as exc:
        raise ValidationFailed([FieldProblem("file", exc.problem.rule)]) from None
    # Checked on arrival: a name with an impossible date must not be "uploaded" only to
    # fail in the worker seconds later.
    name_problems, _notes = check_achievement_file_name(file_name)
    if name_problems:
        raise ValidationFailed([FieldProblem("file", p.rule) for p in name_problems])
    limit = settings.LRS_BATCH_MAX_BYTES
    kept = file_store(
        upload,
        folder=AchievementJob.upload_folder,
        suffix=fmt,
        max_bytes=limit,
        too_big=f"The file is larger than {limit // 2**20} MB",
    )
    job = AchievementJob.objects.create(
        organisation=actor.organisation,
        submitted_by=actor,
        file_name=file_name,
        file_format=fmt,
        file_size=kept.size,
        file_sha256=kept.sha256,
        stored_path=kept.name,
    )
    audit_record(
        action="achievements.submit",
        actor=actor,
        object_type="achievement_job",
        object_id=str(job.public_id),
        detail={"file_name": file_name, "size": kept.size},
    )
    file_job_enqueue(job)
    return job


@transaction.atomic
def achievement_job_cancel(*, actor: User, job: AchievementJob) -> AchievementJob:
    if actor.organisation_id != job.organisation_id:
        raise NotPermitted("Only the organisation that sent the file can cancel it")
    if not AchievementJob.objects.filter(pk=job.pk, status=JobStatus.WAITING).update(
        status=JobStatus.CANCELLED, ended_at=timezone.now()
    ):
        raise Conflict("not_waiting", "Only a job that has not started can be cancelled")
    audit_record(
        action="achievements.cancel",
        actor=actor,
        object_type="achievement_job",
        object_id=str(job.public_id),
    )
    job.refresh_from_db()
    return job


def achievement_jobs_resume_stalled() -> int:
    """Queue again every job whose worker stopped mid-way (run by each worker)."""
    return file_jobs_requeue_stalled(AchievementJob, running=Q(status=JobStatus.IN_PROGRESS))


def plr_record_privacy_notice(
    *,
    actor: User,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | str | None = None,
    gender: str | None = None,
) -> Learner:
    """Record the privacy notice for the learner these details verify as (WSEC0208 if none)."""
    verified = verify_one(
        {
            "uln": (uln or "").strip(),
            "given_name": given_name,
            "family_name": family_name,
            "date_of_birth": date_of_birth,
            "gender": gender,
        }
    )
    if not verified.found_uln or verified.response_code in (
        codes.VERIFY_NO_MATCH,
        codes.VERIFY_ULN_NOT_FOUND,
    ):
        raise _refuse(codes.NOT_VERIFIED, "The ULN and names do not match")
    learner = Learner.objects.get(uln=verified.found_uln)
    return learner_record_privacy_notice(actor=actor, learner=learner)

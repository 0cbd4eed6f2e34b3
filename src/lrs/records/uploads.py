"""Awarding organisation achievement files, applied in the background worker.

The file is validated whole first: a file-level fault fails the job and nothing is
applied. Then each row is checked in three stages (field data, learner data, business
rules: see docs/achievement-files.md) and every good row applied. Rows are handled in
chunks, each one transaction that also records the last row applied, so a resumed job
never applies a row twice. The job runs on the file-job spine (lrs.core.filejobs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

from lrs.achievementfiles import (
    Achievement,
    AchievementProblem,
    AchievementRecord,
    AchievementReport,
    Action,
    BatchFileError,
    ErrorCode,
    ErrorKind,
    check_fields,
    read_achievements,
    validate_achievement_file,
    validate_achievements,
)
from lrs.achievementfiles import parse_record as parse_achievement
from lrs.audit.services import audit_record
from lrs.core import filejobs
from lrs.core.tasks import send_email
from lrs.learners.models import Learner, LearnerStatus
from lrs.matching.normalise import name_compact
from lrs.matching.verify import NameAgreement, StoredPerson, verify_person
from lrs.organisations.models import Organisation
from lrs.records.models import (
    AchievementError,
    AchievementJob,
    EventSource,
    EventStatus,
    JobStatus,
    LearningEvent,
    LearningEventChange,
    Qualification,
    QualificationKind,
)
from lrs.records.services import (
    EventValues,
    event_promote,
    event_reinstate,
    event_update,
    event_withdraw,
)

ACTION_COUNTER = {
    Action.CREATE: "created",
    Action.UPDATE: "updated",
    Action.WITHDRAW: "withdrawn",
    Action.REINSTATE: "reinstated",
    Action.PROMOTE: "promoted",
}
# What applying a row reads of a learner (and of its master): the rest is left unread.
LEARNER_FIELDS = (
    "id",
    "uln",
    "status",
    "master",
    "given_name",
    "family_name",
    "previous_family_name",
    "date_of_birth",
    "gender",
)
ERROR_COUNTER = {
    ErrorKind.FIELD: "field_errors",
    ErrorKind.LEARNER: "learner_errors",
    ErrorKind.BUSINESS: "business_errors",
}


def _problem(row: int, field: str, code: ErrorCode, rule: str) -> AchievementProblem:
    return AchievementProblem(row=row, field=field, rule=rule, code=code)


@dataclasses.dataclass
class _Context:
    """What a job needs to hand for every row, loaded once."""

    job: AchievementJob
    qualifications: dict[str, Qualification]
    providers: dict[str, Organisation]
    today: dt.date
    # Natural keys of events created by this job so far: a repeat in the file is BR04.
    created_keys: set[tuple[int, str, dt.date]]


def _learner_problems(a: Achievement, learner: Learner) -> list[AchievementProblem]:
    if (
        a.given_name == learner.given_name
        and a.family_name == learner.family_name
        and a.date_of_birth == learner.date_of_birth
        and (not a.gender or a.gender == learner.gender)
        and name_compact(a.given_name)
        and name_compact(a.family_name)
    ):
        # The usual row: the learner as registered. verify_person would find both names
        # exact (the same non-empty compact forms), no flags, the date of birth and the
        # gender matching: no problem. Skipping its crosswise comparisons saves time.
        return []
    check = verify_person(
        StoredPerson(
            learner.given_name,
            learner.family_name,
            learner.previous_family_name,
            learner.date_of_birth,
            learner.gender,
        ),
        given_name=a.given_name,
        family_name=a.family_name,
        date_of_birth=a.date_of_birth,
        gender=a.gender or None,
    )
    problems = []
    if check.names is NameAgreement.DIFFERENT:
        problems.append(
            _problem(
                a.row,
                "GivenName",
                ErrorCode.LD02,
                f"The names do not match ULN {learner.uln} "
                f"(flags {', '.join(check.failure_flags)})",
            )
        )
    if not check.dob_matches:
        problems.append(
            _problem(a.row, "DateOfBirth", ErrorCode.LD03, f"Does not match ULN {learner.uln}")
        )
    if not check.gender_matches:
        problems.append(
            _problem(a.row, "Gender", ErrorCode.LD04, f"Does not match ULN {learner.uln}")
        )
    return problems


def _qualification_problems(
    a: Achievement, ctx: _Context
) -> tuple[Qualification | None, Organisation | None, list[AchievementProblem]]:
    problems = []
    q = ctx.qualifications.get(a.reference)
    if q is None:
        problems.append(
            _problem(
                a.row,
                "UnitOrQualificationReferenceNumber",
                ErrorCode.BR01,
                f"{a.reference} is not in the qualifications catalogue",
            )
        )
    elif q.awarding_organisation_id != ctx.job.organisation_id:
        problems.append(
            _problem(
                a.row,
                "UnitOrQualificationReferenceNumber",
                ErrorCode.BR02,
                f"{a.reference} belongs to another awarding organisation",
            )
        )
    provider = None
    if a.provider_ukprn:
        provider = ctx.providers.get(a.provider_ukprn)
        if provider is None:
            problems.append(
                _problem(
                    a.row,
                    "ProviderUkprn",
                    ErrorCode.BR03,
                    f"No organisation registered with LRS has UKPRN {a.provider_ukprn}",
                )
            )
    if a.award_date and a.award_date > ctx.today:
        problems.append(
            _problem(
                a.row, "AchievementAwardDate", ErrorCode.BR06, "The award date is in the future"
            )
        )
    elif (
        q is not None
        and a.award_date
        and (
            (q.valid_from and a.award_date < q.valid_from)
            or (q.valid_to and a.award_date > q.valid_to)
        )
    ):
        problems.append(
            _problem(
                a.row,
                "AchievementAwardDate",
                ErrorCode.BR11,
                "The award date is outside the dates the qualification could be awarded",
            )
        )
    return q, provider, problems


def _target(
    a: Achievement, learner: Learner, ctx: _Context
) -> tuple[LearningEvent | None, AchievementProblem | None]:
    """The existing event an update, withdraw, reinstate or promote acts on."""
    events = LearningEvent.objects.filter(
        learner=learner, awarding_organisation_id=ctx.job.organisation_id
    )
    if a.event_id:
        event = events.filter(public_id=a.event_id).first()
        if event is None:
            return None, _problem(
                a.row,
                "EventId",
                ErrorCode.BR05,
                "This learner has no achievement of yours with that EventId",
            )
        return event, None
    matching = list(events.filter(subject_code=a.reference).order_by("id"))
    if len(matching) > 1 and a.award_date:
        same_day = [e for e in matching if e.award_date == a.award_date]
        matching = same_day or matching
    if not matching:
        return None, _problem(
            a.row,
            "UnitOrQualificationReferenceNumber",
            ErrorCode.BR05,
            f"This learner has no achievement of yours for {a.reference}",
        )
    if len(matching) > 1:
        return None, _problem(
            a.row, "EventId", ErrorCode.BR12, "Several achievements match: give the EventId"
        )
    return matching[0], None


def _apply_change(
    a: Achievement,
    event: LearningEvent,
    q: Qualification | None,
    provider: Organisation | None,
    ctx: _Context,
) -> AchievementProblem | None:
    actor = ctx.job.submitted_by
    reason = a.action_reason or ""
    if a.action is Action.WITHDRAW:
        if event.withdrawn:
            return _problem(a.row, "Action", ErrorCode.BR07, "The achievement is already withdrawn")
        event_withdraw(actor=actor, event=event, reason=reason)
    elif a.action is Action.REINSTATE:
        if not event.withdrawn:
            return _problem(a.row, "Action", ErrorCode.BR08, "The achievement is not withdrawn")
        event_reinstate(actor=actor, event=event, reason=reason)
    elif a.action is Action.PROMOTE:
        if event.status != EventStatus.PROVISIONAL or event.withdrawn:
            return _problem(
                a.row,
                "Action",
                ErrorCode.BR09,
                "Only a provisional achievement can be promoted to final",
            )
        event_promote(actor=actor, event=event, reason=reason)
    else:
        if event.withdrawn:
            return _problem(
                a.row, "Action", ErrorCode.BR07, "The achievement is withdrawn: reinstate it first"
            )
        status = str(a.status or event.status)
        if event.status == EventStatus.FINAL and status == EventStatus.PROVISIONAL:
            return _problem(
                a.row, "Status", ErrorCode.BR10, "A final achievement cannot become provisional"
            )
        assert q is not None
        event_update(
            actor=actor,
            event=event,
            values=EventValues(
                qualification=q,
                grade=a.grade or event.grade,
                award_date=a.award_date or event.award_date,
                status=status,
                credits=a.credits,
                provider=provider,
                language_for_assessment=a.language_for_assessment or "",
                mis_identifier=a.mis_identifier or "",
            ),
            reason=reason,
        )
    return None


@dataclasses.dataclass
class _ChunkResult:
    counters: Counter[str] = dataclasses.field(default_factory=Counter)
    errors: list[AchievementError] = dataclasses.field(default_factory=list)
    creates: list[tuple[Achievement, Learner, Qualification, Organisation | None]] = (
        dataclasses.field(default_factory=list)
    )


def _reject(
    result: _ChunkResult,
    ctx: _Context,
    record: AchievementRecord,
    problems: list[AchievementProblem],
) -> None:
    kind = problems[0].kind
    result.counters[ERROR_COUNTER[kind]] += 1
    result.errors.append(
        AchievementError(
            job=ctx.job,
            row_number=record.row,
            kind=str(kind),
            codes=" ".join(dict.fromkeys(p.code for p in problems))[:100],
            message="; ".join(p.message for p in problems),
            data=record.values(),
            problems=[{"field": p.field or "", "rule": p.rule, "code": p.code} for p in problems],
        )
    )


class _Rows:
    """Insert rows of one model's table, built without model instances.

    Each value goes to the database as ``bulk_create`` would send it (the field's
    ``get_db_prep_save``); text, whole numbers and None pass through unchanged, as they
    do there. Values that are the same for a whole insert are prepared once, and a field
    left out gets its default, like a new model instance.
    """

    def __init__(self, model: type[Model], constants: dict[str, Any]) -> None:
        self.model = model
        # The connection itself, not the proxy that looks it up at every use.
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.constants: dict[str, Any] = {}
        self.per_row_defaults = []
        for f in self.fields:
            if f.attname in constants:
                value = constants[f.attname]
            elif f.has_default() and callable(f.default):
                self.per_row_defaults.append(f)
                continue
            else:
                value = f.get_default()
            self.constants[f.attname] = f.get_db_prep_save(value, self.connection)
        self.rows: list[list[Any]] = []

    def add(self, values: dict[str, Any]) -> dict[str, Any]:
        """Add a row of ``values`` (by attribute name); returns them with any defaults."""
        for f in self.per_row_defaults:
            if f.attname not in values:
                values[f.attname] = f.get_default()
        row = []
        for f in self.fields:
            name = f.attname
            if name in values:
                value = values[name]
                if value is not None and type(value) not in (str, int):
                    value = f.get_db_prep_save(value, self.connection)
            else:
                value = self.constants[name]
            row.append(value)
        self.rows.append(row)
        return values

    def insert(self) -> None:
        """One COPY on PostgreSQL; one executemany of a one-row INSERT elsewhere."""
        if not self.rows:
            return
        connection = self.connection
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                    self.rows,
                )
        self.rows = []


def _event_ids(public_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    ids: dict[uuid.UUID, int] = {}
    step = 900  # SQLite's smallest limit of parameters in one statement is 999
    for start in range(0, len(public_ids), step):
        ids.update(
            LearningEvent.objects.filter(
                public_id__in=public_ids[start : start + step]
            ).values_list("public_id", "pk")
        )
    return ids


def _flush_creates(result: _ChunkResult, ctx: _Context) -> None:
    """Insert this chunk's new events in bulk, with their history rows.

    The rows are those ``bulk_create`` of ``LearningEvent`` and ``LearningEventChange``
    instances would insert, sent with COPY (PostgreSQL) or executemany (SQLite): with
    thousands of rows a chunk, building and compiling model instances cost more than the
    database's own work.
    """
    if not result.creates:
        return
    now = timezone.now()
    actor = ctx.job.submitted_by
    events = _Rows(
        LearningEvent, {"date_loaded": now, "updated_at": now, "recorded_by_id": actor.pk}
    )
    created = []
    for a, learner, q, provider in result.creates:
        ao = q.awarding_organisation
        created.append(
            events.add(
                {
                    "learner_id": learner.pk,
                    "source": str(
                        EventSource.QCFU if q.kind == QualificationKind.UNIT else EventSource.AO
                    ),
                    "subject_code": q.reference,
                    "subject": q.title,
                    "qualification_id": q.pk,
                    "qualification_type": q.qualification_type,
                    "level": q.level,
                    "grade": a.grade or "",
                    "award_date": a.award_date,
                    "credits": a.credits if a.credits is not None else q.credits,
                    "achievement_provider_ukprn": provider.ukprn if provider else "",
                    "achievement_provider_name": provider.name if provider else "",
                    "awarding_organisation_id": ao.pk,
                    "awarding_organisation_ukprn": ao.ukprn,
                    "awarding_organisation_name": ao.name,
                    "language_for_assessment": a.language_for_assessment or "",
                    "status": str(a.status or EventStatus.FINAL),
                    "mis_identifier": (a.mis_identifier or "")[:128],
                }
            )
        )
    events.insert()
    ids = _event_ids([e["public_id"] for e in created])
    changes = _Rows(
        LearningEventChange,
        {
            "version_number": 1,
            "changed_at": now,
            "action": "create",
            "actor_id": actor.pk,
            "organisation_id": ctx.job.organisation_id,
        },
    )
    for e in created:
        changes.add(
            {
                "event_id": ids[e["public_id"]],
                "changes": {
                    "grade": [None, e["grade"]],
                    "award_date": [None, e["award_date"].isoformat()],
                    "status": [None, e["status"]],
                },
            }
        )
    changes.insert()
    result.creates = []


def _process_chunk(
    ctx: _Context, token: str, chunk: list[AchievementRecord], fmt: str = "CSV"
) -> None:
    result = _ChunkResult()
    parsed: list[tuple[AchievementRecord, Achievement]] = []
    for record in chunk:
        # The records come unchecked (with only the reader's FD01 problems): parse_record
        # checks every field once. A row it refuses is checked again for its problems:
        # exactly those a checking reader gives a row (advice on dates for ``fmt``).
        error = ""
        if not record.format_problems:
            try:
                parsed.append((record, parse_achievement(record)))
                continue
            except ValueError as exc:
                error = str(exc)
        problems = [*record.format_problems, *check_fields(record, fmt=fmt)]
        _reject(result, ctx, record, problems or [_problem(record.row, "", ErrorCode.FD02, error)])
    learners = {
        learner.uln: learner
        for learner in Learner.objects.filter(uln__in={a.uln for _, a in parsed})
        .select_related("master")
        .only(*LEARNER_FIELDS, *(f"master__{name}" for name in LEARNER_FIELDS))
    }
    learner_ids = {lr.master_id or lr.pk for lr in learners.values()}
    existing = set(
        LearningEvent.objects.filter(
            learner_id__in=learner_ids,
            subject_code__in={a.reference for _, a in parsed},
            withdrawn=False,
        ).values_list("learner_id", "subject_code", "award_date")
    )
    for record, a in parsed:
        learner = learners.get(a.uln)
        if learner is None or learner.status == LearnerStatus.CLOSED:
            _reject(
                result,
                ctx,
                record,
                [_problem(a.row, "Uln", ErrorCode.LD01, f"No learner has ULN {a.uln}")],
            )
            continue
        if learner.master_id is not None and learner.master is not None:
            # Events of a linked learner belong to its master; the job reports it.
            result.counters["linked_followed"] += 1
            learner = learner.master
        problems = _learner_problems(a, learner)
        if problems:
            _reject(result, ctx, record, problems)
            continue
        q, provider, problems = _qualification_problems(a, ctx)
        if problems:
            _reject(result, ctx, record, problems)
            continue
        assert q is not None
        if a.action is Action.CREATE:
            key = (learner.pk, q.reference, a.award_date)
            if key in existing or key in ctx.created_keys:
                _reject(
                    result,
                    ctx,
                    record,
                    [
                        _problem(
                            a.row,
                            "UnitOrQualificationReferenceNumber",
                            ErrorCode.BR04,
                            "The learner already has this achievement on this date",
                        )
                    ],
                )
                continue
            ctx.created_keys.add(key)
            result.creates.append((a, learner, q, provider))
            status = str(a.status or EventStatus.FINAL)
        else:
            _flush_creates(result, ctx)
            event, problem = _target(a, learner, ctx)
            if problem is None and event is not None:
                problem = _apply_change(a, event, q, provider, ctx)
            if problem is not None:
                _reject(result, ctx, record, [problem])
                continue
            assert event is not None
            event.refresh_from_db(fields=["status"])
            status = event.status
        result.counters[ACTION_COUNTER[a.action]] += 1
        result.counters["final_count" if status == EventStatus.FINAL else "provisional_count"] += 1
    _flush_creates(result, ctx)
    AchievementError.objects.bulk_create(result.errors)
    _touch(
        ctx.job,
        token,
        last_row=chunk[-1].row,
        processed_records=F("processed_records") + len(chunk),
        **{name: F(name) + n for name, n in result.counters.items()},
    )
    applied = sum(result.counters[c] for c in ACTION_COUNTER.values())
    if applied:
        audit_record(
            action="achievements.apply_chunk",
            actor=ctx.job.submitted_by,
            object_type="achievement_job",
            object_id=str(ctx.job.public_id),
            detail={
                "rows": [chunk[0].row, chunk[-1].row],
                **{k: v for k, v in result.counters.items() if v},
            },
        )


def _touch(job: AchievementJob, token: str, **fields: Any) -> None:
    filejobs.touch(job, token, **fields)
    job.refresh_from_db()


def _validate(path: Path, job: AchievementJob, today: dt.date) -> AchievementReport:
    """``validate_achievement_file`` for the job, reading the rows without their field
    rules: only the file's own problems (name, header, structure, RecordCount) decide
    whether the file is accepted, and processing checks every row's fields anyway."""
    try:
        opened = read_achievements(
            path, filename=job.file_name, limits=filejobs.file_limits(), check=False
        )
    except BatchFileError:
        # Unreadable: the full validator reports it (cheaply: there is nothing to read).
        return validate_achievement_file(
            path,
            filename=job.file_name,
            expected_ukprn=job.organisation.ukprn,
            today=today,
            limits=filejobs.file_limits(),
            business_rules=False,
        )
    with opened:
        return validate_achievements(
            opened, expected_ukprn=job.organisation.ukprn, today=today, business_rules=False
        )


class AchievementRunner(filejobs.FileJobRunner[AchievementJob]):
    """An achievement file's run on the file-job spine: validated whole, then its rows."""

    model = AchievementJob
    done = "successful"

    def claimable(self) -> Q:
        """Waiting, or in progress with a worker that has stalled."""
        return Q(status=JobStatus.WAITING) | Q(
            status=JobStatus.IN_PROGRESS, progressed_at__lt=filejobs.stalled_since()
        )

    def load(self, pk: int) -> AchievementJob:
        return AchievementJob.objects.select_related("organisation", "submitted_by").get(pk=pk)

    def start(self, job: AchievementJob, token: str) -> None:
        if job.started_at is None:
            _touch(job, token, started_at=timezone.now(), status=JobStatus.IN_PROGRESS)

    def validate(self, job: AchievementJob, token: str, path: Path) -> AchievementReport:
        return _validate(path, job, timezone.localdate())

    def refuse(self, job: AchievementJob, token: str, report: Any) -> None:
        problems = [
            {"row": p.row, "field": p.field or "", "rule": p.rule, "code": p.code}
            for p in report.file_problems
        ]
        _touch(
            job,
            token,
            status=JobStatus.FAILED,
            rejection_reason=problems[0]["rule"] if problems else "The file is unreadable",
            file_problems=problems,
            records=report.records,
            ended_at=timezone.now(),
        )
        audit_record(
            action="achievements.reject",
            actor=job.submitted_by,
            object_type="achievement_job",
            object_id=str(job.public_id),
            outcome="refused",
            detail={"reason": job.rejection_reason},
        )

    def process(self, job: AchievementJob, token: str, path: Path, report: Any) -> str | None:
        _touch(job, token, records=report.records)
        ctx = _Context(
            job=job,
            # The whole catalogue, so another organisation's reference is BR02, not BR01.
            qualifications={
                q.reference: q
                for q in Qualification.objects.select_related("awarding_organisation")
            },
            providers={o.ukprn: o for o in Organisation.objects.all()},
            today=timezone.localdate(),
            created_keys=set(),
        )
        with read_achievements(
            path, filename=job.file_name, limits=filejobs.file_limits(), check=False
        ) as opened:
            for chunk in filejobs.chunks(opened, after_row=job.last_row):
                with transaction.atomic():
                    _process_chunk(ctx, token, chunk, opened.format)
        return None

    def complete(self, job: AchievementJob, token: str) -> None:
        _touch(job, token, status=JobStatus.SUCCESSFUL, ended_at=timezone.now())
        audit_record(
            action="achievements.complete",
            actor=job.submitted_by,
            object_type="achievement_job",
            object_id=str(job.public_id),
            detail={
                "records": job.records,
                "created": job.created,
                "rejected": job.rejected_records,
            },
        )

    def notify(self, job: AchievementJob) -> None:
        to = filejobs.uploader_addresses(job)
        if not to:
            return
        if job.status == JobStatus.SUCCESSFUL:
            body = (
                f"Your achievement file {job.file_name} has been processed: {job.records} "
                f"records, {job.percentage_successful}% successful ({job.created} created, "
                f"{job.updated} updated, {job.withdrawn} withdrawn, {job.reinstated} "
                f"reinstated, {job.promoted} promoted; {job.rejected_records} rejected)."
            )
        else:
            body = f"Your achievement file {job.file_name} was refused: {job.rejection_reason}"
        send_email.enqueue(
            to=to,
            subject=f"LRS: achievement file {job.file_name}",
            body=body + "\n\nSign in to LRS to see the result and download the errors.",
            kind="achievement_file_result",
        )


def process(job_id: int) -> str:
    """Validate then apply an achievement file; safe to call again after a crash."""
    return AchievementRunner().run(job_id)

"""Reads for the service desk's dashboard: how much the service did each day, what is
waiting in the background queues, and the desk's own queues of decisions.

Every read here is across all organisations, so each requires the service desk's
capability. They only count and list references: no learner's details appear.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lrs.access import Capability
from lrs.audit.models import AuditEntry, Outcome
from lrs.batches.models import Batch, BatchStatus
from lrs.challenges.lifecycle import STATUS_LABELS, Status
from lrs.challenges.models import Challenge
from lrs.challenges.selectors import ChallengeFilter, challenge_list
from lrs.core.errors import NotPermitted
from lrs.core.models import WorkerHeartbeat
from lrs.duplicates.models import PairStatus
from lrs.duplicates.selectors import duplicate_pairs
from lrs.misuse.selectors import misuse_alerts
from lrs.misuse.services import day_bounds
from lrs.organisations.models import ApplicationStatus
from lrs.organisations.selectors import organisation_application_list
from lrs.records.models import AchievementJob, JobStatus
from lrs.users.models import User
from lrs.workingdays import working_days_between

VOLUME_DAYS = 14
FAILED_DAYS = 7
# The longest list any panel shows; each panel links to the full queue.
LIST_LIMIT = 10


def _require_desk(actor: User) -> None:
    if not actor.can(Capability.APPROVE_ORGANISATIONS):
        raise NotPermitted("Only the service desk sees the service desk dashboard")


# --- Volumes per day ---------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    description: str


MEASURES: tuple[Measure, ...] = (
    Measure("finds", "Finds", "Searches of the register by a learner's details or by ULN"),
    Measure("registrations", "Registrations", "Learners registered online or through the API"),
    Measure("updates", "Updates", "Learners' details updated online or through the API"),
    Measure(
        "verifications",
        "Verifications",
        "Requests to verify learners and their ULNs (one request may hold many learners)",
    ),
    Measure("plr_views", "PLR views", "Requests to view a Personal Learning Record"),
    Measure("batch_files", "Batch files", "Batch files submitted"),
    Measure(
        "batch_records",
        "Batch records",
        "Records processed in the batch files that finished that day",
    ),
    Measure("achievement_files", "Achievement files", "Achievement files uploaded"),
    Measure(
        "achievement_records",
        "Achievement records",
        "Records processed in the achievement files that finished that day",
    ),
    Measure("challenges", "Challenges", "Event data challenges raised"),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)

# Audit actions counted whatever their outcome: each is a request the service answered
# (the misuse watch counts finds and PLR views the same way).
_AUDIT_ANY_OUTCOME = {
    "learner.find": "finds",
    "learner.lookup": "finds",
    "learner.verify": "verifications",
    "plr.view": "plr_views",
}
# Audit actions counted only when they succeeded: a refused registration registered no one.
_AUDIT_SUCCESS_ONLY = {
    "learner.register": "registrations",
    "learner.update": "updates",
}


@dataclass(frozen=True)
class VolumeRow:
    day: dt.date | None  # None: the totals
    counts: dict[str, int]

    @property
    def values(self) -> list[int]:
        return [self.counts.get(key, 0) for key in MEASURE_KEYS]

    @property
    def is_quiet(self) -> bool:
        return not any(self.values)


@dataclass(frozen=True)
class Volumes:
    days: int
    rows: list[VolumeRow]  # today first
    totals: VolumeRow
    measures: tuple[Measure, ...] = MEASURES


def _per_day(
    date_field: str, bounds: list[tuple[dt.datetime, dt.datetime]], value: str = ""
) -> dict[str, Aggregate]:
    """One conditional count (or sum of ``value``) per day, named d0, d1, ...

    Each UK day is a range of moments compared natively by the database, rather than a
    date computed from every row: on SQLite that computation is a Python function call per
    row, which made the audit log's query about twice as slow (measured at 1,000,000
    entries), and day_bounds already gets the days the clocks change right.
    """
    aggregates: dict[str, Aggregate] = {}
    for i, (start, end) in enumerate(bounds):
        in_day = Q(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
        aggregates[f"d{i}"] = Sum(value, filter=in_day) if value else Count("pk", filter=in_day)
    return aggregates


def _in_window(
    model: type[Model], date_field: str, bounds: list[tuple[dt.datetime, dt.datetime]]
) -> QuerySet:
    return model._default_manager.filter(
        **{f"{date_field}__gte": bounds[-1][0], f"{date_field}__lt": bounds[0][1]}
    )


def daily_volumes(*, actor: User, today: dt.date | None = None, days: int = VOLUME_DAYS) -> Volumes:
    """What the service did on each of the last ``days`` days (UK days, today first)."""
    _require_desk(actor)
    today = today or timezone.localdate()
    wanted = [today - dt.timedelta(days=n) for n in range(days)]
    bounds = [day_bounds(day) for day in wanted]
    counts: dict[str, list[int]] = {key: [0] * days for key in MEASURE_KEYS}

    def add(key: str, row: dict[str, int | None]) -> None:
        for i in range(days):
            counts[key][i] += row.get(f"d{i}") or 0

    # One query over the audit log, grouped by action, narrowed by the occurred_at index.
    # An index on (action, occurred_at) would read just each counted action's days: twice
    # as fast on SQLite (docs/service-desk.md).
    audit_rows = (
        _in_window(AuditEntry, "occurred_at", bounds)
        .filter(
            Q(action__in=list(_AUDIT_ANY_OUTCOME))
            | Q(action__in=list(_AUDIT_SUCCESS_ONLY), outcome=Outcome.SUCCESS)
        )
        .order_by()
        .values("action")
        .annotate(**_per_day("occurred_at", bounds))
    )
    measure_of = {**_AUDIT_ANY_OUTCOME, **_AUDIT_SUCCESS_ONLY}
    for row in audit_rows:
        add(measure_of[row["action"]], row)

    for key, model, date_field, value in (
        ("batch_files", Batch, "created_at", ""),
        ("batch_records", Batch, "finished_at", "processed_records"),
        ("achievement_files", AchievementJob, "submitted_at", ""),
        ("achievement_records", AchievementJob, "ended_at", "processed_records"),
        ("challenges", Challenge, "created_at", ""),
    ):
        add(
            key,
            _in_window(model, date_field, bounds).aggregate(**_per_day(date_field, bounds, value)),
        )

    rows = [
        VolumeRow(day=day, counts={key: counts[key][i] for key in MEASURE_KEYS})
        for i, day in enumerate(wanted)
    ]
    totals = {key: sum(counts[key]) for key in MEASURE_KEYS}
    return Volumes(days=days, rows=rows, totals=VolumeRow(day=None, counts=totals))


# --- Batch and upload backlog ------------------------------------------------------------


@dataclass(frozen=True)
class QueueLine:
    """Files of one kind in one status."""

    kind: str
    status: str
    label: str
    count: int
    # Records not processed yet; None while the files are waiting to be checked, when
    # their count of records is not known.
    outstanding: int | None
    oldest: dt.datetime | None  # when the longest-waiting one was submitted


@dataclass(frozen=True)
class FileJob:
    """A batch or achievement file the desk may need to look into: stalled or failed."""

    kind: str
    public_id: uuid.UUID
    file_name: str
    organisation: str
    ukprn: str
    status: str
    at: dt.datetime | None  # last progress (stalled) or when it ended (failed)
    processed: int
    total: int
    reason: str = ""


@dataclass(frozen=True)
class Worker:
    hostname: str
    pid: int
    started_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True)
class Backlog:
    lines: list[QueueLine]
    stalled: list[FileJob]
    stalled_count: int
    failed: list[FileJob]
    failed_batches: int
    failed_jobs: int
    workers: list[Worker]
    queued_tasks: int
    stall_seconds: int
    failed_days: int = FAILED_DAYS

    @property
    def waiting(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def failed_count(self) -> int:
        return self.failed_batches + self.failed_jobs


BATCH_KIND = "Batch files"
JOB_KIND = "Achievement files"
_BATCH_WAITING = (BatchStatus.QUEUED, BatchStatus.VALIDATING, BatchStatus.PROCESSING)
_BATCH_RUNNING = (BatchStatus.VALIDATING, BatchStatus.PROCESSING)
_JOB_WAITING = (JobStatus.WAITING, JobStatus.IN_PROGRESS)
_JOB_RUNNING = (JobStatus.IN_PROGRESS,)


def _outstanding(total: str, processed: str) -> Sum:
    left = ExpressionWrapper(F(total) - F(processed), output_field=IntegerField())
    # Only rows with a known total: a file not yet checked has a total of 0.
    return Sum(Case(When(**{f"{total}__gt": F(processed)}, then=left), default=Value(0)))


def _lines(
    kind: str,
    queryset: QuerySet,
    statuses: Iterable[tuple[str, str]],
    *,
    unchecked: str,
    total: str,
    submitted: str,
) -> list[QueueLine]:
    rows = {
        row["status"]: row
        for row in queryset.order_by()
        .values("status")
        .annotate(
            n=Count("id"),
            outstanding=Coalesce(_outstanding(total, "processed_records"), Value(0)),
            oldest=Min(submitted),
        )
    }
    lines = []
    for status, label in statuses:
        row = rows.get(status, {})
        lines.append(
            QueueLine(
                kind=kind,
                status=status,
                label=label,
                count=row.get("n", 0),
                outstanding=None if status == unchecked else row.get("outstanding", 0),
                oldest=row.get("oldest"),
            )
        )
    return lines


def _batch_job(batch: Batch, at: dt.datetime | None) -> FileJob:
    return FileJob(
        kind="Batch file",
        public_id=batch.public_id,
        file_name=batch.file_name,
        organisation=batch.organisation.name,
        ukprn=batch.organisation.ukprn,
        status=BatchStatus(batch.status).label,
        at=at,
        processed=batch.processed_records,
        total=batch.total_records,
        reason=batch.failure_reason,
    )


def _achievement_job(job: AchievementJob, at: dt.datetime | None) -> FileJob:
    return FileJob(
        kind="Achievement file",
        public_id=job.public_id,
        file_name=job.file_name,
        organisation=job.organisation.name,
        ukprn=job.organisation.ukprn,
        status=JobStatus(job.status).label,
        at=at,
        processed=job.processed_records,
        total=job.records,
        reason=job.rejection_reason,
    )


def _never(moment: dt.datetime | None) -> dt.datetime:
    return moment or dt.datetime.min.replace(tzinfo=dt.UTC)


def backlog(*, actor: User, now: dt.datetime | None = None) -> Backlog:
    """Batch and achievement files waiting or in progress, stalled ones, recent failures,
    and the background workers that should be taking them."""
    _require_desk(actor)
    now = now or timezone.now()
    stall_seconds = settings.LRS_BATCH_STALL_SECONDS
    stalled_before = now - dt.timedelta(seconds=stall_seconds)
    failed_since = now - dt.timedelta(days=FAILED_DAYS)

    lines = _lines(
        BATCH_KIND,
        Batch.objects.filter(status__in=_BATCH_WAITING),
        [(s.value, s.label) for s in _BATCH_WAITING],
        unchecked=BatchStatus.QUEUED,
        total="total_records",
        submitted="created_at",
    ) + _lines(
        JOB_KIND,
        AchievementJob.objects.filter(status__in=_JOB_WAITING),
        [(s.value, s.label) for s in _JOB_WAITING],
        unchecked=JobStatus.WAITING,
        total="records",
        submitted="submitted_at",
    )

    # The same test the workers use to take a job over (lrs.core.filejobs).
    stalled_batches = Batch.objects.filter(
        status__in=_BATCH_RUNNING, progressed_at__lt=stalled_before
    ).select_related("organisation")
    stalled_jobs = AchievementJob.objects.filter(
        status__in=_JOB_RUNNING, progressed_at__lt=stalled_before
    ).select_related("organisation")
    stalled_count = stalled_batches.count() + stalled_jobs.count()
    stalled = sorted(
        [
            _batch_job(b, b.progressed_at)
            for b in stalled_batches.order_by("progressed_at")[:LIST_LIMIT]
        ]
        + [
            _achievement_job(j, j.progressed_at)
            for j in stalled_jobs.order_by("progressed_at")[:LIST_LIMIT]
        ],
        key=lambda job: _never(job.at),
    )[:LIST_LIMIT]

    failed_batches = Batch.objects.filter(
        status=BatchStatus.FAILED, finished_at__gte=failed_since
    ).select_related("organisation")
    failed_jobs = AchievementJob.objects.filter(
        status=JobStatus.FAILED, ended_at__gte=failed_since
    ).select_related("organisation")
    failed = sorted(
        [_batch_job(b, b.finished_at) for b in failed_batches.order_by("-finished_at")[:LIST_LIMIT]]
        + [_achievement_job(j, j.ended_at) for j in failed_jobs.order_by("-ended_at")[:LIST_LIMIT]],
        key=lambda job: _never(job.at),
        reverse=True,
    )[:LIST_LIMIT]

    # Alive as /healthz counts it (lrs.core.health): seen within three heartbeats.
    alive_since = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3)
    workers = [
        Worker(hostname=w.hostname, pid=w.pid, started_at=w.started_at, last_seen_at=w.last_seen_at)
        for w in WorkerHeartbeat.objects.filter(last_seen_at__gte=alive_since).order_by(
            "hostname", "pid"
        )
    ]
    return Backlog(
        lines=lines,
        stalled=stalled,
        stalled_count=stalled_count,
        failed=failed,
        failed_batches=failed_batches.count(),
        failed_jobs=failed_jobs.count(),
        workers=workers,
        queued_tasks=DBTaskResult.objects.ready().count(),
        stall_seconds=stall_seconds,
    )


# --- Overdue challenges ------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueChallenge:
    reference: str
    owner: str
    owner_ukprn: str
    status: str
    due: dt.date
    working_days_overdue: int


@dataclass(frozen=True)
class OverdueChallenges:
    count: int
    items: list[OverdueChallenge] = field(default_factory=list)


def overdue_challenges(*, actor: User, limit: int = LIST_LIMIT) -> OverdueChallenges:
    """Open challenges past their date to be acknowledged or resolved, most overdue first."""
    _require_desk(actor)
    overdue = challenge_list(actor=actor, filters=ChallengeFilter(overdue=True))
    count = overdue.count()
    if not count:
        return OverdueChallenges(count=0)
    today = timezone.localdate()
    due = Case(
        When(status=Status.SUBMITTED, then=F("acknowledge_due")),
        default=F("resolve_due"),
        output_field=DateField(),
    )
    challenges = (
        overdue.select_related(None)
        .select_related("owner_organisation")
        .annotate(due=due)
        .order_by("due", "created_at", "id")[:limit]
    )
    return OverdueChallenges(
        count=count,
        items=[
            OverdueChallenge(
                reference=c.reference,
                owner=c.owner_organisation.name,
                owner_ukprn=c.owner_organisation.ukprn,
                status=STATUS_LABELS[Status(c.status)],
                due=c.due,
                working_days_overdue=working_days_between(c.due, today),
            )
            for c in challenges
        ],
    )


# --- The desk's own queues ---------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """A queue of decisions waiting for the desk: how many, and the longest waiting."""

    count: int = 0
    oldest_id: int | None = None
    oldest_reference: str = ""
    oldest_name: str = ""  # what the desk knows it by: an account, an organisation
    oldest_at: dt.datetime | None = None


def _queue(queryset: QuerySet, date_field: str, *, reference: str = "", name: str = "") -> Queue:
    count = queryset.count()
    if not count:
        return Queue()
    fields = ["pk", date_field, *(f for f in (reference, name) if f)]
    oldest = queryset.order_by(date_field, "pk").values(*fields).first() or {}
    return Queue(
        count=count,
        oldest_id=oldest.get("pk"),
        oldest_reference=str(oldest.get(reference) or "") if reference else "",
        oldest_name=str(oldest.get(name) or "") if name else "",
        oldest_at=oldest.get(date_field),
    )


def pending_applications(*, actor: User) -> Queue:
    """Applications from organisations to use LRS, waiting for the desk's decision."""
    _require_desk(actor)
    return _queue(
        organisation_application_list(actor=actor, status=ApplicationStatus.SUBMITTED),
        "submitted_at",
        reference="reference",
        name="name",
    )


def open_duplicate_pairs(*, actor: User) -> Queue:
    """Pairs of learners who may be one person, waiting for the desk's review."""
    _require_desk(actor)
    return _queue(duplicate_pairs(actor=actor, status=PairStatus.OPEN), "found_at")


def open_misuse_alerts(*, actor: User) -> Queue:
    """Accounts the misuse watch suspended, waiting for the desk's decision."""
    _require_desk(actor)
    return _queue(misuse_alerts(actor=actor), "created_at", name="user__username")


# --- Everything on one page --------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    at: dt.datetime
    misuse_alerts: Queue
    applications: Queue
    duplicates: Queue
    overdue: OverdueChallenges
    backlog: Backlog
    volumes: Volumes


def service_desk_dashboard(*, actor: User, now: dt.datetime | None = None) -> Dashboard:
    _require_desk(actor)
    now = now or timezone.now()
    return Dashboard(
        at=now,
        misuse_alerts=open_misuse_alerts(actor=actor),
        applications=pending_applications(actor=actor),
        duplicates=open_duplicate_pairs(actor=actor),
        overdue=overdue_challenges(actor=actor),
        backlog=backlog(actor=actor, now=now),
        volumes=daily_volumes(actor=actor, today=timezone.localdate(now)),
    )

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from traceback import format_exception
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from lrs.core.models import AllocatedUln, ScheduledRun, WorkerHeartbeat
from lrs.identifiers import uln as uln_rules

logger = logging.getLogger(__name__)

MAX_ALLOCATION = 100_000
# Rounds of redrawing ULNs that collided with issued ones before giving up.
_ULN_ROUNDS = 20


class UlnSpaceExhausted(RuntimeError):
    pass


def _insert_allocated(ulns: Sequence[str], *, allocated_at: Any, purpose: str) -> set[str]:
    """Record ``ulns`` as issued; returns those that were not already recorded."""
    quote = connection.ops.quote_name
    table = quote(AllocatedUln._meta.db_table)
    insert = f"INSERT INTO {table} ({quote('uln')}, {quote('allocated_at')}, {quote('purpose')})"
    returning = f"ON CONFLICT DO NOTHING RETURNING {quote('uln')}"
    inserted: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: a statement with tens of thousands of placeholders
            # costs more to compose than to run.
            cursor.execute(
                f"{insert} SELECT u, %s, %s FROM unnest(%s::varchar[]) AS u {returning}",  # noqa: S608
                [allocated_at, purpose, list(ulns)],
            )
            return {uln for (uln,) in cursor.fetchall()}
        stamp = connection.ops.adapt_datetimefield_value(allocated_at)
        # SQLite accepts 999 parameters per statement.
        per_statement = (connection.features.max_query_params or 999) // 3
        for start in range(0, len(ulns), per_statement):
            chunk = ulns[start : start + per_statement]
            cursor.execute(
                f"{insert} VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))} {returning}",
                [p for uln in chunk for p in (uln, stamp, purpose)],
            )
            inserted.update(uln for (uln,) in cursor.fetchall())
    return inserted


def ulns_issue(count: int, *, purpose: str, allocated_at: Any | None = None) -> list[str]:
    """``count`` new random valid ULNs, recorded in AllocatedUln, in a few statements.

    The one way ULNs are issued: a registration, a batch chunk's new learners, a bulk
    load and a bare allocation all come here. A drawn ULN that is already recorded is
    skipped by the insert (ON CONFLICT DO NOTHING) and another is drawn in its place, so
    a collision with an issued ULN, even one issued by a concurrent transaction, never
    fails the caller. Runs in the caller's transaction, which audits what it issued.
    """
    allocated_at = allocated_at or timezone.now()
    issued: list[str] = []
    taken: set[str] = set()
    for _ in range(_ULN_ROUNDS):
        wanted = count - len(issued)
        if not wanted:
            return issued
        drawn = [uln for uln in uln_rules.random_ulns(wanted) if uln not in taken]
        fresh = _insert_allocated(drawn, allocated_at=allocated_at, purpose=purpose)
        for uln in drawn:
            if uln in fresh:
                issued.append(uln)
                taken.add(uln)
    if len(issued) < count:
        raise UlnSpaceExhausted("Could not find unused ULNs; the register may be nearly full")
    return issued


# --- Running a job at most once an interval, across workers ----------------------------


@transaction.atomic(savepoint=False)
def scheduled_run_claim(name: str, *, every: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Claim this interval's run of ``name``: True for exactly one caller per interval.

    The claim is one conditional UPDATE, so two workers asking at once cannot both win:
    the database lets one update the row and, re-checking the condition for the other,
    finds it no longer holds.
    """
    now = now or timezone.now()
    ScheduledRun.objects.get_or_create(name=name)
    claimed = (
        ScheduledRun.objects.filter(name=name)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - every))
        .update(last_run_at=now)
    )
    return claimed == 1


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker stopped before recording its outcome."""


@transaction.atomic
def task_results_fail_orphaned(*, now: dt.datetime | None = None) -> int:
    """Mark failed every task result left RUNNING by a worker that is gone (killed, or
    stopped by a database error while recording the outcome). Run by every worker.

    A worker is gone when it has had no heartbeat for three heartbeat periods, as
    /healthz counts it; a result claimed more recently than that is left alone, since its
    worker may not have made its first heartbeat yet.

    Failed, not queued again: a task may have done its work before its worker died (an
    email sent), so running it again could do it twice. The tasks that matter resume by
    themselves: a batch or achievement file that stopped mid-way is queued again by
    LRS_WORKER_RECOVERY (and its rows are never done twice), a duplicate scan that stalls
    is failed by its own check. What is left is a visible failed task, never a silent one.
    """
    now = now or timezone.now()
    gone_since = now - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3)
    alive = set(
        WorkerHeartbeat.objects.filter(last_seen_at__gte=gone_since).values_list(
            "worker_id", flat=True
        )
    )
    running = DBTaskResult.objects.running().filter(started_at__lt=gone_since)
    failed = 0
    for result in running.only("id", "task_path", "worker_ids"):
        worker = result.worker_ids[-1] if result.worker_ids else ""
        if worker in alive:
            continue
        lost = WorkerLost(f"worker {worker or '(unknown)'} stopped while running this task")
        # Only while still RUNNING: a worker that was slow to beat, not gone, may have
        # recorded the outcome since.
        failed_now = DBTaskResult.objects.filter(
            pk=result.pk, status=TaskResultStatus.RUNNING
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback="".join(format_exception(lost)),
        )
        if failed_now:
            failed += 1
            logger.warning(
                "Task %s (%s) was left running by worker %s, which is gone: marked failed",
                result.id,
                result.task_path,
                worker or "(unknown)",
            )
    return failed

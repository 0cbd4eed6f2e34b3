"""Core services: the recovery of task results a dead worker left RUNNING."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lrs.core.models import WorkerHeartbeat
from lrs.core.services import task_results_fail_orphaned
from lrs.core.tasks import send_email


def _running(*, worker: str, started_minutes_ago: float) -> DBTaskResult:
    result = send_email.enqueue(to=["a@example.com"], subject="Hello", body="Body")
    DBTaskResult.objects.filter(id=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - timedelta(minutes=started_minutes_ago),
        worker_ids=[worker],
    )
    return DBTaskResult.objects.get(id=result.id)


def _heartbeat(worker: str, *, minutes_ago: float) -> None:
    seen = timezone.now() - timedelta(minutes=minutes_ago)
    WorkerHeartbeat.objects.create(
        worker_id=worker, hostname="h", pid=1, started_at=seen, last_seen_at=seen
    )


@pytest.mark.django_db
def test_a_result_left_running_by_a_worker_that_is_gone_is_marked_failed_and_logged(caplog):
    orphan = _running(worker="gone-1", started_minutes_ago=10)
    _heartbeat("gone-1", minutes_ago=9)  # its last beat, long before three periods ago

    with caplog.at_level(logging.WARNING, logger="lrs.core.services"):
        assert task_results_fail_orphaned() == 1

    stored = DBTaskResult.objects.get(id=orphan.id)
    assert stored.status == "FAILED"
    assert stored.finished_at is not None
    assert stored.exception_class_path == "lrs.core.services.WorkerLost"
    assert "worker gone-1 stopped while running this task" in stored.traceback
    assert str(orphan.id) in caplog.text
    assert "gone-1" in caplog.text
    # Done once: the next round finds nothing.
    assert task_results_fail_orphaned() == 0


@pytest.mark.django_db
def test_a_result_whose_worker_never_left_a_heartbeat_is_marked_failed():
    orphan = _running(worker="never-beat", started_minutes_ago=10)
    assert task_results_fail_orphaned() == 1
    assert DBTaskResult.objects.get(id=orphan.id).status == "FAILED"


@pytest.mark.django_db
def test_a_result_running_in_a_live_worker_is_left_alone_however_long_it_runs():
    long_batch = _running(worker="alive-1", started_minutes_ago=120)
    _heartbeat("alive-1", minutes_ago=0)
    assert task_results_fail_orphaned() == 0
    assert DBTaskResult.objects.get(id=long_batch.id).status == "RUNNING"


@pytest.mark.django_db
def test_a_result_claimed_a_moment_ago_is_left_alone_before_its_worker_first_beats():
    just_claimed = _running(worker="starting-1", started_minutes_ago=0)
    assert task_results_fail_orphaned() == 0
    assert DBTaskResult.objects.get(id=just_claimed.id).status == "RUNNING"


@pytest.mark.django_db
def test_only_the_worker_that_claimed_a_result_last_counts():
    # Claimed first by a live worker, then (django-tasks-db appends) by one that died.
    result = _running(worker="dead-2", started_minutes_ago=10)
    DBTaskResult.objects.filter(id=result.id).update(worker_ids=["alive-2", "dead-2"])
    _heartbeat("alive-2", minutes_ago=0)
    assert task_results_fail_orphaned() == 1


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_fails_the_results_a_dead_worker_left_running(mailoutbox):
    orphan = _running(worker="killed-3", started_minutes_ago=10)
    call_command("worker", batch=True, interval=0.1, verbosity=0)
    assert DBTaskResult.objects.get(id=orphan.id).status == "FAILED"
    # Failed, not run again: the email may have gone before its worker died.
    assert mailoutbox == []

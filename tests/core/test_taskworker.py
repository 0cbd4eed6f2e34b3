"""The worker outlives a database that is briefly locked or lost while it records a
task's outcome (lrs.core.taskworker), as `lrs worker` runs it."""

from __future__ import annotations

import logging

import psycopg
import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from lrs.core import taskworker
from lrs.core.tasks import send_email

# The worker commits as it goes and closes connections that failed: a real transaction.
worker_db = pytest.mark.django_db(transaction=True)


@task()
def fail_on_purpose() -> None:
    raise ValueError("failed on purpose")


def _lock_outcome_writes(monkeypatch, *, times: int, only=None):
    """DBTaskResult.save fails with SQLite's lock error when it records an outcome (of
    the result ``only``, or of any), ``times`` times; returns the failures counted."""
    save = DBTaskResult.save
    failures = []

    def locked_save(self, *args, **kwargs):
        recording = "finished_at" in (kwargs.get("update_fields") or ())
        this_one = only is None or str(self.id) == str(only)
        if recording and this_one and len(failures) < times:
            failures.append(self.id)
            raise OperationalError("database is locked")
        return save(self, *args, **kwargs)

    monkeypatch.setattr(DBTaskResult, "save", locked_save)
    # No waiting in tests: django-tasks-db's own three quick tries, then ours.
    monkeypatch.setattr("django_tasks_db.utils.time.sleep", lambda seconds: None)
    monkeypatch.setattr(taskworker, "RECORD_RETRY_DELAYS", (0.0, 0.0, 0.0, 0.0, 0.0))
    return failures


def _run_worker() -> None:
    call_command("worker", batch=True, interval=0.1, verbosity=0)


@worker_db
def test_a_success_that_cannot_be_recorded_at_first_is_recorded_on_retry_and_the_worker_goes_on(
    monkeypatch, mailoutbox
):
    first = send_email.enqueue(to=["a@example.com"], subject="First", body="Body")
    second = send_email.enqueue(to=["b@example.com"], subject="Second", body="Body")
    # More than django-tasks-db's own three tries, which end the worker.
    failures = _lock_outcome_writes(monkeypatch, times=5)

    _run_worker()

    assert len(failures) == 5
    assert DBTaskResult.objects.get(id=first.id).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(id=second.id).status == "SUCCESSFUL"
    # Recorded as the success it was, not as a failure to record it.
    assert DBTaskResult.objects.get(id=first.id).exception_class_path == ""
    assert sorted(m.subject for m in mailoutbox) == ["First", "Second"]


@worker_db
def test_a_failure_that_cannot_be_recorded_at_first_is_recorded_with_the_tasks_own_error(
    monkeypatch, mailoutbox
):
    failing = fail_on_purpose.enqueue()
    after = send_email.enqueue(to=["a@example.com"], subject="After", body="Body")
    _lock_outcome_writes(monkeypatch, times=5, only=failing.id)

    _run_worker()

    stored = DBTaskResult.objects.get(id=failing.id)
    assert stored.status == "FAILED"
    assert stored.exception_class_path == "builtins.ValueError"
    assert "failed on purpose" in stored.traceback
    assert DBTaskResult.objects.get(id=after.id).status == "SUCCESSFUL"


@worker_db
def test_an_outcome_that_cannot_be_recorded_at_all_is_logged_and_the_worker_takes_the_next_task(
    monkeypatch, mailoutbox, caplog
):
    stuck = send_email.enqueue(to=["a@example.com"], subject="Stuck", body="Body")
    after = send_email.enqueue(to=["b@example.com"], subject="After", body="Body")
    _lock_outcome_writes(monkeypatch, times=1000, only=stuck.id)

    with caplog.at_level(logging.WARNING, logger="lrs.core.taskworker"):
        _run_worker()

    # Left for the recovery of orphaned results (lrs.core.services) once this worker stops.
    assert DBTaskResult.objects.get(id=stuck.id).status == "RUNNING"
    assert DBTaskResult.objects.get(id=after.id).status == "SUCCESSFUL"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert str(stuck.id) in errors[0].getMessage()
    assert "after 6 attempts" in errors[0].getMessage()
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == len(taskworker.RECORD_RETRY_DELAYS)


def _postgres_error(sqlstate: str | None) -> OperationalError:
    """Django's OperationalError as it wraps psycopg's error of that SQLSTATE."""
    driver_error = (
        psycopg.errors.lookup(sqlstate)("server says no")
        if sqlstate
        else psycopg.OperationalError("server closed the connection unexpectedly")
    )
    error = OperationalError(*driver_error.args)
    error.__cause__ = driver_error
    return error


@pytest.mark.parametrize(
    ("error", "vendor", "transient"),
    [
        (OperationalError("database is locked"), "sqlite", True),
        (OperationalError("database table is locked"), "sqlite", True),
        (OperationalError("no such table: x"), "sqlite", False),
        (OperationalError("disk I/O error"), "sqlite", False),
        (InterfaceError("connection already closed"), "postgresql", True),
        (_postgres_error("08006"), "postgresql", True),  # connection failure
        (_postgres_error("40P01"), "postgresql", True),  # deadlock detected
        (_postgres_error("57P01"), "postgresql", True),  # administrator shutdown
        (_postgres_error("55P03"), "postgresql", True),  # lock not available
        (_postgres_error("53300"), "postgresql", True),  # too many connections
        (_postgres_error("42P01"), "postgresql", False),  # undefined table
        (_postgres_error("53100"), "postgresql", True),  # disk full: class 53 all the same
        (_postgres_error(None), "postgresql", True),  # the server went away mid-statement
        (ValueError("not a database error"), "postgresql", False),
    ],
)
def test_which_database_errors_are_worth_another_try(error, vendor, transient):
    assert taskworker.is_transient_database_error(error, vendor=vendor) is transient

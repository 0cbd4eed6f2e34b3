"""The audit log by month: partitions on PostgreSQL, archiving on both databases."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lrs.audit import partitions
from lrs.audit.models import AuditEntry, AuditLogIsAppendOnly
from lrs.audit.partitions import ArchiveError, Month, audit_archive, audit_partitions_ensure

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the audit log is partitioned on PostgreSQL only"
)


def _entry(at: dt.datetime, action: str = "learner.find") -> AuditEntry:
    return AuditEntry.objects.create(
        occurred_at=at, action=action, request_id="req-archive-test", channel="cli"
    )


def _months_ago(n: int) -> Month:
    month = Month.of(timezone.now().astimezone(dt.UTC))
    for _ in range(n):
        month = month.previous()
    return month


def _partition_of(entry: AuditEntry) -> str:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM audit_auditentry WHERE id = %s", [entry.pk]
        )
        return cur.fetchone()[0]


def _lines(path) -> list[dict]:
    with gzip.open(path, "rt") as archived:
        return [json.loads(line) for line in archived]


def test_archiving_writes_whole_old_months_to_files_and_removes_only_those(tmp_path):
    old, older, kept = _months_ago(5), _months_ago(4), _months_ago(2)
    if connection.vendor == "postgresql":
        # One month in its own partition (detached and dropped), one in the default one.
        with connection.cursor() as cursor:
            partitions.create_month_partition(cursor, older)
    first = _entry(old.start() + dt.timedelta(days=3, hours=4))
    second = _entry(old.start() + dt.timedelta(days=20))
    third = _entry(older.start() + dt.timedelta(minutes=1))
    last = _entry(kept.start() + dt.timedelta(days=1))

    out = StringIO()
    call_command("audit_archive", "--before", str(kept), "--dir", str(tmp_path), stdout=out)

    assert [r["id"] for r in _lines(tmp_path / f"audit-{old}.jsonl.gz")] == [first.pk, second.pk]
    (row,) = _lines(tmp_path / f"audit-{older}.jsonl.gz")
    assert row["id"] == third.pk
    assert row["action"] == "learner.find"
    assert row["occurred_at"] == third.occurred_at.astimezone(dt.UTC).isoformat()
    assert row["detail"] == {}
    assert set(AuditEntry.objects.filter(request_id="req-archive-test")) == {last}
    # The archiving is audited, with what each file holds.
    record = AuditEntry.objects.get(action="audit.archive", object_id=str(old))
    assert record.detail["rows"] == 2
    assert record.detail["file"] == f"audit-{old}.jsonl.gz"
    assert f"{old}: 2 entries" in out.getvalue()
    if connection.vendor == "postgresql":
        assert older not in partitions.month_partitions()


def test_the_current_month_cannot_be_archived(tmp_path):
    entry = _entry(timezone.now())
    future = Month.of(timezone.now().astimezone(dt.UTC)).next()
    with pytest.raises(CommandError, match="Only months before the current month"):
        call_command("audit_archive", "--before", str(future), "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("audit_archive", "--before", "2025-13", "--dir", str(tmp_path))
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_file_that_does_not_read_back_removes_nothing(tmp_path, monkeypatch):
    old = _months_ago(6)
    entry = _entry(old.start() + dt.timedelta(days=2))

    def corrupt(path, rows, sha256):
        raise ArchiveError(f"{path} does not read back as written: nothing was removed")

    monkeypatch.setattr(partitions, "_verify", corrupt)
    with pytest.raises(ArchiveError):
        audit_archive(before=old.next(), directory=tmp_path)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert not AuditEntry.objects.filter(action="audit.archive").exists()


def test_the_orm_still_refuses_to_delete_entries_after_partitioning():
    entry = _entry(timezone.now())
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_on_sqlite_the_log_stays_one_plain_table():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    assert not partitions.is_partitioned()
    assert audit_partitions_ensure() == []
    out = StringIO()
    call_command("audit_partitions", stdout=out)
    assert "nothing to make" in out.getvalue()


@postgresql_only
def test_entries_land_in_their_month_partition_and_the_next_months_exist():
    now = timezone.now()
    month = Month.of(now.astimezone(dt.UTC))
    assert partitions.is_partitioned()
    assert _partition_of(_entry(now)) == month.partition
    months = partitions.month_partitions()
    upcoming = month
    for _ in range(3):
        upcoming = upcoming.next()
        assert upcoming in months


@postgresql_only
def test_making_a_partition_takes_over_the_default_partitions_rows_for_its_month():
    far = Month.of(timezone.now().astimezone(dt.UTC))
    for _ in range(30):
        far = far.next()
    early = _entry(far.start() + dt.timedelta(days=2))
    assert _partition_of(early) == partitions.DEFAULT_PARTITION

    made = audit_partitions_ensure(months_ahead=31)

    assert far.partition in made
    assert _partition_of(early) == far.partition
    assert AuditEntry.objects.filter(pk=early.pk).exists()
    assert audit_partitions_ensure(months_ahead=31) == []


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_an_existing_log_keeping_every_row_and_id():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0003_action_day_index")])
    try:
        assert not partitions.is_partitioned()
        kept = [
            _entry(dt.datetime(2025, 9, 30, 23, 59, tzinfo=dt.UTC)),
            _entry(dt.datetime(2025, 10, 1, tzinfo=dt.UTC)),
            _entry(timezone.now()),
        ]
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("audit", "0004_partition_by_month")])

        assert partitions.is_partitioned()
        assert list(AuditEntry.objects.order_by("id")) == kept
        assert [_partition_of(e) for e in kept[:2]] == [
            "audit_auditentry_y2025m09",
            "audit_auditentry_y2025m10",
        ]
        # The ids go on from where they were.
        assert _entry(timezone.now()).pk > kept[-1].pk
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("audit"))


def test_workers_make_the_partitions_ahead_at_most_hourly(settings, monkeypatch):
    assert "lrs.audit.partitions.audit_partitions_ensure_if_due" in settings.LRS_WORKER_RECOVERY
    calls = []
    monkeypatch.setattr(partitions, "audit_partitions_ensure", lambda: calls.append(1))
    monkeypatch.setattr(partitions, "_last_ensured", 0.0)
    partitions.audit_partitions_ensure_if_due()
    partitions.audit_partitions_ensure_if_due()
    assert calls == [1]

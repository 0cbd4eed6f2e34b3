"""The audit log by month on PostgreSQL: partitions made ahead of time, old months archived.

Every find writes an audit entry: at national volume, hundreds of millions a year. On
PostgreSQL ``audit_auditentry`` is partitioned by range of ``occurred_at``, one partition a
calendar month (UTC) named ``audit_auditentry_yYYYYmMM``, plus a default partition that
catches any entry no month partition holds (so an insert never fails for want of one).
SQLite keeps one plain table: it serves a demo or a small deployment, not that volume.

:func:`audit_partitions_ensure` makes the current month's and the next months'
partitions, moving into a new partition any rows the default partition held for its
month; a worker calls it hourly (``LRS_WORKER_RECOVERY``) and ``lrs audit_partitions``
runs it by hand. :func:`audit_archive` writes whole months before a given month to
compressed JSON-lines files, reads each file back to verify it, and only then drops the
month's rows, all in one transaction per month (docs/operations.md: retention).

The ORM still refuses to change or delete an entry (lrs.audit.models): these functions
are the one way rows leave the log, as whole months, after they are safely archived.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from lrs.audit.models import AuditEntry
from lrs.audit.services import audit_record

TABLE = "audit_auditentry"
DEFAULT_PARTITION = f"{TABLE}_default"
_MONTH_NAME = re.compile(rf"^{TABLE}_y(\d{{4}})m(\d{{2}})$")


class ArchiveError(Exception):
    pass


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> Month:
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise ValueError(f"{text!r} is not a month: write it as YYYY-MM, such as 2025-09")
        return cls(int(found.group(1)), int(found.group(2)))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=dt.UTC)

    @property
    def partition(self) -> str:
        return f"{TABLE}_y{self.year:04d}m{self.month:02d}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def __lt__(self, other: Month) -> bool:
        return (self.year, self.month) < (other.year, other.month)

    def __le__(self, other: Month) -> bool:
        return (self.year, self.month) <= (other.year, other.month)


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [TABLE],
        )
        return cur.fetchone() is not None


def month_partitions() -> list[Month]:
    """The month partitions attached now, oldest first (PostgreSQL)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [name for (name,) in cur.fetchall()]
    months = []
    for name in names:
        found = _MONTH_NAME.match(name)
        if found:
            months.append(Month(int(found.group(1)), int(found.group(2))))
    return sorted(months, key=lambda m: (m.year, m.month))


def create_month_partition(cursor: Any, month: Month) -> None:
    """Make ``month``'s partition, taking over the default partition's rows for it.

    Attaching a range the default partition holds rows for would fail, so the rows move
    first, in the caller's transaction: the new table is filled, the rows leave the
    default, then the table is attached (PostgreSQL checks the range as it attaches).
    """
    name = month.partition
    low, high = month.start(), month.next().start()
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    cursor.execute(
        f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} "  # noqa: S608
        "WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved",
        [low, high],
    )
    # The range as a constraint first lets ATTACH skip scanning the new table.
    cursor.execute(
        f"ALTER TABLE {name} ADD CONSTRAINT {name}_range CHECK "
        "(occurred_at IS NOT NULL AND occurred_at >= %s AND occurred_at < %s)",
        [low, high],
    )
    cursor.execute(
        f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
        [low, high],
    )
    cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_range")


def audit_partitions_ensure(
    *, months_ahead: int | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Make the current month's partition and the next ``months_ahead`` months'; return
    the names made. Nothing on SQLite or on an unpartitioned table."""
    if not is_partitioned():
        return []
    ahead = settings.LRS_AUDIT_PARTITIONS_AHEAD if months_ahead is None else months_ahead
    month = Month.of((now or timezone.now()).astimezone(dt.UTC))
    have = set(month_partitions())
    made = []
    for _ in range(ahead + 1):
        if month not in have:
            with transaction.atomic(), connection.cursor() as cursor:
                # One maker at a time (two workers may both find the month missing).
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [TABLE])
                if month not in set(month_partitions()):
                    create_month_partition(cursor, month)
                    made.append(month.partition)
        month = month.next()
    return made


_last_ensured = 0.0


def audit_partitions_ensure_if_due() -> None:
    """For the worker's side jobs: at most hourly per process."""
    global _last_ensured
    if time.monotonic() - _last_ensured < 3600 and _last_ensured:
        return
    _last_ensured = time.monotonic()
    audit_partitions_ensure()


# --- Archiving ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedMonth:
    month: Month
    path: Path
    rows: int
    sha256: str


def _fields() -> list[str]:
    return [f.attname for f in AuditEntry._meta.concrete_fields]


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def _line(fields: list[str], row: tuple[Any, ...]) -> bytes:
    record = {f: _json_value(v) for f, v in zip(fields, row, strict=True)}
    return (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode()


def _write(path: Path, month: Month) -> tuple[int, str]:
    fields = _fields()
    digest = hashlib.sha256()
    count = 0
    partial = path.with_name(path.name + ".partial")
    rows = (
        AuditEntry.objects.using("default")
        .filter(occurred_at__gte=month.start(), occurred_at__lt=month.next().start())
        .order_by("id")
        .values_list(*fields)
        .iterator(chunk_size=5000)
    )
    with gzip.open(partial, "wb", compresslevel=6) as out:
        for row in rows:
            line = _line(fields, row)
            digest.update(line)
            out.write(line)
            count += 1
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, path)
    return count, digest.hexdigest()


def _verify(path: Path, rows: int, sha256: str) -> None:
    digest = hashlib.sha256()
    count = 0
    with gzip.open(path, "rb") as archived:
        for line in archived:
            json.loads(line)
            digest.update(line)
            count += 1
    if count != rows or digest.hexdigest() != sha256:
        raise ArchiveError(f"{path} does not read back as written: nothing was removed")


def _months_to_archive(before: Month) -> list[Month]:
    """Every month before ``before`` that holds entries or has a partition."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN(occurred_at) FROM {TABLE}")  # noqa: S608
        (oldest,) = cursor.fetchone()
    months: set[Month] = set()
    if oldest is not None:
        if isinstance(oldest, str):  # SQLite: UTC, without a zone
            oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
        month = Month.of(oldest.astimezone(dt.UTC))
        while month < before:
            months.add(month)
            month = month.next()
    if is_partitioned():
        months.update(m for m in month_partitions() if m < before)
    return sorted(months, key=lambda m: (m.year, m.month))


def audit_archive(
    *, before: Month, directory: Path, now: dt.datetime | None = None
) -> list[ArchivedMonth]:
    """Archive every whole month before ``before`` and remove it from the database.

    One month at a time, in one transaction: the month is locked against inserts, its
    rows written to ``audit-YYYY-MM.jsonl.gz`` in ``directory`` and read back; only if
    the file holds exactly the rows written are they removed (on PostgreSQL the month's
    partition is detached and dropped). Any failure leaves the month in the database.
    """
    current = Month.of((now or timezone.now()).astimezone(dt.UTC))
    if current < before:
        raise ArchiveError(
            f"Only months before the current month ({current}) can be archived, not up to {before}"
        )
    directory.mkdir(parents=True, exist_ok=True)
    partitioned = is_partitioned()
    done = []
    for month in _months_to_archive(before):
        path = directory / f"audit-{month}.jsonl.gz"
        with transaction.atomic(), connection.cursor() as cursor:
            has_partition = partitioned and month in set(month_partitions())
            if has_partition:
                # Reads go on; an insert into this month waits until the month is gone.
                cursor.execute(f"LOCK TABLE {month.partition} IN SHARE MODE")
            if partitioned:
                cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN SHARE ROW EXCLUSIVE MODE")
            rows, sha256 = _write(path, month)
            _verify(path, rows, sha256)
            low, high = (
                connection.ops.adapt_datetimefield_value(m.start()) for m in (month, month.next())
            )
            if has_partition:
                # Deferred foreign key checks still pending on the month's rows (inserted
                # in this transaction) would forbid dropping it: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {month.partition}")
                cursor.execute(f"DROP TABLE {month.partition}")
            target = DEFAULT_PARTITION if partitioned else TABLE
            # Entries of the month outside its partition (SQLite's one table, or the
            # default partition): removed by SQL, since the ORM refuses to delete them.
            cursor.execute(
                f"DELETE FROM {target} WHERE occurred_at >= %s AND occurred_at < %s",  # noqa: S608
                [low, high],
            )
            # The archiving is itself a change to the log, recorded in the same transaction.
            audit_record(
                action="audit.archive",
                object_type="audit_month",
                object_id=str(month),
                actor_label="lrs audit_archive",
                detail={"rows": rows, "file": path.name, "sha256": sha256},
            )
        done.append(ArchivedMonth(month, path, rows, sha256))
    return done

"""On PostgreSQL, turn the audit log into a table partitioned by month, keeping its rows.

The table is renamed aside, a partitioned table of the same name and columns made, one
partition for every month that has entries (and the next few), a default partition for
anything else, the rows copied across, the old table dropped, and the same indexes and
foreign keys made again under their old names (so later migrations find them). The
primary key becomes (id, occurred_at), since a unique key must include the partition
key; ids still come from one sequence, so each stays unique. All in the migration's
transaction: it either happens whole or not at all. SQLite keeps its plain table.

Going back makes one plain table again, the same way round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import migrations

TABLE = "audit_auditentry"
PLAIN = "audit_auditentry_plain"
SEQUENCE = "audit_auditentry_id_seq"


def _month_starts(first: dt.datetime, last: dt.datetime) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = year + month // 12, month % 12 + 1
    return months


def partition(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    from lrs.audit.partitions import DEFAULT_PARTITION, Month, audit_partitions_ensure

    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [TABLE],
        )
        if cur.fetchone():
            return
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        indexes, foreign_keys = _indexes_and_keys(cur)
        cur.execute(f"SELECT MIN(occurred_at), MAX(occurred_at), MAX(id) FROM {TABLE}")  # noqa: S608
        oldest, newest, top_id = cur.fetchone()
        cur.execute(
            "SELECT attidentity FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'id'",
            [TABLE],
        )
        (identity,) = cur.fetchone()

        cur.execute(f"ALTER TABLE {TABLE} RENAME TO {PLAIN}")
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for name, _ in foreign_keys:
            cur.execute(f"ALTER TABLE {PLAIN} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        cur.execute(f"ALTER TABLE {PLAIN} DROP CONSTRAINT IF EXISTS {TABLE}_pkey")
        if identity:
            cur.execute(f"ALTER TABLE {PLAIN} ALTER COLUMN id DROP IDENTITY")
        else:
            cur.execute(f"ALTER TABLE {PLAIN} ALTER COLUMN id DROP DEFAULT")
            cur.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")

        cur.execute(
            f"CREATE TABLE {TABLE} (LIKE {PLAIN} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
            "PARTITION BY RANGE (occurred_at)"
        )
        cur.execute(f"CREATE SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id")
        cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')")
        if top_id is not None:
            cur.execute("SELECT setval(%s, %s)", [SEQUENCE, top_id])
        cur.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)"
        )
        cur.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
        if oldest is not None:
            for year, month in _month_starts(oldest.astimezone(dt.UTC), newest.astimezone(dt.UTC)):
                m = Month(year, month)
                cur.execute(
                    f"CREATE TABLE {m.partition} PARTITION OF {TABLE} FOR VALUES FROM (%s) TO (%s)",
                    [m.start(), m.next().start()],
                )
        cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {PLAIN}")  # noqa: S608
        cur.execute(f"DROP TABLE {PLAIN}")
        # Made on the partitioned table, each index is made on every partition too.
        for _, definition in indexes:
            cur.execute(definition)
        for name, definition in foreign_keys:
            cur.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
    audit_partitions_ensure()


def _indexes_and_keys(cur: Any) -> tuple[list[Any], list[Any]]:
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE tablename = %s AND schemaname = current_schema() AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p')",
        [TABLE, TABLE],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    return indexes, cur.fetchall()


def unpartition(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [TABLE],
        )
        if not cur.fetchone():
            return
        cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        indexes, foreign_keys = _indexes_and_keys(cur)
        cur.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY NONE")
        cur.execute(f"CREATE TABLE {PLAIN} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cur.execute(f"INSERT INTO {PLAIN} SELECT * FROM {TABLE}")  # noqa: S608
        cur.execute(f"DROP TABLE {TABLE}")
        cur.execute(f"ALTER TABLE {PLAIN} RENAME TO {TABLE}")
        cur.execute(f"ALTER SEQUENCE {SEQUENCE} OWNED BY {TABLE}.id")
        cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)")
        for _, definition in indexes:
            cur.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in foreign_keys:
            cur.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {quote(name)} {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_action_day_index"),
    ]

    operations = [
        migrations.RunPython(partition, unpartition, elidable=False),
    ]

"""Generic SQL helpers for the few writes and reads where the ORM costs more than the work.

Framework plumbing, not any app's domain: a model and rows in, statements out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

# Values per IN list: well inside every backend's limit on parameters (SQLite builds may
# stop at 999).
IN_BATCH = 900


def array_literal(values: Iterable[str | int]) -> str:
    """``values`` as one PostgreSQL array literal (``{"A","B"}``), to pass as a single
    text parameter cast to an array (``= ANY(%s::varchar[])``).

    Django's psycopg cursors bind parameters on the client, where a Python list is quoted
    element by element in Python: for the thousands of keys of a batch chunk that cost a
    tenth of the chunk. One string is quoted once. Every element is double-quoted, with
    backslashes and double quotes escaped, so any text survives.
    """
    parts = []
    for value in values:
        text = str(value)
        if "\\" in text or '"' in text:
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'"{text}"')
    return "{" + ",".join(parts) + "}"


def insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (by attribute name) of ``model``: one ``executemany``, or on
    PostgreSQL one ``COPY``.

    Every concrete column but the primary key is written: a value missing from a row
    takes the field's default, as the ORM would, and dates, times and JSON are adapted
    for the database as the ORM adapts them. ``bulk_create`` does the same work through
    every field's preparation, at ten times the cost per row.
    """
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapters: list[Any] = []
    defaults: list[Any] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "JSONField":
            adapters.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        else:
            adapters.append(None)
        defaults.append(f.get_default() if f.has_default() else (None if f.null else ""))
    names = [f.attname for f in fields]
    params = []
    for row in rows:
        values = []
        for name, adapt, default in zip(names, adapters, defaults, strict=True):
            value = row.get(name, default)
            values.append(adapt(value) if adapt is not None and value is not None else value)
        params.append(values)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor, for COPY
            table = ops.quote_name(model._meta.db_table)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        cursor.executemany(
            f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({marks})",
            params,
        )

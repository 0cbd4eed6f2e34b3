"""Loading many learners at once: synthetic and demo registers, migrations from other systems.

This is not how learners join the register in normal use. ``learner_register`` runs a
find first and refuses a second ULN for someone already registered; the bulk loader does
neither. It trusts its input to be one record per person (a synthetic register, or a
register being migrated from another system that has already been de-duplicated) and
only makes sure that every row it writes is exactly what registration would have written:
the same validation and normalisation, the same blocking keys, stored normal forms and
``demographics_key``, a random valid ULN recorded in ``AllocatedUln``, version 1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.services import audit_record
from lrs.core import codes
from lrs.core.errors import FieldProblem, NotPermitted
from lrs.core.filejobs import sqlite_page_cache
from lrs.core.services import ulns_issue
from lrs.learners.models import Learner
from lrs.learners.scoring import register_counts_forget
from lrs.learners.services import LearnerError, learner_derived
from lrs.synthetic.people import SyntheticPerson
from lrs.users.models import User
from lrs.validation.learner import ALL_FIELDS, MANDATORY, Purpose, validate_learner

__all__ = ["BULK_LOAD_PURPOSE", "DEFAULT_BATCH_SIZE", "learners_bulk_load"]

DEFAULT_BATCH_SIZE = 10_000
# AllocatedUln.purpose of the ULNs a bulk load issues.
BULK_LOAD_PURPOSE = "bulk_load"
_FIELDS = frozenset(ALL_FIELDS)
_MANDATORY = MANDATORY[Purpose.REGISTER]
# SQLite page cache while loading (KiB): index inserts land all over the file.
_SQLITE_CACHE_KIB = 256 * 1024

BatchCallback = Callable[[int, Sequence[str]], None]


def _columns() -> list[tuple[str, str, Any]]:
    """(attribute, column, default) of every column an insert writes, in table order."""
    result = []
    for f in Learner._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.null:
            default = None
        elif f.has_default():
            default = f.get_default()
        else:
            default = ""
        result.append((f.attname, f.column, default))
    return result


def _clean(record: Mapping[str, Any], number: int) -> dict[str, Any]:
    """Validate one record as registration would; LearnerError names the record if not."""
    # Registration's rules, except the age limit: that governs issuing a ULN today, and a
    # migrated learner registered years ago may now be older than it allows.
    values, problems = validate_learner(
        {k: v for k, v in record.items() if k in _FIELDS}, purpose=Purpose.UPDATE
    )
    missing = [
        FieldProblem(f, "This field is mandatory") for f in _MANDATORY if values.get(f) is None
    ]
    found = [FieldProblem(p.field, p.rule) for p in problems] + missing
    if found:
        raise LearnerError(
            codes.INVALID_REQUEST,
            f"Record {number}: {found[0].field}: {found[0].rule}",
            status=422,
            problems=found,
        )
    return values


class _RowBuilder:
    """Turns validated records into insert rows with every derived column filled in."""

    def __init__(self, *, now: Any, organisation_id: int | None, for_copy: bool) -> None:
        self.columns = _columns()
        self.position = {attname: i for i, (attname, _, _) in enumerate(self.columns)}
        stamp = now if for_copy else connection.ops.adapt_datetimefield_value(now)
        template: list[Any] = [default for _, _, default in self.columns]
        template[self.position["created_at"]] = stamp
        template[self.position["updated_at"]] = stamp
        template[self.position["version_number"]] = 1
        template[self.position["created_by_organisation_id"]] = organisation_id
        self.template = template
        self.uln_position = self.position["uln"]

    def row(self, values: Mapping[str, Any]) -> list[Any]:
        row = list(self.template)
        position = self.position
        for name, value in values.items():
            if value is not None:
                row[position[name]] = value
        for column, derived in learner_derived(values).items():
            row[position[column]] = derived
        return row


def _column_list(builder: _RowBuilder) -> str:
    return ", ".join(connection.ops.quote_name(column) for _, column, _ in builder.columns)


def _load_batch_sqlite(
    builder: _RowBuilder, records: Iterator[Mapping[str, Any]], size: int, done: int, now: Any
) -> list[str]:
    """Insert up to ``size`` records; returns the ULNs issued, one per record inserted."""
    rows = [
        builder.row(_clean(record, done + offset + 1))
        for offset, record in enumerate(itertools.islice(records, size))
    ]
    if not rows:
        return []
    ulns = ulns_issue(len(rows), purpose=BULK_LOAD_PURPOSE, allocated_at=now)
    for row, uln in zip(rows, ulns, strict=True):
        row[builder.uln_position] = uln
    table = connection.ops.quote_name(Learner._meta.db_table)
    marks = ", ".join(["%s"] * len(builder.columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({_column_list(builder)}) VALUES ({marks})",  # noqa: S608
            rows,
        )
    return ulns


def _load_batch_copy(
    builder: _RowBuilder, records: Iterator[Mapping[str, Any]], size: int, done: int, now: Any
) -> list[str]:
    """As _load_batch_sqlite, with COPY. Rows are validated and built while the COPY is
    open, so the server indexes rows while Python prepares the next ones."""
    batch = list(itertools.islice(records, size))
    if not batch:
        return []
    ulns = ulns_issue(len(batch), purpose=BULK_LOAD_PURPOSE, allocated_at=now)
    table = connection.ops.quote_name(Learner._meta.db_table)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(f"COPY {table} ({_column_list(builder)}) FROM STDIN") as copy:
            for offset, (record, uln) in enumerate(zip(batch, ulns, strict=True)):
                row = builder.row(_clean(record, done + offset + 1))
                row[builder.uln_position] = uln
                copy.write_row(row)
    return ulns


@transaction.atomic
def learners_bulk_load(
    *,
    records: Iterable[Mapping[str, Any]],
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: User | None = None,
    source: str = "",
    on_batch: BatchCallback | None = None,
) -> int:
    """Insert many learners fast, for synthetic and demo data and for migrations.

    **Not for registering learners one by one**: there is no find before insert and no
    duplicate check, so the caller must supply one record per person. Each record is a
    mapping of learner fields as the register service takes them (``given_name``,
    ``family_name``, ``date_of_birth`` as a date or ``YYYY-MM-DD``, ``gender``,
    ``last_known_postcode``, ``verification_type``, ``ability_to_share`` and any optional
    fields); other keys are ignored. Records are validated and normalised like a
    registration (except for the age limit, which applies to issuing new ULNs) and get
    the same derived columns: blocking keys, stored normal forms, ``demographics_key``,
    normalised postcode, version 1, created and updated times (one time for the whole
    load). Each learner gets a random valid ULN recorded in ``AllocatedUln`` (purpose
    ``bulk_load``); no register history rows are written. The load writes one audit
    entry, ``learner.bulk_load``.

    ``records`` is consumed lazily, ``batch_size`` at a time, so a load of any size runs
    in bounded memory. SQLite inserts with ``executemany``, PostgreSQL with ``COPY``. The
    whole load is one transaction: an invalid record (``LearnerError`` naming it) or any
    other failure leaves the register unchanged. On SQLite that transaction holds the
    write lock until the load ends, so run big loads when nobody else is writing.

    ``on_batch(loaded_so_far, ulns)`` is called after each batch with the ULNs issued to
    that batch's records, in order. Returns the number of learners loaded.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if actor is not None and not actor.can(Capability.REGISTER_LEARNER):
        raise NotPermitted("Your role may not register learners")
    now = timezone.now()
    for_copy = connection.vendor == "postgresql"
    organisation_id = actor.organisation_id if actor is not None else None
    builder = _RowBuilder(now=now, organisation_id=organisation_id, for_copy=for_copy)
    load_batch = _load_batch_copy if for_copy else _load_batch_sqlite
    iterator = iter(records)
    loaded = 0
    # A large page cache while loading: index inserts land all over the file.
    with sqlite_page_cache(_SQLITE_CACHE_KIB):
        while ulns := load_batch(builder, iterator, batch_size, loaded, now):
            loaded += len(ulns)
            if on_batch is not None:
                on_batch(loaded, ulns)
            if len(ulns) < batch_size:
                break
        if for_copy and loaded:
            # Fresh planner statistics, so finds use the key indexes straight away.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(Learner._meta.db_table)}")
    audit_record(
        action="learner.bulk_load",
        actor=actor,
        object_type="learner",
        detail={"count": loaded, "batch_size": batch_size, "source": source},
    )
    # The register's size has jumped: no process may start from counts made before.
    register_counts_forget()
    return loaded


def synthetic_learner_record(person: SyntheticPerson) -> dict[str, Any]:
    """The register fields of a synthetic person, as the bulk loader takes them."""
    d = person.demographics
    return {
        "given_name": d.given_name,
        "family_name": d.family_name,
        "date_of_birth": d.date_of_birth,
        "gender": d.gender,
        "last_known_postcode": d.postcode,
        "previous_family_name": d.previous_family_name,
        "preferred_given_name": d.preferred_given_name,
        "middle_other_name": d.middle_names,
        "school_at_16": d.school_at_16,
        "place_of_birth": d.place_of_birth,
        "email_address": d.email,
        # Most learners are verified through their school; a few by passport or licence.
        "verification_type": "1" if person.person_id % 10 else str(2 + person.person_id % 3),
        "ability_to_share": "1" if person.person_id % 20 else "2",
    }

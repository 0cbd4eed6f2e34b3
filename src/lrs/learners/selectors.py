"""Reads of the learner register.

For the portal and the API, each is scoped by what the caller may do. At the end, the
reads other apps' services build on (a batch chunk's candidates, the learner a ULN speaks
for): they take no actor, because the service calling them has checked its caller.
Finding, registering and updating are services (lrs.learners.services); these only read,
and never audit: the find that led a person to a learner has been audited already.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.db import connection, connections, router

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.core.sql import IN_BATCH as _IN_BATCH
from lrs.core.sql import array_literal
from lrs.learners.models import (
    Learner,
    LearnerAccess,
    LearnerChange,
    LearnerRekey,
    LearnerStatus,
)
from lrs.matching import (
    FORM_VERSION,
    KEY_COLUMNS,
    Demographics,
    from_form,
    loose_key,
    stored_form,
    stored_keys,
)
from lrs.users.models import User

# What the matching engine compares of a learner (``learner_demographics``'s fields).
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "previous_family_name",
    "preferred_given_name",
    "middle_other_name",
    "school_at_16",
    "place_of_birth",
    "email_address",
)
# What a find reads of each candidate learner (and returns of the ones it matched).
FIND_RESULT_FIELDS = ("id", "uln", "status", "master_id", *PERSON_FIELDS)


def learner_demographics(values: Mapping[str, Any]) -> Demographics:
    """What the matching engine compares of a learner, from its fields (``PERSON_FIELDS``)."""
    return Demographics(
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=values["date_of_birth"],
        gender=values["gender"],
        postcode=values["last_known_postcode"],
        previous_family_name=values.get("previous_family_name") or None,
        preferred_given_name=values.get("preferred_given_name") or None,
        middle_names=values.get("middle_other_name") or None,
        school_at_16=values.get("school_at_16") or None,
        place_of_birth=values.get("place_of_birth") or None,
        email=values.get("email_address") or None,
    )


def _require_any(actor: User, *capabilities: Capability) -> None:
    if not any(actor.can(capability) for capability in capabilities):
        raise NotPermitted("Your role may not see learners' details")


def _visible(actor: User, uln: str) -> Learner:
    """A learner the actor's organisation has been shown (the service desk sees all).

    A ULN alone never opens a record: someone who only knows the number gets the same
    "not found" as for a number that does not exist.
    """
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None:
        raise NotFound("No learner has this ULN")
    if (
        not actor.can(Capability.MERGE_LEARNERS)
        and not LearnerAccess.objects.filter(
            organisation_id=actor.organisation_id, learner=learner
        ).exists()
    ):
        raise NotFound("No learner has this ULN")
    return learner


def learner_get(*, actor: User, uln: str) -> Learner:
    """The learner with ``uln``, for someone who may find learners."""
    _require_any(actor, Capability.FIND_LEARNER)
    return _visible(actor, uln)


def learner_get_for_update(*, actor: User, uln: str) -> Learner:
    """The learner with ``uln``, for someone who may update learners."""
    _require_any(actor, Capability.UPDATE_LEARNER)
    return _visible(actor, uln)


def learners_by_id(*, actor: User, ids: Iterable[int]) -> dict[int, Learner]:
    """The learners a find or a refused registration returned as candidates, by id.

    For someone who may find learners, or who is registering one and must check the
    candidates before saying theirs is a different person.
    """
    _require_any(actor, Capability.FIND_LEARNER, Capability.REGISTER_LEARNER)
    return {learner.pk: learner for learner in Learner.objects.filter(pk__in=list(ids))}


@cache
def _records_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in Learner._meta.concrete_fields)
    # Names come from the model; values are always parameters.
    table = quote(Learner._meta.db_table)
    return f"SELECT {columns} FROM {table} WHERE id IN ({{ids}}) OR master_id IN ({{ids}}) ORDER BY uln"  # noqa: S608, E501


def learners_with_linked(
    *, actor: User, ids: Iterable[int]
) -> dict[int, tuple[Learner, list[str]]]:
    """The learners a find returned, each with its linked ULNs in ULN order, in one query.

    For the SOAP full find, which answers every matched learner's whole record: written
    as one raw statement because the ORM's compiling of a forty-column query cost more
    than the query itself (about 0.5 ms of a find's few), and every find pays it.
    """
    _require_any(actor, Capability.FIND_LEARNER)
    wanted = sorted(set(ids))
    found: dict[int, tuple[Learner, list[str]]] = {}
    if not wanted:
        return found
    linked: dict[int, list[str]] = {i: [] for i in wanted}
    placeholders = ", ".join(["%s"] * len(wanted))
    # RawQuerySet, unlike a bare cursor, applies the backend's converters (SQLite's
    # timestamps, for one), so the learners are exactly what the ORM would give.
    rows = Learner.objects.raw(_records_sql().format(ids=placeholders), [*wanted, *wanted])
    for learner in rows:
        if learner.pk in linked:
            found[learner.pk] = (learner, linked[learner.pk])
        if learner.master_id in linked:
            linked[learner.master_id].append(learner.uln)
    return found


def learner_history(*, actor: User, learner: Learner) -> list[LearnerChange]:
    """Every change to ``learner``, newest first, with who made it."""
    _require_any(actor, Capability.FIND_LEARNER)
    return list(
        LearnerChange.objects.filter(learner=learner)
        .select_related("actor", "organisation")
        .order_by("-version_number")
    )


def learners_linked(*, actor: User, master: Learner) -> list[Learner]:
    """The learners merged into ``master``, to list on the master's record."""
    _require_any(actor, Capability.FIND_LEARNER)
    return list(Learner.objects.filter(master=master).order_by("uln"))


# --- Reads for other apps' services (no actor: the calling service has checked) -------


def learner_resolve_uln(uln: str) -> tuple[Learner | None, bool]:
    """The learner a ULN speaks for now, and whether a master was substituted."""
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None:
        return None, False
    if learner.master_id is not None and learner.master is not None:
        return learner.master, True
    return learner, False


def learner_resolve_ulns(ulns: Iterable[str]) -> dict[str, tuple[Learner | None, bool]]:
    """``learner_resolve_uln`` for many ULNs with one query: each ULN's answer, by ULN."""
    wanted = sorted(set(ulns))
    found: dict[str, Learner] = {}
    for start in range(0, len(wanted), _IN_BATCH):
        for learner in Learner.objects.select_related("master").filter(
            uln__in=wanted[start : start + _IN_BATCH]
        ):
            found[learner.uln] = learner
    answers: dict[str, tuple[Learner | None, bool]] = {}
    for uln in wanted:
        held = found.get(uln)
        if held is not None and held.master_id is not None and held.master is not None:
            answers[uln] = (held.master, True)
        else:
            answers[uln] = (held, False)
    return answers


# What ``learner_candidates`` returns of each learner: what a find scores (with the
# normal forms stored for it), and the key columns, so that a caller can share out the
# rows among many finds in memory.
CANDIDATE_FIELDS: tuple[str, ...] = (*FIND_RESULT_FIELDS, "match_form", *KEY_COLUMNS)


# Once a register is seen to be re-keyed it stays so; until then, look again this often.
_REKEY_RECHECK_SECONDS = 10.0
_rekey_checked: dict[str, float | bool] = {}


def learner_keys_settled() -> bool:
    """Whether every learner holds the current blocking keys and stored forms
    (``lrs learners rekey`` has finished for this version, or the register began empty).

    Asked by every find, so the answer is kept: for good once it is yes, a few seconds
    while it is no. Until then finds also look up the keys older rows still hold.
    """
    known = _rekey_checked.get(FORM_VERSION)
    if known is True:
        return True
    now = time.monotonic()
    if isinstance(known, float) and now - known < _REKEY_RECHECK_SECONDS:
        return False
    settled = LearnerRekey.objects.filter(version=FORM_VERSION, finished_at__isnull=False).exists()
    _rekey_checked[FORM_VERSION] = True if settled else now
    return settled


def learner_keys_settled_forget() -> None:
    """Ask the database again at the next find (after a re-key, and in tests)."""
    _rekey_checked.clear()


def _lookups(keys: Mapping[str, Iterable[str]], settled: bool) -> dict[str, list[str]]:
    """Each key column's values to look up: those asked for and, on a register not yet
    re-keyed, the looser values its older rows may hold for them."""
    wanted: dict[str, list[str]] = {}
    for column in KEY_COLUMNS:
        values = {v for v in keys.get(column, ()) if v}
        if not settled:
            values |= {loose_key(v) for v in values}
        if values:
            wanted[column] = sorted(values)
    return wanted


def _current(rows: list[dict[str, Any]], keys: Mapping[str, Iterable[str]]) -> None:
    """Bring rows not yet re-keyed up to date in memory, and keep only those whose keys
    hold a value asked for: the candidates a re-keyed register would have returned."""
    wanted = {column: set(keys.get(column, ())) for column in KEY_COLUMNS}
    kept = []
    for row in rows:
        form = row.get("match_form")
        if not form or not form.startswith(FORM_VERSION + "|"):
            person = from_form(learner_demographics(row), None)
            row.update(stored_keys(person))
            row["match_form"] = stored_form(person)
        if any(row[column] in wanted[column] for column in KEY_COLUMNS):
            kept.append(row)
    rows[:] = kept


# What a find reads of each candidate: what it scores and answers, the stored normal
# forms, and the key columns (to tell, on a register being re-keyed, which rows are truly
# candidates).
FIND_FIELDS = CANDIDATE_FIELDS


def learner_find_candidates(keys: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """The candidates of one find (its ``query_keys``), as dicts of ``FIND_FIELDS``, in
    ULN order: every learner who is not closed and shares a key value with the query.

    One raw statement: the ORM's building of the rows cost four times the fetch itself.
    It goes where the ORM would send a read of learners (the replica, when one is
    configured and this request may read it).
    """
    settled = learner_keys_settled()
    lookups = _lookups(keys, settled)
    if not lookups:
        return []
    db = connections[router.db_for_read(Learner)]
    quote = db.ops.quote_name
    table = quote(Learner._meta.db_table)
    columns = ", ".join(quote(f) for f in FIND_FIELDS)
    params: list[Any] = []
    conditions = []
    postgres = db.vendor == "postgresql"
    for column, values in lookups.items():
        if postgres:
            conditions.append(f"{quote(column)} = ANY(%s::varchar[])")
            params.append(array_literal(values))
        else:
            conditions.append(f"{quote(column)} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
    params.append(LearnerStatus.CLOSED.value)
    sql = (
        f"SELECT {columns} FROM {table} WHERE ({' OR '.join(conditions)}) "  # noqa: S608
        f"AND {quote('status')} <> %s ORDER BY {quote('uln')}"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [dict(zip(FIND_FIELDS, found, strict=True)) for found in cursor.fetchall()]
    if rows and isinstance(rows[0]["date_of_birth"], str):  # SQLite keeps dates as text
        for row in rows:
            row["date_of_birth"] = dt.date.fromisoformat(row["date_of_birth"])
    if not settled:
        _current(rows, keys)
    return rows


def learner_candidates(keys: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """Every learner who is not closed and whose key column holds one of the values given
    for that column, once each, as a dict of ``CANDIDATE_FIELDS``.

    Pass the ``query_keys`` of many finds merged column by column: the candidates of each
    find are then exactly the rows whose key columns hold one of its own query keys, the
    rows ``learner_match`` would have fetched for it, with a few queries for all of them.
    The ids come first from the key indexes alone, then each row once by its id. On a
    register being re-keyed, rows not yet re-keyed come back with the keys and forms
    they will have, so that sharing them out by key gives each find its true candidates.
    """
    settled = learner_keys_settled()
    lookups = _lookups(keys, settled)
    quote = connection.ops.quote_name
    table = quote(Learner._meta.db_table)
    columns = ", ".join(quote(f) for f in CANDIDATE_FIELDS)
    dob = CANDIDATE_FIELDS.index("date_of_birth")
    closed = LearnerStatus.CLOSED.value
    ids: set[int] = set()
    rows: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter per column: a statement with thousands of placeholders
            # costs more to compose and plan than to run; and each array goes as one
            # literal (array_literal), not a list psycopg would quote item by item.
            for column, values in lookups.items():
                cursor.execute(
                    f"SELECT {quote('id')} FROM {table} "  # noqa: S608
                    f"WHERE {quote(column)} = ANY(%s::varchar[])",
                    [array_literal(values)],
                )
                ids.update(ident for (ident,) in cursor.fetchall())
            if ids:
                cursor.execute(
                    f"SELECT {columns} FROM {table} "  # noqa: S608
                    f"WHERE {quote('id')} = ANY(%s::bigint[]) AND {quote('status')} <> %s",
                    [array_literal(sorted(ids)), closed],
                )
                rows = [dict(zip(CANDIDATE_FIELDS, row, strict=True)) for row in cursor]
        else:
            for column, values in lookups.items():
                for start in range(0, len(values), _IN_BATCH):
                    part = values[start : start + _IN_BATCH]
                    cursor.execute(
                        f"SELECT {quote('id')} FROM {table} "  # noqa: S608
                        f"WHERE {quote(column)} IN ({', '.join(['%s'] * len(part))})",
                        part,
                    )
                    ids.update(ident for (ident,) in cursor.fetchall())
            wanted = sorted(ids)
            for start in range(0, len(wanted), _IN_BATCH):
                some = wanted[start : start + _IN_BATCH]
                cursor.execute(
                    f"SELECT {columns} FROM {table} "  # noqa: S608
                    f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(some))}) "
                    f"AND {quote('status')} <> %s",
                    [*some, closed],
                )
                for found in cursor.fetchall():
                    row = dict(zip(CANDIDATE_FIELDS, found, strict=True))
                    if isinstance(found[dob], str):  # SQLite keeps dates as text
                        row["date_of_birth"] = dt.date.fromisoformat(found[dob])
                    rows.append(row)
    if not settled:
        _current(rows, keys)
    return rows


def learner_linked_ulns(*, learner: Learner) -> list[str]:
    """The ULNs merged into ``learner``, in ULN order (a record's LinkedULNs)."""
    return list(
        Learner.objects.filter(master_id=learner.pk).order_by("uln").values_list("uln", flat=True)
    )


def learner_with_uln(uln: str) -> Learner | None:
    """The learner holding ``uln`` itself (never its master), or None."""
    return Learner.objects.filter(uln=uln).first()

"""Reads of the learner register.

For the portal and the API, each is scoped by what the caller may do. At the end, the
reads other apps' services build on (a batch chunk's candidates, the learner a ULN speaks
for): they take no actor, because the service calling them has checked its caller.
Finding, registering and updating are services (lrs.learners.services); these only read,
and never audit: the find that led a person to a learner has been audited already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.db import connection

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.core.sql import IN_BATCH as _IN_BATCH
from lrs.learners.models import Learner, LearnerAccess, LearnerChange, LearnerStatus
from lrs.matching import KEY_COLUMNS
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


# What ``learner_candidates`` returns of each learner: what a find scores, and the key
# columns, so that a caller can share out the rows among many finds in memory.
CANDIDATE_FIELDS: tuple[str, ...] = (*FIND_RESULT_FIELDS, *KEY_COLUMNS)


def learner_candidates(keys: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """Every learner who is not closed and whose key column holds one of the values given
    for that column, once each, as a dict of ``CANDIDATE_FIELDS``.

    Pass the ``query_keys`` of many finds merged column by column: the candidates of each
    find are then exactly the rows whose key columns hold one of its own query keys, the
    rows ``learner_match`` would have fetched for it, with a few queries for all of them.
    The ids come first from the key indexes alone, then each row once by its id.
    """
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
            # costs more to compose and plan than to run.
            for column in KEY_COLUMNS:
                values = sorted({v for v in keys.get(column, ()) if v})
                if values:
                    cursor.execute(
                        f"SELECT {quote('id')} FROM {table} "  # noqa: S608
                        f"WHERE {quote(column)} = ANY(%s::varchar[])",
                        [values],
                    )
                    ids.update(ident for (ident,) in cursor.fetchall())
            if ids:
                cursor.execute(
                    f"SELECT {columns} FROM {table} "  # noqa: S608
                    f"WHERE {quote('id')} = ANY(%s::bigint[]) AND {quote('status')} <> %s",
                    [sorted(ids), closed],
                )
                rows = [dict(zip(CANDIDATE_FIELDS, row, strict=True)) for row in cursor]
            return rows
        for column in KEY_COLUMNS:
            values = sorted({v for v in keys.get(column, ()) if v})
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
    return rows


def learner_linked_ulns(*, learner: Learner) -> list[str]:
    """The ULNs merged into ``learner``, in ULN order (a record's LinkedULNs)."""
    return list(
        Learner.objects.filter(master_id=learner.pk).order_by("uln").values_list("uln", flat=True)
    )


def learner_with_uln(uln: str) -> Learner | None:
    """The learner holding ``uln`` itself (never its master), or None."""
    return Learner.objects.filter(uln=uln).first()

"""Reads of the learner register for the portal, each scoped by what the caller may do.

Finding, registering and updating are services (lrs.learners.services); these only read,
and never audit: the find that led a person to a learner has been audited already.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db import connection

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.learners.models import Learner, LearnerAccess, LearnerChange
from lrs.users.models import User


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

"""Publishing editions of the lists: on request by the service desk, and by the service
itself. Every worker calls ``list_editions_publish_if_due`` with each heartbeat; at most
once every CHECK_EVERY one of them looks whether an edition is due:

* the learning providers list on the first Tuesday of each month (UK time), or the
  first check after it, unless an edition has been published since that Tuesday began;
* the awarding organisations list whenever what it would list differs from its latest
  edition.

Two workers can never publish two editions for the same month, nor two editions with one
number: the unique constraints on ListEdition refuse the second, and it gives up.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, NotPermitted
from lrs.core.services import scheduled_run_claim
from lrs.publications.lists import diff, fingerprint
from lrs.publications.models import EditionReason, ListEdition, ListKind
from lrs.publications.selectors import list_entries_now

if TYPE_CHECKING:
    from lrs.users.models import User

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "published_lists"
CHECK_EVERY = dt.timedelta(minutes=5)
TUESDAY = 1  # date.weekday()


def first_tuesday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(TUESDAY - first.weekday()) % 7)


def monthly_edition_due_on(*, now: dt.datetime) -> dt.date | None:
    """This month's first Tuesday (UK time) once it has come; None before it."""
    today = timezone.localdate(now)
    tuesday = first_tuesday(today.year, today.month)
    return tuesday if today >= tuesday else None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@transaction.atomic
def _publish(
    *,
    kind: ListKind,
    actor: User | None,
    now: dt.datetime,
    reason: EditionReason,
    due_on: dt.date | None = None,
    only_if_changed: bool = False,
    unless_published_since: dt.datetime | None = None,
) -> ListEdition | None:
    """Publish the next edition of ``kind``; None if another publisher got there first.

    The service's own editions are conditional: with ``only_if_changed``, only if the
    list differs from its latest edition; with ``unless_published_since``, only if no
    edition has been published since then. Neither publishes an empty first edition.
    The conditions are checked again here, inside the transaction, because a worker that
    looked before another published must not publish the same edition a second time.
    """
    automatic = only_if_changed or unless_published_since is not None
    latest = ListEdition.objects.filter(kind=kind).order_by("-number").first()
    if (
        unless_published_since is not None
        and latest is not None
        and latest.published_at >= unless_published_since
    ):
        return None
    rows = list_entries_now(kind=kind)
    if automatic and latest is None and not rows:
        return None
    if only_if_changed and latest is not None and latest.fingerprint == fingerprint(rows):
        return None
    changes = diff(latest.entries, rows) if latest is not None else {}
    number = latest.number + 1 if latest is not None else 1
    try:
        # A savepoint: a publisher that loses the race leaves the transaction usable.
        with transaction.atomic():
            edition = ListEdition.objects.create(
                kind=kind,
                number=number,
                published_at=now,
                published_by=actor,
                reason=reason,
                due_on=due_on,
                entries=rows,
                changes=changes,
                fingerprint=fingerprint(rows),
                entry_count=len(rows),
                added_count=len(changes.get("added", ())),
                removed_count=len(changes.get("removed", ())),
                changed_count=len(changes.get("changed", ())),
            )
    except IntegrityError:
        return None
    audit_record(
        action="list.publish",
        actor=actor,
        object_type="list_edition",
        object_id=f"{kind}/{number}",
        detail={
            "kind": kind.value,
            "number": number,
            "reason": reason.value,
            "entries": edition.entry_count,
            "added": edition.added_count,
            "removed": edition.removed_count,
            "changed": edition.changed_count,
        },
    )
    return edition


@transaction.atomic
def list_edition_publish(
    *, actor: User | None, kind: ListKind | str, now: dt.datetime | None = None
) -> ListEdition:
    """Publish an edition of the list of ``kind`` now, whether or not it has changed.

    ``actor`` None is the operator's console (`lrs lists publish`), trusted by access to
    the server itself; a user needs Capability.PUBLISH_LISTS (the service desk).
    """
    if actor is not None and not actor.can(Capability.PUBLISH_LISTS):
        raise NotPermitted("Only the LRS service desk publishes the lists")
    kind = ListKind(kind)
    edition = _publish(
        kind=kind, actor=actor, now=now or timezone.now(), reason=EditionReason.REQUESTED
    )
    if edition is None:
        raise Conflict(
            "edition_published_meanwhile",
            f"Another edition of the {kind.label.lower()} list was published at the same "
            "moment. Look at its editions before publishing again.",
        )
    return edition


def _has_changed(kind: ListKind) -> bool:
    """Whether the list differs from its latest edition (no edition: an empty list).

    Compares fingerprints, so the editions' entries are never loaded.
    """
    published = (
        ListEdition.objects.filter(kind=kind)
        .order_by("-number")
        .values_list("fingerprint", flat=True)
        .first()
    )
    return fingerprint(list_entries_now(kind=kind)) != (published or fingerprint([]))


def list_editions_publish_due(*, now: dt.datetime | None = None) -> list[ListEdition]:
    """Publish every edition that is due now (see the module's docstring)."""
    now = now or timezone.now()
    published: list[ListEdition] = []
    due_on = monthly_edition_due_on(now=now)
    kind = ListKind.LEARNING_PROVIDERS
    if (
        due_on is not None
        and not ListEdition.objects.filter(kind=kind, published_at__gte=_start_of(due_on)).exists()
    ):
        edition = _publish(
            kind=kind,
            actor=None,
            now=now,
            reason=EditionReason.MONTHLY,
            due_on=due_on,
            unless_published_since=_start_of(due_on),
        )
        if edition is not None:
            published.append(edition)
    kind = ListKind.AWARDING_ORGANISATIONS
    if _has_changed(kind):
        edition = _publish(
            kind=kind, actor=None, now=now, reason=EditionReason.CHANGED, only_if_changed=True
        )
        if edition is not None:
            published.append(edition)
    for edition in published:
        logger.info("Published edition %s of the %s list", edition.number, edition.kind)
    return published


def list_editions_publish_if_due(*, now: dt.datetime | None = None) -> list[ListEdition] | None:
    """``list_editions_publish_due`` if no worker has looked in the last CHECK_EVERY.

    None when it was not this call's turn. Called by every worker with each heartbeat.
    """
    if not scheduled_run_claim(SCHEDULE_NAME, every=CHECK_EVERY, now=now):
        return None
    return list_editions_publish_due(now=now)


def list_editions_publish_first() -> list[ListEdition]:
    """Publish a first edition of each list that has none (for `lrs demo`); idempotent."""
    published = []
    for kind in ListKind:
        if ListEdition.objects.filter(kind=kind).exists():
            continue
        edition = _publish(
            kind=kind, actor=None, now=timezone.now(), reason=EditionReason.REQUESTED
        )
        if edition is not None:
            published.append(edition)
    return published

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from lrs.audit.models import AuditEntry, Outcome
from lrs.core import context

if TYPE_CHECKING:
    from lrs.organisations.models import Organisation
    from lrs.users.models import User


def audit_record(
    *,
    action: str,
    actor: User | None = None,
    organisation: Organisation | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEntry:
    """Append an audit entry. Call it inside the transaction of the change it records.

    ``organisation`` defaults to the actor's; the request id, address and channel come
    from the current call context. ``actor_label`` names an actor who is not a user (a
    learner signed in with One Login is "learner:<id>", never a name or ULN).
    """
    if organisation is None and actor is not None:
        organisation = actor.organisation
    ctx = context.current()
    with transaction.atomic():
        return AuditEntry.objects.create(
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=actor.username if actor is not None else actor_label[:150],
            organisation=organisation,
            organisation_ukprn=organisation.ukprn if organisation is not None else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            outcome=outcome,
            detail=detail or {},
            request_id=ctx.request_id,
            ip_address=ctx.ip_address,
            channel=ctx.channel,
        )

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from lrs.access import Actor, Capability
from lrs.audit.models import AuditEntry
from lrs.core.errors import NotPermitted


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    ukprn: str = ""
    action: str = ""
    object_id: str = ""
    request_id: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_search(*, user: Actor, filters: AuditFilter) -> QuerySet[AuditEntry]:
    """Search the whole log: only users who may search the audit log see it."""
    if not user.can(Capability.SEARCH_AUDIT):
        raise NotPermitted("Only the service desk can search the audit log")
    entries = AuditEntry.objects.all()
    if filters.username:
        entries = entries.filter(actor_username__iexact=filters.username.strip())
    if filters.ukprn:
        entries = entries.filter(organisation_ukprn=filters.ukprn.strip())
    if filters.action:
        entries = entries.filter(action__startswith=filters.action.strip())
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id.strip())
    if filters.request_id:
        entries = entries.filter(request_id=filters.request_id.strip())
    if filters.outcome:
        entries = entries.filter(outcome=filters.outcome)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        entries = entries.filter(
            occurred_at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz)
        )
    if filters.date_to:
        entries = entries.filter(
            occurred_at__lte=datetime.combine(filters.date_to, time.max, tzinfo=tz)
        )
    return entries.order_by("-occurred_at", "-id")

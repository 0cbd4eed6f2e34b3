"""Reading support requests, always scoped to what the reader may see.

The service desk sees every request. In an organisation, a super user sees all of its
requests (they look after its accounts and may pick up a colleague's request); any other
user sees the requests they raised themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet

from lrs.access import OrganisationType, Role
from lrs.core.errors import NotFound
from lrs.support.lifecycle import ACTIVE, Status
from lrs.support.models import SupportAttachment, SupportRequest
from lrs.users.models import User


def support_requests_visible(*, actor: User) -> QuerySet[SupportRequest]:
    requests = SupportRequest.objects.select_related("raised_by", "organisation", "assigned_to")
    if not actor.capabilities():
        return requests.none()
    if actor.in_service_desk():
        return requests
    requests = requests.filter(organisation_id=actor.organisation_id)
    if actor.role == Role.SUPER_USER:
        return requests
    return requests.filter(raised_by=actor)


@dataclass(frozen=True)
class SupportFilter:
    status: str = ""  # a Status, "active" (any not finished), or "" for all
    category: str = ""
    assigned: str = ""  # "me", "unassigned" or ""


def support_request_list(
    *, actor: User, filters: SupportFilter | None = None
) -> QuerySet[SupportRequest]:
    filters = filters or SupportFilter()
    requests = support_requests_visible(actor=actor)
    if filters.status == "active":
        requests = requests.filter(status__in=[s.value for s in ACTIVE])
    elif filters.status:
        requests = requests.filter(status=filters.status)
    if filters.category:
        requests = requests.filter(category=filters.category)
    if filters.assigned == "me":
        requests = requests.filter(assigned_to=actor)
    elif filters.assigned == "unassigned":
        requests = requests.filter(assigned_to__isnull=True)
    return requests.order_by("-created_at", "-id")


def support_request_get(*, actor: User, reference: str) -> SupportRequest:
    found = support_requests_visible(actor=actor).filter(reference=reference).first()
    if found is None:
        raise NotFound("There is no such support request")
    return found


def support_attachment_get(
    *, actor: User, support_request: SupportRequest, attachment_id: int
) -> SupportAttachment:
    # support_request came through support_request_get, so the reader may see it.
    support_request_get(actor=actor, reference=support_request.reference)
    found = support_request.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound("There is no such attachment")
    return found


def support_status_counts(*, actor: User) -> dict[str, int]:
    counts = dict.fromkeys([s.value for s in Status], 0)
    for row in support_requests_visible(actor=actor).values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class DeskSummary:
    active: int
    unassigned: int
    waiting_on_desk: int
    oldest_at: datetime | None
    oldest_reference: str


def support_desk_summary(*, actor: User) -> DeskSummary:
    """For the service desk dashboard: what is still to do."""
    active = support_requests_visible(actor=actor).filter(status__in=[s.value for s in ACTIVE])
    to_do = active.exclude(status=Status.WAITING)
    oldest = to_do.aggregate(at=Min("created_at"))["at"]
    first = to_do.order_by("created_at", "id").first()
    return DeskSummary(
        active=active.count(),
        unassigned=active.filter(assigned_to__isnull=True).count(),
        waiting_on_desk=to_do.count(),
        oldest_at=oldest,
        oldest_reference=first.reference if first else "",
    )


def service_desk_users() -> QuerySet[User]:
    return User.objects.filter(
        organisation__type=OrganisationType.SERVICE_DESK, is_active=True
    ).order_by("first_name", "last_name", "username")

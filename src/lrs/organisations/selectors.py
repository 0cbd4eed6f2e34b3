"""Reads about organisations and their applications. Everything here but
``organisation_get_by_ukprn`` (used by the console) is for the LRS service desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from lrs.access import Capability, OrganisationStatus, Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import NotFound, NotPermitted
from lrs.organisations.models import ApplicationStatus, Organisation, OrganisationApplication
from lrs.organisations.services import organisation_status_actions
from lrs.users.models import User


def organisation_get_by_ukprn(*, ukprn: str) -> Organisation:
    try:
        return Organisation.objects.get(ukprn=ukprn.strip())
    except Organisation.DoesNotExist:
        raise NotFound(f"No organisation has UKPRN {ukprn}") from None


def _require_desk(actor: User) -> None:
    if not actor.can(Capability.APPROVE_ORGANISATIONS):
        raise NotPermitted("Only the LRS service desk manages organisations")


# --- Applications -----------------------------------------------------------------------


def organisation_application_list(
    *, actor: User, status: str = "", search: str = ""
) -> QuerySet[OrganisationApplication]:
    """Applications, those waiting for a decision first (oldest first, as a queue), then
    the decided ones (most recently decided first).

    ``search`` matches the reference or UKPRN exactly, or part of the organisation's name.
    """
    _require_desk(actor)
    applications = OrganisationApplication.objects.select_related(
        "organisation", "decided_by", "super_user"
    )
    if status:
        applications = applications.filter(status=status)
    search = search.strip()
    if search:
        applications = applications.filter(
            Q(reference__iexact=search) | Q(ukprn=search) | Q(name__icontains=search)
        )
    return applications.annotate(
        waiting=Case(
            When(status=ApplicationStatus.SUBMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("waiting", F("decided_at").desc(nulls_last=True), "submitted_at", "id")


def organisation_application_get(*, actor: User, reference: str) -> OrganisationApplication:
    _require_desk(actor)
    application = (
        OrganisationApplication.objects.select_related(
            "organisation", "decided_by", "super_user", "super_user__organisation"
        )
        .filter(reference=reference.strip().upper())
        .first()
    )
    if application is None:
        raise NotFound(f"No application has the reference {reference}")
    return application


def organisation_applications_waiting(*, actor: User) -> int:
    """How many applications wait for a decision (for the service desk's dashboard)."""
    _require_desk(actor)
    return OrganisationApplication.objects.filter(status=ApplicationStatus.SUBMITTED).count()


# --- Organisations ----------------------------------------------------------------------


def organisation_list(
    *, actor: User, search: str = "", type: str = "", status: str = ""
) -> QuerySet[Organisation]:
    """Organisations by name, each with ``users_count``; ``search`` matches part of the
    name or the UKPRN exactly."""
    _require_desk(actor)
    organisations = Organisation.objects.annotate(users_count=Count("users"))
    search = search.strip()
    if search:
        organisations = organisations.filter(Q(name__icontains=search) | Q(ukprn=search))
    if type:
        organisations = organisations.filter(type=type)
    if status:
        organisations = organisations.filter(status=status)
    return organisations.order_by("name", "ukprn")


@dataclass(frozen=True)
class HistoryItem:
    """One thing that happened to an organisation, from the audit log."""

    at: datetime
    event: str
    by: str
    reason: str


_STATUS_EVENTS = {
    OrganisationStatus.ACTIVE: "Reinstated",
    OrganisationStatus.SUSPENDED: "Suspended",
    OrganisationStatus.CLOSED: "Closed",
    OrganisationStatus.APPLYING: "Set to applying",
}


def _history_item(entry: AuditEntry) -> HistoryItem:
    detail = entry.detail or {}
    by = entry.actor_username or "LRS (console)"
    if entry.action == "organisation.create":
        status = detail.get("status", "")
        return HistoryItem(entry.occurred_at, f"Created ({status})", by, "")
    if entry.action == "organisation_application.approve":
        return HistoryItem(
            entry.occurred_at,
            f"Application {entry.object_id} approved; first super user "
            f"{detail.get('super_user', '')}",
            by,
            "",
        )
    if entry.action == "organisation.change_status":
        try:
            event = _STATUS_EVENTS[OrganisationStatus(detail.get("to", ""))]
        except ValueError:
            event = f"Status changed to {detail.get('to', '')}"
        return HistoryItem(entry.occurred_at, event, by, str(detail.get("reason", "")))
    return HistoryItem(entry.occurred_at, entry.action, by, "")


@dataclass(frozen=True)
class OrganisationDetail:
    organisation: Organisation
    users_count: int
    active_users_count: int
    super_users: list[User]
    # Super users who have not chosen a password yet: the service desk may send a new link.
    awaiting_password: list[User]
    application: OrganisationApplication | None
    history: list[HistoryItem]
    status_actions: list[str]


def organisation_detail(*, actor: User, ukprn: str) -> OrganisationDetail:
    _require_desk(actor)
    organisation = Organisation.objects.filter(ukprn=ukprn.strip()).first()
    if organisation is None:
        raise NotFound(f"No organisation has UKPRN {ukprn}")
    counts = User.objects.filter(organisation=organisation).aggregate(
        total=Count("id"), active=Count("id", filter=Q(is_active=True))
    )
    super_users = list(
        User.objects.filter(organisation=organisation, role=Role.SUPER_USER).order_by("username")
    )
    application = (
        OrganisationApplication.objects.filter(organisation=organisation)
        .select_related("decided_by")
        .first()
    )
    about = Q(object_type="organisation", object_id=organisation.ukprn)
    if application is not None:
        about |= Q(
            object_type="organisation_application",
            object_id=application.reference,
            action="organisation_application.approve",
        )
    entries = AuditEntry.objects.filter(about).order_by("-occurred_at", "-id")
    return OrganisationDetail(
        organisation=organisation,
        users_count=counts["total"],
        active_users_count=counts["active"],
        super_users=super_users,
        # A link is no use while the organisation cannot sign in.
        awaiting_password=[
            user
            for user in super_users
            if organisation.is_active and user.is_active and not user.has_usable_password()
        ],
        application=application,
        history=[_history_item(entry) for entry in entries],
        status_actions=organisation_status_actions(actor=actor, organisation=organisation),
    )


def organisation_user_get(*, actor: User, organisation: Organisation, user_id: int) -> User:
    """One user of an organisation, for the service desk's actions on it."""
    _require_desk(actor)
    user = (
        User.objects.select_related("organisation")
        .filter(organisation=organisation, pk=user_id)
        .first()
    )
    if user is None:
        raise NotFound("No such user in this organisation")
    return user


def organisation_get(*, actor: User, ukprn: str) -> Organisation:
    _require_desk(actor)
    return organisation_get_by_ukprn(ukprn=ukprn)

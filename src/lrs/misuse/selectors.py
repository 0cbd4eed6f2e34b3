"""Reads for the misuse watch: a organisation's usage, and the service desk's queue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import AuditEntry
from lrs.core.errors import NotFound, NotPermitted
from lrs.misuse.models import AlertStatus, MisuseAlert
from lrs.misuse.services import COUNTED_ACTIONS, day_bounds
from lrs.users.models import User

SEARCH_ACTIONS = ("learner.find", "learner.lookup")
PLR_ACTIONS = ("plr.view",)
# At this share of the daily limit, a user is shown as near it.
NEAR_SHARE = 0.8


def usage_level(total: int, limit: int) -> str:
    """ "over", "near" or "" for a day's total against the daily limit."""
    if total > limit:
        return "over"
    if total >= limit * NEAR_SHARE:
        return "near"
    return ""


@dataclass
class DayUsage:
    day: dt.date
    searches: int = 0
    plr_views: int = 0

    @property
    def total(self) -> int:
        return self.searches + self.plr_views


@dataclass
class UserUsage:
    user: User
    limit: int
    days: list[DayUsage] = field(default_factory=list)

    @property
    def today(self) -> DayUsage:
        return self.days[0]

    @property
    def busiest(self) -> DayUsage:
        return max(self.days, key=lambda d: (d.total, d.day))

    @property
    def level(self) -> str:
        return usage_level(self.busiest.total, self.limit)

    @property
    def active_days(self) -> list[DayUsage]:
        return [d for d in self.days if d.total]


@dataclass(frozen=True)
class UsageReport:
    limit: int
    days: list[dt.date]
    users: list[UserUsage]


def organisation_usage(*, actor: User, days: int = 14, today: dt.date | None = None) -> UsageReport:
    """Each of the actor's organisation's users' searches and PLR views per day, for the
    last ``days`` days (today first). For the organisation's super users."""
    if not actor.can(Capability.MANAGE_USERS):
        raise NotPermitted("Only a super user can see their organisation's usage")
    limit = settings.LRS_MISUSE_DAILY_LIMIT
    today = today or timezone.localdate()
    wanted = [today - dt.timedelta(days=n) for n in range(days)]
    start, _ = day_bounds(wanted[-1])
    _, end = day_bounds(today)
    users = list(User.objects.filter(organisation_id=actor.organisation_id).order_by("username"))
    counts: dict[tuple[int, dt.date, str], int] = {}
    rows = (
        AuditEntry.objects.filter(
            actor__in=users,
            occurred_at__gte=start,
            occurred_at__lt=end,
            action__in=COUNTED_ACTIONS,
        )
        .order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("actor_id", "day", "action")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[(row["actor_id"], row["day"], row["action"])] = row["n"]
    report = []
    for user in users:
        usage = UserUsage(user=user, limit=limit)
        for day in wanted:
            usage.days.append(
                DayUsage(
                    day=day,
                    searches=sum(counts.get((user.pk, day, a), 0) for a in SEARCH_ACTIONS),
                    plr_views=sum(counts.get((user.pk, day, a), 0) for a in PLR_ACTIONS),
                )
            )
        report.append(usage)
    return UsageReport(limit=limit, days=wanted, users=report)


# --- The service desk's queue -------------------------------------------------------------


def _require_desk(actor: User) -> None:
    if not actor.can(Capability.SEARCH_AUDIT):
        raise NotPermitted("Only the service desk sees suspended accounts")


def misuse_alerts(*, actor: User, status: str | None = AlertStatus.OPEN) -> QuerySet[MisuseAlert]:
    """Alerts, oldest first when waiting for a decision, else newest first."""
    _require_desk(actor)
    alerts = MisuseAlert.objects.select_related("user", "organisation", "decided_by")
    if status is None:
        return alerts.order_by("-created_at", "-id")
    alerts = alerts.filter(status=status)
    if status == AlertStatus.OPEN:
        return alerts.order_by("created_at", "id")
    return alerts.order_by("-decided_at", "-id")


def misuse_alert_get(*, actor: User, alert_id: int) -> MisuseAlert:
    _require_desk(actor)
    alert = (
        MisuseAlert.objects.select_related("user", "organisation", "decided_by")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound("No such alert")
    return alert


@dataclass(frozen=True)
class HourActivity:
    hour: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00 to {self.hour:02d}:59"


def misuse_alert_activity(*, actor: User, alert: MisuseAlert) -> list[HourActivity]:
    """What the user did on the alert's day: counted actions by hour (UK time)."""
    _require_desk(actor)
    start, end = day_bounds(alert.day)
    rows = (
        AuditEntry.objects.filter(
            actor_id=alert.user_id,
            occurred_at__gte=start,
            occurred_at__lt=end,
            action__in=COUNTED_ACTIONS,
        )
        .order_by()
        .annotate(hour=ExtractHour("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("hour", "action")
        .annotate(n=Count("id"))
    )
    by_hour: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_hour[row["hour"]][row["action"]] = row["n"]
    return [
        HourActivity(hour=hour, counts={a: by_hour[hour].get(a, 0) for a in COUNTED_ACTIONS})
        for hour in sorted(by_hour)
    ]

"""Reads for the misuse watch: an organisation's usage, and the service desk's queue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import AuditEntry, Outcome
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


# Before the alert's day, this many days are shown, so the desk can tell a sudden burst
# from an account that is always busy.
HISTORY_DAYS = 7


def misuse_alert_history(
    *, actor: User, alert: MisuseAlert, days: int = HISTORY_DAYS
) -> list[DayUsage]:
    """The user's searches and PLR views on each of the ``days`` days before the alert's
    day, the latest first."""
    _require_desk(actor)
    wanted = [alert.day - dt.timedelta(days=n) for n in range(1, days + 1)]
    start, _ = day_bounds(wanted[-1])
    end, _ = day_bounds(alert.day)
    rows = (
        AuditEntry.objects.filter(
            actor_id=alert.user_id,
            occurred_at__gte=start,
            occurred_at__lt=end,
            action__in=COUNTED_ACTIONS,
        )
        .order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "action")
        .annotate(n=Count("id"))
    )
    counts = {(row["day"], row["action"]): row["n"] for row in rows}
    return [
        DayUsage(
            day=day,
            searches=sum(counts.get((day, a), 0) for a in SEARCH_ACTIONS),
            plr_views=sum(counts.get((day, a), 0) for a in PLR_ACTIONS),
        )
        for day in wanted
    ]


@dataclass(frozen=True)
class ActivityBreakdown:
    """The alert day's counted actions by outcome and by channel (portal or API)."""

    by_outcome: dict[str, int]
    by_channel: dict[str, int]

    @property
    def refused(self) -> int:
        return self.by_outcome.get(Outcome.REFUSED, 0)


def misuse_alert_breakdown(*, actor: User, alert: MisuseAlert) -> ActivityBreakdown:
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
        .values("outcome", "channel")
        .annotate(n=Count("id"))
    )
    by_outcome: dict[str, int] = defaultdict(int)
    by_channel: dict[str, int] = defaultdict(int)
    for row in rows:
        by_outcome[row["outcome"]] += row["n"]
        by_channel[row["channel"]] += row["n"]
    return ActivityBreakdown(by_outcome=dict(by_outcome), by_channel=dict(by_channel))


@dataclass(frozen=True)
class ActivityEntry:
    """One counted action, as the review page shows it: when, what, and how it ended.

    Deliberately without the entry's object or detail beyond its response code: the
    reviewer judges the pattern of use, and the audit log search holds the rest for
    anyone who needs a particular entry.
    """

    occurred_at: dt.datetime
    action: str
    outcome: str
    response_code: str
    channel: str


def misuse_alert_entries(*, actor: User, alert: MisuseAlert) -> QuerySet[AuditEntry]:
    """The user's counted audit entries on the alert's day, the latest first (paginate
    it, and show each through ``activity_entry``)."""
    _require_desk(actor)
    start, end = day_bounds(alert.day)
    return (
        AuditEntry.objects.filter(
            actor_id=alert.user_id,
            occurred_at__gte=start,
            occurred_at__lt=end,
            action__in=COUNTED_ACTIONS,
        )
        .only("occurred_at", "action", "outcome", "detail", "channel")
        .order_by("-occurred_at", "-id")
    )


def activity_entry(entry: AuditEntry) -> ActivityEntry:
    detail = entry.detail if isinstance(entry.detail, dict) else {}
    code = detail.get("response_code")
    return ActivityEntry(
        occurred_at=entry.occurred_at,
        action=entry.action,
        outcome=entry.outcome,
        response_code=code if isinstance(code, str) else "",
        channel=entry.channel,
    )

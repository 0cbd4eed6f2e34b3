"""The misuse watch: suspend accounts that search or view PLRs too much, and let the
service desk decide what happens to them.

After a 2020 misuse incident the real service added checks that suspend accounts with
excessive usage automatically. Here every worker calls ``misuse_check_if_due`` with each
heartbeat; one of them, at most every LRS_MISUSE_CHECK_SECONDS, counts each user's
searches and PLR views today from the audit log and suspends anyone over
LRS_MISUSE_DAILY_LIMIT.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from lrs.access import Capability, OrganisationStatus, OrganisationType
from lrs.audit.models import AuditEntry
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotPermitted, ValidationFailed
from lrs.core.services import scheduled_run_claim
from lrs.core.tasks import send_email
from lrs.misuse.models import AlertStatus, MisuseAlert
from lrs.users.models import ApiToken, User

logger = logging.getLogger(__name__)

# The audit actions that count towards the daily limit: searches of the register (by
# demographics or by ULN) and PLR views, whatever their outcome (refusals count: a
# person trying ULNs one after another is refused most of the time).
COUNTED_ACTIONS = ("learner.find", "learner.lookup", "plr.view")
MISUSE_CHECK = "misuse_check"


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The start and end of ``day`` in the service's time zone (UK time)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def usage_counts_over(
    *, day: dt.date, limit: int, until: dt.datetime | None = None
) -> dict[int, int]:
    """Each user's count of counted actions on ``day``, for those over ``limit``."""
    start, end = day_bounds(day)
    if until is not None:
        end = min(end, until + dt.timedelta(microseconds=1))
    rows = (
        AuditEntry.objects.filter(
            occurred_at__gte=start,
            occurred_at__lt=end,
            action__in=COUNTED_ACTIONS,
            actor__isnull=False,
        )
        .order_by()
        .values("actor_id")
        .annotate(n=Count("id"))
        .filter(n__gt=limit)
    )
    return {row["actor_id"]: row["n"] for row in rows}


def _service_desk_emails() -> list[str]:
    emails = (
        User.objects.filter(
            is_active=True,
            organisation__type=OrganisationType.SERVICE_DESK,
            organisation__status=OrganisationStatus.ACTIVE,
        )
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    return list(emails)


def _email_service_desk(alert: MisuseAlert, user: User, tokens_revoked: int) -> None:
    # Only the account and the numbers: never anything about the learners searched for.
    organisation = user.organisation
    subject = f"LRS: account {user.username} suspended for excessive use"
    body = (
        f"The LRS misuse watch has suspended the account {user.username} of "
        f"{organisation.name} (UKPRN {organisation.ukprn}).\n\n"
        f"Searches and PLR views on {alert.day:%d %B %Y}: {alert.count:,}\n"
        f"Daily limit: {alert.limit:,}\n"
        f"API tokens revoked: {tokens_revoked}\n\n"
        "Sign in to LRS and open Suspended accounts to look at the activity, then "
        "reinstate the account or keep it suspended.\n\n"
        f"-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"
    )
    for email in _service_desk_emails():
        send_email.enqueue(to=[email], subject=subject, body=body, kind="misuse_suspension")


def _suspend(
    user_id: int, *, day: dt.date, count: int, limit: int, now: dt.datetime
) -> MisuseAlert | None:
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None:
            return None
        try:
            with transaction.atomic():
                alert = MisuseAlert.objects.create(
                    user=user,
                    organisation_id=user.organisation_id,
                    day=day,
                    count=count,
                    limit=limit,
                    created_at=now,
                )
        except IntegrityError:
            return None  # Already alerted today (and perhaps reinstated): never twice.
        # Unlike a super user's deactivation (users.services.user_deactivate), this does
        # not refuse to suspend an organisation's last active super user: an account that
        # may be harvesting learners' data must stop at once, whoever it is. The service
        # desk can reinstate it, and can make another super user if it stays suspended.
        user.is_active = False
        user.deactivated_at = now
        user.save(update_fields=["is_active", "deactivated_at"])
        tokens_revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=now
        )
        audit_record(
            action="misuse.suspend",
            actor=None,
            organisation=user.organisation,
            object_type="user",
            object_id=user.username,
            detail={
                "count": count,
                "limit": limit,
                "day": day.isoformat(),
                "alert": alert.pk,
                "tokens_revoked": tokens_revoked,
            },
        )
        _email_service_desk(alert, user, tokens_revoked)
    logger.warning(
        "Misuse watch suspended user %s: %s searches and PLR views on %s (limit %s)",
        user.username,
        count,
        day,
        limit,
    )
    return alert


def misuse_check(*, now: dt.datetime | None = None) -> list[MisuseAlert]:
    """Suspend every active user whose searches and PLR views today exceed the limit.

    Idempotent: a user is alerted at most once a day, so a user the service desk has
    reinstated is not suspended again for the same day.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    limit = settings.LRS_MISUSE_DAILY_LIMIT
    over = usage_counts_over(day=day, limit=limit, until=now)
    if not over:
        return []
    alerted = set(
        MisuseAlert.objects.filter(day=day, user_id__in=over).values_list("user_id", flat=True)
    )
    active = set(User.objects.filter(pk__in=over, is_active=True).values_list("pk", flat=True))
    alerts = []
    for user_id in sorted(active - alerted):
        alert = _suspend(user_id, day=day, count=over[user_id], limit=limit, now=now)
        if alert is not None:
            alerts.append(alert)
    return alerts


def misuse_check_if_due(*, now: dt.datetime | None = None) -> list[MisuseAlert] | None:
    """Run misuse_check if no worker has in the last LRS_MISUSE_CHECK_SECONDS.

    None when it was not due. Called by every worker with each heartbeat.
    """
    every = dt.timedelta(seconds=settings.LRS_MISUSE_CHECK_SECONDS)
    if not scheduled_run_claim(MISUSE_CHECK, every=every, now=now):
        return None
    return misuse_check(now=now)


# --- The service desk's decision -------------------------------------------------------


class Decision:
    REINSTATE = "reinstate"
    KEEP = "keep"


@transaction.atomic
def misuse_alert_decide(
    *, actor: User, alert: MisuseAlert, decision: str, reason: str
) -> MisuseAlert:
    """Reinstate the suspended account, or keep it suspended; with the reason, audited."""
    if not actor.can(Capability.SEARCH_AUDIT):
        raise NotPermitted("Only the service desk decides about suspended accounts")
    problems = []
    if decision not in (Decision.REINSTATE, Decision.KEEP):
        problems.append(FieldProblem("decision", "Select reinstate or keep suspended"))
    reason = (reason or "").strip()
    if not reason:
        problems.append(FieldProblem("reason", "Enter the reason for your decision"))
    elif len(reason) > 1000:
        problems.append(FieldProblem("reason", "The reason must be 1,000 characters or fewer"))
    if problems:
        raise ValidationFailed(problems)
    alert = MisuseAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise Conflict("already_decided", "Someone has already decided about this account")
    user = User.objects.select_for_update().get(pk=alert.user_id)
    now = timezone.now()
    if decision == Decision.REINSTATE:
        alert.status = AlertStatus.REINSTATED
        if not user.is_active:
            # As with any reactivation, the revoked API tokens stay revoked.
            user.is_active = True
            user.deactivated_at = None
            user.save(update_fields=["is_active", "deactivated_at"])
    else:
        alert.status = AlertStatus.KEPT_SUSPENDED
    alert.decided_by = actor
    alert.decided_at = now
    alert.reason = reason
    alert.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit_record(
        action="misuse.reinstate" if decision == Decision.REINSTATE else "misuse.keep_suspended",
        actor=actor,
        object_type="user",
        object_id=user.username,
        detail={"alert": alert.pk, "day": alert.day.isoformat(), "reason": reason},
    )
    return alert

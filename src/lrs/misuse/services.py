"""The misuse watch: suspend accounts that search or view PLRs too much, and let the
service desk decide what happens to them.

After a 2020 misuse incident the real service added checks that suspend accounts with
excessive usage automatically. Here every worker calls ``misuse_check_if_due`` with each
heartbeat; one of them, at most every LRS_MISUSE_CHECK_SECONDS, counts each user's
searches and PLR views today from the audit log and suspends anyone over
LRS_MISUSE_DAILY_LIMIT.

Walking through ULNs (enumeration) is watched as it happens: verify, retrieve and
look-up call ``misuse_count_ulns`` in their own transaction, which counts the distinct
ULNs each user and each organisation touched today and how many were unknown or invalid,
and suspends at once when either goes over its LRS_ENUMERATION_* setting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from lrs.access import Capability, OrganisationStatus, OrganisationType
from lrs.audit.models import AuditEntry
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotPermitted, ValidationFailed
from lrs.core.services import scheduled_run_claim
from lrs.core.tasks import send_email
from lrs.misuse.models import (
    AlertKind,
    AlertStatus,
    MisuseAlert,
    UlnKind,
    UlnTouch,
    UlnUsage,
)
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
    if alert.kind == AlertKind.ENUMERATION:
        whose = "by the whole organisation" if alert.whole_organisation else "by this account"
        numbers = (
            f"Distinct ULNs verified, retrieved or looked up {whose} on "
            f"{alert.day:%d %B %Y}: {alert.count:,} ({alert.unknown:,} unknown or invalid)\n"
            f"Daily limit: {alert.limit:,} distinct ULNs\n"
        )
    else:
        numbers = (
            f"Searches and PLR views on {alert.day:%d %B %Y}: {alert.count:,}\n"
            f"Daily limit: {alert.limit:,}\n"
        )
    body = (
        f"The LRS misuse watch has suspended the account {user.username} of "
        f"{organisation.name} (UKPRN {organisation.ukprn}).\n\n"
        f"{numbers}"
        f"API tokens revoked: {tokens_revoked}\n\n"
        "Sign in to LRS and open Suspended accounts to look at the activity, then "
        "reinstate the account or keep it suspended.\n\n"
        f"-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"
    )
    for email in _service_desk_emails():
        send_email.enqueue(to=[email], subject=subject, body=body, kind="misuse_suspension")


def _suspend(
    user_id: int,
    *,
    day: dt.date,
    count: int,
    limit: int,
    now: dt.datetime,
    kind: str = AlertKind.VOLUME,
    unknown: int = 0,
    whole_organisation: bool = False,
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
                    kind=kind,
                    unknown=unknown,
                    whole_organisation=whole_organisation,
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
                "kind": kind,
                "count": count,
                "unknown": unknown,
                "whole_organisation": whole_organisation,
                "limit": limit,
                "day": day.isoformat(),
                "alert": alert.pk,
                "tokens_revoked": tokens_revoked,
            },
        )
        _email_service_desk(alert, user, tokens_revoked)
    logger.warning(
        "Misuse watch suspended user %s (%s): %s on %s (limit %s)",
        user.username,
        kind,
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
    # The enumeration watch needs only today's ULNs (and yesterday's, for a check that
    # runs just after midnight); older ones are forgotten.
    with transaction.atomic():
        UlnTouch.objects.filter(day__lt=day - dt.timedelta(days=1)).delete()
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


# --- Walking through ULNs ----------------------------------------------------------------

_IN_BATCH = 500


@cache
def _digest_key() -> bytes:
    return hashlib.blake2b(
        settings.SECRET_KEY.encode(), digest_size=32, person=b"lrs-uln-watch"
    ).digest()


def uln_digest(uln: str) -> str:
    """A keyed digest of a ULN (or whatever was sent as one): tells ULNs apart without
    keeping them."""
    return hashlib.blake2b(uln[:64].encode(), key=_digest_key(), digest_size=8).hexdigest()


def _count_new(
    organisation_id: int, user_key: int, day: dt.date, kinds: dict[str, str]
) -> tuple[int, int]:
    """Record the ULNs not yet touched today in this scope; (new ones, new unknown)."""
    digests = sorted(kinds)
    seen: set[str] = set()
    scope = {"organisation_id": organisation_id, "user_key": user_key, "day": day}
    for start in range(0, len(digests), _IN_BATCH):
        seen.update(
            UlnTouch.objects.filter(
                **scope, digest__in=digests[start : start + _IN_BATCH]
            ).values_list("digest", flat=True)
        )
    new = [d for d in digests if d not in seen]
    if not new:
        return 0, 0
    UlnTouch.objects.bulk_create(
        [UlnTouch(**scope, digest=d) for d in new], ignore_conflicts=True, batch_size=_IN_BATCH
    )
    return len(new), sum(1 for d in new if kinds[d] != UlnKind.KNOWN)


def _usage_add(
    organisation_id: int, user_key: int, day: dt.date, new: int, unknown: int
) -> tuple[int, int]:
    rows = UlnUsage.objects.filter(organisation_id=organisation_id, user_key=user_key, day=day)
    if not rows.update(
        distinct_ulns=F("distinct_ulns") + new, unknown_ulns=F("unknown_ulns") + unknown
    ):
        UlnUsage.objects.bulk_create(
            [UlnUsage(organisation_id=organisation_id, user_key=user_key, day=day)],
            ignore_conflicts=True,
        )
        rows.update(
            distinct_ulns=F("distinct_ulns") + new, unknown_ulns=F("unknown_ulns") + unknown
        )
    distinct, unknown_total = rows.values_list("distinct_ulns", "unknown_ulns").get()
    return distinct, unknown_total


def enumerating(distinct: int, unknown: int, *, limit: int) -> bool:
    """Whether a day's distinct ULNs (``unknown`` of them unknown or invalid) look like
    someone walking through numbers: too many, or enough with too many unknown."""
    if distinct > limit:
        return True
    return (
        distinct >= settings.LRS_ENUMERATION_MIN_ULNS
        and unknown >= distinct * settings.LRS_ENUMERATION_UNKNOWN_SHARE
    )


@transaction.atomic(savepoint=False)
def misuse_count_ulns(
    *, actor: User, touched: Iterable[tuple[str, str]], now: dt.datetime | None = None
) -> list[MisuseAlert]:
    """Count the ULNs ``actor`` just touched (each with its UlnKind) for the user and the
    organisation today, and suspend at once when either is enumerating. Call inside the
    transaction of the service that touched them; returns the alerts raised."""
    if actor.can(Capability.SEARCH_AUDIT):
        return []  # The service desk sees every learner already.
    kinds: dict[str, str] = {}
    for uln, kind in touched:
        kinds.setdefault(uln_digest(uln), kind)
    if not kinds:
        return []
    now = now or timezone.now()
    day = timezone.localdate(now)
    organisation_id = actor.organisation_id
    alerts: list[MisuseAlert] = []
    new, unknown = _count_new(organisation_id, actor.pk, day, kinds)
    if new:
        distinct, unknown_total = _usage_add(organisation_id, actor.pk, day, new, unknown)
        limit = settings.LRS_ENUMERATION_USER_DAILY_ULNS
        if enumerating(distinct, unknown_total, limit=limit):
            alert = _suspend(
                actor.pk,
                day=day,
                count=distinct,
                limit=limit,
                now=now,
                kind=AlertKind.ENUMERATION,
                unknown=unknown_total,
            )
            alerts.extend([alert] if alert is not None else [])
    new, unknown = _count_new(organisation_id, 0, day, kinds)
    if new:
        distinct, unknown_total = _usage_add(organisation_id, 0, day, new, unknown)
        limit = settings.LRS_ENUMERATION_ORGANISATION_DAILY_ULNS
        if enumerating(distinct, unknown_total, limit=limit):
            # Spread over several accounts: stop every one that touched ULNs today.
            users = UlnUsage.objects.filter(
                organisation_id=organisation_id, day=day, user_key__gt=0
            ).values_list("user_key", flat=True)
            for user_id in sorted(users):
                alert = _suspend(
                    user_id,
                    day=day,
                    count=distinct,
                    limit=limit,
                    now=now,
                    kind=AlertKind.ENUMERATION,
                    unknown=unknown_total,
                    whole_organisation=True,
                )
                alerts.extend([alert] if alert is not None else [])
    return alerts


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

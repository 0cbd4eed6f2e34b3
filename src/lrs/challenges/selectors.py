"""Reads of challenges, scoped to the parties (and the service desk)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from lrs.access import Capability
from lrs.challenges.lifecycle import OPEN, Status
from lrs.challenges.models import Challenge, ChallengeEvidence
from lrs.challenges.services import party_of
from lrs.core.errors import NotFound, NotPermitted
from lrs.users.models import User


@dataclass(frozen=True)
class ChallengeFilter:
    status: str = ""
    type: str = ""
    owner_ukprn: str = ""
    overdue: bool = False
    # The learner's ULN, and the days the challenges were raised between (inclusive).
    uln: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None


def challenge_list(*, actor: User, filters: ChallengeFilter | None = None) -> QuerySet[Challenge]:
    """Challenges the actor's organisation raised or owns; every one for the service desk."""
    filters = filters or ChallengeFilter()
    found = Challenge.objects.select_related(
        "owner_organisation", "raising_organisation", "event", "learner"
    )
    if actor.can(Capability.MEDIATE_CHALLENGES):
        pass
    elif actor.can(Capability.RAISE_CHALLENGE) or actor.can(Capability.RESOLVE_CHALLENGE):
        found = found.filter(
            Q(raising_organisation_id=actor.organisation_id)
            | Q(owner_organisation_id=actor.organisation_id)
        )
    else:
        raise NotPermitted("Your role does not deal with event data challenges")
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.type:
        found = found.filter(type=filters.type)
    if filters.owner_ukprn:
        found = found.filter(owner_organisation__ukprn=filters.owner_ukprn)
    if filters.overdue:
        today = timezone.localdate()
        found = found.filter(
            Q(status=Status.SUBMITTED, acknowledge_due__lt=today)
            | Q(status__in=[Status.ACKNOWLEDGED, Status.ESCALATED], resolve_due__lt=today)
        )
    if filters.uln is not None:
        found = found.filter(learner__uln=filters.uln)
    if filters.created_from:
        found = found.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        found = found.filter(created_at__date__lte=filters.created_to)
    return found.order_by("-created_at", "-id")


def challenge_get(*, actor: User, reference: str) -> Challenge:
    challenge = (
        Challenge.objects.select_related(
            "owner_organisation",
            "raising_organisation",
            "event",
            "second_event",
            "learner",
            "raised_by",
        )
        .filter(reference=reference.strip().upper())
        .first()
    )
    if challenge is None or party_of(actor, challenge) is None:
        raise NotFound("No such challenge")
    return challenge


def evidence_get(*, actor: User, challenge: Challenge, evidence_id: int) -> ChallengeEvidence:
    """Evidence is only ever served to the parties to its challenge."""
    if party_of(actor, challenge) is None:
        raise NotFound("No such evidence")
    try:
        return challenge.evidence.get(pk=evidence_id)
    except ChallengeEvidence.DoesNotExist:
        raise NotFound("No such evidence") from None


@dataclass(frozen=True)
class OwnerReport:
    owner: str
    ukprn: str
    open: int
    resolved: int
    overdue: int
    median_days_to_resolve: float | None


@dataclass
class _Tally:
    owner: str
    ukprn: str
    open: int = 0
    resolved: int = 0
    overdue: int = 0
    days: list[float] = field(default_factory=list)


def challenge_report(*, actor: User) -> list[OwnerReport]:
    """Open and resolved challenges per owner, with median days to resolve."""
    if not actor.can(Capability.MEDIATE_CHALLENGES):
        raise NotPermitted("Only the service desk sees the challenge reports")
    today = timezone.localdate()
    tallies: dict[int, _Tally] = {}
    for c in Challenge.objects.select_related("owner_organisation"):
        tally = tallies.setdefault(
            c.owner_organisation_id,
            _Tally(c.owner_organisation.name, c.owner_organisation.ukprn),
        )
        if c.status in OPEN:
            tally.open += 1
            due = c.acknowledge_due if c.status == Status.SUBMITTED else c.resolve_due
            tally.overdue += due < today
        elif c.status == Status.RESOLVED and c.resolved_at:
            tally.resolved += 1
            tally.days.append((c.resolved_at - c.created_at) / dt.timedelta(days=1))
    return [
        OwnerReport(
            owner=t.owner,
            ukprn=t.ukprn,
            open=t.open,
            resolved=t.resolved,
            overdue=t.overdue,
            median_days_to_resolve=round(statistics.median(t.days), 1) if t.days else None,
        )
        for t in sorted(tallies.values(), key=lambda t: t.owner)
    ]

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lrs.audit.services import audit_record
from lrs.core.models import AllocatedUln, ScheduledRun
from lrs.identifiers import uln as uln_rules

if TYPE_CHECKING:
    from lrs.users.models import User

MAX_ALLOCATION = 100_000
_ATTEMPTS_PER_ULN = 20


class UlnSpaceExhausted(RuntimeError):
    pass


def _allocate_one(*, purpose: str) -> str:
    now = timezone.now()
    for _ in range(_ATTEMPTS_PER_ULN):
        candidate = uln_rules.random_uln()
        try:
            # A savepoint, so a collision rolls back only this insert, not the caller's work.
            with transaction.atomic():
                AllocatedUln.objects.create(uln=candidate, allocated_at=now, purpose=purpose)
        except IntegrityError:
            continue
        return candidate
    raise UlnSpaceExhausted("Could not find an unused ULN; the register may be nearly full")


@transaction.atomic
def uln_allocate(*, actor: User | None, count: int = 1, purpose: str = "register") -> list[str]:
    """Issue ``count`` new ULNs: random, valid, and recorded so they are never reused."""
    if not 1 <= count <= MAX_ALLOCATION:
        raise ValueError(f"count must be between 1 and {MAX_ALLOCATION}")
    ulns = [_allocate_one(purpose=purpose) for _ in range(count)]
    if purpose != "register":
        # Registration audits the learner it creates; a bare allocation audits itself.
        audit_record(
            action="uln.allocate",
            actor=actor,
            object_type="uln",
            object_id=ulns[0] if count == 1 else "",
            detail={"count": count, "purpose": purpose, "ulns": ulns[:1000]},
        )
    return ulns


# --- Running a job at most once an interval, across workers ----------------------------


@transaction.atomic(savepoint=False)
def scheduled_run_claim(name: str, *, every: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """Claim this interval's run of ``name``: True for exactly one caller per interval.

    The claim is one conditional UPDATE, so two workers asking at once cannot both win:
    the database lets one update the row and, re-checking the condition for the other,
    finds it no longer holds.
    """
    now = now or timezone.now()
    ScheduledRun.objects.get_or_create(name=name)
    claimed = (
        ScheduledRun.objects.filter(name=name)
        .filter(Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - every))
        .update(last_run_at=now)
    )
    return claimed == 1

"""Test data for duplicate learners. Learners, events and challenges come from
tests/factories.py (through the real services); here are what only duplicates need: a
learner registered again on purpose, batch rows written directly (a batch is a file
processed by a worker) and a snapshot of everything a merge may change."""

from __future__ import annotations

import itertools
from typing import Any

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.challenges.models import Challenge
from lrs.duplicates.models import DuplicatePair, LearnerMerge
from lrs.learners.models import Learner, LearnerAccess
from lrs.organisations.models import Organisation
from lrs.records.models import LearningEvent
from lrs.users.models import User
from tests import factories
from tests.factories import make_organisation, make_user

_numbers = itertools.count(1)


def make_desk_user(role: Role = Role.SERVICE_DESK_USER) -> User:
    desk = Organisation.objects.filter(type=OrganisationType.SERVICE_DESK).first()
    return make_user(desk or make_organisation(OrganisationType.SERVICE_DESK), role)


def make_provider_user() -> User:
    return factories.make_provider_user(Role.SUPER_USER)


def make_learner(actor: User, **overrides: Any) -> Learner:
    """Olivia (or whoever ``overrides`` make her), registered; a second record of someone
    already registered is confirmed as a new learner, as a provider in a hurry would."""
    return factories.make_learner(actor, confirmation_reason="Test data", **overrides)


def make_batch_row(user: User, uln: str, *, return_code: str = "RC002") -> BatchRow:
    number = next(_numbers)
    batch = Batch.objects.create(
        kind=BatchKind.REGISTRATION,
        organisation=user.organisation,
        uploaded_by=user,
        file_name=f"LRB-{number:04d}.csv",
        file_format="csv",
        file_size=1024,
        file_sha256=f"{number:064x}",
        stored_path=f"batches/{number}.csv",
        status=BatchStatus.COMPLETE,
    )
    return BatchRow.objects.create(batch=batch, row_number=1, return_code=return_code, uln=uln)


def snapshot() -> dict[str, Any]:
    """Everything a merge may change, as plain values, to compare before and after.

    Version numbers, update times and history rows are left out on purpose: an unmerge
    adds to the history (versions go up); it must not lose or alter anything else.
    """
    return {
        "learners": sorted(
            Learner.objects.values_list(
                "id", "uln", "status", "master_id", "given_name", "family_name"
            )
        ),
        "events": sorted(
            LearningEvent.objects.values_list("id", "learner_id", "grade", "withdrawn")
        ),
        "challenges": sorted(
            Challenge.objects.values_list("id", "learner_id", "event_id", "status")
        ),
        "batch_rows": sorted(BatchRow.objects.values_list("id", "uln", "return_code")),
        "access": sorted(LearnerAccess.objects.values_list("id", "organisation_id", "learner_id")),
        "pairs": sorted(
            DuplicatePair.objects.values_list(
                "id", "first_id", "second_id", "status", "decided_by_id", "merge_id"
            )
        ),
    }


def merge_count() -> int:
    return LearnerMerge.objects.count()

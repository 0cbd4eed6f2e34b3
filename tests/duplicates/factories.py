"""Test data for duplicate learners, built through the real services wherever they exist:
learners by registration, events by ``event_create``, challenges by ``challenge_raise``.
Only batch rows are written directly (a batch is a file processed by a worker)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenge_raise
from lrs.duplicates.models import DuplicatePair, LearnerMerge
from lrs.learners.models import Learner, LearnerAccess
from lrs.learners.services import learner_access_record, learner_register
from lrs.organisations.models import Organisation
from lrs.records.models import LearningEvent, Qualification
from lrs.records.services import EventValues, event_create
from lrs.users.models import User
from tests.factories import make_organisation, make_user

_numbers = itertools.count(1)

OLIVIA: dict[str, str] = {
    "given_name": "Olivia",
    "family_name": "Thornbury",
    "date_of_birth": "2006-03-14",
    "gender": "2",
    "last_known_postcode": "CV4 9EE",
    "verification_type": "1",
    "ability_to_share": "1",
}


def make_desk_user(role: Role = Role.SERVICE_DESK_USER) -> User:
    desk = Organisation.objects.filter(type=OrganisationType.SERVICE_DESK).first()
    return make_user(desk or make_organisation(OrganisationType.SERVICE_DESK), role)


def make_provider_user() -> User:
    return make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.SUPER_USER)


def make_ao_user() -> User:
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )


def make_learner(actor: User, **overrides: Any) -> Learner:
    """A registered learner; a second record of someone already registered is confirmed
    as a new learner, as a provider in a hurry would."""
    return learner_register(
        actor=actor,
        data={**OLIVIA, **overrides},
        confirm_new_learner=True,
        confirmation_reason="Test data",
    ).learner


def make_qualification(ao_user: User) -> Qualification:
    number = next(_numbers)
    return Qualification.objects.create(
        reference=f"601/{number:04d}/5",
        kind="qualification",
        title=f"GCSE (9 to 1) in Subject {number}",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao_user.organisation,
    )


def make_event(ao_user: User, learner: Learner, *, grade: str = "7") -> LearningEvent:
    return event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(
            qualification=make_qualification(ao_user),
            grade=grade,
            award_date=dt.date(2022, 8, 25),
        ),
    )


def make_challenge(provider_user: User, event: LearningEvent) -> Challenge:
    """An open challenge of ``event`` by a provider that has been shown its learner (a
    provider only challenges events of learners it has found)."""
    learner_access_record(
        organisation_id=provider_user.organisation_id, learner_ids=[event.learner_id]
    )
    return challenge_raise(
        actor=provider_user,
        type="incorrect_details",
        event_id=str(event.public_id),
        contact_name="Priya Shah",
        contact_email="exams@college.example",
        explanation="The certificate shows grade 8.",
        supplied_values={"grade": "8"},
    )


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

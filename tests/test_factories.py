"""The shared factories build what they say, through the services (so each write is
audited as in production), with defaults that need no arguments."""

from __future__ import annotations

import pytest

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.batches.models import BatchStatus
from lrs.records.models import JobStatus
from tests.factories import (
    OLIVIA,
    achievement_row,
    batch_record,
    make_achievement_job,
    make_ao_user,
    make_batch,
    make_challenge,
    make_event,
    make_learner,
    make_provider_user,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_a_learner_is_olivia_registered_unless_told_otherwise():
    olivia = make_learner()
    assert (olivia.given_name, olivia.family_name) == (OLIVIA["given_name"], OLIVIA["family_name"])
    assert actions().count("learner.register") == 1
    again = make_learner(given_name="Olivai", confirmation_reason="A second record on purpose")
    assert (again.given_name, again.family_name) == ("Olivai", OLIVIA["family_name"])
    assert again.uln != olivia.uln


def test_an_event_a_challenge_and_an_achievement_file_go_through_their_services():
    provider, ao_user = make_provider_user(), make_ao_user()
    olivia = make_learner(provider)
    event = make_event(ao_user, olivia, found_by=provider)
    assert (event.learner, event.grade, event.qualification.awarding_organisation) == (
        olivia,
        "7",
        ao_user.organisation,
    )
    challenge = make_challenge(provider, event)
    assert challenge.event == event
    job = make_achievement_job(
        ao_user, [achievement_row(2, olivia, event.qualification, provider.organisation)]
    )
    assert (job.status, job.records) == (JobStatus.SUCCESSFUL, 1)
    assert {"learner.find", "challenge.submitted"} <= set(actions())


def test_a_batch_is_submitted_and_processed_by_the_workers_code():
    batch = make_batch(
        make_provider_user(Role.BATCH_USER),
        [
            batch_record(2),
            batch_record(3, given_name="Bea", family_name="Lindqvist", date_of_birth="1999-01-02"),
        ],
    )
    assert batch.status == BatchStatus.COMPLETE
    assert (batch.new_learners, batch.processed_records) == (2, 2)


def test_a_user_has_an_organisation_of_its_own_by_default():
    first, second = make_user(), make_user()
    assert first.organisation != second.organisation

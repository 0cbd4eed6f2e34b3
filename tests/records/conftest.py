from __future__ import annotations

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.learners.services import learner_register
from lrs.records.models import Qualification
from lrs.records.services import EventValues, event_create
from tests.factories import make_organisation, make_user

LEARNER = {
    "given_name": "Olivia",
    "family_name": "Thornbury",
    "date_of_birth": "2006-03-14",
    "gender": "2",
    "last_known_postcode": "CV4 9EE",
    "verification_type": "1",
    "ability_to_share": "1",
}


@pytest.fixture
def ao():
    return make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")


@pytest.fixture
def ao_user(ao):
    return make_user(ao, Role.AWARDING_ORGANISATION_USER)


@pytest.fixture
def provider_user():
    return make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)


@pytest.fixture
def gcse(ao):
    return Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )


@pytest.fixture
def learner(provider_user):
    return learner_register(actor=provider_user, data=LEARNER).learner


@pytest.fixture
def event(ao_user, learner, gcse):
    return event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )

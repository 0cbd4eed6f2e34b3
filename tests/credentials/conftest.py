import datetime as dt

import pytest

from lrs.learners.services import learner_find
from lrs.records.models import EventStatus, Qualification
from lrs.records.services import EventValues, event_create
from tests.records.conftest import LEARNER, ao, ao_user, gcse, learner, provider_user  # noqa: F401


@pytest.fixture
def btec(ao):  # noqa: F811
    return Qualification.objects.create(
        reference="603/7035/2",
        kind="qualification",
        title="BTEC Level 3 National Extended Certificate in Business",
        qualification_type="BTEC National",
        level="3",
        credits=60,
        awarding_organisation=ao,
    )


@pytest.fixture
def events(ao_user, learner, gcse, btec, provider_user):  # noqa: F811
    made = [
        event_create(
            actor=ao_user,
            learner=learner,
            values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
        ),
        event_create(
            actor=ao_user,
            learner=learner,
            values=EventValues(qualification=btec, grade="D*", award_date=dt.date(2024, 8, 15)),
        ),
    ]
    learner_find(actor=provider_user, data=LEARNER)  # the provider has found the learner
    return made


@pytest.fixture
def provisional(ao_user, learner, gcse):  # noqa: F811
    return event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(
            qualification=gcse,
            grade="6",
            award_date=dt.date(2025, 8, 21),
            status=EventStatus.PROVISIONAL,
        ),
    )


def ids(events):
    return [str(e.public_id) for e in events]

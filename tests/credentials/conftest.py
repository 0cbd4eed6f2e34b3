import datetime as dt

import pytest

from lrs.records.models import EventStatus
from tests.factories import make_event, make_qualification


@pytest.fixture
def btec(ao):
    return make_qualification(
        ao,
        "603/7035/2",
        "BTEC Level 3 National Extended Certificate in Business",
        qualification_type="BTEC National",
        level="3",
        credits=60,
    )


@pytest.fixture
def events(ao_user, learner, gcse, btec, provider_user):
    """Olivia's GCSE grade 7 and BTEC D*, which her school has found."""
    return [
        make_event(ao_user, learner, qualification=gcse),
        make_event(
            ao_user,
            learner,
            qualification=btec,
            grade="D*",
            award_date=dt.date(2024, 8, 15),
            found_by=provider_user,
        ),
    ]


@pytest.fixture
def provisional(ao_user, learner, gcse):
    return make_event(
        ao_user,
        learner,
        qualification=gcse,
        grade="6",
        award_date=dt.date(2025, 8, 21),
        status=EventStatus.PROVISIONAL,
    )


def ids(events):
    return [str(e.public_id) for e in events]

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.learners.services import learner_find
from lrs.records.services import EventValues, event_create
from tests.factories import make_organisation, make_user
from tests.records.conftest import LEARNER, ao, ao_user, gcse, learner, provider_user  # noqa: F401


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path


@pytest.fixture
def desk_user():
    return make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)


@pytest.fixture
def event(ao_user, learner, gcse, provider_user):  # noqa: F811
    made = event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    learner_find(actor=provider_user, data=LEARNER)  # the provider has found the learner
    return made


def raise_args(event, **changes):
    args = {
        "type": "incorrect_details",
        "event_id": str(event.public_id),
        "contact_name": "Priya Shah",
        "contact_email": "exams@college.example",
        "explanation": "The certificate shows grade 8.",
        "supplied_values": {"grade": "8"},
    }
    args.update(changes)
    return args

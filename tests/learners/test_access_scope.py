"""Knowing a ULN alone never opens a learner's record: the organisation must have found
the learner through the proper route first."""

import pytest

from lrs.access import OrganisationType, Role
from lrs.core import codes
from lrs.core.errors import NotFound
from lrs.learners.selectors import learner_get
from lrs.learners.services import (
    LearnerError,
    learner_find,
    learner_lookup,
    learner_register,
    learner_update,
)
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered():
    registrar = make_user(make_organisation(), Role.ONLINE_USER)
    return learner_register(actor=registrar, data=person()).learner


@pytest.fixture
def stranger():
    return make_user(make_organisation(), Role.ONLINE_USER)


def test_another_organisation_cannot_open_or_update_a_learner_by_uln_alone(registered, stranger):
    with pytest.raises(NotFound):
        learner_get(actor=stranger, uln=registered.uln)
    with pytest.raises(LearnerError) as excinfo:
        learner_update(actor=stranger, uln=registered.uln, version_number=1, data={"title": "Dr"})
    assert excinfo.value.response_code == codes.UNKNOWN_ULN_FOR_UPDATE


def test_finding_the_learner_by_demographics_opens_the_record(registered, stranger):
    learner_find(actor=stranger, data=person())
    assert learner_get(actor=stranger, uln=registered.uln) == registered
    result = learner_update(
        actor=stranger, uln=registered.uln, version_number=1, data={"title": "Dr"}
    )
    assert result.response_code == codes.UPDATED


def test_a_lookup_with_the_right_names_opens_the_record_but_wrong_names_do_not(
    registered, stranger
):
    learner_lookup(actor=stranger, uln=registered.uln, given_name="Ann", family_name="Nobody")
    with pytest.raises(NotFound):
        learner_get(actor=stranger, uln=registered.uln)
    learner_lookup(actor=stranger, uln=registered.uln, given_name="Olivia", family_name="Thornbury")
    assert learner_get(actor=stranger, uln=registered.uln) == registered


def test_the_service_desk_can_open_any_record(registered):
    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    assert learner_get(actor=desk, uln=registered.uln) == registered

import pytest

from lrs.access import Role
from lrs.core import codes
from lrs.learners.services import LearnerError, learner_register, learner_update
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return make_user(make_organisation(), Role.ONLINE_USER)


@pytest.fixture
def learner(user):
    return learner_register(actor=user, data=person()).learner


def test_an_update_with_the_current_version_changes_the_learner_and_keeps_history(user, learner):
    result = learner_update(
        actor=user, uln=learner.uln, version_number=1, data={"last_known_postcode": "b152tt"}
    )
    assert result.response_code == codes.UPDATED
    learner.refresh_from_db()
    assert learner.last_known_postcode == "B15 2TT"
    assert learner.version_number == 2
    change = learner.changes.get(version_number=2)
    assert change.changes == {"last_known_postcode": ["CV4 9EE", "B15 2TT"]}
    assert change.actor == user


def test_a_stale_version_is_refused_with_wsrc0013(user, learner):
    learner_update(actor=user, uln=learner.uln, version_number=1, data={"title": "Ms"})
    with pytest.raises(LearnerError) as excinfo:
        learner_update(actor=user, uln=learner.uln, version_number=1, data={"title": "Dr"})
    assert excinfo.value.response_code == codes.STALE_VERSION


def test_an_unknown_uln_is_wsrc0019_and_a_bad_check_digit_is_wsec0136(user):
    with pytest.raises(LearnerError) as unknown:
        learner_update(actor=user, uln="9276308686", version_number=1, data={"title": "Mr"})
    assert unknown.value.response_code == codes.UNKNOWN_ULN_FOR_UPDATE
    with pytest.raises(LearnerError) as invalid:
        learner_update(actor=user, uln="9276308687", version_number=1, data={"title": "Mr"})
    assert invalid.value.response_code == codes.INVALID_ULN


def test_an_update_that_changes_nothing_is_wsrc0020(user, learner):
    result = learner_update(
        actor=user, uln=learner.uln, version_number=1, data={"given_name": "Olivia"}
    )
    assert result.response_code == codes.NO_CHANGE
    learner.refresh_from_db()
    assert learner.version_number == 1


def test_a_changed_family_name_keeps_the_old_one_as_previous_family_name(user, learner):
    learner_update(actor=user, uln=learner.uln, version_number=1, data={"family_name": "Hale"})
    learner.refresh_from_db()
    assert (learner.family_name, learner.previous_family_name) == ("Hale", "Thornbury")


def test_ability_to_share_cannot_return_to_notice_not_seen_wsrc0014(user, learner):
    with pytest.raises(LearnerError) as excinfo:
        learner_update(
            actor=user, uln=learner.uln, version_number=1, data={"ability_to_share": "0"}
        )
    assert excinfo.value.response_code == codes.INVALID_SHARE_CHANGE


def test_a_mandatory_field_cannot_be_emptied(user, learner):
    with pytest.raises(LearnerError) as excinfo:
        learner_update(actor=user, uln=learner.uln, version_number=1, data={"given_name": ""})
    assert excinfo.value.response_code == codes.INVALID_REQUEST


def test_an_address_capture_date_can_be_set_and_cleared(user, learner):
    learner_update(
        actor=user,
        uln=learner.uln,
        version_number=1,
        data={"date_of_address_capture": "2024-09-01"},
    )
    result = learner_update(
        actor=user, uln=learner.uln, version_number=2, data={"date_of_address_capture": ""}
    )
    assert result.response_code == codes.UPDATED
    learner.refresh_from_db()
    assert learner.date_of_address_capture is None


def test_registering_without_optional_dates_stores_null(user):
    registered = learner_register(
        actor=user, data=person(given_name="Ann", date_of_address_capture="")
    ).learner
    assert registered.date_of_address_capture is None

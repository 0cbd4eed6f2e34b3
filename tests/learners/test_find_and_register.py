import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.core.errors import NotPermitted
from lrs.identifiers import uln as uln_rules
from lrs.learners.models import Learner
from lrs.learners.services import LearnerError, learner_find, learner_register
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_user():
    return make_user(make_organisation(), Role.ONLINE_USER)


def test_registering_a_new_learner_issues_a_valid_uln_with_normalised_postcode(online_user):
    result = learner_register(actor=online_user, data=person())
    assert result.response_code == codes.REGISTERED
    learner = result.learner
    assert uln_rules.is_valid(learner.uln)
    assert learner.last_known_postcode == "CV4 9EE"
    assert learner.version_number == 1
    assert learner.changes.get().action == "register"
    assert AuditEntry.objects.get(action="learner.register").object_id == learner.uln


def test_finding_the_same_demographics_is_an_exact_match_with_explanation(online_user):
    registered = learner_register(actor=online_user, data=person()).learner
    found = learner_find(actor=online_user, data=person())
    assert found.response_code == codes.EXACT
    assert [c.uln for c in found.candidates] == [registered.uln]
    candidate = found.candidates[0]
    assert 0 <= candidate.score <= 1
    assert {e.field for e in candidate.explanation} >= {"given_name", "family_name"}
    entry = AuditEntry.objects.get(action="learner.find")
    assert entry.detail["returned_ulns"] == [registered.uln]


def test_nobody_in_the_register_is_no_match(online_user):
    assert learner_find(actor=online_user, data=person()).response_code == codes.NO_MATCH


def test_registering_identical_demographics_twice_is_refused_with_wsrc0021(online_user):
    learner_register(actor=online_user, data=person())
    with pytest.raises(LearnerError) as excinfo:
        learner_register(actor=online_user, data=person(last_known_postcode="CV4 9EE"))
    assert excinfo.value.response_code == codes.ALREADY_REGISTERED
    assert Learner.objects.count() == 1


def test_a_similar_learner_blocks_registration_until_confirmed_with_a_reason(online_user):
    first = learner_register(actor=online_user, data=person()).learner
    similar = person(given_name="Olivia", last_known_postcode="B15 2TT")
    with pytest.raises(LearnerError) as excinfo:
        learner_register(actor=online_user, data=similar)
    assert first.uln in [c.uln for c in excinfo.value.candidates]
    with pytest.raises(LearnerError) as missing_reason:
        learner_register(actor=online_user, data=similar, confirm_new_learner=True)
    assert missing_reason.value.response_code == codes.INVALID_REQUEST
    second = learner_register(
        actor=online_user,
        data=similar,
        confirm_new_learner=True,
        confirmation_reason="Different mother's maiden name; checked passport",
    ).learner
    assert second.uln != first.uln
    entry = AuditEntry.objects.get(action="learner.register", object_id=second.uln)
    assert entry.detail["confirmed_new_learner"] is True


def test_twins_are_never_an_exact_match_for_each_other(online_user):
    learner_register(actor=online_user, data=person(given_name="Olivia"))
    found = learner_find(actor=online_user, data=person(given_name="Sophia"))
    assert found.response_code != codes.EXACT


def test_every_invalid_field_is_reported_with_wsec0001_and_nothing_is_stored(online_user):
    bad = person(given_name=" ", date_of_birth="14/03/2008", gender="3", last_known_postcode="ZZ")
    with pytest.raises(LearnerError) as excinfo:
        learner_register(actor=online_user, data=bad)
    assert excinfo.value.response_code == codes.INVALID_REQUEST
    fields = {p.field for p in excinfo.value.problems}
    assert fields == {"given_name", "date_of_birth", "gender", "last_known_postcode"}
    assert "DD/MM/YYYY" in str([p.rule for p in excinfo.value.problems])
    assert Learner.objects.count() == 0


def test_learners_outside_13_to_110_cannot_be_registered(online_user):
    too_young = (dt.date.today() - dt.timedelta(days=365 * 10)).isoformat()
    with pytest.raises(LearnerError, match="aged 13 to 110"):
        learner_register(actor=online_user, data=person(date_of_birth=too_young))


def test_view_learner_only_and_awarding_organisation_users_cannot_register():
    viewer = make_user(make_organisation(), Role.VIEW_LEARNER_ONLY)
    with pytest.raises(NotPermitted):
        learner_register(actor=viewer, data=person())
    ao_user = make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION),
        Role.AWARDING_ORGANISATION_USER,
    )
    with pytest.raises(NotPermitted):
        learner_find(actor=ao_user, data=person())


def test_more_than_ten_possible_matches_is_too_many_wsrc0002(online_user):
    surnames = [
        "Abbott",
        "Baxter",
        "Carver",
        "Dalton",
        "Ellison",
        "Fairley",
        "Garside",
        "Holloway",
        "Ingram",
        "Jessop",
        "Kenward",
        "Lockley",
    ]
    for surname in surnames:
        learner_register(
            actor=online_user,
            data=person(family_name=surname),
            confirm_new_learner=True,
            confirmation_reason="siblings in one household",
        )
    found = learner_find(actor=online_user, data=person(family_name="Thornbury"))
    assert found.response_code == codes.TOO_MANY
    assert found.candidates == []
    assert found.possible_count > 10


def test_a_replaced_given_name_with_a_family_name_slip_is_found_by_the_second_look(online_user):
    # Rose for Olivia and Tornbury for Thornbury: no blocking key survives both (the
    # postcode key holds the initial, the others the given or the family sound), so the
    # find looks again at everyone at the postcode and offers whoever was born alike.
    registered = learner_register(actor=online_user, data=person()).learner
    found = learner_find(actor=online_user, data=person(given_name="Rose", family_name="Tornbury"))
    assert found.response_code == codes.POSSIBLE
    assert [c.uln for c in found.candidates] == [registered.uln]


def test_the_second_look_offers_nobody_born_on_another_day(online_user):
    learner_register(actor=online_user, data=person())
    sibling = person(given_name="Rose", family_name="Tornbury", date_of_birth="2011-07-02")
    assert learner_find(actor=online_user, data=sibling).response_code == codes.NO_MATCH

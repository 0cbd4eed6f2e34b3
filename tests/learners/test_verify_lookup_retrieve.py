import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.learners.models import Learner, LearnerAccess, LearnerStatus
from lrs.learners.services import (
    LearnerError,
    learner_find,
    learner_lookup,
    learner_register,
    learner_update,
    learner_verify,
    learners_retrieve,
)
from tests.factories import make_organisation, make_user
from tests.learners.helpers import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_user():
    return make_user(make_organisation(), Role.ONLINE_USER)


@pytest.fixture
def ao_user():
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )


@pytest.fixture
def learner(provider_user):
    return learner_register(
        actor=provider_user, data=person(previous_family_name="Ashdown")
    ).learner


def link(linked: Learner, master: Learner) -> None:
    # Merging is the service desk's (a later feature); tests link rows directly.
    Learner.objects.filter(pk=linked.pk).update(status=LearnerStatus.LINKED, master=master)


def verify_one(user, **item):
    return learner_verify(actor=user, items=[item])[0]


def test_exact_names_verify_with_wsvrc001_and_no_flags(ao_user, learner):
    result = verify_one(ao_user, uln=learner.uln, given_name="OLIVIA", family_name="thornbury")
    assert (result.response_code, result.failure_flags) == (codes.VERIFY_MATCH, [])


def test_swapped_names_still_verify_but_flag_the_crosswise_comparisons(ao_user, learner):
    result = verify_one(ao_user, uln=learner.uln, given_name="Thornbury", family_name="Olivia")
    assert result.response_code == codes.VERIFY_SIMILAR
    # Straight comparisons failed; the crosswise ones that agreed (VRF2, VRF4) are not flagged.
    assert {"VRF1", "VRF5"} <= set(result.failure_flags)
    assert not {"VRF2", "VRF4"} & set(result.failure_flags)


def test_a_previous_family_name_verifies_as_similar_with_vrf5(ao_user, learner):
    result = verify_one(ao_user, uln=learner.uln, given_name="Olivia", family_name="Ashdown")
    assert result.response_code == codes.VERIFY_SIMILAR
    assert result.failure_flags == ["VRF4", "VRF5"]


def test_a_nickname_is_a_similar_match_wsvrc003(ao_user, provider_user):
    registered = learner_register(actor=provider_user, data=person(given_name="Elizabeth")).learner
    result = verify_one(ao_user, uln=registered.uln, given_name="Liz", family_name="Thornbury")
    assert result.response_code == codes.VERIFY_SIMILAR
    assert "VRF1" in result.failure_flags
    assert "VRF5" not in result.failure_flags


def test_wrong_names_date_of_birth_and_gender_do_not_match_wsvrc005(ao_user, learner):
    result = verify_one(
        ao_user,
        uln=learner.uln,
        given_name="Olivia",
        family_name="Thornbury",
        date_of_birth="2008-03-15",
        gender="1",
    )
    assert result.response_code == codes.VERIFY_NO_MATCH
    assert result.failure_flags == ["VRF7", "VRF8"]
    other = verify_one(ao_user, uln=learner.uln, given_name="Marcus", family_name="Bell")
    assert other.response_code == codes.VERIFY_NO_MATCH
    assert {"VRF1", "VRF5"} <= set(other.failure_flags)


def test_unknown_and_invalid_ulns_verify_as_wsvrc006_and_wsec0136(ao_user):
    assert (
        verify_one(ao_user, uln="9276308686", given_name="A", family_name="B").response_code
        == codes.VERIFY_ULN_NOT_FOUND
    )
    assert (
        verify_one(ao_user, uln="9276308687", given_name="A", family_name="B").response_code
        == codes.INVALID_ULN
    )


def test_a_linked_uln_verifies_against_its_master_wsvrc002_and_004(ao_user, provider_user, learner):
    old = learner_register(
        actor=provider_user,
        data=person(given_name="Livvy", last_known_postcode="B15 2TT"),
        confirm_new_learner=True,
        confirmation_reason="test duplicate",
    ).learner
    link(old, learner)
    exact = verify_one(ao_user, uln=old.uln, given_name="Olivia", family_name="Thornbury")
    assert (exact.response_code, exact.found_uln) == (codes.VERIFY_LINKED_MATCH, learner.uln)
    similar = verify_one(ao_user, uln=old.uln, given_name="Olivia", family_name="Thornbery")
    assert similar.response_code == codes.VERIFY_SIMILAR_LINKED


def test_verify_takes_up_to_a_thousand_learners_and_audits_the_codes(ao_user, learner):
    items = [{"uln": learner.uln, "given_name": "Olivia", "family_name": "Thornbury"}] * 1000
    assert len(learner_verify(actor=ao_user, items=items)) == 1000
    with pytest.raises(LearnerError):
        learner_verify(actor=ao_user, items=items + items[:1])
    assert AuditEntry.objects.filter(action="learner.verify").count() == 1


def test_lookup_returns_the_learner_only_when_the_names_match(provider_user, learner):
    found = learner_lookup(
        actor=provider_user, uln=learner.uln, given_name="Olivia", family_name="Thornbury"
    )
    assert (found.response_code, found.learner) == (codes.EXACT, learner)
    refused = learner_lookup(
        actor=provider_user, uln=learner.uln, given_name="Marcus", family_name="Bell"
    )
    assert (refused.response_code, refused.learner) == (codes.NO_MATCH, None)
    with pytest.raises(LearnerError) as invalid:
        learner_lookup(actor=provider_user, uln="123", given_name="A", family_name="B")
    assert invalid.value.response_code == codes.INVALID_ULN


def test_lookup_and_find_of_a_linked_learner_answer_with_the_master_wsrc0022(
    provider_user, learner
):
    old = learner_register(
        actor=provider_user,
        data=person(given_name="Olivia", family_name="Thornbery", last_known_postcode="B15 2TT"),
        confirm_new_learner=True,
        confirmation_reason="test duplicate",
    ).learner
    link(old, learner)
    looked_up = learner_lookup(
        actor=provider_user, uln=old.uln, given_name="Olivia", family_name="Thornbury"
    )
    assert (looked_up.response_code, looked_up.learner) == (codes.MASTER_SUBSTITUTED, learner)
    Learner.objects.filter(pk=learner.pk).update(last_known_postcode="ZZ9 9ZZ")
    found = learner_find(
        actor=provider_user,
        data=person(family_name="Thornbery", last_known_postcode="B15 2TT"),
    )
    assert learner.uln in [c.uln for c in found.candidates]
    assert old.uln not in [c.uln for c in found.candidates]


def test_retrieve_gives_each_ulns_master_status_and_code(ao_user, provider_user, learner):
    other = learner_register(
        actor=provider_user,
        data=person(given_name="Noah", family_name="Pryce", date_of_birth="2007-01-02"),
    ).learner
    link(other, learner)
    results = learners_retrieve(actor=ao_user, ulns=[learner.uln, other.uln, "9276308686", "12345"])
    assert [(r.uln, r.response_code, r.master_uln) for r in results] == [
        (learner.uln, codes.EXACT, learner.uln),
        (other.uln, codes.MASTER_SUBSTITUTED, learner.uln),
        ("9276308686", codes.NO_MATCH, ""),
        ("12345", codes.INVALID_ULN, ""),
    ]
    # The awarding organisation has never been shown these learners: no demographics.
    assert [r.learner for r in results] == [None, None, None, None]
    seen = learners_retrieve(actor=provider_user, ulns=[learner.uln, other.uln])
    assert [r.learner for r in seen] == [learner, learner]


def test_retrieve_never_grants_access(ao_user, provider_user, learner):
    stranger = make_user(make_organisation(), Role.ONLINE_USER)
    learners_retrieve(actor=stranger, ulns=[learner.uln])
    assert not LearnerAccess.objects.filter(organisation=stranger.organisation).exists()
    with pytest.raises(LearnerError) as refused:
        learner_update(actor=stranger, uln=learner.uln, version_number=1, data={"title": "Ms"})
    assert refused.value.response_code == codes.UNKNOWN_ULN_FOR_UPDATE


def test_a_lookup_with_an_invalid_uln_is_audited_as_refused(provider_user):
    with pytest.raises(LearnerError):
        learner_lookup(actor=provider_user, uln="12345", given_name="A", family_name="B")
    entry = AuditEntry.objects.get(action="learner.lookup")
    assert (entry.outcome, entry.object_id) == ("refused", "12345")
    assert entry.detail["response_code"] == codes.INVALID_ULN


def test_awarding_organisations_may_verify_and_retrieve_but_not_look_up(ao_user, learner):
    from lrs.core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        learner_lookup(actor=ao_user, uln=learner.uln, given_name="Olivia", family_name="T")


def test_a_find_refused_by_the_field_rules_is_audited_without_the_values(provider_user):
    with pytest.raises(LearnerError):
        learner_find(actor=provider_user, data=person(gender="7", given_name="Zebedee"))
    entry = AuditEntry.objects.get(action="learner.find")
    assert entry.outcome == "refused"
    assert entry.detail["problems"] == ["gender"]
    assert "Zebedee" not in str(entry.detail)

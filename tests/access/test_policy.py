import pytest

from lrs.access import (
    Capability,
    OrganisationStatus,
    OrganisationType,
    Role,
    capabilities_for,
    is_allowed,
    roles_allowed_in,
)

PROVIDER_TYPES = [
    t
    for t in OrganisationType
    if t not in (OrganisationType.AWARDING_ORGANISATION, OrganisationType.SERVICE_DESK)
]


def caps(org_type, role, status=OrganisationStatus.ACTIVE):
    return capabilities_for(organisation_type=org_type, organisation_status=status, role=role)


@pytest.mark.parametrize("org_type", PROVIDER_TYPES)
def test_learning_providers_and_local_authorities_may_find_register_batch_and_view_plrs(org_type):
    granted = caps(org_type, Role.BATCH_USER)
    assert {
        Capability.FIND_LEARNER,
        Capability.REGISTER_LEARNER,
        Capability.UPDATE_LEARNER,
        Capability.SUBMIT_BATCH,
        Capability.VIEW_PLR,
        Capability.RAISE_CHALLENGE,
    } <= granted
    assert Capability.UPLOAD_ACHIEVEMENTS not in granted


def test_online_users_cannot_submit_batches():
    assert Capability.SUBMIT_BATCH not in caps(OrganisationType.SCHOOL, Role.ONLINE_USER)


def test_view_learner_only_users_may_find_and_view_but_not_register_or_update():
    granted = caps(OrganisationType.FURTHER_EDUCATION_COLLEGE, Role.VIEW_LEARNER_ONLY)
    assert Capability.FIND_LEARNER in granted
    assert Capability.VIEW_PLR in granted
    assert Capability.REGISTER_LEARNER not in granted
    assert Capability.UPDATE_LEARNER not in granted


def test_awarding_organisation_users_verify_retrieve_and_upload_but_never_search():
    granted = caps(OrganisationType.AWARDING_ORGANISATION, Role.AWARDING_ORGANISATION_USER)
    assert {
        Capability.VERIFY_LEARNER,
        Capability.RETRIEVE_ULNS,
        Capability.UPLOAD_ACHIEVEMENTS,
        Capability.RESOLVE_CHALLENGE,
    } <= granted
    assert Capability.FIND_LEARNER not in granted
    assert Capability.REGISTER_LEARNER not in granted


def test_a_super_user_gets_only_what_the_organisation_type_allows():
    ao_super = caps(OrganisationType.AWARDING_ORGANISATION, Role.SUPER_USER)
    assert Capability.MANAGE_USERS in ao_super
    assert Capability.FIND_LEARNER not in ao_super
    assert Capability.MERGE_LEARNERS not in caps(OrganisationType.SCHOOL, Role.SUPER_USER)


def test_only_the_service_desk_merges_approves_and_searches_the_audit_log():
    desk_only = {
        Capability.MERGE_LEARNERS,
        Capability.APPROVE_ORGANISATIONS,
        Capability.SEARCH_AUDIT,
        Capability.PUBLISH_LISTS,
        Capability.MEDIATE_CHALLENGES,
    }
    assert desk_only <= caps(OrganisationType.SERVICE_DESK, Role.SERVICE_DESK_USER)
    for org_type in OrganisationType:
        if org_type is OrganisationType.SERVICE_DESK:
            continue
        for role in Role:
            assert not desk_only & caps(org_type, role)


@pytest.mark.parametrize(
    "status", [OrganisationStatus.APPLYING, OrganisationStatus.SUSPENDED, OrganisationStatus.CLOSED]
)
def test_an_organisation_that_is_not_active_can_do_nothing(status):
    for role in roles_allowed_in(OrganisationType.FURTHER_EDUCATION_COLLEGE):
        assert caps(OrganisationType.FURTHER_EDUCATION_COLLEGE, role, status) == frozenset()


def test_a_role_foreign_to_the_organisation_type_grants_nothing():
    assert caps(OrganisationType.SCHOOL, Role.SERVICE_DESK_USER) == frozenset()
    assert caps(OrganisationType.AWARDING_ORGANISATION, Role.BATCH_USER) == frozenset()


def test_every_organisation_type_allows_a_super_user():
    for org_type in OrganisationType:
        assert Role.SUPER_USER in roles_allowed_in(org_type)


def test_is_allowed_agrees_with_capabilities_for():
    for org_type in OrganisationType:
        for role in Role:
            granted = caps(org_type, role)
            for capability in Capability:
                assert is_allowed(
                    organisation_type=org_type,
                    organisation_status=OrganisationStatus.ACTIVE,
                    role=role,
                    capability=capability,
                ) == (capability in granted)

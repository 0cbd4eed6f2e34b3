"""Organisation users signing in with DfE Sign-in, against a real OpenID Connect provider
run locally (scripts/oidc-provider.mjs), on whatever database the suite runs on."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry, Outcome
from lrs.dfesignin.models import DfeSignInAccount
from lrs.organisations.services import organisation_change_status
from lrs.users.models import User
from tests.factories import make_organisation
from tests.learnerportal.oidc_helpers import sign_in_with_test_client
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


DFE_ORGANISATION_ID = "0f3c5a7e-1111-4d2c-9a55-26b0c1f0aa01"


def dfe_person(
    person_id: str,
    *,
    ukprn: str = "",
    urn: str = "",
    roles: list[str],
    name: str = "Org",
    organisation_id: str = DFE_ORGANISATION_ID,
) -> dict[str, Any]:
    return {
        "id": person_id,
        "label": f"DfE person {person_id}",
        "email": f"{person_id}@school.example",
        "given_name": "Amira",
        "family_name": "Okafor",
        "organisation": {
            "id": organisation_id,
            "name": name,
            "ukprn": ukprn or None,
            "urn": urn or None,
            "category": {"id": "001", "name": "Establishment"},
        },
        "roles": roles,
    }


def sign_in_with_dfe(client, provider, person_id: str):
    """The authorization code flow through DfE Sign-in; returns LRS's answer to the
    callback."""
    return sign_in_with_test_client(client, provider, person_id, start="/sign-in/dfe")


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def test_the_sign_in_page_offers_dfe_sign_in_only_when_it_is_configured(client, settings):
    settings.LRS_OIDC_PROVIDERS = {}
    assert "Sign in with DfE Sign-in" not in text_of(client.get("/sign-in"))


def test_a_school_user_signs_in_by_urn_and_gets_their_mapped_role(client, dfe_sign_in):
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    assert "Sign in with DfE Sign-in" in text_of(client.get("/sign-in"))
    dfe_sign_in.people([dfe_person("amira", urn=school.urn, roles=["LRS_ONLINE_USER"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "amira")
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = signed_in_user(client)
    assert user is not None
    assert user.organisation == school
    assert user.role == Role.ONLINE_USER
    assert (user.first_name, user.last_name, user.email) == (
        "Amira",
        "Okafor",
        "amira@school.example",
    )
    assert not user.has_usable_password()
    assert AuditEntry.objects.filter(action="user.sign_in", actor=user).exists()
    assert "Amira Okafor" in text_of(client.get("/"))

    # Signing in again is the same user; a changed role in DfE Sign-in is followed.
    client.post("/sign-out")
    dfe_sign_in.people([dfe_person("amira", urn=school.urn, roles=["LRS_SUPER_USER", "OTHER"])])
    sign_in_with_dfe(client, dfe_sign_in, "amira")
    again = signed_in_user(client)
    assert again == user
    again.refresh_from_db()
    assert again.role == Role.SUPER_USER
    assert DfeSignInAccount.objects.count() == 1
    assert AuditEntry.objects.filter(action="user.change_role", object_id=user.username).exists()


def test_an_organisation_is_found_by_ukprn_first(client, dfe_sign_in):
    college = make_organisation(name="Fenland College")
    dfe_sign_in.people([dfe_person("dev", ukprn=college.ukprn, roles=["LRS_BATCH_USER"])])
    sign_in_with_dfe(client, dfe_sign_in, "dev")
    user = signed_in_user(client)
    assert user is not None
    assert (user.organisation, user.role) == (college, Role.BATCH_USER)


def test_an_organisation_lrs_does_not_know_is_refused_clearly(client, dfe_sign_in):
    make_organisation(name="Somewhere Else")
    dfe_sign_in.people(
        [dfe_person("stranger", ukprn="10099999", roles=["LRS_SUPER_USER"], name="Unknown Ltd")]
    )
    response = sign_in_with_dfe(client, dfe_sign_in, "stranger")
    assert response.status_code == 403
    text = text_of(response)
    assert "You cannot sign in to LRS with this account" in text
    assert "Unknown Ltd does not use LRS" in text
    assert signed_in_user(client) is None
    assert not User.objects.filter(username__startswith="dfe.").exists()
    refusal = AuditEntry.objects.get(action="user.dfe_sign_in")
    assert refusal.outcome == Outcome.REFUSED
    assert refusal.detail == {"reason": "unknown_organisation"}


def test_no_lrs_role_is_refused_even_for_a_known_organisation(client, dfe_sign_in):
    college = make_organisation()
    dfe_sign_in.people([dfe_person("norole", ukprn=college.ukprn, roles=["SOME_OTHER_SERVICE"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "norole")
    assert response.status_code == 403
    assert "You do not have a role in LRS" in text_of(response)
    assert signed_in_user(client) is None


def test_a_role_the_organisation_type_cannot_have_is_refused(client, dfe_sign_in):
    college = make_organisation()
    dfe_sign_in.people(
        [dfe_person("ao", ukprn=college.ukprn, roles=["LRS_AWARDING_ORGANISATION_USER"])]
    )
    assert sign_in_with_dfe(client, dfe_sign_in, "ao").status_code == 403
    assert signed_in_user(client) is None


def test_a_suspended_organisation_is_refused(client, dfe_sign_in):
    college = make_organisation()
    organisation_change_status(actor=None, organisation=college, status="suspended", reason="t")
    dfe_sign_in.people([dfe_person("sus", ukprn=college.ukprn, roles=["LRS_ONLINE_USER"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "sus")
    assert response.status_code == 403
    assert "suspended or closed" in text_of(response)


def test_one_person_at_two_organisations_has_two_users_and_never_crosses(client, dfe_sign_in):
    first = make_organisation(name="First College")
    second = make_organisation(name="Second College")
    dfe_sign_in.people([dfe_person("both", ukprn=first.ukprn, roles=["LRS_SUPER_USER"])])
    sign_in_with_dfe(client, dfe_sign_in, "both")
    one = signed_in_user(client)
    client.post("/sign-out")
    dfe_sign_in.people([dfe_person("both", ukprn=second.ukprn, roles=["LRS_ONLINE_USER"])])
    sign_in_with_dfe(client, dfe_sign_in, "both")
    two = signed_in_user(client)
    assert one is not None
    assert two is not None
    assert one != two
    assert (one.organisation, two.organisation) == (first, second)
    assert (one.role, two.role) == (Role.SUPER_USER, Role.ONLINE_USER)


def test_a_deactivated_user_is_refused(client, dfe_sign_in):
    college = make_organisation()
    dfe_sign_in.people([dfe_person("gone", ukprn=college.ukprn, roles=["LRS_ONLINE_USER"])])
    sign_in_with_dfe(client, dfe_sign_in, "gone")
    user = signed_in_user(client)
    client.post("/sign-out")
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = sign_in_with_dfe(client, dfe_sign_in, "gone")
    assert response.status_code == 403
    assert signed_in_user(client) is None

"""Roles from DfE Sign-in's public API, as real DfE Sign-in serves them: the sign-in flow
against the local OpenID Connect provider, and the API against a local stand-in that
checks LRS's bearer JWT (no network)."""

from __future__ import annotations

import socket
import time
from urllib.parse import quote

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry, Outcome
from lrs.dfesignin.roles_api import RolesApi, RolesUnavailable
from lrs.oidc.local import LOCAL_CLIENT_ID
from lrs.users.models import User
from tests.dfesignin import roles_api_stand_in
from tests.dfesignin.test_dfe_sign_in import (
    DFE_ORGANISATION_ID,
    dfe_person,
    sign_in_with_dfe,
    signed_in_user,
)
from tests.factories import make_organisation
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db

OTHER_DFE_ORGANISATION_ID = "5a9e1c3b-2222-4f7d-8b66-37c1d2e0bb02"


def subject_of(person_id: str) -> str:
    """The ``sub`` the local provider gives a person (scripts/oidc-provider.mjs)."""
    return f"urn:fdc:lrs-local:2026:{person_id}"


def refusal() -> AuditEntry:
    return AuditEntry.objects.get(action="user.dfe_sign_in")


def test_roles_come_from_the_api_for_the_chosen_organisation_not_from_a_claim(
    client, dfe_sign_in, dfe_roles_api
):
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    dfe_roles_api.grant(
        organisation_id=DFE_ORGANISATION_ID,
        user_id=subject_of("amira"),
        codes=["SOME_OTHER_SERVICE_ROLE", "LRS_BATCH_USER"],
    )
    # The claim says super user: with the API configured, only the API is believed.
    dfe_sign_in.people([dfe_person("amira", urn=school.urn, roles=["LRS_SUPER_USER"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "amira")
    assert response.status_code == 302, text_of(response)
    user = signed_in_user(client)
    assert user is not None
    assert (user.organisation, user.role) == (school, Role.BATCH_USER)

    [request] = dfe_roles_api.requests
    assert request.path == (
        f"/services/{roles_api_stand_in.SERVICE_ID}/organisations/{DFE_ORGANISATION_ID}"
        f"/users/{quote(subject_of('amira'), safe='')}"
    )
    assert request.claims["iss"] == LOCAL_CLIENT_ID
    assert request.claims["aud"] == "signin.education.gov.uk"
    assert 0 < request.claims["exp"] - request.claims["iat"] <= 60
    assert dfe_roles_api.refused_tokens == []

    # A role changed in DfE Sign-in is followed at the next sign-in.
    client.post("/sign-out")
    dfe_roles_api.grant(
        organisation_id=DFE_ORGANISATION_ID,
        user_id=subject_of("amira"),
        codes=["LRS_ONLINE_USER"],
    )
    sign_in_with_dfe(client, dfe_sign_in, "amira")
    user.refresh_from_db()
    assert user.role == Role.ONLINE_USER


def test_no_roles_from_the_api_is_the_no_role_refusal_whatever_the_claim_says(
    client, dfe_sign_in, dfe_roles_api
):
    college = make_organisation(name="Fenland College")
    dfe_sign_in.people([dfe_person("norole", ukprn=college.ukprn, roles=["LRS_SUPER_USER"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "norole")
    assert response.status_code == 403
    assert "You do not have a role in LRS for Fenland College" in text_of(response)
    assert signed_in_user(client) is None
    assert not User.objects.filter(username__startswith="dfe.").exists()
    assert refusal().detail == {"reason": "no_role"}
    assert len(dfe_roles_api.requests) == 1


def test_roles_at_another_organisation_never_open_the_chosen_one(
    client, dfe_sign_in, dfe_roles_api
):
    first = make_organisation(name="First College")
    second = make_organisation(name="Second College")
    # A super user at the first organisation, nothing at the second.
    dfe_roles_api.grant(
        organisation_id=DFE_ORGANISATION_ID, user_id=subject_of("both"), codes=["LRS_SUPER_USER"]
    )
    dfe_sign_in.people(
        [
            dfe_person(
                "both",
                ukprn=second.ukprn,
                roles=["LRS_SUPER_USER"],
                organisation_id=OTHER_DFE_ORGANISATION_ID,
            )
        ]
    )
    response = sign_in_with_dfe(client, dfe_sign_in, "both")
    assert response.status_code == 403
    assert "You do not have a role in LRS for Second College" in text_of(response)
    assert signed_in_user(client) is None
    [request] = dfe_roles_api.requests
    assert f"/organisations/{OTHER_DFE_ORGANISATION_ID}/" in request.path
    assert not User.objects.filter(organisation__in=[first, second]).exists()


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        ("status 500", "status 500"),
        ("status 503", "status 503"),
        ("wrong secret", "status 401"),
        ("timeout", "timeout"),
        ("unreachable", "unreachable"),
    ],
)
def test_the_api_failing_is_a_clear_refusal_page_and_an_audit_entry(
    client, dfe_sign_in, dfe_roles_api, settings, failure, error
):
    college = make_organisation(name="Fenland College")
    dfe_roles_api.grant(
        organisation_id=DFE_ORGANISATION_ID, user_id=subject_of("amira"), codes=["LRS_SUPER_USER"]
    )
    if failure.startswith("status"):
        dfe_roles_api.fail_with = int(failure.split()[1])
    elif failure == "wrong secret":
        settings.LRS_DFE_SIGN_IN_API_SECRET = "not-the-secret-dfe-sign-in-knows"
    elif failure == "timeout":
        settings.LRS_DFE_SIGN_IN_API_TIMEOUT = 0.3
        dfe_roles_api.delay = 1.5
    else:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
        settings.LRS_DFE_SIGN_IN_API_URL = f"http://127.0.0.1:{port}"
    dfe_sign_in.people([dfe_person("amira", ukprn=college.ukprn, roles=["LRS_SUPER_USER"])])
    response = sign_in_with_dfe(client, dfe_sign_in, "amira")
    assert response.status_code == 503
    text = text_of(response)
    assert "We could not check your role in LRS" in text
    assert "DfE Sign-in could not tell us your role in LRS just now" in text
    assert "Traceback" not in text
    assert signed_in_user(client) is None
    assert not User.objects.filter(username__startswith="dfe.").exists()
    entry = refusal()
    assert entry.outcome == Outcome.REFUSED
    assert entry.organisation == college
    assert entry.detail == {"reason": "roles_unavailable", "error": error}
    if failure == "wrong secret":
        assert dfe_roles_api.refused_tokens


def test_the_client_signs_a_fresh_short_lived_token_the_api_accepts(dfe_roles_api):
    api = RolesApi(
        url=dfe_roles_api.url,
        secret=roles_api_stand_in.SECRET,
        client_id=LOCAL_CLIENT_ID,
        service_id=roles_api_stand_in.SERVICE_ID,
        timeout=5,
    )
    dfe_roles_api.grant(organisation_id="org-1", user_id="user-1", codes=["A", "B"])
    assert api.role_codes(user_id="user-1", organisation_id="org-1") == ["A", "B"]
    assert api.role_codes(user_id="user-1", organisation_id="org-2") == []
    assert [r.path.split("/")[4] for r in dfe_roles_api.requests] == ["org-1", "org-2"]
    assert all(r.claims["exp"] <= int(time.time()) + 60 for r in dfe_roles_api.requests)
    # Another client's id is refused by the API, and LRS says the roles are unavailable.
    stranger = RolesApi(**{**api.__dict__, "client_id": "someone-else"})
    with pytest.raises(RolesUnavailable, match="status 401"):
        stranger.role_codes(user_id="user-1", organisation_id="org-1")
    assert "issuer" in dfe_roles_api.refused_tokens[-1].lower()


def test_without_the_api_configured_roles_are_read_from_the_claim(client, dfe_sign_in, settings):
    # The local stand-in provider of the demo and tests gives roles in a claim.
    assert settings.LRS_DFE_SIGN_IN_API_URL == ""
    college = make_organisation()
    dfe_sign_in.people([dfe_person("dev", ukprn=college.ukprn, roles=["LRS_BATCH_USER"])])
    sign_in_with_dfe(client, dfe_sign_in, "dev")
    user = signed_in_user(client)
    assert user is not None
    assert user.role == Role.BATCH_USER


def test_an_answer_about_another_organisation_is_not_believed(dfe_roles_api):
    api = RolesApi(
        url=dfe_roles_api.url,
        secret=roles_api_stand_in.SECRET,
        client_id=LOCAL_CLIENT_ID,
        service_id=roles_api_stand_in.SERVICE_ID,
        timeout=5,
    )
    dfe_roles_api.grant(organisation_id="org-1", user_id="user-1", codes=["LRS_SUPER_USER"])
    dfe_roles_api.answer_organisation_id = "org-2"
    with pytest.raises(RolesUnavailable, match="answer for another organisation"):
        api.role_codes(user_id="user-1", organisation_id="org-1")

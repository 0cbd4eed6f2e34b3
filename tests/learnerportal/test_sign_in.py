"""Signing in with the local OpenID Connect provider (the real protocol, end to end):
only an exact match links the sign-in to a ULN; anything else shows no record."""

from __future__ import annotations

import pytest

from lrs.audit.models import AuditEntry
from lrs.learnerportal.models import LearnerIdentity
from lrs.learnerportal.sessions import SESSION_KEY
from tests.factories import OLIVIA
from tests.learnerportal.oidc_helpers import person, person_from, sign_in_with_test_client
from tests.portal.helpers import text_of

pytestmark = pytest.mark.django_db


def test_a_learner_whose_proven_identity_matches_exactly_signs_in_and_sees_their_uln(
    client, one_login, olivia, olivia_events
):
    one_login.people([person_from(OLIVIA, "olivia")])
    response = sign_in_with_test_client(client, one_login, "olivia")
    assert response.status_code == 302
    assert response["Location"] == "/learner/"
    identity = LearnerIdentity.objects.get()
    assert identity.learner == olivia
    assert identity.email == "learner@example.com"
    home = client.get("/learner/")
    assert home.status_code == 200
    assert olivia.uln in text_of(home)
    entry = AuditEntry.objects.filter(action="learner.sign_in").latest("id")
    assert entry.object_id == olivia.uln
    assert entry.actor_username == f"learner:{identity.pk}"
    assert "Olivia" not in str(entry.detail)


def test_a_sign_in_that_only_possibly_matches_shows_no_record_and_says_what_to_do(
    client, one_login, olivia
):
    # A nickname is never enough for an exact match (twins are given related names).
    one_login.people(
        [person("liv", given=["Liv"], family="Thornbury", born="2006-03-14", postcodes=["CV4 9EE"])]
    )
    response = sign_in_with_test_client(client, one_login, "liv")
    assert response["Location"] == "/learner/no-record"
    page = client.get("/learner/no-record")
    text = text_of(page)
    assert "We could not find your record" in text
    assert "not close enough" in text
    assert olivia.uln not in text
    assert "Thornbury" not in text
    assert not LearnerIdentity.objects.exists()
    assert SESSION_KEY not in client.session
    assert client.get("/learner/").status_code == 302
    refused = AuditEntry.objects.filter(action="learner.sign_in").latest("id")
    assert refused.outcome == "refused"
    assert refused.detail["match"] == "possible"
    assert refused.object_id == ""


def test_someone_not_on_the_register_is_told_there_is_no_record(client, one_login, olivia):
    one_login.people(
        [person("sam", given=["Sam"], family="Okafor", born="1990-07-01", postcodes=["LS1 4AP"])]
    )
    response = sign_in_with_test_client(client, one_login, "sam")
    assert response["Location"] == "/learner/no-record"
    text = text_of(client.get("/learner/no-record"))
    assert "We do not hold a record" in text


def test_a_previous_address_finds_a_learner_registered_before_they_moved(client, one_login, olivia):
    one_login.people(
        [
            person(
                "moved",
                given=["Olivia"],
                family="Thornbury",
                born="2006-03-14",
                postcodes=["LS1 4AP", "CV4 9EE"],
            )
        ]
    )
    response = sign_in_with_test_client(client, one_login, "moved")
    assert response["Location"] == "/learner/"
    assert LearnerIdentity.objects.get().learner == olivia


def test_cancelling_at_the_provider_signs_nobody_in(client, one_login, olivia):
    one_login.people([person_from(OLIVIA, "olivia")])
    response = sign_in_with_test_client(client, one_login, "olivia", cancel=True)
    assert response.status_code == 200
    assert "You did not finish signing in" in text_of(response)
    assert SESSION_KEY not in client.session


def test_a_forged_callback_with_an_unknown_state_signs_nobody_in(client, one_login, olivia):
    response = client.get("/learner/sign-in/callback?code=abc&state=forged")
    assert response.status_code == 400
    assert "could not sign you in" in text_of(response)
    assert SESSION_KEY not in client.session


def test_signing_in_as_a_learner_ends_an_organisation_users_session(
    client, one_login, olivia, provider_user
):
    from tests.portal.helpers import sign_in_as

    sign_in_as(client, provider_user)
    one_login.people([person_from(OLIVIA, "olivia")])
    sign_in_with_test_client(client, one_login, "olivia")
    assert client.get("/learner/").status_code == 200
    # The organisation's pages now see a stranger.
    assert client.get("/").status_code == 302


def test_learner_sign_in_is_unavailable_without_a_configured_provider(client, settings):
    settings.LRS_OIDC_PROVIDERS = {}
    page = client.get("/learner/sign-in")
    assert "Signing in is not available" in text_of(page)
    assert client.post("/learner/sign-in/start").status_code == 503

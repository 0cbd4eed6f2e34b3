import pytest
from django.conf import settings
from django.test import Client

from lrs.access import Role
from lrs.audit.models import AuditEntry, Outcome
from lrs.organisations.services import organisation_change_status
from lrs.users.services import user_deactivate
from tests.factories import PASSWORD, make_organisation, make_user
from tests.portal.helpers import (
    error_summary_links,
    sign_in_as,
    sign_in_with_password,
    text_of,
    title,
)
from tests.twofactor_helpers import enrol, next_code

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_is_a_gov_uk_page_with_labelled_username_and_password(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    html = response.content.decode()
    assert title("Sign in") in html
    assert 'class="govuk-template"' in html
    assert '<label class="govuk-label" for="username">' in html
    assert '<label class="govuk-label" for="password">' in html
    assert 'autocomplete="current-password"' in html
    assert "govuk-phase-banner" in html
    assert 'href="#main-content" class="govuk-skip-link"' in html
    assert "Sign out" not in html


def test_signing_in_with_the_right_password_goes_to_home_and_is_audited(client):
    # An online user needs no second factor (tests/twofactor cover those who do).
    user = make_user(role=Role.ONLINE_USER)
    response = client.post("/sign-in", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Test Person" in text_of(home)
    assert AuditEntry.objects.filter(action="user.sign_in", actor=user).exists()


def test_signing_in_returns_to_the_page_asked_for_after_the_second_factor(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    response = client.post(
        "/sign-in?next=/users/",
        {"username": user.username, "password": PASSWORD, "next": "/users/"},
    )
    assert response["Location"] == "/sign-in/code"
    response = client.post("/sign-in/code", {"code": next_code(user)})
    assert response["Location"] == "/users/"


def test_a_wrong_password_gets_the_generic_message_and_never_says_which_was_wrong(client):
    user = make_user()
    response = client.post("/sign-in", {"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    assert error_summary_links(response) == [("#username", "Enter a correct username and password")]
    assert title("Error: Sign in") in response.content.decode()
    page = text_of(response).lower()
    assert "password is incorrect" not in page
    assert "no such user" not in page
    assert AuditEntry.objects.filter(action="user.sign_in", outcome=Outcome.REFUSED).exists()


def test_an_unknown_username_gets_exactly_the_same_message_as_a_wrong_password(client):
    make_user(username="known.user")
    wrong_password = client.post(
        "/sign-in", {"username": "known.user", "password": "wrong-1234567"}
    )
    unknown_user = client.post("/sign-in", {"username": "no.such", "password": "wrong-1234567"})
    assert error_summary_links(wrong_password) == error_summary_links(unknown_user)


def test_empty_fields_get_one_error_each_linking_to_the_field(client):
    response = client.post("/sign-in", {"username": "", "password": ""})
    assert error_summary_links(response) == [
        ("#username", "Enter your username"),
        ("#password", "Enter your password"),
    ]
    html = response.content.decode()
    assert 'aria-describedby="username-error"' in html
    assert "govuk-form-group--error" in html


def test_five_wrong_passwords_lock_the_account_for_a_while_even_with_the_right_one(client):
    user = make_user()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/sign-in", {"username": user.username, "password": "wrong-password-1"})
    response = client.post("/sign-in", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    page = text_of(response)
    assert "Your account is locked" in page
    assert "locked for 30 minutes" in page
    assert "_auth_user_id" not in client.session


def test_a_deactivated_user_cannot_sign_in_and_gets_the_generic_message(client):
    organisation = make_organisation()
    make_user(organisation, Role.SUPER_USER)
    leaver = make_user(organisation, Role.ONLINE_USER)
    user_deactivate(actor=None, user=leaver)
    response = client.post("/sign-in", {"username": leaver.username, "password": PASSWORD})
    assert response.status_code == 200
    assert error_summary_links(response) == [("#username", "Enter a correct username and password")]
    assert "_auth_user_id" not in client.session


def test_a_user_of_a_suspended_organisation_cannot_sign_in(client):
    user = make_user()
    organisation_change_status(
        actor=None, organisation=user.organisation, status="suspended", reason="test"
    )
    response = client.post("/sign-in", {"username": user.username, "password": PASSWORD})
    assert error_summary_links(response) == [("#username", "Enter a correct username and password")]
    assert "_auth_user_id" not in client.session


def test_suspending_an_organisation_ends_its_users_sessions(client):
    user = make_user()
    sign_in_with_password(client, user)
    organisation_change_status(
        actor=None, organisation=user.organisation, status="suspended", reason="test"
    )
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in")


def test_the_header_shows_who_is_signed_in_their_organisation_and_a_sign_out_button(client):
    user = make_user(role=Role.SUPER_USER)
    sign_in_with_password(client, user)
    html = client.get("/").content.decode()
    assert "Test Person" in html
    assert user.organisation.name in html
    assert '<form method="post" action="/sign-out"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signing_out_is_post_only_and_confirms_on_the_sign_in_page(client):
    user = make_user()
    sign_in_with_password(client, user)
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out", follow=True)
    assert response.redirect_chain[-1][0] == "/sign-in"
    assert "You have signed out" in text_of(response)
    assert "govuk-notification-banner--success" in response.content.decode()
    assert client.get("/").status_code == 302
    assert AuditEntry.objects.filter(action="user.sign_out", actor=user).exists()


def test_sign_out_without_the_csrf_token_is_refused_and_the_user_stays_signed_in():
    strict = sign_in_as(Client(enforce_csrf_checks=True), make_user())
    assert strict.post("/sign-out").status_code == 403
    assert strict.get("/").status_code == 200


def test_a_signed_in_user_visiting_sign_in_goes_home(client):
    user = make_user()
    sign_in_with_password(client, user)
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response["Location"] == "/"

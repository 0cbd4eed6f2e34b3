"""Sign-in links: a user created without a password chooses one at a one-time link, which
stops working once used, when a newer link is sent, or when it expires."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.urls import resolve, reverse

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import ValidationFailed
from lrs.organisations.services import organisation_change_status
from lrs.users.models import User
from lrs.users.services import (
    SignInLinkInvalid,
    user_create,
    user_deactivate,
    user_from_sign_in_link,
    user_set_password_with_link,
    user_sign_in_link,
)
from tests.factories import PASSWORD, make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title
from tests.twofactor_helpers import code_for_key

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-perfectly-fine-passphrase"
INVALID_TITLE = "This link has expired or has already been used"


def new_super_user(username: str = "priya.shah") -> User:
    return user_create(
        actor=None,
        organisation=make_organisation(name="Brookfield College"),
        username=username,
        role=Role.SUPER_USER,
        password=None,
        email="priya.shah@brookfield.example",
        first_name="Priya",
        last_name="Shah",
    )


def parts(link: str) -> tuple[str, str]:
    match = resolve(link)
    return match.kwargs["uidb64"], match.kwargs["token"]


def sign_in(username: str, password: str) -> User | None:
    return authenticate(RequestFactory().post("/sign-in"), username=username, password=password)


def open_link(client, link: str):
    """Open the link as the email's recipient does: it redirects to the form."""
    response = client.get(link)
    assert response.status_code == 302
    return response["Location"]


# --- Services -------------------------------------------------------------------------------


def test_a_user_created_without_a_password_exists_but_cannot_sign_in():
    user = new_super_user()
    assert user.is_active
    assert not user.has_usable_password()
    assert sign_in("priya.shah", "") is None
    assert AuditEntry.objects.filter(action="user.create", object_id="priya.shah").exists()


def test_creating_a_user_with_a_password_still_checks_and_sets_it():
    with pytest.raises(ValidationFailed) as excinfo:
        make_user(password="short")
    assert {p.field for p in excinfo.value.problems} == {"password"}
    user = make_user(username="jo.bloggs")
    assert user.has_usable_password()
    assert sign_in("jo.bloggs", PASSWORD) == user


def test_the_link_is_a_portal_path_with_the_users_id_and_a_token():
    user = new_super_user()
    link = user_sign_in_link(user=user)
    assert link.startswith("/account/set-password/")
    match = resolve(link)
    assert match.url_name == "set-password"
    assert user_from_sign_in_link(**match.kwargs) == user


def test_setting_the_password_uses_up_the_link_and_is_audited():
    user = new_super_user()
    uidb64, token = parts(user_sign_in_link(user=user))
    user_set_password_with_link(uidb64=uidb64, token=token, password=NEW_PASSWORD)
    assert sign_in("priya.shah", NEW_PASSWORD) == user
    entry = AuditEntry.objects.get(action="user.set_password")
    assert (entry.actor, entry.object_id) == (user, "priya.shah")
    assert entry.detail == {"via": "sign_in_link", "first_password": True}
    with pytest.raises(SignInLinkInvalid):
        user_set_password_with_link(uidb64=uidb64, token=token, password="another-passphrase-1")
    assert sign_in("priya.shah", NEW_PASSWORD) == user


def test_the_password_must_pass_djangos_validators():
    user = new_super_user()
    uidb64, token = parts(user_sign_in_link(user=user))
    for weak in ("short", "password1234", "priya.shah.1"):
        with pytest.raises(ValidationFailed) as excinfo:
            user_set_password_with_link(uidb64=uidb64, token=token, password=weak)
        assert {p.field for p in excinfo.value.problems} == {"password"}
    user_set_password_with_link(uidb64=uidb64, token=token, password=NEW_PASSWORD)


def test_a_link_expires_after_the_password_reset_timeout(settings, monkeypatch):
    user = new_super_user()
    uidb64, token = parts(user_sign_in_link(user=user))
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    with pytest.raises(SignInLinkInvalid):
        user_from_sign_in_link(uidb64=uidb64, token=token)


@pytest.mark.parametrize(
    ("uidb64", "token"),
    [("nonsense", "nonsense"), ("MTIzNDU2Nzg", "abc-def"), ("!!", "x"), ("", "")],
)
def test_malformed_links_and_links_for_nobody_are_invalid(uidb64, token):
    with pytest.raises(SignInLinkInvalid):
        user_from_sign_in_link(uidb64=uidb64, token=token)


def test_links_of_deactivated_users_and_of_suspended_organisations_are_invalid():
    user = new_super_user()
    link = user_sign_in_link(user=user)
    organisation_change_status(
        actor=None, organisation=user.organisation, status="suspended", reason="Checks"
    )
    with pytest.raises(SignInLinkInvalid):
        user_from_sign_in_link(**resolve(link).kwargs)
    organisation_change_status(
        actor=None, organisation=user.organisation, status="active", reason="Done"
    )
    assert user_from_sign_in_link(**resolve(link).kwargs) == user
    make_user(user.organisation, Role.SUPER_USER)  # so the first may be deactivated
    user_deactivate(actor=None, user=user)
    with pytest.raises(SignInLinkInvalid):
        user_from_sign_in_link(**resolve(link).kwargs)


# --- The page -------------------------------------------------------------------------------


def test_the_url():
    assert (
        reverse("portal:set-password", kwargs={"uidb64": "MQ", "token": "abc-123"})
        == "/account/set-password/MQ/abc-123"
    )


def test_the_link_hides_its_token_then_asks_for_a_password_and_sends_the_user_to_sign_in(client):
    user = new_super_user()
    link = user_sign_in_link(user=user)
    uidb64, token = parts(link)
    form_url = open_link(client, link)
    assert form_url == f"/account/set-password/{uidb64}/set"
    assert token not in form_url

    response = client.get(form_url)
    assert response.status_code == 200
    assert title("Choose your password") in response.content.decode()
    text = text_of(response)
    assert "Your username is priya.shah" in text
    assert "Brookfield College" in text
    assert response["Cache-Control"].startswith("max-age=0")

    response = client.post(form_url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:sign-in")
    response = client.get(response["Location"])
    assert (
        "Your password has been set. Sign in with your username, priya.shah, and your new "
        "password." in text_of(response)
    )

    response = client.post(
        reverse("portal:sign-in"), {"username": "priya.shah", "password": NEW_PASSWORD}
    )
    # A super user sets up their authenticator app before they are signed in.
    assert response["Location"] == reverse("portal:sign-in-set-up")
    set_up = client.get(response["Location"])
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', set_up.content.decode())
    assert key is not None
    response = client.post(
        response["Location"], {"code": code_for_key(key.group(1).replace(" ", ""))}
    )
    assert response["Location"] == reverse("portal:two-factor-recovery-codes")
    assert client.get("/").context["user"] == user


def test_the_page_explains_what_is_wrong_with_the_password(client):
    user = new_super_user()
    form_url = open_link(client, user_sign_in_link(user=user))
    response = client.post(form_url, {"password": "", "password_confirm": ""})
    assert error_summary_links(response) == [
        ("#password", "Enter a password"),
        ("#password_confirm", "Confirm your password"),
    ]
    response = client.post(form_url, {"password": NEW_PASSWORD, "password_confirm": "different"})
    assert error_summary_links(response) == [("#password_confirm", "The passwords do not match")]
    response = client.post(form_url, {"password": "short", "password_confirm": "short"})
    links = error_summary_links(response)
    assert links
    assert all(href == "#password" for href, _ in links)
    assert "too short" in " ".join(text for _, text in links)
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_used_link_shows_a_clear_page_saying_whom_to_ask(client):
    user = new_super_user()
    link = user_sign_in_link(user=user)
    form_url = open_link(client, link)
    client.post(form_url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})

    for url in (link, form_url):
        response = client.get(url)
        assert response.status_code == 200
        assert title(INVALID_TITLE) in response.content.decode()
        text = text_of(response)
        assert "ask the LRS service desk" in text
        assert "ask a super user in your organisation" in text


def test_the_form_without_a_link_opened_in_this_browser_is_invalid(client):
    user = new_super_user()
    uidb64, _ = parts(user_sign_in_link(user=user))
    response = client.get(f"/account/set-password/{uidb64}/set")
    assert title(INVALID_TITLE) in response.content.decode()
    response = client.post(
        f"/account/set-password/{uidb64}/set",
        {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert title(INVALID_TITLE) in response.content.decode()
    user.refresh_from_db()
    assert not user.has_usable_password()


def test_a_made_up_link_is_invalid(client):
    response = client.get("/account/set-password/MTIzNDU2/abc-0123456789")
    assert response.status_code == 200
    assert title(INVALID_TITLE) in response.content.decode()


def test_someone_else_signed_in_on_the_browser_is_signed_out_when_the_password_is_set(client):
    other = make_user(username="someone.else")
    sign_in_as(client, other)
    user = new_super_user()
    form_url = open_link(client, user_sign_in_link(user=user))
    response = client.post(form_url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response["Location"] == reverse("portal:sign-in")
    response = client.get(reverse("portal:sign-in"))
    assert response.status_code == 200  # not sent on to someone.else's home page
    assert not response.context["user"].is_authenticated


def test_the_sign_in_page_links_to_applying_for_an_organisation(client):
    response = client.get(reverse("portal:sign-in"))
    html = response.content.decode()
    assert f'href="{reverse("portal:organisation-apply")}"' in html
    assert "Apply for your organisation to use LRS" in text_of(response)

"""A super user resets the password of a user of their organisation: the old password
stops working at once and the user is emailed a one-time link to choose a new one."""

from __future__ import annotations

import re

import pytest

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted
from lrs.users.models import User
from lrs.users.services import user_deactivate, user_password_reset
from tests.factories import PASSWORD, make_organisation, make_user
from tests.organisations.factories import queued_emails
from tests.portal.helpers import sign_in_as, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return make_organisation()


@pytest.fixture
def super_user(organisation):
    return make_user(organisation, Role.SUPER_USER)


@pytest.fixture
def colleague(organisation):
    return make_user(organisation, Role.ONLINE_USER)


def test_a_reset_stops_the_old_password_and_emails_a_one_time_link_and_is_audited(
    super_user, colleague
):
    user_password_reset(actor=super_user, user=colleague, portal_url="https://lrs.example/")

    colleague.refresh_from_db()
    assert not colleague.check_password(PASSWORD)
    [email] = queued_emails()
    assert email["to"] == [colleague.email]
    assert f"Your username is: {colleague.username}" in email["body"]
    assert re.search(r"https://lrs\.example/account/set-password/\S+", email["body"])
    assert "ask your organisation's super user to send you a new one" in email["body"]
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor == super_user
    assert entry.object_id == colleague.username


def test_only_a_super_user_of_the_same_organisation_may_reset_a_password(super_user, colleague):
    with pytest.raises(NotPermitted):
        user_password_reset(actor=colleague, user=super_user)
    stranger = make_user(make_organisation(), Role.SUPER_USER)
    with pytest.raises(NotPermitted):
        user_password_reset(actor=stranger, user=colleague)
    assert queued_emails() == []


def test_a_deactivated_user_or_one_without_an_email_address_is_not_reset(super_user, colleague):
    User.objects.filter(pk=colleague.pk).update(email="")
    with pytest.raises(Conflict) as excinfo:
        user_password_reset(actor=super_user, user=colleague)
    assert "has no email address" in excinfo.value.message
    user_deactivate(actor=super_user, user=colleague)
    with pytest.raises(Conflict):
        user_password_reset(actor=super_user, user=colleague)
    colleague.refresh_from_db()
    assert queued_emails() == []


def test_the_user_page_resets_after_a_confirmation(client, super_user, colleague):
    signed_in = sign_in_as(client, super_user)
    page = signed_in.get(f"/users/{colleague.pk}/")
    assert f'href="/users/{colleague.pk}/reset-password"' in page.content.decode()
    confirm = signed_in.get(f"/users/{colleague.pk}/reset-password")
    assert "Their password will stop working at once" in text_of(confirm)

    done = signed_in.post(f"/users/{colleague.pk}/reset-password", follow=True)

    assert "password has been reset" in text_of(done)
    colleague.refresh_from_db()
    assert not colleague.has_usable_password()


def test_an_online_user_cannot_open_the_reset_page(client, super_user, colleague):
    signed_in = sign_in_as(client, colleague)
    assert signed_in.post(f"/users/{super_user.pk}/reset-password").status_code == 403

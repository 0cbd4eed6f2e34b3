"""Two-factor sign-in through the portal's forms (the browser journeys are in
tests/browser/test_two_factor_journeys.py)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry, Outcome
from lrs.twofactor.services import two_factor_required
from tests.factories import PASSWORD, make_organisation, make_token, make_user
from tests.portal.helpers import sign_in_as, text_of
from tests.twofactor_helpers import code_for_key, enrol, next_code

pytestmark = pytest.mark.django_db


def password(client, user):
    return client.post("/sign-in", {"username": user.username, "password": PASSWORD})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_super_users_and_service_desk_users_must_use_it_and_others_may():
    college = make_organisation()
    desk = make_organisation(OrganisationType.SERVICE_DESK)
    assert two_factor_required(user=make_user(college, Role.SUPER_USER))
    assert two_factor_required(user=make_user(desk, Role.SERVICE_DESK_USER))
    assert not two_factor_required(user=make_user(college, Role.ONLINE_USER))
    assert not two_factor_required(user=make_user(college, Role.BATCH_USER))


def test_a_setting_requires_it_of_everyone(settings):
    settings.LRS_TWO_FACTOR_REQUIRED_FOR_ALL = True
    college = make_organisation()
    assert two_factor_required(user=make_user(college, Role.VIEW_LEARNER_ONLY))


def test_a_super_user_with_the_right_password_alone_is_not_signed_in(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    response = password(client, user)
    assert response["Location"] == "/sign-in/code"
    assert not signed_in(client)
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith("/sign-in")
    assert not AuditEntry.objects.filter(action="user.sign_in", actor=user).exists()


def test_a_required_user_without_an_app_must_set_one_up_before_signing_in(client):
    user = make_user(role=Role.SUPER_USER)
    response = password(client, user)
    assert response["Location"] == "/sign-in/set-up-two-factor"
    assert not signed_in(client)
    # The code step cannot be skipped to: there is no app to check against.
    page = client.get("/sign-in/set-up-two-factor")
    html = page.content.decode()
    assert "<svg" in html
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    wrong = client.post("/sign-in/set-up-two-factor", {"code": "000000"})
    assert "The code is not right" in text_of(wrong)
    assert not signed_in(client)
    done = client.post("/sign-in/set-up-two-factor", {"code": code_for_key(key)})
    assert done["Location"] == "/account/two-factor/recovery-codes"
    assert signed_in(client)
    codes_page = client.get("/account/two-factor/recovery-codes")
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page.content.decode())
    assert len(codes) == 10
    # Shown once.
    again = client.get("/account/two-factor/recovery-codes")
    assert "Your recovery codes have been shown" in text_of(again)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert AuditEntry.objects.filter(action="user.two_factor_enrol", actor=user).exists()


def test_the_right_code_signs_in_and_is_audited(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    password(client, user)
    response = client.post("/sign-in/code", {"code": next_code(user)})
    assert response["Location"] == "/"
    assert signed_in(client)
    assert AuditEntry.objects.filter(action="user.sign_in", actor=user).exists()


def test_a_code_works_only_once(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    code = next_code(user)
    password(client, user)
    client.post("/sign-in/code", {"code": code})
    client.post("/sign-out")
    password(client, user)
    response = client.post("/sign-in/code", {"code": code})
    assert response.status_code == 200
    assert not signed_in(client)


def test_a_wrong_code_is_refused_clearly_and_audited(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    password(client, user)
    response = client.post(
        "/sign-in/code", {"code": "123456" if next_code(user) != "123456" else "654321"}
    )
    assert response.status_code == 200
    assert "The code is not right" in text_of(response)
    assert not signed_in(client)
    assert AuditEntry.objects.filter(
        action="user.two_factor_code", actor=user, outcome=Outcome.REFUSED
    ).exists()
    empty = client.post("/sign-in/code", {"code": ""})
    assert "Enter the code from your authenticator app" in text_of(empty)


def test_a_recovery_code_signs_in_once(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    sign_in_as(client, user)
    client.post("/account/two-factor/new-recovery-codes")
    codes = re.findall(
        r"<li><code>([a-z0-9]+)</code></li>",
        client.get("/account/two-factor/recovery-codes").content.decode(),
    )
    client.post("/sign-out")
    password(client, user)
    response = client.post("/sign-in/code", {"code": codes[0]}, follow=True)
    assert signed_in(client)
    assert "You used a recovery code. You have 9 left" in text_of(response)
    client.post("/sign-out")
    password(client, user)
    response = client.post("/sign-in/code", {"code": codes[0]})
    assert not signed_in(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_too_many_wrong_codes_lock_signing_in_even_with_the_right_code(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    password(client, user)
    for _ in range(settings.LRS_TWO_FACTOR_FAILURE_LIMIT):
        response = client.post("/sign-in/code", {"code": "not-a-code"})
    assert response.status_code == 429
    assert "Your account is locked" in text_of(response)
    # Starting again with the right password and code does not help until it ends.
    response = password(client, user)
    assert response.status_code == 429
    assert not signed_in(client)
    assert AuditEntry.objects.filter(
        action="user.two_factor_code", actor=user, detail__locked=True
    ).exists()


def test_an_online_user_signs_in_with_a_password_until_they_turn_it_on(client):
    user = make_user(role=Role.ONLINE_USER)
    assert password(client, user)["Location"] == "/"
    page = client.get("/account/two-factor/")
    assert "You sign in with your password alone" in text_of(page)
    html = client.get("/account/two-factor/set-up").content.decode()
    key = re.search(r'id="two-factor-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    client.post("/account/two-factor/set-up", {"code": code_for_key(key)})
    client.post("/sign-out")
    assert password(client, user)["Location"] == "/sign-in/code"
    client.post("/sign-in/code", {"code": next_code(user)})
    # They may turn it off again; a super user may not.
    assert client.post("/account/two-factor/turn-off")["Location"] == "/account/two-factor/"
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_super_user_cannot_turn_it_off(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    sign_in_as(client, user)
    client.post("/account/two-factor/turn-off")
    assert TOTPDevice.objects.filter(user=user).exists()
    assert "you cannot turn it off" in text_of(client.get("/account/two-factor/"))


def test_a_super_user_resets_a_users_second_factor_with_an_audit_entry_and_an_email(client):
    organisation = make_organisation()
    admin = make_user(organisation, Role.SUPER_USER)
    colleague = make_user(organisation, Role.SUPER_USER)
    enrol(colleague)
    sign_in_as(client, admin)
    page = client.get(f"/users/{colleague.pk}/reset-two-factor")
    assert "Are you sure you want to reset the two-factor sign-in" in text_of(page)
    response = client.post(f"/users/{colleague.pk}/reset-two-factor")
    assert response["Location"] == f"/users/{colleague.pk}/"
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    entry = AuditEntry.objects.get(action="user.two_factor_reset")
    assert entry.actor == admin
    assert entry.object_id == colleague.username
    email = DBTaskResult.objects.get(task_path="lrs.core.tasks.send_email")
    kwargs = email.args_kwargs["kwargs"]
    assert kwargs["to"] == [colleague.email]
    assert kwargs["kind"] == "two_factor_reset"
    assert "has reset the two-factor sign-in" in kwargs["body"]


def test_a_super_user_cannot_reset_their_own_or_another_organisations(client):
    admin = make_user(role=Role.SUPER_USER)
    enrol(admin)
    other = make_user(make_organisation(), Role.SUPER_USER)
    enrol(other)
    sign_in_as(client, admin)
    client.post(f"/users/{admin.pk}/reset-two-factor")
    assert TOTPDevice.objects.filter(user=admin).exists()
    assert client.post(f"/users/{other.pk}/reset-two-factor").status_code == 404
    assert TOTPDevice.objects.filter(user=other).exists()


def test_api_tokens_are_unaffected(client):
    user = make_user(role=Role.SUPER_USER)
    enrol(user)
    token = make_token(user)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200

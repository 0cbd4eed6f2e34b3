import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.organisations.services import organisation_change_status
from lrs.users.models import User
from lrs.users.services import (
    user_change_role,
    user_create,
    user_deactivate,
    user_reactivate,
)
from tests.factories import PASSWORD, make_organisation, make_token, make_user

pytestmark = pytest.mark.django_db


def sign_in(username, password=PASSWORD):
    return authenticate(RequestFactory().post("/sign-in"), username=username, password=password)


def test_a_super_user_creates_a_user_in_their_own_organisation_and_it_is_audited():
    admin = make_user(role=Role.SUPER_USER)
    created = user_create(
        actor=admin,
        organisation=admin.organisation,
        username="jo.bloggs",
        role="batch_user",
        password=PASSWORD,
    )
    assert created.organisation == admin.organisation
    entry = AuditEntry.objects.get(action="user.create", object_id="jo.bloggs")
    assert entry.actor == admin
    assert entry.detail == {"role": "batch_user"}


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from lrs import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_a_super_user_cannot_create_users_in_another_organisation():
    admin = make_user()
    with pytest.raises(NotPermitted):
        user_create(
            actor=admin,
            organisation=make_organisation(),
            username="intruder",
            role="online_user",
            password=PASSWORD,
        )


def test_users_without_the_super_user_role_cannot_manage_users():
    org = make_organisation()
    make_user(org)
    online = make_user(org, Role.ONLINE_USER)
    with pytest.raises(NotPermitted):
        user_create(
            actor=online, organisation=org, username="x.y", role="online_user", password=PASSWORD
        )


def test_unknown_role_weak_password_and_bad_username_are_all_reported_by_field():
    org = make_organisation()
    with pytest.raises(ValidationFailed) as excinfo:
        user_create(actor=None, organisation=org, username="a", role="wizard", password="short")
    problems = {p.field: p.rule for p in excinfo.value.problems}
    assert set(problems) == {"username", "role", "password"}
    assert "Unknown role 'wizard'" in problems["role"]
    assert User.objects.count() == 0


def test_a_role_that_does_not_belong_to_the_organisation_type_is_refused():
    with pytest.raises(ValidationFailed, match="cannot have an awarding organisation user"):
        make_user(make_organisation(OrganisationType.SCHOOL), Role.AWARDING_ORGANISATION_USER)


def test_usernames_are_unique_ignoring_case():
    make_user(username="Sam.Smith")
    with pytest.raises(ValidationFailed, match="already taken"):
        make_user(username="sam.smith")


def test_changing_a_role_is_audited_with_old_and_new_roles():
    org = make_organisation()
    admin = make_user(org)
    user = make_user(org, Role.ONLINE_USER)
    user_change_role(actor=admin, user=user, role="batch_user")
    user.refresh_from_db()
    assert user.role == "batch_user"
    entry = AuditEntry.objects.get(action="user.change_role")
    assert entry.detail == {"from": "online_user", "to": "batch_user"}


def test_the_last_active_super_user_cannot_be_demoted_or_deactivated():
    org = make_organisation()
    admin = make_user(org)
    with pytest.raises(Conflict) as demoted:
        user_change_role(actor=admin, user=admin, role="online_user")
    assert demoted.value.code == "last_super_user"
    with pytest.raises(Conflict):
        user_deactivate(actor=admin, user=admin)
    admin.refresh_from_db()
    assert admin.role == Role.SUPER_USER
    assert admin.is_active


def test_a_super_user_can_step_down_once_another_super_user_exists():
    org = make_organisation()
    first = make_user(org)
    second = make_user(org, Role.ONLINE_USER)
    second = user_change_role(actor=first, user=second, role="super_user")
    user_change_role(actor=second, user=first, role="online_user")
    with pytest.raises(Conflict):
        user_deactivate(actor=second, user=second)


def test_a_deactivated_super_user_does_not_count_as_the_last_one():
    org = make_organisation()
    first = make_user(org)
    second = make_user(org)
    user_deactivate(actor=first, user=second)
    with pytest.raises(Conflict):
        user_change_role(actor=first, user=first, role="batch_user")


def test_a_deactivated_user_cannot_sign_in_and_their_tokens_are_revoked():
    org = make_organisation()
    admin = make_user(org)
    user = make_user(org, Role.ONLINE_USER, username="leaver")
    make_token(user)
    assert sign_in("leaver") is not None
    user_deactivate(actor=admin, user=user)
    assert sign_in("leaver") is None
    assert user.api_tokens.filter(revoked_at__isnull=True).count() == 0
    user_reactivate(actor=admin, user=user)
    assert sign_in("leaver") is not None
    assert user.api_tokens.filter(revoked_at__isnull=True).count() == 0


def test_users_of_a_suspended_organisation_cannot_sign_in():
    org = make_organisation()
    make_user(org, username="staff.member")
    organisation_change_status(actor=None, organisation=org, status="suspended", reason="Audit")
    assert sign_in("staff.member") is None


def test_a_wrong_password_fails_and_the_failure_is_audited_without_the_password():
    make_user(username="careful")
    assert sign_in("careful", "not-the-password") is None
    entry = AuditEntry.objects.get(action="user.sign_in", outcome="refused")
    assert entry.detail == {"username": "careful"}
    assert "not-the-password" not in str(entry.detail)

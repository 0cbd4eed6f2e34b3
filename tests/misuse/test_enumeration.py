"""The enumeration watch: ULNs touched by verify, retrieve and look-up are counted per user
and per organisation per day, and someone walking through numbers is suspended at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django_tasks_db.models import DBTaskResult

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.identifiers import uln as uln_rules
from lrs.learners.services import (
    LearnerError,
    learner_lookup,
    learner_register,
    learner_verify,
    learners_retrieve,
)
from lrs.misuse.models import AlertKind, AlertStatus, MisuseAlert, UlnTouch, UlnUsage
from lrs.misuse.services import enumerating, misuse_check
from lrs.users.models import ApiToken, User
from tests.factories import make_organisation, make_token, make_user
from tests.learners.helpers import person
from tests.misuse.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.LRS_ENUMERATION_USER_DAILY_ULNS = 20
    settings.LRS_ENUMERATION_ORGANISATION_DAILY_ULNS = 30
    settings.LRS_ENUMERATION_MIN_ULNS = 10
    settings.LRS_ENUMERATION_UNKNOWN_SHARE = 0.5
    cache.clear()


def unknown_ulns(n: int) -> list[str]:
    return list(uln_rules.random_ulns(n))


def known_ulns(n: int) -> list[str]:
    owner = make_user(make_organisation(), Role.ONLINE_USER)
    return [
        learner_register(
            actor=owner,
            data=person(date_of_birth=f"2001-{i // 28 + 1:02d}-{i % 28 + 1:02d}"),
            confirm_new_learner=True,
            confirmation_reason="A different person of the same name",
        ).learner.uln
        for i in range(n)
    ]


def usage(user: User) -> tuple[int, int]:
    row = UlnUsage.objects.get(organisation=user.organisation, user_key=user.pk)
    return row.distinct_ulns, row.unknown_ulns


def refreshed(user: User) -> User:
    user.refresh_from_db()
    return user


def test_the_settings_have_defaults():
    from lrs import settings as production

    assert production.LRS_ENUMERATION_USER_DAILY_ULNS == 10000
    assert production.LRS_ENUMERATION_ORGANISATION_DAILY_ULNS == 50000
    assert production.LRS_ENUMERATION_MIN_ULNS == 200
    assert production.LRS_ENUMERATION_UNKNOWN_SHARE == 0.5


def test_verify_retrieve_and_lookup_count_distinct_ulns_per_user_and_organisation():
    org = make_organisation()
    user = make_user(org, Role.ONLINE_USER)
    known = learner_register(actor=user, data=person()).learner.uln
    learners_retrieve(actor=user, ulns=[known, known, "12345"])
    learner_verify(actor=user, items=[{"uln": known, "given_name": "A", "family_name": "B"}])
    learner_lookup(actor=user, uln=known, given_name="Olivia", family_name="Thornbury")
    with pytest.raises(LearnerError):
        learner_lookup(actor=user, uln="999", given_name="A", family_name="B")
    # The known ULN counts once however often it was touched; "12345" and "999" are invalid.
    assert usage(user) == (3, 2)
    whole = UlnUsage.objects.get(organisation=org, user_key=0)
    assert (whole.distinct_ulns, whole.unknown_ulns) == (3, 2)
    # The watch keeps digests, never the numbers.
    assert not UlnTouch.objects.filter(digest=known).exists()
    assert refreshed(user).is_active


def test_a_cohort_of_real_learners_under_the_limit_is_not_enumeration():
    assert not enumerating(20, 0, limit=20)
    assert not enumerating(9, 9, limit=20)  # too few to judge by the share
    assert not enumerating(10, 4, limit=20)
    assert enumerating(21, 0, limit=20)
    assert enumerating(10, 5, limit=20)


def test_many_distinct_ulns_suspend_the_user_at_once_with_an_alert_for_the_desk():
    user = make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )
    token = make_token(user)
    assert token
    # Known ULNs only: the distinct count alone trips the watch.
    ulns = known_ulns(21)
    learners_retrieve(actor=user, ulns=ulns[:20])
    assert refreshed(user).is_active
    learners_retrieve(actor=user, ulns=ulns[20:])
    assert not refreshed(user).is_active
    assert ApiToken.objects.get(user=user).revoked_at is not None
    alert = MisuseAlert.objects.get(user=user)
    assert (alert.kind, alert.count, alert.unknown, alert.limit, alert.status) == (
        AlertKind.ENUMERATION,
        21,
        0,
        20,
        AlertStatus.OPEN,
    )
    assert AuditEntry.objects.get(action="misuse.suspend").detail["kind"] == "enumeration"


def test_a_high_share_of_unknown_ulns_suspends_the_user():
    user = make_user(make_organisation(), Role.ONLINE_USER)
    learner_verify(
        actor=user,
        items=[{"uln": u, "given_name": "A", "family_name": "B"} for u in unknown_ulns(10)],
    )
    assert not refreshed(user).is_active
    alert = MisuseAlert.objects.get(user=user)
    assert (alert.kind, alert.count, alert.unknown) == (AlertKind.ENUMERATION, 10, 10)


def test_an_organisation_spreading_the_walk_over_accounts_has_each_account_suspended(
    desk_user,
):
    org = make_organisation()
    users = [make_user(org, Role.ONLINE_USER) for _ in range(3)]
    known = known_ulns(31)
    for user, chunk in zip(users, (known[:15], known[15:30], known[30:]), strict=True):
        learners_retrieve(actor=user, ulns=chunk)
    assert all(not refreshed(u).is_active for u in users)
    alerts = MisuseAlert.objects.filter(user__in=users)
    assert {(a.kind, a.whole_organisation, a.count) for a in alerts} == {
        (AlertKind.ENUMERATION, True, 31)
    }
    [email, *_] = DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email")
    assert (
        "Distinct ULNs verified, retrieved or looked up by the whole organisation"
        in (email.args_kwargs["kwargs"]["body"])
    )


def test_the_service_desk_is_not_counted(desk_user):
    learners_retrieve(actor=desk_user, ulns=unknown_ulns(30))
    assert not UlnUsage.objects.exists()
    assert refreshed(desk_user).is_active


def test_the_daily_check_forgets_touches_older_than_yesterday():
    user = make_user(make_organisation(), Role.ONLINE_USER)
    learners_retrieve(actor=user, ulns=unknown_ulns(3))
    UlnTouch.objects.update(day=NOW.date() - dt.timedelta(days=2))
    misuse_check(now=NOW)
    assert not UlnTouch.objects.exists()


def test_a_suspended_api_user_walking_ulns_is_refused_from_the_next_call(client):
    user = make_user(make_organisation(), Role.ONLINE_USER)
    headers = {"Authorization": f"Bearer {make_token(user)}"}

    def retrieve(ulns):
        return client.post(
            "/api/v1/learners/retrieve",
            json.dumps({"ulns": ulns}),
            content_type="application/json",
            headers=headers,
        )

    assert retrieve(unknown_ulns(10)).status_code == 200
    assert retrieve(unknown_ulns(1)).status_code == 401


def test_the_desk_sees_why_an_account_was_suspended_for_walking_ulns(client, desk_user):
    from tests.portal.helpers import sign_in_as, text_of

    user = make_user(make_organisation(), Role.ONLINE_USER)
    learners_retrieve(actor=user, ulns=unknown_ulns(10))
    alert = MisuseAlert.objects.get(user=user)
    sign_in_as(client, desk_user)
    listed = text_of(client.get("/suspended-accounts/"))
    assert "Walking through ULNs" in listed
    page = text_of(client.get(f"/suspended-accounts/{alert.pk}/"))
    assert "Distinct ULNs verified, retrieved or looked up" in page
    assert "10 when suspended, 10 of them unknown or invalid (daily limit 20)" in page

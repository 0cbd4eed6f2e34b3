from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.users.models import User
from tests.factories import make_organisation, make_user

LIMIT = 5
# A fixed moment: 3pm UK time on a Monday.
NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 15, 0))
DAY = NOW.date()


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LRS_MISUSE_DAILY_LIMIT = LIMIT
    settings.LRS_MISUSE_CHECK_SECONDS = 300


def record(user: User, n: int, *, action: str = "learner.find", at: dt.datetime = NOW) -> None:
    """``n`` audit entries of ``action`` by ``user`` at ``at`` (as the services write)."""
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                occurred_at=at,
                actor=user,
                actor_username=user.username,
                organisation=user.organisation,
                organisation_ukprn=user.organisation.ukprn,
                action=action,
                object_type="uln",
                object_id="",
                request_id="test",
                channel="portal",
            )
            for _ in range(n)
        ]
    )


@pytest.fixture
def college():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def college_admin(college):
    return make_user(college, Role.SUPER_USER, username="college.admin")


@pytest.fixture
def searcher(college, college_admin):
    return make_user(college, Role.ONLINE_USER, username="busy.searcher")


@pytest.fixture
def desk():
    return make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")


@pytest.fixture
def desk_user(desk):
    user = make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    user.email = "desk.one@example.com"
    user.save(update_fields=["email"])
    return user

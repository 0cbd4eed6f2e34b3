from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from tests.factories import make_organisation, make_user


def uk(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment in UK time, as the service reckons its first Tuesdays."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@pytest.fixture
def desk():
    return make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")


@pytest.fixture
def desk_user(desk):
    return make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")


@pytest.fixture
def college():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def college_admin(college):
    return make_user(college, Role.SUPER_USER, username="college.admin")

"""Fixtures shared across folders: Olivia's record as most tests meet it. An awarding
organisation (Meridian Awards) with a user and a GCSE in Mathematics, a school's online
user who registered Olivia, and her grade 7 in that GCSE. A folder's own conftest.py may
define a fixture of the same name for its own setting; pytest uses the nearer one."""

from __future__ import annotations

import pytest

from lrs.access import OrganisationType, Role
from tests.factories import (
    GCSE_MATHS,
    make_event,
    make_learner,
    make_organisation,
    make_qualification,
    make_user,
)


@pytest.fixture
def ao():
    return make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")


@pytest.fixture
def ao_user(ao):
    return make_user(ao, Role.AWARDING_ORGANISATION_USER)


@pytest.fixture
def provider_user():
    return make_user(make_organisation(OrganisationType.SCHOOL), Role.ONLINE_USER)


@pytest.fixture
def gcse(ao):
    return make_qualification(ao, *GCSE_MATHS)


@pytest.fixture
def learner(provider_user):
    return make_learner(provider_user)


@pytest.fixture
def event(ao_user, learner, gcse):
    return make_event(ao_user, learner, qualification=gcse)

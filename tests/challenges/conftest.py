"""Challenges tests start from the shared fixtures of tests/conftest.py (Olivia, her
school's online user, Meridian Awards and its GCSE in Mathematics)."""

import pytest

from lrs.access import OrganisationType, Role
from tests.factories import make_event, make_organisation, make_user


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path


@pytest.fixture
def desk_user():
    return make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)


@pytest.fixture
def event(ao_user, learner, gcse, provider_user):
    """Olivia's grade 7, which her school may challenge: it has found her."""
    return make_event(ao_user, learner, qualification=gcse, found_by=provider_user)

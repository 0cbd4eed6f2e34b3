"""The learner portal's tests: Olivia, registered by Fenland College, with two GCSEs from
Meridian Awards (``ao``, ``ao_user`` and ``gcse`` come from tests/conftest.py), and One
Login stood in for by a local OpenID provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lrs.access import OrganisationType, Role
from tests.factories import (
    GCSE_ENGLISH,
    make_learner,
    make_organisation,
    make_qualification,
    make_user,
)
from tests.learnerportal.helpers import make_events, sign_in_learner
from tests.learnerportal.oidc_helpers import LocalProvider, running_provider


@pytest.fixture(scope="session")
def local_provider(tmp_path_factory: Any) -> Iterator[LocalProvider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), ["http://testserver"]) as provider:
        yield provider


@pytest.fixture
def one_login(local_provider: LocalProvider, settings: Any) -> LocalProvider:
    settings.LRS_OIDC_PROVIDERS = {"one_login": local_provider.settings()}
    local_provider.people([])
    return local_provider


@pytest.fixture
def college():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def provider_user(college):
    return make_user(college, Role.ONLINE_USER)


@pytest.fixture
def desk_user():
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    return make_user(desk, Role.SERVICE_DESK_USER)


@pytest.fixture
def english(ao):
    return make_qualification(ao, *GCSE_ENGLISH)


@pytest.fixture
def olivia(provider_user):
    return make_learner(provider_user)


@pytest.fixture
def olivia_events(ao_user, olivia, gcse, english):
    return make_events(ao_user=ao_user, learner=olivia, qualifications=[gcse, english])


@pytest.fixture
def identity(olivia):
    from django.utils import timezone

    from lrs.learnerportal.models import LearnerIdentity

    now = timezone.now()
    return LearnerIdentity.objects.create(
        provider="one_login",
        subject="urn:fdc:test:olivia",
        learner=olivia,
        email="olivia@example.com",
        linked_at=now,
        last_signed_in_at=now,
    )


@pytest.fixture
def learner_client(client, identity):
    return sign_in_learner(client, identity)

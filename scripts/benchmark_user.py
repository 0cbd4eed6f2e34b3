"""The benchmark organisation and its online user, shared by the benchmark scripts so that
scripts/loadtest.py runs against the register scripts/benchmark_learners.py loaded.

Import it after django.setup().
"""

from __future__ import annotations

import secrets

from lrs.access import OrganisationType, Role
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.users.models import User
from lrs.users.services import user_create

USERNAME = "benchmark"
UKPRN = "10099990"


def benchmark_user() -> User:
    user = User.objects.select_related("organisation").filter(username=USERNAME).first()
    if user is not None:
        return user
    organisation = Organisation.objects.filter(ukprn=UKPRN).first() or organisation_create(
        actor=None,
        name="Benchmark College",
        type=OrganisationType.FURTHER_EDUCATION_COLLEGE,
        ukprn=UKPRN,
    )
    return user_create(
        actor=None,
        organisation=organisation,
        username=USERNAME,
        role=Role.ONLINE_USER,
        password=secrets.token_urlsafe(24),
        email="benchmark@example.com",
        first_name="Bench",
        last_name="Mark",
    )

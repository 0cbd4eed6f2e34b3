from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lrs.demo import data
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.users.models import User
from lrs.users.services import user_create


@dataclass(frozen=True)
class DemoSummary:
    organisations_created: int
    users_created: int


@transaction.atomic
def demo_load() -> DemoSummary:
    """Create whatever of the demo data is missing; running it twice changes nothing."""
    orgs_created = users_created = 0
    for spec in data.ORGANISATIONS:
        if not Organisation.objects.filter(ukprn=spec.ukprn).exists():
            organisation_create(
                actor=None,
                name=spec.name,
                type=spec.type,
                ukprn=spec.ukprn,
                urn=spec.urn,
                la_code=spec.la_code,
            )
            orgs_created += 1
    for person in data.USERS:
        if not User.objects.filter(username=person.username).exists():
            user_create(
                actor=None,
                organisation=Organisation.objects.get(ukprn=person.ukprn),
                username=person.username,
                role=person.role,
                password=data.DEMO_PASSWORD,
                email=f"{person.username}@example.com",
                first_name=person.first_name,
                last_name=person.last_name,
            )
            users_created += 1
    return DemoSummary(organisations_created=orgs_created, users_created=users_created)

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from lrs.demo import data
from lrs.learners.bulk import learners_bulk_load, synthetic_learner_record
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.synthetic import generate_learners
from lrs.users.models import User
from lrs.users.services import user_create

# Fixed, so every demo register holds the same synthetic people.
DEMO_SEED = 2026


DEMO_LEARNERS = 500


@dataclass(frozen=True)
class DemoSummary:
    organisations_created: int
    users_created: int
    learners_created: int = 0


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
    learners_created = 0
    if not Learner.objects.exists():
        people = generate_learners(DEMO_LEARNERS, seed=DEMO_SEED)
        learners_created = learners_bulk_load(
            records=(synthetic_learner_record(p) for p in people), source="lrs demo"
        )
    return DemoSummary(
        organisations_created=orgs_created,
        users_created=users_created,
        learners_created=learners_created,
    )


def demo_example_learners(count: int = 3) -> list[Learner]:
    """A few demo learners to try a find with."""
    return list(Learner.objects.order_by("id")[:count])

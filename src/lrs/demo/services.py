from __future__ import annotations

import datetime as dt
import random
import time
from base64 import b32decode
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.demo import data
from lrs.demo.history import demo_history
from lrs.learners.bulk import learners_bulk_load, synthetic_learner_record
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.publications.services import list_editions_publish_first
from lrs.records.models import Qualification
from lrs.records.services import EventValues, event_create, qualifications_import
from lrs.synthetic import generate_learners
from lrs.twofactor.services import two_factor_enrolled, two_factor_required
from lrs.users.models import User
from lrs.users.services import user_create

# Fixed, so every demo register holds the same synthetic people.
DEMO_SEED = 2026


DEMO_LEARNERS = 500
# Demo learners registered twice, as happens when a provider misses the first ULN: the
# second record has a slip in one field, for the duplicate scan to find.
DEMO_DUPLICATES = 4
CATALOGUE = Path(__file__).with_name("qualifications.csv")


@dataclass(frozen=True)
class DemoSummary:
    organisations_created: int
    users_created: int
    learners_created: int = 0


@transaction.atomic
def demo_load(*, history: bool = True) -> DemoSummary:
    """Create whatever of the demo data is missing; running it twice changes nothing.

    With ``history`` a new register also gets weeks of activity (lrs.demo.history).
    """
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
    _demo_two_factor()
    # After the organisations, so that the demo opens with both lists published.
    list_editions_publish_first()
    if not Qualification.objects.exists():
        qualifications_import(actor=None, text=CATALOGUE.read_text(encoding="utf-8"))
    learners_created = 0
    if not Learner.objects.exists():
        people = list(generate_learners(DEMO_LEARNERS, seed=DEMO_SEED))
        learners_created = learners_bulk_load(
            records=(synthetic_learner_record(p) for p in people), source="lrs demo"
        )
        _demo_achievements()
        learners_created += learners_bulk_load(
            records=_demo_second_records(people[-DEMO_DUPLICATES:]), source="lrs demo"
        )
        # Last, on the finished register: weeks of activity for the desk's first look.
        if history:
            demo_history()
    return DemoSummary(
        organisations_created=orgs_created,
        users_created=users_created,
        learners_created=learners_created,
    )


def _demo_two_factor() -> None:
    """Demo users who must use two-factor sign-in get the published demo key, so the
    README's sign-ins work with any authenticator app (or `lrs demo-code`)."""
    key = b32decode(data.DEMO_TWO_FACTOR_KEY).hex()
    for person in data.USERS:
        user = User.objects.select_related("organisation").get(username=person.username)
        if two_factor_required(user=user) and not two_factor_enrolled(user=user):
            TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)


def demo_two_factor_code() -> str:
    """The code an authenticator app with the demo key shows now."""
    return f"{hotp(b32decode(data.DEMO_TWO_FACTOR_KEY), int(time.time()) // 30):06d}"


GRADES = {
    "GCSE (9 to 1)": ["9", "8", "7", "6", "5", "4", "3"],
    "GCE A level": ["A*", "A", "B", "C", "D", "E"],
    "NVQ": ["Pass"],
    "Unit": ["Pass"],
}


def _demo_achievements() -> None:
    """A realistic record for each demo learner: GCSEs at 16, then A levels or vocational."""
    rng = random.Random(DEMO_SEED)
    catalogue = list(Qualification.objects.select_related("awarding_organisation"))
    gcses = [q for q in catalogue if q.qualification_type == "GCSE (9 to 1)"]
    later = [q for q in catalogue if q.qualification_type != "GCSE (9 to 1)"]
    centre = Organisation.objects.get(ukprn="10000002")
    recorder = User.objects.get(username="awards.user")
    for learner in Learner.objects.order_by("id"):
        at16 = learner.date_of_birth.replace(year=learner.date_of_birth.year + 16)
        summer = dt.date(at16.year if at16.month < 8 else at16.year + 1, 8, 20)
        if summer > dt.date.today():
            continue
        # (qualification, years after 16)
        chosen = [(q, 0) for q in rng.sample(gcses, rng.randint(3, 6))]
        if summer.replace(year=summer.year + 2) <= dt.date.today():
            chosen += [(q, 2) for q in rng.sample(later, rng.randint(0, 3))]
        for q, years in chosen:
            grades = GRADES.get(q.qualification_type, ["Pass", "Merit", "Distinction"])
            event_create(
                actor=recorder,
                learner=learner,
                values=EventValues(
                    qualification=q,
                    grade=rng.choice(grades),
                    award_date=summer.replace(year=summer.year + years),
                    provider=centre,
                    language_for_assessment="English",
                ),
            )


def _demo_second_records(people: list[Any]) -> list[dict[str, Any]]:
    """Second registrations of a few demo people, each with a different kind of slip."""
    records = []
    for index, person in enumerate(people):
        record = synthetic_learner_record(person)
        if index % 4 == 0:  # a typo in the given name
            name = record["given_name"]
            record["given_name"] = name[:-2] + name[-1] + name[-2] if len(name) > 3 else name + "e"
        elif index % 4 == 1:  # day and month of birth swapped, where that is a date
            dob = record["date_of_birth"]
            if dob.day <= 12 and dob.day != dob.month:
                record["date_of_birth"] = dt.date(dob.year, dob.day, dob.month)
            else:
                record["date_of_birth"] = dob + dt.timedelta(days=1)
        elif index % 4 == 2:  # moved house
            record["last_known_postcode"] = "SW1A 2AA"
        else:  # a typo in the family name
            name = record["family_name"]
            record["family_name"] = name[:-2] + name[-1] + name[-2] if len(name) > 3 else name + "e"
        records.append(record)
    return records


def demo_example_learners(count: int = 3) -> list[Learner]:
    """A few demo learners to try a find with."""
    return list(Learner.objects.order_by("id")[:count])

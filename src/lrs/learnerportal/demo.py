"""The people the local OpenID Connect provider signs in as in the demo, taken from the
demo register: one whose proven identity matches a learner exactly, one whose date of
birth differs by a digit (only a possible match: no record is shown), and one who is not
registered at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lrs.learners.models import Learner, LearnerStatus
from lrs.records.models import LearningEvent


def _person(
    person_id: str, label: str, learner: Any, *, born: dt.date | None = None
) -> dict[str, Any]:
    return {
        "id": person_id,
        "label": label,
        "email": f"{person_id}@example.com",
        "names": [{"given": [learner.given_name], "family": learner.family_name}],
        "birth_date": (born or learner.date_of_birth).isoformat(),
        "addresses": [{"postalCode": learner.last_known_postcode, "validFrom": "2023-01-01"}],
    }


def demo_people() -> list[dict[str, Any]]:
    with_events = (
        Learner.objects.filter(status=LearnerStatus.ACTIVE, master__isnull=True)
        .filter(pk__in=LearningEvent.objects.values("learner_id"))
        .order_by("id")
    )
    people: list[dict[str, Any]] = []
    exact, nearly = with_events.first(), with_events[1:2].first()
    if exact is not None:
        people.append(
            _person(
                "exact",
                f"{exact.given_name} {exact.family_name}: on the register (their record is shown)",
                exact,
            )
        )
    if nearly is not None:
        born = nearly.date_of_birth
        slipped = born.replace(day=born.day + 1 if born.day < 28 else born.day - 1)
        people.append(
            _person(
                "possible",
                f"{nearly.given_name} {nearly.family_name} with a date of birth one day out: "
                "only a possible match (no record is shown)",
                nearly,
                born=slipped,
            )
        )

    class Stranger:
        given_name, family_name = "Sam", "Okafor"
        date_of_birth, last_known_postcode = dt.date(1990, 7, 1), "LS1 4AP"

    people.append(_person("unknown", "Sam Okafor: not on the register", Stranger))
    return people

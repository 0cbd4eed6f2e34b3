from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lrs.access import ROLE_LABELS
from lrs.core.context import call_context
from lrs.demo import data
from lrs.demo.services import demo_example_learners, demo_load


class Command(BaseCommand):
    help = "Load demo organisations and users (idempotent) and print their sign-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        with call_context(channel="cli"):
            summary = demo_load()
        self.stdout.write(
            f"Demo data ready ({summary.organisations_created} organisations, "
            f"{summary.users_created} users and {summary.learners_created} synthetic learners "
            f"added). Every demo user's password is: {data.DEMO_PASSWORD}"
        )
        orgs = {o.ukprn: o.name for o in data.ORGANISATIONS}
        for person in data.USERS:
            self.stdout.write(
                f"  {person.username:<18} {ROLE_LABELS[person.role]:<28} {orgs[person.ukprn]}"
            )
        self.stdout.write(
            "Super users and service desk users also enter a code from an authenticator app: "
            f"add the key {data.DEMO_TWO_FACTOR_KEY} to one, or run `lrs demo-code` for the "
            "code now."
        )
        self.stdout.write("Learners to try a find with (all synthetic):")
        for learner in demo_example_learners():
            self.stdout.write(
                f"  {learner.given_name} {learner.family_name}, born "
                f"{learner.date_of_birth:%d/%m/%Y}, gender {learner.gender}, "
                f"postcode {learner.last_known_postcode} (ULN {learner.uln})"
            )

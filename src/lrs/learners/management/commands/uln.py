from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.context import call_context
from lrs.identifiers import uln as uln_rules
from lrs.learners.services import uln_allocate


class Command(BaseCommand):
    help = "Check or issue Unique Learner Numbers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{check,new}")
        check = sub.add_parser("check", help="Say whether a ULN is valid and, if not, why not")
        check.add_argument("number", help="The ULN to check")
        new = sub.add_parser(
            "new", help="Issue new ULNs (recorded, so they are never issued again)"
        )
        new.add_argument("--count", type=int, default=1, help="How many (default 1)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            result = uln_rules.check(options["number"])
            if not result.valid:
                raise CommandError(f"{options['number']} is not a valid ULN: {result.reason}")
            self.stdout.write(f"{options['number']} is a valid ULN")
            return

        try:
            with call_context(channel="cli"):
                ulns = uln_allocate(actor=None, count=options["count"], purpose="cli")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("\n".join(ulns))

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from lrs.access import OrganisationStatus, OrganisationType
from lrs.core.commands import ServiceCommand
from lrs.organisations import selectors, services
from lrs.organisations.models import Organisation


class Command(ServiceCommand):
    help = "Create organisations and change their status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,status,list}")
        create = sub.add_parser("create", help="Create an organisation")
        create.add_argument("--name", required=True)
        create.add_argument("--type", required=True, choices=[t.value for t in OrganisationType])
        create.add_argument("--ukprn", required=True, help="8 digits starting with 1")
        create.add_argument("--urn", help="Schools only: 6 digits")
        create.add_argument("--la-code", help="Local authorities: 3 digits")
        create.add_argument(
            "--status",
            default=OrganisationStatus.ACTIVE.value,
            choices=[s.value for s in OrganisationStatus],
        )
        status = sub.add_parser("status", help="Suspend, reinstate or close an organisation")
        status.add_argument("ukprn")
        status.add_argument("status", choices=[s.value for s in OrganisationStatus])
        status.add_argument("--reason", required=True)
        sub.add_parser("list", help="List organisations")

    def dispatch(self, options: dict[str, Any]) -> None:
        if options["action"] == "create":
            org = services.organisation_create(
                actor=None,
                name=options["name"],
                type=options["type"],
                ukprn=options["ukprn"],
                urn=options.get("urn"),
                la_code=options.get("la_code"),
                status=options["status"],
            )
            self.stdout.write(f"Created {org.name} ({org.ukprn}), {org.type_label}, {org.status}")
        elif options["action"] == "status":
            org = selectors.organisation_get_by_ukprn(ukprn=options["ukprn"])
            org = services.organisation_change_status(
                actor=None, organisation=org, status=options["status"], reason=options["reason"]
            )
            self.stdout.write(f"{org.name} ({org.ukprn}) is now {org.status}")
        else:
            for org in Organisation.objects.order_by("ukprn"):
                self.stdout.write(f"{org.ukprn}  {org.status:<9}  {org.type:<27}  {org.name}")

"""``manage.py user``: create users and change their role or status.

In organisations, not users: creating a user finds the organisation by its UKPRN, and
organisations sits above users (users never imports it)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lrs.access import Role
from lrs.core.commands import ServiceCommand
from lrs.organisations.selectors import organisation_get_by_ukprn
from lrs.users import services
from lrs.users.models import User


class Command(ServiceCommand):
    help = "Create users and change their role or status."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{create,role,deactivate,reactivate}"
        )
        create = sub.add_parser("create", help="Create a user in an organisation")
        create.add_argument("--org", required=True, help="The organisation's UKPRN")
        create.add_argument("--role", required=True, choices=[r.value for r in Role])
        create.add_argument("--username", required=True)
        create.add_argument(
            "--password", help="At least 12 characters (prompted for when left out)"
        )
        create.add_argument("--email", default="")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        role = sub.add_parser("role", help="Change a user's role")
        role.add_argument("username")
        role.add_argument("role", choices=[r.value for r in Role])
        for name in ("deactivate", "reactivate"):
            one = sub.add_parser(name, help=f"{name.capitalize()} a user")
            one.add_argument("username")

    def _user(self, username: str) -> User:
        user = User.objects.select_related("organisation").filter(username=username).first()
        if user is None:
            raise CommandError(f"No user '{username}'")
        return user

    def dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "create":
            password = options["password"] or getpass.getpass("Password: ")
            user = services.user_create(
                actor=None,
                organisation=organisation_get_by_ukprn(ukprn=options["org"]),
                username=options["username"],
                role=options["role"],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
            self.stdout.write(f"Created {user.username} ({user.role_label}) in {user.organisation}")
        elif action == "role":
            user = services.user_change_role(
                actor=None, user=self._user(options["username"]), role=options["role"]
            )
            self.stdout.write(f"{user.username} is now a {user.role_label.lower()}")
        elif action == "deactivate":
            user = services.user_deactivate(actor=None, user=self._user(options["username"]))
            self.stdout.write(f"{user.username} is deactivated")
        else:
            user = services.user_reactivate(actor=None, user=self._user(options["username"]))
            self.stdout.write(f"{user.username} is active")

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from lrs.core.commands import ServiceCommand
from lrs.users import services
from lrs.users.models import ApiToken, User


class Command(ServiceCommand):
    help = "Create and revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{create,revoke}")
        create = sub.add_parser("create", help="Create a token and print it (shown only once)")
        create.add_argument("--user", required=True, help="The username the token acts as")
        create.add_argument("--name", default="Created with lrs token create")
        revoke = sub.add_parser("revoke", help="Revoke a token by its key id")
        revoke.add_argument("key_id", help="The part after lrs_ in the token")

    def dispatch(self, options: dict[str, Any]) -> None:
        if options["action"] == "create":
            user = (
                User.objects.select_related("organisation").filter(username=options["user"]).first()
            )
            if user is None:
                raise CommandError(f"No user '{options['user']}'")
            _, plaintext = services.api_token_create(actor=None, user=user, name=options["name"])
            self.stdout.write(plaintext)
        else:
            token = ApiToken.objects.filter(key_id=options["key_id"]).first()
            if token is None:
                raise CommandError(f"No token with key id '{options['key_id']}'")
            services.api_token_revoke(actor=None, token=token)
            self.stdout.write(f"Revoked lrs_{token.key_id}_…")

"""`lrs credential keys|revoke-key|did-document`: LRS's credential signing keys.

(`lrs credential verify FILE` and `lrs credential new-key` run offline, without this
command: see lrs.cli.)
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandParser

from lrs.core.commands import ServiceCommand
from lrs.credentials.models import IssuerKey
from lrs.credentials.selectors import issuer_did_document
from lrs.credentials.services import issuer_key_revoke, issuer_key_sync


class Command(ServiceCommand):
    help = (
        "LRS's credential signing keys: list them (recording a newly configured one), revoke one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{keys,revoke-key,did-document}"
        )
        sub.add_parser(
            "keys",
            help="Record the configured LRS_ISSUER_KEY (retiring the previous key) and list "
            "every key LRS has signed with",
        )
        revoke = sub.add_parser(
            "revoke-key",
            help="Revoke a retired key (e.g. compromised): nothing it signed verifies any more",
        )
        revoke.add_argument("public_key", help="The key's publicKeyMultibase (z6Mk…)")
        revoke.add_argument("--reason", required=True, help="Why, for the audit log")
        sub.add_parser("did-document", help="Print the DID document (for offline verifying)")

    def dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "keys":
            issuer_key_sync()
            for key in IssuerKey.objects.order_by("first_used_at", "id"):
                when = key.revoked_at or key.retired_at or key.first_used_at
                self.stdout.write(
                    f"{key.public_key_multibase}  {key.state:8}  since {when:%Y-%m-%d %H:%M}  "
                    f"{key.credentials.count()} credential(s)"
                )
        elif action == "revoke-key":
            key = issuer_key_revoke(
                actor=None, public_key=options["public_key"], reason=options["reason"]
            )
            self.stdout.write(f"Revoked {key.public_key_multibase}")
        else:
            self.stdout.write(json.dumps(issuer_did_document(), indent=2))

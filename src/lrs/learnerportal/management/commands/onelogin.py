from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.learnerportal.demo import demo_people
from lrs.oidc.local import LOCAL_CLIENT_ID, local_provider_files


class Command(BaseCommand):
    help = (
        "lrs onelogin local --dir DIR --port PORT --portal URL: write the configuration of "
        "the local OpenID Connect provider (scripts/oidc-provider.mjs) that stands in for "
        "GOV.UK One Login in the demo, with people from the demo register, and print the "
        "settings that point LRS at it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["local"])
        parser.add_argument("--dir", default="var/oidc")
        parser.add_argument("--port", type=int, default=9090)
        parser.add_argument(
            "--portal", action="append", help="LRS's address (repeatable)", default=[]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        portals = options["portal"] or ["http://127.0.0.1:8000", "http://localhost:8000"]
        people = demo_people()
        files = local_provider_files(
            Path(options["dir"]), port=options["port"], portal_urls=portals, identities=people
        )
        issuer = files.issuer
        self.stdout.write(f"LRS_ONE_LOGIN_ISSUER={issuer}")
        self.stdout.write(f"LRS_ONE_LOGIN_CLIENT_ID={LOCAL_CLIENT_ID}")
        self.stdout.write(f"LRS_ONE_LOGIN_PRIVATE_KEY_FILE={files.client_key.resolve()}")
        self.stdout.write(f"LRS_ONE_LOGIN_IDENTITY_ISSUER={issuer}/identity/")
        self.stdout.write(f"LRS_ONE_LOGIN_IDENTITY_DID_URL={issuer}/.well-known/did.json")
        self.stderr.write("Learners to sign in as at /learner/sign-in (all synthetic):")
        for person in people:
            self.stderr.write(f"  {person['label']}")

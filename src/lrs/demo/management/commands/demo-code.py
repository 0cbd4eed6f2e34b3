from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lrs.demo.services import demo_two_factor_code


class Command(BaseCommand):
    help = (
        "Print the code an authenticator app with the demo key shows now, for signing in "
        "as a demo super user or service desk user."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(demo_two_factor_code())

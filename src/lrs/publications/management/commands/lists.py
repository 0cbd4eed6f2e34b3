"""`lrs lists`: publish an edition of a published list now, or show the editions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from lrs.core.commands import ServiceCommand
from lrs.publications import selectors, services
from lrs.publications.models import ListKind


class Command(ServiceCommand):
    help = "Publish the learning providers and awarding organisations lists; list editions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{publish,editions}")
        publish = sub.add_parser("publish", help="Publish an edition now, changed or not")
        publish.add_argument("--kind", required=True, choices=[k.value for k in ListKind])
        editions = sub.add_parser("editions", help="List the editions, newest first")
        editions.add_argument("--kind", choices=[k.value for k in ListKind])

    def dispatch(self, options: dict[str, Any]) -> None:
        if options["action"] == "publish":
            edition = services.list_edition_publish(actor=None, kind=options["kind"])
            count = edition.entry_count
            self.stdout.write(
                f"Published edition {edition.number} of the {edition.kind_label.lower()} "
                f"list: {count} organisation{'' if count == 1 else 's'}, "
                f"{edition.changes_summary.lower()}"
            )
            return
        kinds = [ListKind(options["kind"])] if options.get("kind") else list(ListKind)
        for kind in kinds:
            for edition in selectors.list_editions(kind=kind):
                published = timezone.localtime(edition.published_at)
                self.stdout.write(
                    f"{kind.value}  {edition.number:>4}  {published:%Y-%m-%d %H:%M}  "
                    f"{edition.entry_count:>6}  {edition.changes_summary}"
                )

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from lrs.core.commands import ServiceCommand
from lrs.records.services import CATALOGUE_COLUMNS, qualifications_import


class Command(ServiceCommand):
    help = "Maintain the qualifications catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import}")
        imp = sub.add_parser(
            "import",
            help="Create or update qualifications and units from a CSV file with the columns "
            + ", ".join(CATALOGUE_COLUMNS),
        )
        imp.add_argument("file", help="A UTF-8 CSV file")

    def dispatch(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No file {path}")
        result = qualifications_import(actor=None, text=path.read_text(encoding="utf-8-sig"))
        self.stdout.write(f"{result.created} created, {result.updated} updated")

"""`lrs audit_partitions`: make the audit log's monthly partitions ahead of time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.audit.partitions import audit_partitions_ensure, is_partitioned, month_partitions


class Command(BaseCommand):
    help = (
        "Make the audit log's partitions for this month and the next months (PostgreSQL; "
        "a worker does it hourly), then list them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=None,
            help="Months after the current one (default: LRS_AUDIT_PARTITIONS_AHEAD)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not is_partitioned():
            self.stdout.write("The audit log is one table here (SQLite): nothing to make")
            return
        for name in audit_partitions_ensure(months_ahead=options["months_ahead"]):
            self.stdout.write(f"Made {name}")
        self.stdout.write("Months: " + ", ".join(str(m) for m in month_partitions()))

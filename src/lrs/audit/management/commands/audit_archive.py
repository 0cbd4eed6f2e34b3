"""`lrs audit_archive`: move whole months of the audit log out to compressed files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from lrs.audit.partitions import ArchiveError, Month, audit_archive
from lrs.core.commands import ServiceCommand


class Command(ServiceCommand):
    help = (
        "Write every month of the audit log before --before to audit-YYYY-MM.jsonl.gz, "
        "verify each file, then remove those months from the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--before",
            metavar="YYYY-MM",
            help="Archive the months before this one (default: keep "
            "LRS_AUDIT_RETENTION_MONTHS months, the current one included)",
        )
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="Where the files go (default: LRS_AUDIT_ARCHIVE_DIR)",
        )

    def dispatch(self, options: dict[str, Any]) -> None:
        if options["before"]:
            try:
                before = Month.parse(options["before"])
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        else:
            before = Month.of(timezone.now())
            for _ in range(settings.LRS_AUDIT_RETENTION_MONTHS - 1):
                before = before.previous()
        directory = options["dir"] or settings.LRS_AUDIT_ARCHIVE_DIR
        try:
            archived = audit_archive(before=before, directory=directory)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from None
        if not archived:
            self.stdout.write(f"No audit entries before {before}: nothing archived")
        for month in archived:
            self.stdout.write(
                f"{month.month}: {month.rows} entries to {month.path} "
                f"(sha256 {month.sha256[:16]}…), removed from the database"
            )

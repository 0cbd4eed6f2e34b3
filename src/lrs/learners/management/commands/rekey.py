"""`lrs rekey`: bring every learner's blocking keys and stored normal forms up to date."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.context import call_context
from lrs.learners.services import learners_rekey_batch

DEFAULT_BATCH_SIZE = 5_000


class Command(BaseCommand):
    help = (
        "Rewrite every learner's blocking keys and stored normal forms for this version of "
        "the matching engine, in batches by id, committing each: stop it at any time and "
        "run it again to carry on. Finds work throughout (they also look up the old keys "
        "until it finishes). Running it on a register already re-keyed does nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Learners per transaction (default {DEFAULT_BATCH_SIZE:,})",
        )
        parser.add_argument(
            "--max-batches",
            type=int,
            default=0,
            help="Stop after this many batches (0: run to the end), to spread the work out",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        batches = 0
        with call_context(channel="cli"):
            while True:
                progress = learners_rekey_batch(batch_size=batch_size)
                if progress.finished:
                    break
                batches += 1
                elapsed = time.perf_counter() - started
                self.stdout.write(
                    f"  next id {progress.next_id:>12,}  {progress.rows_rewritten:>12,} "
                    f"rewritten  {elapsed:7.1f} s"
                )
                if options["max_batches"] and batches >= options["max_batches"]:
                    self.stdout.write(
                        f"Stopped after {batches:,} batches; run again to carry on from id "
                        f"{progress.next_id:,}"
                    )
                    return
        self.stdout.write(
            f"Keys {progress.version} in place: {progress.rows_rewritten:,} learners rewritten "
            f"in all; this run {time.perf_counter() - started:.1f} s"
        )

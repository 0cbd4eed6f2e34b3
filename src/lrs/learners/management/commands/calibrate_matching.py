"""`lrs calibrate_matching`: learn matching parameters from the register, list them, roll back."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.learners.calibration import (
    SHIPPED,
    matching_calibrate,
    matching_parameters_activate,
    matching_parameters_list,
)


class Command(BaseCommand):
    help = (
        "Learn the matching engine's u-probabilities from random pairs of the register and "
        "make them the active parameter set; --list shows every set, --activate rolls back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="List the parameter sets")
        parser.add_argument(
            "--activate", metavar="VERSION", help=f"Make this set (or '{SHIPPED}') active"
        )
        parser.add_argument("--sample", type=int, default=20_000, help="Learners sampled")
        parser.add_argument("--pairs", type=int, default=100_000, help="Random pairs compared")
        parser.add_argument("--seed", type=int, help="For a repeatable sample")
        parser.add_argument(
            "--force", action="store_true", help="Calibrate even a register under 10,000"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            sets = matching_parameters_list()
            active_any = any(s.active for s in sets)
            self.stdout.write(f"{SHIPPED:<24} shipped defaults{'' if active_any else '  (active)'}")
            for s in sets:
                changed = ", ".join(
                    f"{c['field']} {c['level']} {c['shipped']:+.1f} -> {c['learnt']:+.1f}"
                    for c in s.changes
                )
                self.stdout.write(
                    f"{s.version:<24} {s.created_at[:19]}  register {s.register_size:,}  "
                    f"{s.pairs:,} pairs{'  (active)' if s.active else ''}\n"
                    f"{'':<24} changed: {changed or 'nothing beyond 0.25 bits'}"
                )
            return
        if options["activate"]:
            try:
                matching_parameters_activate(version=options["activate"])
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Finds now use parameter set {options['activate']}.")
            return
        try:
            made = matching_calibrate(
                sample=options["sample"],
                pairs=options["pairs"],
                seed=options["seed"],
                force=options["force"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if made is None:
            self.stdout.write(
                "The register is smaller than 10,000 learners: the shipped defaults serve it "
                "(--force to calibrate anyway)."
            )
            return
        self.stdout.write(
            f"Parameter set {made.version} is active: register {made.register_size:,}, "
            f"{made.pairs:,} pairs of {made.sample:,} learners; "
            f"{len(made.changes)} weights changed by 0.25 bits or more."
        )
        for c in made.changes:
            self.stdout.write(
                f"  {c['field']} {c['level']}: {c['shipped']:+.2f} -> {c['learnt']:+.2f}"
            )

"""The `lrs` console command: Django's management commands under one friendly name."""

from __future__ import annotations

import os
import sys


def _batch(args: list[str]) -> int:
    """`lrs batch validate FILE`: checks a batch file offline, with no settings or database."""
    if args[:1] != ["validate"]:
        print(
            "usage: lrs batch validate FILE [--ukprn UKPRN] [--filename NAME] [--kind LRB|LRV]\n"
            "Check a batch file offline and list every problem by row and field.",
            file=sys.stderr if args[:1] not in (["-h"], ["--help"]) else sys.stdout,
        )
        return 0 if args[:1] in (["-h"], ["--help"]) else 2
    from lrs.batchfiles.validate import main as validate

    return validate(args[1:], prog="lrs batch validate")


def _credential(args: list[str]) -> int:
    """`lrs credential verify FILE` and `new-key`: offline, with no settings or database."""
    from lrs.vc.cli import main as credential

    return credential(args, prog="lrs credential")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "lrs"
    if args[1:2] == ["batch"]:
        sys.exit(_batch(args[2:]))
    # The other credential commands (keys, revoke-key) need the database: Django's below.
    if args[1:2] == ["credential"] and args[2:3] in (["verify"], ["new-key"], ["-h"], ["--help"]):
        sys.exit(_credential(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()

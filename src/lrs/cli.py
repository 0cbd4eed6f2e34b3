"""The `lrs` console command: Django's management commands under one friendly name.

Every failure ends in one plain sentence on standard error and a non-zero exit, never a
Python traceback (``--traceback`` shows one, for developers). ``lrs uln check`` and
``lrs batch validate`` need neither settings nor a database, so they never load Django.
"""

from __future__ import annotations

import argparse
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


def _uln_check(args: list[str]) -> int:
    """`lrs uln check NUMBER`: the ULN rules alone (lrs.identifiers), no settings."""
    parser = argparse.ArgumentParser(
        prog="lrs uln check", description="Say whether a ULN is valid and, if not, why not."
    )
    parser.add_argument("number", help="The ULN to check")
    number = parser.parse_args(args).number
    from lrs.identifiers import uln

    result = uln.check(number)
    if not result.valid:
        print(f"{number} is not a valid ULN: {result.reason}", file=sys.stderr)
        return 1
    print(f"{number} is a valid ULN")
    return 0


def _fail(message: str) -> None:
    print(f"lrs: {message}", file=sys.stderr)
    sys.exit(1)


def _sentence(exc: BaseException) -> str:
    """The first line of an exception's message, ending as a sentence."""
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0].strip()
    return text if text.endswith((".", "!", "?", ")")) else f"{text}."


def _django(args: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    if "--traceback" in args:
        execute_from_command_line(args)
        return
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        _fail(_sentence(exc))
    except DatabaseError as exc:
        _fail(
            f"the database could not be used ({_sentence(exc).rstrip('.')}): check "
            "DATABASE_URL, that the database is running, and run `lrs migrate`."
        )
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a newcomer never meets a traceback
        _fail(
            f"{' '.join(args[1:3])} failed: {_sentence(exc).rstrip('.')} "
            "(run it again with --traceback for the details)."
        )


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "lrs"
    if args[1:2] == ["batch"]:
        sys.exit(_batch(args[2:]))
    # The other credential commands (keys, revoke-key) need the database: Django's below.
    if args[1:2] == ["credential"] and args[2:3] in (["verify"], ["new-key"], ["-h"], ["--help"]):
        sys.exit(_credential(args[2:]))
    if args[1:3] == ["uln", "check"]:
        sys.exit(_uln_check(args[3:]))
    _django(args)


if __name__ == "__main__":
    main()

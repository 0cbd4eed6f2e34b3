"""Validate an achievement file offline: ``python -m lrs.achievementfiles.validate FILE``.

Prints every problem by row and field and exits 1 if there is any, 0 if the file is
valid. ``--errors OUT`` also writes the error file of the rejected rows (in the
format of OUT's extension). Needs neither Django nor a database, so it checks field
data (FD…) and the award date (BR06) only; learner data and the other business rules
are checked when the file is uploaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from lrs.achievementfiles.readers import read_achievements
from lrs.achievementfiles.validation import validate_achievement_file
from lrs.achievementfiles.writers import error_header, rejected_rows, write_errors
from lrs.tabular.layout import BatchFileError
from lrs.tabular.readers import format_of
from lrs.tabular.validation import counted


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m lrs.achievementfiles.validate",
        description="Check an awarding organisation's achievement file (ACH_…): CSV, XML "
        "or XLSX. Prints every problem by row and field.",
    )
    parser.add_argument("file", type=Path, help="the achievement file")
    parser.add_argument("--ukprn", help="the UKPRN of the awarding organisation that will send it")
    parser.add_argument("--filename", help="the name to check, if the file was renamed")
    parser.add_argument(
        "--today", type=_date, help="the date award dates are compared with (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--errors",
        type=Path,
        help="write the rejected rows to this error file (.CSV, .XML or .XLSX)",
    )
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    args = build_parser(prog).parse_args(argv)
    path: Path = args.file
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    today = args.today or dt.date.today()
    report = validate_achievement_file(
        path, filename=args.filename, expected_ukprn=args.ukprn, today=today
    )
    for line in report.lines():
        print(line)
    if args.errors is not None:
        if not report.completed:
            print(f"{args.errors}: not written: the file cannot be read", file=sys.stderr)
            return 1
        try:
            fmt = format_of(args.errors.name)
        except BatchFileError as exc:
            print(f"{args.errors}: {exc}", file=sys.stderr)
            return 1
        header = error_header(
            args.filename or path.name,
            report.header.ukprn if report.header else "",
            len(report.rejected),
        )
        with read_achievements(path, filename=args.filename or path.name) as file:
            written = write_errors(args.errors, header, rejected_rows(file, today=today), fmt)
        print(f"Wrote {counted(written, 'rejected row')} to {args.errors}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

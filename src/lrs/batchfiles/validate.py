"""Validate a batch file offline: ``python -m lrs.batchfiles.validate FILE [--ukprn U]``.

Prints every problem by row and field and exits 1 if there is any, 0 if the file is
valid. Needs neither Django nor a database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from lrs.batchfiles.validation import validate_file


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or "python -m lrs.batchfiles.validate",
        description="Check a learner registration batch (LRB_…) or verify batch (LRV_…) "
        "file: CSV, XML or XLSX. Prints every problem by row and field.",
    )
    parser.add_argument("file", type=Path, help="the batch file")
    parser.add_argument("--ukprn", help="the UKPRN of the organisation that will send it")
    parser.add_argument("--filename", help="the name to check, if the file was renamed")
    parser.add_argument(
        "--kind",
        choices=("LRB", "LRV"),
        help="registration (LRB) or verify (LRV); by default from the file name",
    )
    parser.add_argument("--today", type=_date, help="the date ages are computed on (YYYY-MM-DD)")
    return parser


def main(argv: Sequence[str] | None = None, *, prog: str | None = None) -> int:
    args = build_parser(prog).parse_args(argv)
    path: Path = args.file
    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return 1
    report = validate_file(
        path,
        filename=args.filename,
        expected_ukprn=args.ukprn,
        today=args.today,
        kind=args.kind,
    )
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""The validation driver of tabular files, offline: no Django, no database.

A batch file and an achievement file are validated alike: the file name and the header
are checked, then every record is read (each kind checks its own rules), then the
declared record count is compared with the records read, and a note is added when dates
look rewritten by Excel. ``validate_records`` is that driver and ``validate_source``
opens a path or a file for it; ``FileVerdict`` is what every report says of the file.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, Generic, Protocol, TypeVar

from lrs.identifiers.organisation import IdentifierError, validate_ukprn
from lrs.tabular.layout import BatchFileError, BatchHeader, BatchProblem, Layout
from lrs.tabular.readers import format_of

_EXCEL_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?")
_SERIAL_DATE = re.compile(r"\d{1,6}(\.\d+)?")
EXCEL_DATE_FIX = (
    "Excel rewrites YYYY-MM-DD dates as DD/MM/YYYY when it opens a CSV file and saves it "
    "again. To fix: format the date columns as Text (or with the custom format YYYY-MM-DD) "
    "before saving, or edit the file in a text editor, or send the .XLSX workbook instead"
)
_FILE_NAME = re.compile(r"(?P<prefix>[^_]*)_(?P<ukprn>[^_]*)_(?P<stamp>[^_.]*)\.(?P<ext>[^.]+)")


P = TypeVar("P")


class FileVerdict(Generic[P]):
    """What a report of a whole file says, given its rejected records and file problems.

    Shared by batch and achievement file reports; the dataclass using it supplies
    ``completed``, ``records``, ``rejected`` (each with ``problems``) and
    ``file_problems``.
    """

    completed: bool
    records: int
    rejected: Sequence[Any]
    file_problems: list[P]

    @property
    def file_accepted(self) -> bool:
        """False when the whole file is refused (no record would be processed)."""
        return self.completed and not self.file_problems

    @property
    def ok(self) -> bool:
        return self.file_accepted and not self.rejected

    @property
    def valid_records(self) -> int:
        return self.records - len(self.rejected)

    @property
    def record_problems(self) -> list[P]:
        return [p for outcome in self.rejected for p in outcome.problems]

    @property
    def problems(self) -> list[P]:
        return [*self.file_problems, *self.record_problems]


def counted(n: int, noun: str) -> str:
    """ "1 record", "2 records": never "record(s)"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def explain_date(raw: str, rule: str, fmt: str) -> tuple[str, bool]:
    """A date problem's rule, with how to fix a date Excel rewrote. (rule, excel?)"""
    text = raw.strip()
    if _EXCEL_DATE.fullmatch(text):
        if "DD/MM/YYYY" not in rule:
            rule = (
                f"'{text}' looks like DD/MM/YYYY (as a spreadsheet writes it); dates must be "
                "YYYY-MM-DD"
            )
        return f"{rule}. {EXCEL_DATE_FIX}", True
    if fmt == "XLSX" and _SERIAL_DATE.fullmatch(text):
        return (
            f"{rule}: '{text}' looks like a spreadsheet date serial number. Format the cell "
            "as a date, or as text holding YYYY-MM-DD",
            False,
        )
    return rule, False


def check_file_name(name: str, layout: Layout[Any]) -> tuple[list[str], list[str]]:
    """(problems, notes) of a file's name: ``<PREFIX>_<UKPRN>_<DDMMYYYYHHMM>.<EXT>``."""
    example = f"{layout.prefix}_10012345_010920241030.CSV"
    pattern = f"{layout.prefix}_<UKPRN>_<DDMMYYYYHHMM>.CSV (or .XML, .XLSX)"
    match = _FILE_NAME.fullmatch(name)
    if not match:
        return [f"The file name {name!r} does not follow the pattern {pattern}, like {example}"], []
    problems: list[str] = []
    notes: list[str] = []
    if match["prefix"] != layout.prefix:
        problems.append(
            f"The file name must start {layout.prefix}_ (a {layout.name}), like "
            f"{example}; it starts {match['prefix']}_"
        )
    try:
        validate_ukprn(match["ukprn"])
    except IdentifierError as exc:
        problems.append(f"The UKPRN in the file name, {match['ukprn']!r}, is not valid: {exc.rule}")
    stamp = match["stamp"]
    try:
        if not (len(stamp) == 12 and stamp.isascii() and stamp.isdigit()):
            raise ValueError
        dt.datetime.strptime(stamp, "%d%m%Y%H%M")
    except ValueError:
        problems.append(
            f"{stamp!r} in the file name is not a real date and time written DDMMYYYYHHMM "
            "(day, month, year, hours, minutes: 010920241030 is 1 September 2024 10:30)"
        )
    extension = match["ext"]
    if extension.upper() not in ("CSV", "XML", "XLSX"):
        problems.append(f"The extension .{extension} is not .CSV, .XML or .XLSX")
    elif extension != extension.upper():
        notes.append(
            f"Official batch file names have the extension in upper case "
            f"(.{extension.upper()}); .{extension} is accepted"
        )
    return problems, notes


def check_header(
    header: BatchHeader,
    file_name: str,
    fmt: str,
    layout: Layout[Any],
    expected_ukprn: str | None,
) -> list[BatchProblem]:
    """Problems of the header's FileVersion, FileName and UKPRN (row 2, or None in XML)."""
    row = None if fmt == "XML" else 2
    found: list[BatchProblem] = []

    def add(field_name: str, rule: str) -> None:
        found.append(BatchProblem(row=row, field=field_name, rule=rule))

    if header.file_version != layout.file_version:
        add(
            "FileVersion",
            f"FileVersion must be {layout.file_version!r}; found {header.file_version!r}",
        )
    if header.file_name != file_name:
        if header.file_name.lower() == file_name.lower():
            add(
                "FileName",
                f"FileName {header.file_name!r} must be the file's own name "
                f"{file_name!r} exactly (the case differs)",
            )
        else:
            add(
                "FileName",
                f"FileName {header.file_name!r} must be the file's own name {file_name!r}",
            )
    try:
        ukprn = validate_ukprn(header.ukprn)
    except IdentifierError as exc:
        add("UKPRN", f"UKPRN {header.ukprn!r} is not valid: {exc.rule}")
        return found
    match = _FILE_NAME.fullmatch(file_name)
    if match and match["ukprn"] != ukprn:
        add("UKPRN", f"UKPRN {ukprn} differs from the UKPRN in the file name, {match['ukprn']}")
    if expected_ukprn is not None and ukprn != expected_ukprn.strip():
        add(
            "UKPRN",
            f"This file is for UKPRN {ukprn}, but it is being sent by UKPRN "
            f"{expected_ukprn.strip()}: an organisation may send only its own files",
        )
    return found


class _Report(Protocol):
    records: int
    completed: bool
    rejected: Any
    file_problems: Any
    notes: list[str]


class _Open(Protocol):
    @property
    def records_read(self) -> int: ...

    @property
    def problems(self) -> Any: ...

    @property
    def header(self) -> BatchHeader: ...

    def __iter__(self) -> Any: ...


Report = TypeVar("Report", bound=_Report)


def validate_records(
    opened: _Open,
    report: Report,
    check: Callable[[Any], Any],
    *,
    read_fault: Callable[[BatchProblem], Any],
    count_problem: Callable[[int, int], Any],
    excel_rows: Callable[[], int],
    noun: str,
) -> Report:
    """Read every record of ``opened`` into ``report``: ``check`` gives a record's
    rejection (or None); a fault that stops reading becomes ``read_fault(problem)``; a
    declared count that differs from the records read, ``count_problem(declared, read)``;
    ``excel_rows()`` of them (``noun``s) with dates Excel rewrote earn a note."""
    try:
        for record in opened:
            outcome = check(record)
            if outcome:
                report.rejected.append(outcome)
    except BatchFileError as exc:
        report.records = opened.records_read
        report.file_problems.append(read_fault(exc.problem))
        report.file_problems += opened.problems
        return report
    report.records = opened.records_read
    report.completed = True
    report.file_problems += opened.problems
    declared = opened.header.record_count
    if declared is not None and declared != opened.records_read:
        report.file_problems.append(count_problem(declared, opened.records_read))
    excel = excel_rows()
    if excel:
        report.notes.append(
            f"{counted(excel, noun)} {'has' if excel == 1 else 'have'} dates written like "
            f"DD/MM/YYYY: the file was probably opened and saved in Excel. {EXCEL_DATE_FIX}"
        )
    return report


def count_row(fmt: str | None) -> int | None:
    """Where a header problem is: row 2 (CSV, XLSX) or None (XML)."""
    return None if fmt == "XML" else 2


def validate_source(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None,
    caller: str,
    open_file: Callable[[str], Any],
    unreadable: Callable[[str, str | None, BatchProblem], Report],
    validate: Callable[[Any], Report],
) -> Report:
    """Open ``path`` (a path, or a file object known as ``filename``) with ``open_file``
    and ``validate`` it; a file that cannot be opened at all is ``unreadable(filename,
    format, problem)``. Never raises for a bad file: every fault is in the report."""
    if filename is None:
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"{caller} needs filename= when given a file object")
        filename = Path(path).name
    try:
        fmt: str | None = format_of(filename)
    except BatchFileError:
        fmt = None
    try:
        opened = open_file(filename)
    except BatchFileError as exc:
        return unreadable(filename, fmt, exc.problem)
    with opened:
        return validate(opened)


__all__ = [
    "EXCEL_DATE_FIX",
    "FileVerdict",
    "check_file_name",
    "check_header",
    "count_row",
    "counted",
    "explain_date",
    "validate_records",
    "validate_source",
]

"""Streaming writers: achievement files and their error files.

Both use the writers of ``lrs.tabular``: CSV and XLSX values that a spreadsheet
would run (starting ``=``, ``+``, ``-``, ``@``, tab or CR) get a leading ``'``; XLSX is
written with openpyxl's write-only workbook; XML element by element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lrs.achievementfiles.errors import AchievementProblem, ErrorKind
from lrs.achievementfiles.records import (
    ACH_ERRORS_NAMESPACE,
    ACH_FILE_VERSION,
    ACH_HEADER_COLUMNS,
    ACH_LAYOUT,
    AchievementHeader,
    AchievementRecord,
)
from lrs.achievementfiles.rules import check_award_date
from lrs.tabular.layout import BatchHeader
from lrs.tabular.writers import (
    Target,
    XmlWriter,
    check_format,
    write_layout,
    write_tabular,
    write_xml,
)

ERROR_EXTRA = ("InputRow", "ErrorKind", "ErrorCode", "ErrorMessage")
ERROR_HEADINGS = (*ACH_LAYOUT.headings, *ERROR_EXTRA)
ERRORS_ROOT = "AchievementErrors"


def write_achievements(
    target: Target,
    header: AchievementHeader,
    records: Iterable[AchievementRecord],
    *,
    fmt: str,
    bom: bool = False,
) -> int:
    """Write an achievement file (CSV, XML or XLSX); returns the records written.

    XML leaves out empty fields. For tests, examples and synthetic data: awarding
    organisations make their own files.
    """
    return write_layout(target, header, records, fmt=fmt, layout=ACH_LAYOUT, bom=bom)


def error_file_name(input_name: str) -> str:
    """``ACH_10054321_010920241030.CSV`` → ``ACH_10054321_010920241030_ERRORS.CSV``."""
    path = Path(input_name)
    return f"{path.stem}_ERRORS{path.suffix}"


def error_header(input_name: str, ukprn: str, count: int) -> AchievementHeader:
    """The header of the error file of ``input_name``: its name, the AO, rows in it."""
    return BatchHeader(ACH_FILE_VERSION, error_file_name(input_name), ukprn, count)


@dataclass(frozen=True)
class RejectedRow:
    """A row of an achievement file that was not applied, with why.

    ``problems`` are in the order found (field data first; then learner data or
    business rules, which the service checks only on rows whose fields are good).
    """

    record: AchievementRecord
    problems: tuple[AchievementProblem, ...]

    def __post_init__(self) -> None:
        if not self.problems:
            raise ValueError("A rejected row needs at least one problem")

    @property
    def kind(self) -> ErrorKind:
        return self.problems[0].kind

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.code for p in self.problems))

    @property
    def message(self) -> str:
        return "; ".join(p.message for p in self.problems)


def _error_item(xml: XmlWriter, rejected: RejectedRow) -> None:
    for column in ACH_LAYOUT.columns:
        value = getattr(rejected.record, column.attr)
        if value:
            xml.leaf(column.element, value, 2)
    xml.leaf("InputRow", str(rejected.record.row), 2)
    for problem in rejected.problems:
        xml.start("Error", 2)
        xml.leaf("ErrorKind", str(problem.kind), 3)
        xml.leaf("ErrorCode", problem.code, 3)
        if problem.field:
            xml.leaf("ErrorField", problem.field, 3)
        xml.leaf("ErrorMessage", problem.rule, 3)
        xml.end("Error", 2)


def write_errors(
    target: Target,
    header: AchievementHeader,
    rows: Iterable[RejectedRow],
    fmt: str,
    *,
    bom: bool = True,
) -> int:
    """Write the error file of an achievement file: the rejected rows, streaming.

    Each row keeps its original values and gains ``InputRow`` (its row in the input, or
    its position in XML), ``ErrorKind`` (field, learner or business: the first
    problem's), ``ErrorCode`` (every code, space-separated) and ``ErrorMessage`` (every
    problem, "Field: rule", separated by "; "). XML (``achievement-errors.xsd``) has
    one ``<Error>`` per problem instead. ``header`` is the error file's own (see
    ``error_header``); CSV has a UTF-8 BOM by default so Excel shows accents. Returns
    the rows written.
    """
    fmt = check_format(fmt)
    if fmt == "XML":
        return write_xml(
            target,
            ACH_ERRORS_NAMESPACE,
            ERRORS_ROOT,
            header,
            rows,
            _error_item,
            record_element=ACH_LAYOUT.record_element,
            header_columns=ACH_HEADER_COLUMNS,
        )
    attrs = [c.attr for c in ACH_LAYOUT.columns]

    def cells() -> Iterator[list[str]]:
        for rejected in rows:
            yield [
                *(getattr(rejected.record, a) for a in attrs),
                str(rejected.record.row),
                str(rejected.kind),
                " ".join(rejected.codes),
                rejected.message,
            ]

    return write_tabular(target, fmt, ERROR_HEADINGS, header, cells(), bom=bom, sheet="Errors")


def rejected_rows(
    records: Iterable[AchievementRecord], *, today: dt.date | None = None
) -> Iterator[RejectedRow]:
    """The records with field data problems (and, given ``today``, with an award date
    after it: BR06) as rejected rows, streaming."""
    for record in records:
        problems = record.format_problems
        if today is not None:
            problems = (*problems, *check_award_date(record, today))
        if problems:
            yield RejectedRow(record, tuple(problems))


__all__ = [
    "ERRORS_ROOT",
    "ERROR_EXTRA",
    "ERROR_HEADINGS",
    "RejectedRow",
    "error_file_name",
    "error_header",
    "rejected_rows",
    "write_achievements",
    "write_errors",
]

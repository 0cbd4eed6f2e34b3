"""The shape every tabular file of LRS shares, free of any framework.

A batch file, a verify batch and an achievement file are each a header of four fields
(FileVersion, FileName, UKPRN and a record count) and then records, in CSV, XML or
XLSX. A ``Layout`` says what one kind holds (its columns, its XML names, its record
type); the readers, writers and validation driver of ``lrs.tabular`` work for any.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

FORMATS = ("CSV", "XML", "XLSX")


@dataclass(frozen=True)
class Limits:
    """How much a batch file may hold. Both are enforced while reading."""

    max_records: int = 100_000
    max_bytes: int = 50 * 1024 * 1024
    # An XLSX is a ZIP: its parts may not expand beyond this (a guard against zip bombs).
    max_uncompressed_bytes: int = 1024 * 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class BatchProblem:
    """One thing wrong with a batch file.

    ``row`` is the spreadsheet row (CSV and XLSX; row 1 holds the headings) or the
    position of the ``<Learner>`` element (XML, first learner = 1); None for the whole
    file. ``field`` is the heading or element name as written in the file.
    ``code`` is the return code the problem gives its record (RC006, RC011, RC012,
    RC013), ``WSRC0017`` for a wrong record count, or a file-level code (``FILE``).
    """

    row: int | None
    field: str | None
    rule: str
    code: str = "FILE"
    line: int | None = None

    def __str__(self) -> str:
        where = "File" if self.row is None else f"Row {self.row}"
        if self.line is not None:
            where += f" (line {self.line})"
        what = f" {self.field}" if self.field else ""
        return f"{where}{what}: {self.rule} [{self.code}]"


class BatchFileError(Exception):
    """The file cannot be read any further; ``problem`` says why and how to fix it."""

    def __init__(
        self,
        rule: str,
        *,
        row: int | None = None,
        field: str | None = None,
        line: int | None = None,
        code: str = "FILE",
    ) -> None:
        super().__init__(rule)
        self.problem = BatchProblem(row=row, field=field, rule=rule, code=code, line=line)


@dataclass(frozen=True)
class BatchHeader:
    """The four header fields: row 2 columns 1-4 (CSV, XLSX) or ``<Header>`` (XML).

    ``learner_record_count`` is None when the file's value is not a whole number (the
    reader reports that as a problem).
    """

    file_version: str
    file_name: str
    ukprn: str
    learner_record_count: int | None

    @property
    def record_count(self) -> int | None:
        """The declared number of records (``learner_record_count``, by a neutral name)."""
        return self.learner_record_count


@dataclass(frozen=True)
class Column:
    """A field as it is named in CSV/XLSX headings, in XML and in Python."""

    heading: str
    element: str
    attr: str


HEADER_COLUMNS: tuple[Column, ...] = (
    Column("FileVersion", "FileVersion", "file_version"),
    Column("FileName", "FileName", "file_name"),
    Column("UKPRN", "UKPRN", "ukprn"),
    Column("LearnerRecordCount", "LearnerRecordCount", "learner_record_count"),
)


# The record type a layout makes: lrs.batchfiles' BatchRecord or VerifyRecord,
# lrs.achievementfiles' AchievementRecord.
R = TypeVar("R")


@dataclass(frozen=True)
class Layout(Generic[R]):
    """Everything a reader or writer needs to know about one kind of batch file."""

    name: str
    prefix: str
    file_version: str
    namespace: str
    root: str
    columns: tuple[Column, ...]
    factory: Callable[..., R]
    xsd: str
    record_element: str = "Learner"
    # The code a row gets when its columns are out of line.
    format_code: str = "RC011"
    date_attrs: frozenset[str] = frozenset({"date_of_birth", "date_of_address_capture"})
    # The four header fields (their order is that of BatchHeader's fields).
    header_columns: tuple[Column, ...] = HEADER_COLUMNS
    # What one record is, in messages ("more than 100,000 learner records").
    record_noun: str = "learner"
    # The name of the worksheet an XLSX file is written with.
    sheet: str = "Learners"

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(c.heading for c in (*self.header_columns, *self.columns))

    @property
    def count_heading(self) -> str:
        """The heading of the header's record count (LearnerRecordCount)."""
        return self.header_columns[3].heading

    def heading_of(self, attr: str) -> str:
        for column in (*self.header_columns, *self.columns):
            if column.attr == attr:
                return column.heading
        return attr

    def element_of(self, attr: str) -> str:
        for column in (*self.header_columns, *self.columns):
            if column.attr == attr:
                return column.element
        return attr

    def make(self, row: int, values: Mapping[str, Any], **extra: Any) -> R:
        return self.factory(row=row, **values, **extra)

"""What a batch file holds: its header, its records, its layouts and its problems.

Two kinds of batch file share one shape (a header of four fields, then records):

- the learner registration batch (``LRB``, file version ``2A``) of learning providers;
- the verify batch (``LRV``, file version ``V1``) of awarding organisations.

Every value is kept as the text that was in the file (``""`` when absent), so the output
file can echo it and the validator can say exactly what was wrong with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

LRB_NAMESPACE = "urn:lrs:batch:lrb:2A"
LRB_OUTPUT_NAMESPACE = "urn:lrs:batch:lrb-output:2A"
VERIFY_NAMESPACE = "urn:lrs:batch:verify:V1"
VERIFY_OUTPUT_NAMESPACE = "urn:lrs:batch:verify-output:V1"

LRB_FILE_VERSION = "2A"
VERIFY_FILE_VERSION = "V1"

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


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """One learner of a registration batch, as written in the file.

    The learner fields carry the snake_case names of ``lrs.validation.learner``.
    ``format_problems`` are layout faults of this row found by the reader (a row with
    the wrong number of columns, say); they make the record RC011.
    """

    row: int
    uln: str = ""
    mis_identifier: str = ""
    title: str = ""
    given_name: str = ""
    preferred_given_name: str = ""
    middle_other_name: str = ""
    family_name: str = ""
    previous_family_name: str = ""
    family_name_at_16: str = ""
    school_at_16: str = ""
    last_known_address_line1: str = ""
    last_known_address_line2: str = ""
    last_known_address_town: str = ""
    last_known_address_county_or_city: str = ""
    last_known_postcode: str = ""
    date_of_address_capture: str = ""
    date_of_birth: str = ""
    place_of_birth: str = ""
    email_address: str = ""
    gender: str = ""
    nationality: str = ""
    scottish_candidate_number: str = ""
    ability_to_share: str = ""
    verification_type: str = ""
    other_verification_description: str = ""
    notes: str = ""
    line: int | None = None
    format_problems: tuple[BatchProblem, ...] = field(default=(), compare=False)

    def learner_data(self) -> dict[str, str]:
        """The learner fields, ready for ``lrs.validation.learner.validate_learner``."""
        return {name: getattr(self, name) for name in LEARNER_FIELDS}


@dataclass(frozen=True, slots=True)
class VerifyRecord:
    """One learner of a verify batch: a ULN and the details to check against it."""

    row: int
    mis_identifier: str = ""
    uln: str = ""
    family_name: str = ""
    given_name: str = ""
    date_of_birth: str = ""
    gender: str = ""
    line: int | None = None
    format_problems: tuple[BatchProblem, ...] = field(default=(), compare=False)


_NOT_LEARNER = {"row", "uln", "mis_identifier", "line", "format_problems"}
LEARNER_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(BatchRecord) if f.name not in _NOT_LEARNER
)


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


def _same(name: str, attr: str) -> Column:
    return Column(name, name, attr)


# The order of the real service's CSV headings 5-30, which is also the order of its
# BatchLearner element. XML uses the learner record's element names, which differ from
# the CSV headings in two places (FamilyNameAtAge16, LastKnownAddressCountyOrCity).
LRB_COLUMNS: tuple[Column, ...] = (
    _same("ULN", "uln"),
    _same("MISIdentifier", "mis_identifier"),
    _same("Title", "title"),
    _same("GivenName", "given_name"),
    _same("PreferredGivenName", "preferred_given_name"),
    _same("MiddleOtherName", "middle_other_name"),
    _same("FamilyName", "family_name"),
    _same("PreviousFamilyName", "previous_family_name"),
    Column("FamilyNameAt16", "FamilyNameAtAge16", "family_name_at_16"),
    _same("SchoolAtAge16", "school_at_16"),
    _same("LastKnownAddressLine1", "last_known_address_line1"),
    _same("LastKnownAddressLine2", "last_known_address_line2"),
    _same("LastKnownAddressTown", "last_known_address_town"),
    Column(
        "LastKnownAddressCountyorCity",
        "LastKnownAddressCountyOrCity",
        "last_known_address_county_or_city",
    ),
    _same("LastKnownPostCode", "last_known_postcode"),
    _same("DateOfAddressCapture", "date_of_address_capture"),
    _same("DateOfBirth", "date_of_birth"),
    _same("PlaceOfBirth", "place_of_birth"),
    _same("EmailAddress", "email_address"),
    _same("Gender", "gender"),
    _same("Nationality", "nationality"),
    _same("ScottishCandidateNumber", "scottish_candidate_number"),
    _same("AbilityToShare", "ability_to_share"),
    _same("VerificationType", "verification_type"),
    _same("OtherVerificationDescription", "other_verification_description"),
    _same("Notes", "notes"),
)

# The order of the real service's MIAPBatchLearnerToVerify element.
VERIFY_COLUMNS: tuple[Column, ...] = (
    _same("MISIdentifier", "mis_identifier"),
    _same("ULN", "uln"),
    _same("FamilyName", "family_name"),
    _same("GivenName", "given_name"),
    _same("DateOfBirth", "date_of_birth"),
    _same("Gender", "gender"),
)

# The record type a layout makes: BatchRecord, VerifyRecord, or another package's record
# (lrs.achievementfiles) that shares the machinery.
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


LRB_LAYOUT: Layout[BatchRecord] = Layout(
    name="learner registration batch",
    prefix="LRB",
    file_version=LRB_FILE_VERSION,
    namespace=LRB_NAMESPACE,
    root="LearnerBatch",
    columns=LRB_COLUMNS,
    factory=BatchRecord,
    xsd="lrb.xsd",
)

VERIFY_LAYOUT: Layout[VerifyRecord] = Layout(
    name="verify batch",
    prefix="LRV",
    file_version=VERIFY_FILE_VERSION,
    namespace=VERIFY_NAMESPACE,
    root="VerifyBatch",
    columns=VERIFY_COLUMNS,
    factory=VerifyRecord,
    xsd="verify.xsd",
    format_code="WSEC0001",
    date_attrs=frozenset({"date_of_birth"}),
)

LRB_HEADINGS = LRB_LAYOUT.headings
VERIFY_HEADINGS = VERIFY_LAYOUT.headings

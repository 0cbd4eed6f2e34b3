"""What an achievement file holds: its header, its records and its layout.

An awarding organisation's achievement file (``ACH_<UKPRN>_<DDMMYYYYHHMM>.<EXT>``)
shares the shape of the batch files (``lrs.tabular``) (a header of four fields,
then records) and its readers and writers: this module only describes the layout.
Every value is kept as the text that was in the file (``""`` when absent).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from lrs.achievementfiles.errors import AchievementProblem, ErrorCode
from lrs.tabular.layout import BatchHeader, BatchProblem, Column, Layout

ACH_NAMESPACE = "urn:lrs:achievements:1"
ACH_ERRORS_NAMESPACE = "urn:lrs:achievements:errors:1"
ACH_FILE_VERSION = "1"
ACH_PREFIX = "ACH"

# The header is that of the batch files, with RecordCount for LearnerRecordCount; it
# is read into lrs.tabular's BatchHeader (``header.record_count``).
AchievementHeader = BatchHeader

ACH_HEADER_COLUMNS: tuple[Column, ...] = (
    Column("FileVersion", "FileVersion", "file_version"),
    Column("FileName", "FileName", "file_name"),
    Column("UKPRN", "UKPRN", "ukprn"),
    Column("RecordCount", "RecordCount", "learner_record_count"),
)


@dataclass(frozen=True, slots=True)
class AchievementRecord:
    """One row of an achievement file: one action on one learner's achievement.

    ``format_problems`` are the field data (format) problems of this row: the reader's
    (columns out of line, FD01) and, once read through ``read_achievements``, every
    field rule's (FD02-FD17). An empty tuple means the row's format is good.
    """

    row: int
    mis_identifier: str = ""
    uln: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    gender: str = ""
    learner_postcode: str = ""
    provider_ukprn: str = ""
    reference: str = ""
    grade: str = ""
    award_date: str = ""
    credits: str = ""
    language_for_assessment: str = ""
    status: str = ""
    action: str = ""
    action_date: str = ""
    action_reason: str = ""
    event_id: str = ""
    line: int | None = None
    format_problems: tuple[AchievementProblem, ...] = field(default=(), compare=False)

    def values(self) -> dict[str, str]:
        """The field values by attribute name, as in the file."""
        return {name: getattr(self, name) for name in VALUE_FIELDS}


VALUE_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(AchievementRecord) if f.name not in ("row", "line", "format_problems")
)


def _same(name: str, attr: str) -> Column:
    return Column(name, name, attr)


# CSV/XLSX headings 5-21 in order; the XML elements of <Achievement> carry the same
# names in the same order.
ACH_COLUMNS: tuple[Column, ...] = (
    _same("MisIdentifier", "mis_identifier"),
    _same("Uln", "uln"),
    _same("GivenName", "given_name"),
    _same("FamilyName", "family_name"),
    _same("DateOfBirth", "date_of_birth"),
    _same("Gender", "gender"),
    _same("LearnerPostcode", "learner_postcode"),
    _same("ProviderUkprn", "provider_ukprn"),
    _same("UnitOrQualificationReferenceNumber", "reference"),
    _same("Grade", "grade"),
    _same("AchievementAwardDate", "award_date"),
    _same("Credits", "credits"),
    _same("LanguageForAssessment", "language_for_assessment"),
    _same("Status", "status"),
    _same("Action", "action"),
    _same("ActionDate", "action_date"),
    _same("ActionReason", "action_reason"),
    _same("EventId", "event_id"),
)


def _make_record(
    *,
    row: int,
    format_problems: tuple[BatchProblem, ...] = (),
    **values: Any,
) -> AchievementRecord:
    """The layout's factory: the reader's layout problems become FD01 problems."""
    problems = tuple(
        AchievementProblem(p.row, p.field, p.rule, ErrorCode.FD01, p.line) for p in format_problems
    )
    return AchievementRecord(row=row, format_problems=problems, **values)


ACH_LAYOUT: Layout[AchievementRecord] = Layout(
    name="achievement file",
    prefix=ACH_PREFIX,
    file_version=ACH_FILE_VERSION,
    namespace=ACH_NAMESPACE,
    root="AchievementFile",
    columns=ACH_COLUMNS,
    factory=_make_record,
    xsd="achievements.xsd",
    record_element="Achievement",
    format_code=ErrorCode.FD01.value,
    date_attrs=frozenset({"date_of_birth", "award_date", "action_date"}),
    header_columns=ACH_HEADER_COLUMNS,
    record_noun="achievement",
    sheet="Achievements",
)

ACH_HEADINGS = ACH_LAYOUT.headings


def heading_of(attr: str) -> str:
    """The heading (= XML element) of a record attribute: ``reference`` →
    ``UnitOrQualificationReferenceNumber``."""
    return ACH_LAYOUT.heading_of(attr)


def make_header(file_name: str, ukprn: str, count: int | None) -> AchievementHeader:
    """A header of file version 1."""
    return BatchHeader(ACH_FILE_VERSION, file_name, ukprn, count)


__all__ = [
    "ACH_COLUMNS",
    "ACH_ERRORS_NAMESPACE",
    "ACH_FILE_VERSION",
    "ACH_HEADER_COLUMNS",
    "ACH_HEADINGS",
    "ACH_LAYOUT",
    "ACH_NAMESPACE",
    "ACH_PREFIX",
    "VALUE_FIELDS",
    "AchievementHeader",
    "AchievementRecord",
    "heading_of",
    "make_header",
]

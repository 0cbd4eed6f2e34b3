"""Error codes of achievement files: the single source of truth.

Four kinds. ``file`` problems reject the whole file before any row is processed.
The other three are per row and appear in the error file (ErrorKind, ErrorCode,
ErrorMessage):

- ``field``: the value's format (FD…), checked here, offline, with no database;
- ``learner``: the ULN is unknown, or the names or date of birth do not match it under
  the verify rules (LD…), checked by the service against the register;
- ``business``: the achievement breaks a rule of the PLR (BR…): unknown qualification,
  duplicate, an action on an achievement that does not exist… All are checked by the
  service against the database, except BR06 (award date in the future), which needs
  only today's date and is checked here too (``lrs.achievementfiles.rules``).

The real service publishes the three kinds but not their codes; these are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    FILE = "file"
    FIELD = "field"
    LEARNER = "learner"
    BUSINESS = "business"


class ErrorCode(StrEnum):
    # The whole file.
    FL01 = "FL01"
    FL02 = "FL02"
    FL03 = "FL03"
    FL04 = "FL04"
    FL05 = "FL05"
    # Field data (format).
    FD01 = "FD01"
    FD02 = "FD02"
    FD03 = "FD03"
    FD04 = "FD04"
    FD05 = "FD05"
    FD06 = "FD06"
    FD07 = "FD07"
    FD08 = "FD08"
    FD09 = "FD09"
    FD10 = "FD10"
    FD11 = "FD11"
    FD12 = "FD12"
    FD13 = "FD13"
    FD14 = "FD14"
    FD15 = "FD15"
    FD16 = "FD16"
    FD17 = "FD17"
    # Learner data (the register).
    LD01 = "LD01"
    LD02 = "LD02"
    LD03 = "LD03"
    LD04 = "LD04"
    # Business rules (the PLR and the catalogue).
    BR01 = "BR01"
    BR02 = "BR02"
    BR03 = "BR03"
    BR04 = "BR04"
    BR05 = "BR05"
    BR06 = "BR06"
    BR07 = "BR07"
    BR08 = "BR08"
    BR09 = "BR09"
    BR10 = "BR10"
    BR11 = "BR11"
    BR12 = "BR12"


@dataclass(frozen=True)
class ErrorCodeInfo:
    code: ErrorCode
    kind: ErrorKind
    description: str
    # Who applies the rule: "reader" / "validator" (this package) or "service".
    checked_by: str


_F, _D, _L, _B = ErrorKind.FILE, ErrorKind.FIELD, ErrorKind.LEARNER, ErrorKind.BUSINESS
_C = ErrorCode
_TABLE: tuple[tuple[ErrorCode, ErrorKind, str, str], ...] = (
    (
        _C.FL01,
        _F,
        "The file name does not follow ACH_<UKPRN>_<DDMMYYYYHHMM>.CSV, .XML or .XLSX",
        "validator",
    ),
    (
        _C.FL02,
        _F,
        "The file cannot be read: not the format its name says, not UTF-8, wrong headings, "
        "malformed or refused XML, truncated, or over the limits",
        "reader",
    ),
    (
        _C.FL03,
        _F,
        "The header is wrong: FileVersion, FileName, UKPRN or RecordCount, or header "
        "columns filled after row 2",
        "validator",
    ),
    (_C.FL04, _F, "The file's UKPRN is not the sending awarding organisation's", "validator"),
    (_C.FL05, _F, "RecordCount differs from the number of records in the file", "validator"),
    (_C.FD01, _D, "The row's columns are out of line (wrong number of columns)", "reader"),
    (_C.FD02, _D, "A field this action needs is missing", "validator"),
    (_C.FD03, _D, "The ULN is not valid (10 digits with a correct check digit)", "validator"),
    (
        _C.FD04,
        _D,
        "A name breaks the name rules (letters, spaces, hyphens, apostrophes, full stops; at "
        "most 35 characters)",
        "validator",
    ),
    (_C.FD05, _D, "A date is not a real date written YYYY-MM-DD", "validator"),
    (_C.FD06, _D, "Gender is not 0, 1, 2 or 9", "validator"),
    (_C.FD07, _D, "LearnerPostcode is not a UK postcode or BFPO number", "validator"),
    (_C.FD08, _D, "ProviderUkprn is not a UKPRN (8 digits starting with 1)", "validator"),
    (
        _C.FD09,
        _D,
        "UnitOrQualificationReferenceNumber is not a qualification number (600/1166/X) or "
        "a unit reference (K/501/5773)",
        "validator",
    ),
    (_C.FD10, _D, "Grade is longer than 20 characters or holds control characters", "validator"),
    (_C.FD11, _D, "Credits is not a whole number from 0 to 999", "validator"),
    (
        _C.FD12,
        _D,
        "LanguageForAssessment is not English, Welsh, Irish or Gaelic",
        "validator",
    ),
    (_C.FD13, _D, "Action is not a known action code (1-5)", "validator"),
    (_C.FD14, _D, "ActionReason is longer than 255 characters", "validator"),
    (
        _C.FD15,
        _D,
        "Status is not F or P, or does not suit the action (a promote makes it F)",
        "validator",
    ),
    (_C.FD16, _D, "MisIdentifier is longer than 128 characters", "validator"),
    (
        _C.FD17,
        _D,
        "EventId is not an LRS learning-event id (a UUID), or is given for a create",
        "validator",
    ),
    (_C.LD01, _L, "The ULN is not known to the LRS", "service"),
    (_C.LD02, _L, "The names do not match the learner who holds the ULN", "service"),
    (_C.LD03, _L, "The date of birth does not match the learner who holds the ULN", "service"),
    (_C.LD04, _L, "The gender does not match the learner who holds the ULN", "service"),
    (_C.BR01, _B, "The qualification or unit is not in the catalogue", "service"),
    (
        _C.BR02,
        _B,
        "The qualification or unit is not awarded by this awarding organisation",
        "service",
    ),
    (_C.BR03, _B, "No learning provider (centre) has the ProviderUkprn", "service"),
    (
        _C.BR04,
        _B,
        "Duplicate: the learner already has this achievement (same reference and award date)",
        "service",
    ),
    (
        _C.BR05,
        _B,
        "The achievement to update, withdraw, reinstate or promote does not exist",
        "service",
    ),
    (_C.BR06, _B, "AchievementAwardDate is in the future", "validator"),
    (_C.BR07, _B, "The achievement is withdrawn: reinstate it first", "service"),
    (_C.BR08, _B, "Only a withdrawn achievement can be reinstated", "service"),
    (_C.BR09, _B, "Only a provisional achievement can be promoted to final", "service"),
    (_C.BR10, _B, "A final achievement cannot be made provisional again", "service"),
    (
        _C.BR11,
        _B,
        "The award date is outside the dates the qualification or unit could be awarded",
        "service",
    ),
    (
        _C.BR12,
        _B,
        "More than one achievement matches the ULN, reference and award date: give the EventId",
        "service",
    ),
)

ERROR_CODES: dict[ErrorCode, ErrorCodeInfo] = {
    code: ErrorCodeInfo(code, kind, description, checked_by)
    for code, kind, description, checked_by in _TABLE
}


def info(code: str) -> ErrorCodeInfo:
    """The table entry of ``code``; ValueError for an unknown code."""
    return ERROR_CODES[ErrorCode(code)]


def kind_of(code: str) -> ErrorKind:
    return info(code).kind


def description(code: str) -> str:
    return info(code).description


def codes_of(kind: ErrorKind) -> tuple[ErrorCode, ...]:
    return tuple(c for c, i in ERROR_CODES.items() if i.kind is kind)


@dataclass(frozen=True, slots=True)
class AchievementProblem:
    """One thing wrong with an achievement file or one of its rows.

    ``row`` is the spreadsheet row (CSV, XLSX; row 1 holds the headings) or the position
    of the ``<Achievement>`` (XML, first = 1); None for the whole file. ``field`` is the
    heading or element as written in the file. ``code`` is one of ``ErrorCode``; its
    ``kind`` follows from it.
    """

    row: int | None
    field: str | None
    rule: str
    code: str
    line: int | None = None

    @property
    def kind(self) -> ErrorKind:
        return kind_of(self.code)

    @property
    def message(self) -> str:
        """The rule, led by the field it concerns: what the error file says."""
        return f"{self.field}: {self.rule}" if self.field else self.rule

    def __str__(self) -> str:
        where = "File" if self.row is None else f"Row {self.row}"
        if self.line is not None:
            where += f" (line {self.line})"
        what = f" {self.field}" if self.field else ""
        return f"{where}{what}: {self.rule} [{self.code} {self.kind}]"


__all__ = [
    "ERROR_CODES",
    "AchievementProblem",
    "ErrorCode",
    "ErrorCodeInfo",
    "ErrorKind",
    "codes_of",
    "description",
    "info",
    "kind_of",
]

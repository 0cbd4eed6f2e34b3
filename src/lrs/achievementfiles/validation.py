"""Validation of achievement files, offline: no Django, no database.

``validate_achievement_file`` reads a file as it streams and reports the file-level
problems that reject the whole file (FL01-FL05) and, per row, every field data problem
(FD01-FD17) and the award date business rule (BR06). Learner data (LD…) and the other
business rules (BR…) need the database: the service applies them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import IO

from lrs.achievementfiles.errors import AchievementProblem, ErrorCode, ErrorKind
from lrs.achievementfiles.readers import AchievementFile, file_problem, read_achievements
from lrs.achievementfiles.records import ACH_LAYOUT, AchievementHeader, AchievementRecord
from lrs.achievementfiles.rules import check_award_date, has_spreadsheet_dates
from lrs.identifiers.organisation import IdentifierError, validate_ukprn
from lrs.tabular.layout import DEFAULT_LIMITS, BatchProblem, Limits
from lrs.tabular.validation import (
    FileVerdict,
    check_file_name,
    check_header,
    count_row,
    counted,
    validate_records,
    validate_source,
)


@dataclass(frozen=True)
class RowOutcome:
    """A rejected row: where it is, the AO's id for it, and every problem it has."""

    row: int
    mis_identifier: str
    problems: tuple[AchievementProblem, ...]

    @property
    def kind(self) -> ErrorKind:
        """The row's error kind: that of its first problem (field data comes first)."""
        return self.problems[0].kind

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.code for p in self.problems))


@dataclass
class AchievementReport(FileVerdict[AchievementProblem]):
    """Everything found in one file. ``ok`` is true when nothing at all is wrong."""

    file_name: str
    format: str | None = None
    header: AchievementHeader | None = None
    records: int = 0
    rejected: list[RowOutcome] = field(default_factory=list)
    file_problems: list[AchievementProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    completed: bool = False

    @property
    def rejection_reason(self) -> str:
        """Why the whole file is refused (the job's rejection reason); "" if it is not."""
        return "; ".join(p.message for p in self.file_problems)

    def kind_counts(self) -> dict[str, int]:
        """Rejected rows by error kind (field, business)."""
        return dict(sorted(Counter(str(o.kind) for o in self.rejected).items()))

    def code_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(p.code for p in self.record_problems).items()))

    def lines(self) -> list[str]:
        """The report as text, one problem a line."""
        out = [f"{self.file_name}: {self.format or 'unknown format'} achievement file (ACH)"]
        if self.header:
            out.append(
                f"Header: FileVersion {self.header.file_version!r}, FileName "
                f"{self.header.file_name!r}, UKPRN {self.header.ukprn!r}, RecordCount "
                f"{self.header.record_count}"
            )
        kinds = ", ".join(f"{n} {k}" for k, n in self.kind_counts().items())
        out.append(
            f"Records: {self.records} read, {self.valid_records} valid, "
            f"{len(self.rejected)} rejected" + (f" ({kinds})" if kinds else "")
        )
        out.extend(str(p) for p in self.file_problems)
        out.extend(str(p) for p in self.record_problems)
        out.extend(f"Note: {n}" for n in self.notes)
        if self.ok:
            verdict = "VALID: no problems found"
        elif not self.file_accepted:
            verdict = "REJECTED: the whole file is refused; fix the file problems above"
        else:
            verdict = f"ERRORS: {counted(len(self.rejected), 'row')} would be rejected"
        out.append(verdict)
        return out


def check_achievement_file_name(name: str) -> tuple[list[AchievementProblem], list[str]]:
    """(FL01 problems, notes) of a file name: ``ACH_<UKPRN>_<DDMMYYYYHHMM>.<EXT>``."""
    rules, notes = check_file_name(name, ACH_LAYOUT)
    return [AchievementProblem(None, None, rule, ErrorCode.FL01) for rule in rules], notes


def check_achievement_header(
    header: AchievementHeader, file_name: str, fmt: str, expected_ukprn: str | None = None
) -> list[AchievementProblem]:
    """FL03 (FileVersion 1, FileName, UKPRN) and FL04 (not the sender's UKPRN)."""
    found = [
        file_problem(p, ErrorCode.FL03)
        for p in check_header(header, file_name, fmt, ACH_LAYOUT, None)
    ]
    if expected_ukprn is None:
        return found
    try:
        ukprn = validate_ukprn(header.ukprn)
    except IdentifierError:
        return found  # already an FL03 problem
    expected = expected_ukprn.strip()
    if ukprn != expected:
        found.append(
            AchievementProblem(
                None if fmt == "XML" else 2,
                "UKPRN",
                f"This file is for the awarding organisation with UKPRN {ukprn}, but it is "
                f"being sent by UKPRN {expected}: an awarding organisation may send only its "
                "own achievements",
                ErrorCode.FL04,
            )
        )
    return found


def validate_achievements(
    file: AchievementFile,
    *,
    expected_ukprn: str | None = None,
    today: dt.date | None = None,
    business_rules: bool = True,
) -> AchievementReport:
    """Validate an open file (from ``read_achievements``), reading all of its rows.

    ``business_rules`` adds BR06 (award date after ``today``) to the rows' problems.
    """
    today = today or dt.date.today()
    report = AchievementReport(file_name=file.file_name, format=file.format, header=file.header)
    name_problems, report.notes = check_achievement_file_name(file.file_name)
    report.file_problems += name_problems
    report.file_problems += check_achievement_header(
        file.header, file.file_name, file.format, expected_ukprn
    )
    excel_rows = 0

    def check(record: AchievementRecord) -> RowOutcome | None:
        nonlocal excel_rows
        problems = list(record.format_problems)
        if business_rules:
            problems += check_award_date(record, today)
        if not problems:
            return None
        excel_rows += has_spreadsheet_dates(problems)
        return RowOutcome(record.row, record.mis_identifier.strip(), tuple(problems))

    return validate_records(
        file,
        report,
        check,
        read_fault=lambda problem: file_problem(problem, ErrorCode.FL02),
        count_problem=lambda declared, read: AchievementProblem(
            count_row(file.format),
            "RecordCount",
            f"RecordCount says {declared} but the file holds {counted(read, 'achievement record')}",
            ErrorCode.FL05,
        ),
        excel_rows=lambda: excel_rows,
        noun="row",
    )


def validate_achievement_file(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    expected_ukprn: str | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    business_rules: bool = True,
) -> AchievementReport:
    """Validate an achievement file from start to end without holding it in memory.

    ``filename`` is the name the file is known by (a path's own name by default; needed
    for a file object). ``expected_ukprn`` is the sending awarding organisation's UKPRN
    (FL04 when the file's differs). ``today`` dates the award date rule (BR06). Never
    raises for a bad file: every fault is in the report.
    """

    def unreadable(name: str, fmt: str | None, problem: BatchProblem) -> AchievementReport:
        report = AchievementReport(file_name=name, format=fmt)
        report.file_problems, report.notes = check_achievement_file_name(name)
        report.file_problems.append(file_problem(problem, ErrorCode.FL02))
        return report

    return validate_source(
        path,
        filename=filename,
        caller="validate_achievement_file",
        open_file=lambda name: read_achievements(path, filename=name, limits=limits),
        unreadable=unreadable,
        validate=lambda file: validate_achievements(
            file, expected_ukprn=expected_ukprn, today=today, business_rules=business_rules
        ),
    )


__all__ = [
    "AchievementReport",
    "RowOutcome",
    "check_achievement_file_name",
    "check_achievement_header",
    "validate_achievement_file",
    "validate_achievements",
]

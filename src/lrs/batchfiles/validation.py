"""Validation of batch files, offline: no Django, no database.

``validate_file`` reads a file as it streams and reports every problem by row and
field: file-level problems (name, header, headings, format, record count) and the
problems of each record with the return code they give it (RC006, RC011, RC012,
RC013; WSEC0136/WSEC0001 for verify batches). The field rules are those of
``lrs.validation.learner``; nothing here repeats them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lrs.batchfiles.readers import Batch, read_batch
from lrs.batchfiles.records import (
    DEFAULT_LIMITS,
    LRB_LAYOUT,
    VERIFY_LAYOUT,
    BatchHeader,
    BatchProblem,
    BatchRecord,
    Layout,
    Limits,
    VerifyRecord,
)
from lrs.batchfiles.return_codes import ReturnCode
from lrs.tabular import validation as tabular_validation
from lrs.tabular.validation import (
    EXCEL_DATE_FIX,
    FileVerdict,
    check_header,
    count_row,
    counted,
    explain_date,
    validate_records,
    validate_source,
)
from lrs.validation.learner import (
    MANDATORY,
    MAX_AGE,
    MIN_AGE,
    Purpose,
    age_on,
    validate_learner,
    validate_uln,
)

MIS_IDENTIFIER_MAX = 128
# With a valid ULN the record is checked against the learner who holds it; these fields
# are enough for that (the same as find by ULN plus the date of birth).
MANDATORY_WITH_ULN = ("given_name", "family_name", "date_of_birth")
# The fields every record of a verify batch must fill (the guidance's layout reads it).
VERIFY_MANDATORY = ("uln", "given_name", "family_name")
# Precedence of the return code of a record with several problems: the learner can never
# have a ULN (RC013) before data is missing (RC006) before a field is malformed (RC011)
# before the record repeats an earlier one (RC012).
_PRECEDENCE = ("RC013", "RC006", "RC011", "RC012", "WSEC0136", "WSEC0001")


@dataclass(frozen=True)
class RecordOutcome:
    """A record the validator rejects: its row, its id, its return code and why."""

    row: int
    mis_identifier: str
    return_code: str
    problems: tuple[BatchProblem, ...]


@dataclass
class ValidationReport(FileVerdict[BatchProblem]):
    """Everything found in one file. ``ok`` is true when nothing at all is wrong."""

    file_name: str
    kind: str
    format: str | None = None
    header: BatchHeader | None = None
    records: int = 0
    rejected: list[RecordOutcome] = field(default_factory=list)
    file_problems: list[BatchProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    completed: bool = False

    def return_code_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(o.return_code for o in self.rejected).items()))

    def lines(self) -> list[str]:
        """The report as text, one problem a line."""
        kind = VERIFY_LAYOUT.name if self.kind == VERIFY_LAYOUT.prefix else LRB_LAYOUT.name
        out = [f"{self.file_name}: {self.format or 'unknown format'} {kind} ({self.kind})"]
        if self.header:
            out.append(
                f"Header: FileVersion {self.header.file_version!r}, FileName "
                f"{self.header.file_name!r}, UKPRN {self.header.ukprn!r}, LearnerRecordCount "
                f"{self.header.learner_record_count}"
            )
        codes = ", ".join(f"{c} {n}" for c, n in self.return_code_counts().items())
        out.append(
            f"Records: {self.records} read, {self.valid_records} valid, "
            f"{len(self.rejected)} rejected" + (f" ({codes})" if codes else "")
        )
        out.extend(str(p) for p in self.file_problems)
        out.extend(str(p) for p in self.record_problems)
        out.extend(f"Note: {n}" for n in self.notes)
        if self.ok:
            verdict = "VALID: no problems found"
        elif not self.file_accepted:
            verdict = "REJECTED: the whole file is refused; fix the file problems above"
        else:
            verdict = f"ERRORS: {counted(len(self.rejected), 'record')} would be rejected"
        out.append(verdict)
        return out


# --- records -----------------------------------------------------------------------


class _RecordChecker:
    def __init__(self, layout: Layout[Any], fmt: str, today: dt.date) -> None:
        self.layout = layout
        self.fmt = fmt
        self.today = today
        self.name_of = layout.element_of if fmt == "XML" else layout.heading_of
        self.excel_dates = 0
        self.mis_seen: dict[str, int] = {}
        self.uln_seen: dict[str, int] = {}

    def problem(self, record: Any, attr: str | None, rule: str, code: str) -> BatchProblem:
        name = self.name_of(attr) if attr else None
        return BatchProblem(row=record.row, field=name, rule=rule, code=code, line=record.line)

    def _learner_problems(
        self,
        record: Any,
        data: dict[str, str],
        purpose: Purpose,
        required: tuple[str, ...],
        mandatory: tuple[str, ...],
        reject_code: str,
        missing_code: str,
        age_code: str | None,
    ) -> list[BatchProblem]:
        clean, found = validate_learner(data, purpose=purpose, today=self.today)
        missing = {f for f in (*mandatory, *required) if not data.get(f, "").strip()}
        dob = clean.get("date_of_birth")
        age_bad = (
            isinstance(dob, dt.date)
            and dob <= self.today
            and not MIN_AGE <= age_on(dob, self.today) <= MAX_AGE
        )
        out: list[BatchProblem] = []
        excel = False
        for p in found:
            if p.field in missing:
                if p.field in required:
                    out.append(self.problem(record, p.field, p.rule, missing_code))
                continue
            code = reject_code
            rule = p.rule
            if age_code and p.field == "date_of_birth" and age_bad:
                code = age_code
            elif p.field in self.layout.date_attrs:
                rule, is_excel = explain_date(data.get(p.field, ""), rule, self.fmt)
                excel = excel or is_excel
            out.append(self.problem(record, p.field, rule, code))
        for attr in required:
            if attr in missing and attr not in mandatory:
                out.append(self.problem(record, attr, "This field is mandatory", missing_code))
        if excel:
            self.excel_dates += 1
        return out

    def _mis_identifier(self, record: Any, mandatory: bool, code: str) -> list[BatchProblem]:
        mis = record.mis_identifier.strip()
        if not mis:
            if mandatory:
                return [
                    self.problem(
                        record,
                        "mis_identifier",
                        "Every record needs a MISIdentifier (your own id for the learner) so that "
                        "its result can be matched back",
                        code,
                    )
                ]
            return []
        if len(mis) > MIS_IDENTIFIER_MAX:
            return [
                self.problem(
                    record,
                    "mis_identifier",
                    f"Must be {MIS_IDENTIFIER_MAX} characters or fewer; this has {len(mis)}",
                    code,
                )
            ]
        return []

    def _duplicate(self, record: Any, attr: str, seen: dict[str, int]) -> list[BatchProblem]:
        value = getattr(record, attr).strip()
        if not value:
            return []
        earlier = seen.setdefault(value, record.row)
        if earlier == record.row:
            return []
        label = "position" if self.fmt == "XML" else "row"
        return [
            self.problem(
                record,
                attr,
                f"{value!r} is also on {label} {earlier}: each learner may appear once in a file",
                "RC012",
            )
        ]

    def registration(self, record: BatchRecord) -> RecordOutcome | None:
        problems = list(record.format_problems)
        uln_valid = False
        if record.uln.strip():
            _, uln_problem = validate_uln(record.uln, "uln")
            if uln_problem:
                problems.append(self.problem(record, "uln", uln_problem.rule, "RC011"))
            else:
                uln_valid = True
        problems += self._mis_identifier(record, True, "RC011")
        mandatory = MANDATORY[Purpose.REGISTER]
        problems += self._learner_problems(
            record,
            record.learner_data(),
            Purpose.REGISTER,
            MANDATORY_WITH_ULN if uln_valid else mandatory,
            mandatory,
            "RC011",
            "RC006",
            "RC013",
        )
        problems += self._duplicate(record, "mis_identifier", self.mis_seen)
        if uln_valid:
            problems += self._duplicate(record, "uln", self.uln_seen)
        return self._outcome(record, problems)

    def verify(self, record: VerifyRecord) -> RecordOutcome | None:
        problems = list(record.format_problems)
        if not record.uln.strip():
            problems.append(self.problem(record, "uln", "This field is mandatory", "WSEC0001"))
        else:
            _, uln_problem = validate_uln(record.uln, "uln")
            if uln_problem:
                problems.append(self.problem(record, "uln", uln_problem.rule, "WSEC0136"))
        problems += self._mis_identifier(record, False, "WSEC0001")
        data = {
            "given_name": record.given_name,
            "family_name": record.family_name,
            "date_of_birth": record.date_of_birth,
            "gender": record.gender,
        }
        problems += self._learner_problems(
            record,
            data,
            Purpose.UPDATE,
            tuple(f for f in VERIFY_MANDATORY if f != "uln"),
            (),
            "WSEC0001",
            "WSEC0001",
            None,
        )
        return self._outcome(record, problems)

    @staticmethod
    def _outcome(record: Any, problems: list[BatchProblem]) -> RecordOutcome | None:
        if not problems:
            return None
        codes = {p.code for p in problems}
        code = next((c for c in _PRECEDENCE if c in codes), problems[0].code)
        if record.format_problems:
            # The row's columns are out of line, so its other values cannot be trusted.
            code = record.format_problems[0].code
        return RecordOutcome(record.row, record.mis_identifier, code, tuple(problems))


def check_registration_record(
    record: BatchRecord, *, fmt: str = "CSV", today: dt.date | None = None
) -> RecordOutcome | None:
    """The problems of one registration record on its own (duplicates need the file)."""
    checker = _RecordChecker(LRB_LAYOUT, fmt, today or dt.date.today())
    return checker.registration(record)


# --- the file ----------------------------------------------------------------------


def check_file_name(name: str, layout: Layout[Any] = LRB_LAYOUT) -> tuple[list[str], list[str]]:
    """(problems, notes) of a batch file's name: ``<PREFIX>_<UKPRN>_<DDMMYYYYHHMM>.<EXT>``."""
    return tabular_validation.check_file_name(name, layout)


def validate_batch(
    batch: Batch[Any],
    *,
    expected_ukprn: str | None = None,
    today: dt.date | None = None,
) -> ValidationReport:
    """Validate an open batch (from ``read_batch``), reading all of its records."""
    layout = batch.layout
    report = ValidationReport(
        file_name=batch.file_name, kind=layout.prefix, format=batch.format, header=batch.header
    )
    name_problems, report.notes = check_file_name(batch.file_name, layout)
    report.file_problems += [BatchProblem(None, None, rule) for rule in name_problems]
    report.file_problems += check_header(
        batch.header, batch.file_name, batch.format, layout, expected_ukprn
    )
    checker = _RecordChecker(layout, batch.format, today or dt.date.today())
    return validate_records(
        batch,
        report,
        checker.verify if layout is VERIFY_LAYOUT else checker.registration,
        read_fault=lambda problem: problem,
        count_problem=lambda declared, read: BatchProblem(
            row=count_row(batch.format),
            field="LearnerRecordCount",
            rule=f"LearnerRecordCount says {declared} but the file holds "
            f"{counted(read, 'learner record')}",
            code="WSRC0017",
        ),
        excel_rows=lambda: checker.excel_dates,
        noun="record",
    )


def kind_of(filename: str) -> str:
    """LRV for a verify batch (its name starts LRV_), otherwise LRB."""
    return "LRV" if filename.upper().startswith("LRV_") else "LRB"


def validate_file(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    expected_ukprn: str | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    kind: str | None = None,
) -> ValidationReport:
    """Validate a batch file from start to end without holding it in memory.

    ``filename`` is the name the file is known by (a path's own name by default; needed
    for a file object). ``kind`` is LRB (registration) or LRV (verify); by default it
    follows the file name. Never raises for a bad file: every fault is in the report.
    """
    named = filename or (Path(path).name if isinstance(path, str | os.PathLike) else "")
    layout: Layout[Any] = VERIFY_LAYOUT if (kind or kind_of(named)) == "LRV" else LRB_LAYOUT

    def unreadable(name: str, fmt: str | None, problem: BatchProblem) -> ValidationReport:
        report = ValidationReport(file_name=name, kind=layout.prefix, format=fmt)
        name_problems, report.notes = check_file_name(name, layout)
        report.file_problems += [BatchProblem(None, None, rule) for rule in name_problems]
        report.file_problems.append(problem)
        return report

    return validate_source(
        path,
        filename=filename,
        caller="validate_file",
        open_file=lambda name: read_batch(path, filename=name, limits=limits, layout=layout),
        unreadable=unreadable,
        validate=lambda batch: validate_batch(batch, expected_ukprn=expected_ukprn, today=today),
    )


def validate_verify_file(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    filename: str | None = None,
    expected_ukprn: str | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> ValidationReport:
    """``validate_file`` for a verify batch, whatever its name."""
    return validate_file(
        path,
        filename=filename,
        expected_ukprn=expected_ukprn,
        today=today,
        limits=limits,
        kind="LRV",
    )


__all__ = [
    "EXCEL_DATE_FIX",
    "MANDATORY_WITH_ULN",
    "MIS_IDENTIFIER_MAX",
    "VERIFY_MANDATORY",
    "RecordOutcome",
    "ReturnCode",
    "ValidationReport",
    "check_file_name",
    "check_header",
    "check_registration_record",
    "explain_date",
    "kind_of",
    "validate_batch",
    "validate_file",
    "validate_verify_file",
]

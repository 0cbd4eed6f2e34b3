"""The field rules of an achievement row, offline: no database, no Django.

``check_fields`` returns every field data (format) problem of a row (FD02-FD17; the
reader adds FD01). ``check_award_date`` is the one business rule that needs no
database, only today's date (BR06): it is kept apart so the service counts it as a
business-rule error. ``parse_record`` turns a row without problems into typed values.

Name, date, gender and postcode rules are those of ``lrs.validation.learner``; ULN and
UKPRN rules those of ``lrs.identifiers``; qualification and unit references those of
``lrs.identifiers.qualification``. Nothing here repeats them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lrs.achievementfiles.actions import (
    ALLOWED_ACTIONS,
    AchievementStatus,
    Action,
    parse_action,
    parse_status,
)
from lrs.achievementfiles.errors import AchievementProblem, ErrorCode
from lrs.achievementfiles.records import AchievementRecord, heading_of
from lrs.identifiers.organisation import IdentifierError, validate_ukprn
from lrs.identifiers.qualification import REFERENCE_RULE, reference_kind
from lrs.matching.normalise import InvalidPostcodeError, normalise_postcode
from lrs.tabular.validation import EXCEL_DATE_FIX, explain_date
from lrs.validation.learner import GENDERS, check_name, parse_date, validate_uln

NAME_MAX = 35
GRADE_MAX = 20
CREDITS_MAX = 999
ACTION_REASON_MAX = 255
MIS_IDENTIFIER_MAX = 128
POSTCODE_MAX = 9
# LanguageForAssessment: empty (not recorded) or one of these, in any case.
LANGUAGES: tuple[str, ...] = ("English", "Welsh", "Irish", "Gaelic")

# Every action identifies the learner (checked against the register: ULN, names, date
# of birth) and the achievement (reference and award date; EventId when given), and
# says when the awarding organisation took it.
COMMON_REQUIRED: tuple[str, ...] = (
    "uln",
    "given_name",
    "family_name",
    "date_of_birth",
    "reference",
    "award_date",
    "action",
    "action_date",
)
REQUIRED: dict[Action, tuple[str, ...]] = {
    Action.CREATE: (*COMMON_REQUIRED, "grade"),
    Action.UPDATE: (*COMMON_REQUIRED, "grade"),
    Action.WITHDRAW: (*COMMON_REQUIRED, "action_reason"),
    Action.REINSTATE: COMMON_REQUIRED,
    Action.PROMOTE: COMMON_REQUIRED,
}

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_QAN_COMPACT = re.compile(r"[0-9]{7}[0-9X]")
_UNIT_COMPACT = re.compile(r"[A-Z][0-9]{7}")
_QAN_SEPARATED = re.compile(r"([0-9]{3})[-\\. ]([0-9]{4})[-\\. ]([0-9X])")
_UNIT_SEPARATED = re.compile(r"([A-Z])[-\\. ]([0-9]{3})[-\\. ]([0-9]{4})")
_AIM_REFERENCE = re.compile(r"[0-9A-Z]{8}")
_CREDITS = re.compile(r"[0-9]{1,3}")


class FieldError(ValueError):
    """A value that breaks its rule: ``code`` (FD…) and ``rule`` (what to fix)."""

    def __init__(self, code: ErrorCode, rule: str) -> None:
        super().__init__(rule)
        self.code = code
        self.rule = rule


# --- one value each ------------------------------------------------------------------


def parse_uln(text: str) -> str:
    uln, problem = validate_uln(text)
    if problem or uln is None:
        raise FieldError(ErrorCode.FD03, problem.rule if problem else "Not a ULN")
    return uln


def parse_name(text: str) -> str:
    value = text.strip()
    if len(value) > NAME_MAX:
        raise FieldError(
            ErrorCode.FD04, f"Must be {NAME_MAX} characters or fewer; this has {len(value)}"
        )
    rule = check_name(value)
    if rule:
        raise FieldError(ErrorCode.FD04, rule)
    return value


def parse_iso_date(text: str) -> dt.date:
    try:
        return parse_date(text.strip())
    except ValueError as exc:
        raise FieldError(ErrorCode.FD05, str(exc)) from None


def parse_gender(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if value not in GENDERS:
        codes = ", ".join(f"{k} ({v.lower()})" for k, v in GENDERS.items())
        raise FieldError(ErrorCode.FD06, f"'{value}' is not allowed; use {codes}")
    return value


def parse_postcode(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if len(value.replace(" ", "")) > POSTCODE_MAX:
        raise FieldError(ErrorCode.FD07, f"Must be {POSTCODE_MAX} characters or fewer")
    try:
        return normalise_postcode(value)
    except InvalidPostcodeError:
        raise FieldError(
            ErrorCode.FD07,
            f"'{value}' is not a UK postcode (like CV4 9EE) or a BFPO number (like BFPO 123)",
        ) from None


def parse_ukprn(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    try:
        return validate_ukprn(value)
    except IdentifierError as exc:
        raise FieldError(ErrorCode.FD08, f"'{value}' is not valid: {exc.rule}") from None


def parse_reference(text: str) -> tuple[str, str]:
    """(reference in capitals, ``qualification`` or ``unit``).

    Awarding organisations report against Ofqual qualification numbers (``600/1166/X``)
    and unit references (``K/501/5773``). An ILR learning aim reference (8 characters,
    like ``50079116``) is recognised and refused with its own message.
    """
    value = text.strip().upper()
    if not value:
        raise FieldError(ErrorCode.FD02, "This field is mandatory")
    kind = reference_kind(value)
    if kind is not None:
        return value, kind
    shown = text.strip()
    if _QAN_COMPACT.fullmatch(value):
        raise FieldError(
            ErrorCode.FD09,
            f"'{shown}' looks like a qualification number without its slashes (or the ILR "
            f"learning aim reference made from it): write it {value[:3]}/{value[3:7]}/{value[7]}",
        )
    if _UNIT_COMPACT.fullmatch(value):
        raise FieldError(
            ErrorCode.FD09,
            f"'{shown}' looks like a unit reference without its slashes: write it "
            f"{value[0]}/{value[1:4]}/{value[4:]}",
        )
    for pattern in (_QAN_SEPARATED, _UNIT_SEPARATED):
        match = pattern.fullmatch(value)
        if match:
            raise FieldError(
                ErrorCode.FD09,
                f"'{shown}' must be separated by slashes: write it {'/'.join(match.groups())}",
            )
    if _AIM_REFERENCE.fullmatch(value):
        raise FieldError(
            ErrorCode.FD09,
            f"'{shown}' looks like an ILR learning aim reference, which an awarding "
            f"organisation does not use. {REFERENCE_RULE}",
        )
    raise FieldError(ErrorCode.FD09, f"'{shown}' is not a valid reference. {REFERENCE_RULE}")


def _control(value: str) -> bool:
    return any(not ch.isprintable() for ch in value)


def parse_grade(text: str) -> str:
    value = text.strip()
    if len(value) > GRADE_MAX:
        raise FieldError(
            ErrorCode.FD10, f"Must be {GRADE_MAX} characters or fewer; this has {len(value)}"
        )
    if _control(value):
        raise FieldError(ErrorCode.FD10, "A grade may not hold tabs, line breaks or control codes")
    return value


def parse_credits(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and _CREDITS.fullmatch(value)):
        raise FieldError(
            ErrorCode.FD11,
            f"'{value}' is not a whole number of credits from 0 to {CREDITS_MAX} (no sign, "
            "no decimals)",
        )
    return int(value)


def parse_language(text: str) -> str:
    """The language's canonical spelling, or "" when not given."""
    value = text.strip()
    if not value:
        return ""
    for language in LANGUAGES:
        if value.casefold() == language.casefold():
            return language
    raise FieldError(
        ErrorCode.FD12,
        f"'{value}' is not a language for assessment; use {', '.join(LANGUAGES)} or leave it empty",
    )


def parse_action_code(text: str) -> Action:
    try:
        return parse_action(text)
    except ValueError as exc:
        raise FieldError(ErrorCode.FD13, str(exc)) from None


def parse_status_code(text: str) -> AchievementStatus | None:
    try:
        return parse_status(text)
    except ValueError as exc:
        raise FieldError(ErrorCode.FD15, str(exc)) from None


def parse_reason(text: str) -> str:
    value = text.strip()
    if len(value) > ACTION_REASON_MAX:
        raise FieldError(
            ErrorCode.FD14,
            f"Must be {ACTION_REASON_MAX} characters or fewer; this has {len(value)}",
        )
    return value


def parse_mis_identifier(text: str) -> str:
    value = text.strip()
    if len(value) > MIS_IDENTIFIER_MAX:
        raise FieldError(
            ErrorCode.FD16,
            f"Must be {MIS_IDENTIFIER_MAX} characters or fewer; this has {len(value)}",
        )
    return value


def parse_event_id(text: str) -> uuid.UUID | None:
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and _UUID.fullmatch(value)):
        raise FieldError(
            ErrorCode.FD17,
            f"'{value[:60]}' is not an LRS learning-event id: an EventId is 36 characters "
            "like 3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, as the LRS gives it",
        )
    return uuid.UUID(value)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "mis_identifier": parse_mis_identifier,
    "uln": parse_uln,
    "given_name": parse_name,
    "family_name": parse_name,
    "date_of_birth": parse_iso_date,
    "gender": parse_gender,
    "learner_postcode": parse_postcode,
    "provider_ukprn": parse_ukprn,
    "reference": parse_reference,
    "grade": parse_grade,
    "award_date": parse_iso_date,
    "credits": parse_credits,
    "language_for_assessment": parse_language,
    "status": parse_status_code,
    "action": parse_action_code,
    "action_date": parse_iso_date,
    "action_reason": parse_reason,
    "event_id": parse_event_id,
}
DATE_FIELDS = frozenset({"date_of_birth", "award_date", "action_date"})


# --- a row -----------------------------------------------------------------------------


def _missing_rule(attr: str, action: Action | None) -> str:
    if action is None:
        if attr == "action":
            return f"This field is mandatory; use {ALLOWED_ACTIONS}"
        return "This field is mandatory"
    if attr == "action_reason":
        return f"Give the reason for a {action.label} (action {action.value})"
    return f"This field is mandatory for a {action.label} (action {action.value})"


def required_fields(action: Action | None) -> tuple[str, ...]:
    """The fields a row of ``action`` must fill (the common ones for an unknown action)."""
    return COMMON_REQUIRED if action is None else REQUIRED[action]


def check_fields(record: AchievementRecord, *, fmt: str = "CSV") -> list[AchievementProblem]:
    """Every field data (format) problem of one row, in column order (FD02-FD17).

    ``fmt`` (CSV, XML or XLSX) only tunes the advice on dates a spreadsheet rewrote.
    The reader's own FD01 problems stay in ``record.format_problems``.
    """
    found: list[AchievementProblem] = []

    def add(attr: str, code: ErrorCode, rule: str) -> None:
        found.append(AchievementProblem(record.row, heading_of(attr), rule, code, record.line))

    try:
        action: Action | None = parse_action(record.action)
    except ValueError:
        action = None
    required = set(required_fields(action))
    for attr, parse in _PARSERS.items():
        raw: str = getattr(record, attr)
        if not raw.strip():
            if attr in required:
                add(attr, ErrorCode.FD02, _missing_rule(attr, action))
            continue
        try:
            value = parse(raw)
        except FieldError as exc:
            rule = exc.rule
            if attr in DATE_FIELDS:
                rule, _ = explain_date(raw, rule, fmt)
            add(attr, exc.code, rule)
            continue
        if attr == "status" and action is Action.PROMOTE and value is AchievementStatus.PROVISIONAL:
            add(
                attr,
                ErrorCode.FD15,
                "A promote (action 5) makes the achievement final: leave Status empty or write F",
            )
        elif attr == "event_id" and action is Action.CREATE:
            add(
                attr,
                ErrorCode.FD17,
                "A create (action 1) makes a new achievement, which has no EventId yet: "
                "leave EventId empty",
            )
    return found


def has_spreadsheet_dates(problems: list[AchievementProblem]) -> bool:
    """Whether a problem is a date a spreadsheet rewrote as DD/MM/YYYY."""
    return any(EXCEL_DATE_FIX in p.rule for p in problems)


def check_award_date(record: AchievementRecord, today: dt.date) -> list[AchievementProblem]:
    """BR06, a business rule: the award date may not be after ``today``.

    Needs no database; a malformed date is left to ``check_fields`` (FD05).
    """
    try:
        awarded = parse_date(record.award_date.strip())
    except ValueError:
        return []
    if awarded <= today:
        return []
    return [
        AchievementProblem(
            record.row,
            heading_of("award_date"),
            f"The award date {awarded.isoformat()} is in the future (today is "
            f"{today.isoformat()}): report an achievement once it has been awarded",
            ErrorCode.BR06,
            record.line,
        )
    ]


# --- typed values ----------------------------------------------------------------------


@dataclass(frozen=True)
class Achievement:
    """The typed values of a row with no field data problem, ready for the service.

    ``status`` is the status the achievement has after the action: F or P for a create
    (F when the file left it empty), F for a promote, the file's value or None (keep
    the current status) for the other actions. ``reference_kind`` is ``qualification``
    or ``unit``.
    """

    row: int
    action: Action
    uln: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: str | None
    learner_postcode: str | None
    provider_ukprn: str | None
    reference: str
    reference_kind: str
    grade: str
    award_date: dt.date
    credits: int | None
    language_for_assessment: str
    status: AchievementStatus | None
    action_date: dt.date
    action_reason: str
    event_id: uuid.UUID | None
    mis_identifier: str


def parse_record(record: AchievementRecord) -> Achievement:
    """The typed values of a row; ValueError listing the problems if it has any."""
    problems = [*record.format_problems, *check_fields(record)]
    if problems:
        raise ValueError(
            f"Row {record.row} has field data problems: " + "; ".join(p.message for p in problems)
        )
    action = parse_action(record.action)
    reference, kind = parse_reference(record.reference)
    status = parse_status(record.status)
    if action is Action.PROMOTE or (action is Action.CREATE and status is None):
        status = AchievementStatus.FINAL
    return Achievement(
        row=record.row,
        action=action,
        uln=parse_uln(record.uln),
        given_name=parse_name(record.given_name),
        family_name=parse_name(record.family_name),
        date_of_birth=parse_iso_date(record.date_of_birth),
        gender=parse_gender(record.gender),
        learner_postcode=parse_postcode(record.learner_postcode),
        provider_ukprn=parse_ukprn(record.provider_ukprn),
        reference=reference,
        reference_kind=kind,
        grade=parse_grade(record.grade),
        award_date=parse_iso_date(record.award_date),
        credits=parse_credits(record.credits),
        language_for_assessment=parse_language(record.language_for_assessment),
        status=status,
        action_date=parse_iso_date(record.action_date),
        action_reason=parse_reason(record.action_reason),
        event_id=parse_event_id(record.event_id),
        mis_identifier=parse_mis_identifier(record.mis_identifier),
    )


__all__ = [
    "ACTION_REASON_MAX",
    "COMMON_REQUIRED",
    "CREDITS_MAX",
    "DATE_FIELDS",
    "GRADE_MAX",
    "LANGUAGES",
    "MIS_IDENTIFIER_MAX",
    "NAME_MAX",
    "REQUIRED",
    "Achievement",
    "FieldError",
    "check_award_date",
    "check_fields",
    "has_spreadsheet_dates",
    "parse_record",
    "required_fields",
]

"""The reference pages' data, read from the code's own definitions.

Nothing here copies a table: the codes, their descriptions, the file layouts, the
action codes, the challenge statuses and deadlines all come from the modules that use
them, so the pages cannot drift from what the service does. The only hand-written text
is the advice in ``code_advice.toml`` ("what it means for you", "what to do next"),
and tests/guidance/test_drift.py checks that it covers every code and no other.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from django.conf import settings

from lrs import achievementfiles, batchfiles
from lrs.achievementfiles import actions as achievement_actions
from lrs.achievementfiles import errors as achievement_errors
from lrs.achievementfiles import rules as achievement_rules
from lrs.achievementfiles.records import ACH_LAYOUT
from lrs.achievementfiles.writers import ERROR_EXTRA
from lrs.batchfiles import return_codes
from lrs.batchfiles.records import LRB_LAYOUT, VERIFY_LAYOUT, Layout
from lrs.batchfiles.validation import MIS_IDENTIFIER_MAX, VERIFY_MANDATORY
from lrs.batchfiles.writers import LRB_OUTPUT_EXTRA, VERIFY_OUTPUT_EXTRA
from lrs.challenges import lifecycle
from lrs.core import codes as learner_codes
from lrs.soap import codes as soap_codes
from lrs.soapwire import faults
from lrs.validation import learner as learner_rules

# Every code shape the service uses; guidance prose is checked against it.
CODE_PATTERN = re.compile(
    r"\b(?:RC\d{3}|WSRC\d{4}|WSVRC\d{3}|WSEC\d{4}|FL\d{2}|FD\d{2}|LD\d{2}|BR\d{2})\b"
)
# What the lookup box accepts before it is checked against the codes.
_LOOKUP_SHAPE = re.compile(r"[A-Z]{2,5}\d{2,4}")


@dataclass(frozen=True)
class CodeAdvice:
    means: str
    next: str
    links: tuple[str, ...] = ()
    # Only for a code whose module gives it no description of its own.
    meaning: str = ""


@dataclass(frozen=True)
class CodeEntry:
    code: str
    meaning: str
    group: str
    group_title: str
    kind: str
    appears_in: tuple[str, ...]


@dataclass(frozen=True)
class CodeGroup:
    slug: str
    title: str
    summary: str
    codes: tuple[CodeEntry, ...]


# --- advice ----------------------------------------------------------------------------


@cache
def advice() -> dict[str, CodeAdvice]:
    """The advice of every code, from code_advice.toml."""
    text = resources.files(__package__).joinpath("code_advice.toml").read_text(encoding="utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    return {
        code: CodeAdvice(
            means=entry["means"],
            next=entry["next"],
            links=tuple(entry.get("links", ())),
            meaning=entry.get("meaning", ""),
        )
        for code, entry in data.items()
    }


def advice_for(code: str) -> CodeAdvice | None:
    return advice().get(code)


# --- codes -----------------------------------------------------------------------------

WEB_SERVICE = "Learner web service and API responses"
PORTAL_LEARNERS = "Find, register and update learner pages in the portal"
SOAP_FAULT = "Web service error responses (SOAP faults)"
SOAP_BATCH = "Web service batch operations (SubmitBatch, GetSubmitBatchOutput and the verify ones)"
SOAP_CHALLENGE = "Web service data challenge operations (LearnerServiceR9)"
BATCH_OUTPUT = "Learner registration batch output file (the ReturnCode column)"
BATCH_PORTAL = "Batch file results and exceptions in the portal"
BATCH_CHECK = "Batch file checks (the file's LearnerRecordCount)"
VERIFY_OUTPUT = "Verify batch output file (the ResponseCode column)"
ACH_PORTAL = "Achievement job page in the portal"
ACH_ERROR_FILE = "Achievement error file (the ErrorCode column)"

_RC_KINDS = {
    return_codes.Kind.SUCCESS: "Success: a ULN is returned",
    return_codes.Kind.EXCEPTION: "Exception: a person must resolve it",
    return_codes.Kind.REJECTION: "Rejected: the record cannot be processed as sent",
    return_codes.Kind.NOT_FOUND: "Not found",
    return_codes.Kind.DUPLICATE: "Duplicate in the file",
    return_codes.Kind.RESOLUTION: "Outcome of a resolved exception",
}
_ACH_KIND_TITLES = {
    achievement_errors.ErrorKind.FILE: "Achievement file errors: the whole file",
    achievement_errors.ErrorKind.FIELD: "Achievement file errors: field data",
    achievement_errors.ErrorKind.LEARNER: "Achievement file errors: learner data",
    achievement_errors.ErrorKind.BUSINESS: "Achievement file errors: business rules",
}
_ACH_KIND_SUMMARIES = {
    achievement_errors.ErrorKind.FILE: "We reject the whole file before we process any row.",
    achievement_errors.ErrorKind.FIELD: "A value in a row is not in the right format.",
    achievement_errors.ErrorKind.LEARNER: "The learner in a row does not match the register.",
    achievement_errors.ErrorKind.BUSINESS: "The achievement breaks a rule of the learner record.",
}


def _soap_codes() -> tuple[dict[str, str], dict[str, str]]:
    """The web service's own codes (WSRC and WSEC) that lrs.core.codes does not
    hold, with their descriptions where the code gives one (else "")."""
    responses = {
        **soap_codes.BATCH_DESCRIPTIONS,
        soap_codes.CHALLENGE_OK: soap_codes.CHALLENGE_OK_DESCRIPTION,
    }
    return responses, dict(soap_codes.FAULT_DESCRIPTIONS)


def _meaning(code: str, *descriptions: str) -> str:
    for text in descriptions:
        if text:
            return text
    entry = advice_for(code)
    return entry.meaning if entry else ""


def _sort_key(code: str) -> tuple[str, int]:
    letters = code.rstrip("0123456789")
    return letters, int(code[len(letters) :])


@cache
def code_groups() -> tuple[CodeGroup, ...]:
    """Every code of the service, in the tables of the codes page."""
    groups: list[CodeGroup] = []

    slug, title = "return-codes", "Batch return codes"
    groups.append(
        CodeGroup(
            slug,
            title,
            "Every record in a learner registration batch file gets one of these codes.",
            tuple(
                CodeEntry(
                    str(code),
                    info.description,
                    slug,
                    title,
                    _RC_KINDS[info.kind],
                    (BATCH_OUTPUT, BATCH_PORTAL),
                )
                for code, info in return_codes.RETURN_CODES.items()
            ),
        )
    )

    soap_responses, soap_errors = _soap_codes()

    slug, title = "response-codes", "Learner web service response codes"
    response_entries: dict[str, CodeEntry] = {}
    for code, text in learner_codes.DESCRIPTIONS.items():
        if code.startswith("WSRC"):
            response_entries[code] = CodeEntry(
                code, text, slug, title, "Response", (WEB_SERVICE, PORTAL_LEARNERS)
            )
    for code, text in soap_responses.items():
        where = SOAP_CHALLENGE if code == "WSRC0000" else SOAP_BATCH
        appears = (where, BATCH_CHECK) if code == "WSRC0017" else (where,)
        response_entries[code] = CodeEntry(
            code, _meaning(code, text), slug, title, "Response", appears
        )
    groups.append(
        CodeGroup(
            slug,
            title,
            "The learner web service, the API and the portal answer with these codes.",
            tuple(response_entries[c] for c in sorted(response_entries, key=_sort_key)),
        )
    )

    slug, title = "verification-codes", "Verification codes"
    verify_entries = []
    for code, text in return_codes.VERIFY_RESPONSE_CODES.items():
        if code.startswith("WSVRC"):
            verify_entries.append(
                CodeEntry(
                    code,
                    text,
                    slug,
                    title,
                    "Verification",
                    (VERIFY_OUTPUT, "Verify learner web service (VerifyLearner)"),
                )
            )
    for code in learner_codes.DESCRIPTIONS:
        if code.startswith("WSVRC") and code not in return_codes.VERIFY_RESPONSE_CODES:
            verify_entries.append(
                CodeEntry(
                    code,
                    learner_codes.DESCRIPTIONS[code],
                    slug,
                    title,
                    "Verification",
                    ("Verify learner web service (VerifyLearner)",),
                )
            )
    groups.append(
        CodeGroup(
            slug,
            title,
            "A verify batch or a verify request says how well the details match a ULN.",
            tuple(sorted(verify_entries, key=lambda e: _sort_key(e.code))),
        )
    )

    slug, title = "error-codes", "Web service error codes"
    wsec: dict[str, list[str]] = {}
    for code in faults.DESCRIPTIONS:
        wsec.setdefault(code, []).append(SOAP_FAULT)
    for code in soap_errors:
        wsec.setdefault(code, []).append(SOAP_FAULT)
    for code in learner_codes.DESCRIPTIONS:
        if code.startswith("WSEC"):
            wsec.setdefault(code, []).append(WEB_SERVICE)
    for code in return_codes.VERIFY_RESPONSE_CODES:
        if code.startswith("WSEC"):
            wsec.setdefault(code, []).append(VERIFY_OUTPUT)
    error_entries = tuple(
        CodeEntry(
            code,
            _meaning(
                code,
                faults.DESCRIPTIONS.get(code, ""),
                learner_codes.DESCRIPTIONS.get(code, ""),
                return_codes.VERIFY_RESPONSE_CODES.get(code, ""),
                soap_errors.get(code, ""),
            ),
            slug,
            title,
            "Error",
            tuple(wsec[code]),
        )
        for code in sorted(wsec, key=_sort_key)
    )
    groups.append(
        CodeGroup(
            slug,
            title,
            "The service could not answer a request, or could not check a record.",
            error_entries,
        )
    )

    for kind in achievement_errors.ErrorKind:
        slug = f"achievement-{kind.value}-errors"
        title = _ACH_KIND_TITLES[kind]
        appears = (
            (ACH_PORTAL,)
            if kind is achievement_errors.ErrorKind.FILE
            else (ACH_ERROR_FILE, ACH_PORTAL)
        )
        groups.append(
            CodeGroup(
                slug,
                title,
                _ACH_KIND_SUMMARIES[kind],
                tuple(
                    CodeEntry(
                        str(code),
                        achievement_errors.ERROR_CODES[code].description,
                        slug,
                        title,
                        kind.value.capitalize(),
                        appears,
                    )
                    for code in achievement_errors.codes_of(kind)
                ),
            )
        )
    return tuple(groups)


@cache
def all_codes() -> dict[str, CodeEntry]:
    return {entry.code: entry for group in code_groups() for entry in group.codes}


def normalise_code(text: str) -> str:
    """What someone typed into the lookup box, as a code would be written."""
    return "".join(text.split()).upper()


def find_code(text: str) -> CodeEntry | None:
    """The code someone typed (any case, spaces ignored); None if there is no such code."""
    code = normalise_code(text)
    if not _LOOKUP_SHAPE.fullmatch(code):
        return None
    return all_codes().get(code)


# --- file layouts ----------------------------------------------------------------------


@dataclass(frozen=True)
class LayoutField:
    position: int
    heading: str
    element: str
    mandatory: str  # "Yes", "No", or when it is needed
    rule: str


@dataclass(frozen=True)
class FileLayout:
    slug: str
    title: str
    file_name: str
    file_version: str
    namespace: str
    root: str
    record_element: str
    fields: tuple[LayoutField, ...]
    xsd: str


_TEXT_MAX = {name: length for name, length, *_ in learner_rules.TEXT_FIELDS}
_NAMES = {name for name, _l, _r, _f, is_name in learner_rules.TEXT_FIELDS if is_name}


# The rules lrs.validation.learner applies with a pattern rather than a table, in the
# words of its own error messages.
_FORMAT_RULES = {
    "last_known_postcode": "A UK postcode (like CV4 9EE) or a BFPO number; at most 9 characters",
    "email_address": "An email address like name@example.com; at most 254 characters",
    "nationality": "A 2 or 3 letter country code",
    "scottish_candidate_number": "Exactly 9 digits",
}


def _coded(values: dict[str, str]) -> str:
    return "One of: " + "; ".join(f"{k} ({v})" for k, v in values.items())


def _learner_rule(attr: str, layout: Layout[Any]) -> str:
    if attr == "uln":
        return "10 digits with a correct check digit"
    if attr == "mis_identifier":
        return f"Your own reference for the learner, at most {MIS_IDENTIFIER_MAX} characters"
    if attr == "date_of_birth" and layout is LRB_LAYOUT:
        return (
            f"A date written YYYY-MM-DD; the learner must be aged {learner_rules.MIN_AGE} "
            f"to {learner_rules.MAX_AGE}"
        )
    if attr in layout.date_attrs:
        return "A date written YYYY-MM-DD"
    if attr == "gender":
        return _coded(learner_rules.GENDERS)
    if attr == "verification_type":
        return _coded(learner_rules.VERIFICATION_TYPES)
    if attr == "ability_to_share":
        return _coded(learner_rules.ABILITY_TO_SHARE)
    if attr in _FORMAT_RULES:
        return _FORMAT_RULES[attr]
    if attr in _TEXT_MAX:
        kind = "a name: letters, spaces, hyphens, apostrophes, full stops" if attr in _NAMES else ""
        rule = f"At most {_TEXT_MAX[attr]} characters"
        return f"{rule}; {kind}" if kind else rule
    return ""


def _header_fields(layout: Layout[Any]) -> list[LayoutField]:
    rules = {
        "file_version": f"Always {layout.file_version}",
        "file_name": "The file's own name",
        "ukprn": "Your UKPRN (8 digits)",
        "learner_record_count": "The number of records in the file",
    }
    return [
        LayoutField(i, c.heading, c.element, "Yes", f"Header: {rules[c.attr]}")
        for i, c in enumerate(layout.header_columns, start=1)
    ]


def _layout(
    slug: str,
    title: str,
    layout: Layout[Any],
    mandatory: tuple[str, ...],
    extra: tuple[str, ...] = (),
    xsd: str | None = None,
) -> FileLayout:
    fields = _header_fields(layout)
    for column in layout.columns:
        fields.append(
            LayoutField(
                len(fields) + 1,
                column.heading,
                column.element,
                "Yes" if column.attr in mandatory else "No",
                _learner_rule(column.attr, layout),
            )
        )
    for heading in extra:
        fields.append(LayoutField(len(fields) + 1, heading, heading, "Output", ""))
    return FileLayout(
        slug=slug,
        title=title,
        file_name=f"{layout.prefix}_<UKPRN>_<DDMMYYYYHHMM>.CSV, .XML or .XLSX",
        file_version=layout.file_version,
        namespace=layout.namespace,
        root=layout.root,
        record_element=layout.record_element,
        fields=tuple(fields),
        xsd=xsd or layout.xsd,
    )


@cache
def batch_layouts() -> tuple[FileLayout, ...]:
    """The learner registration and verify batch files and their output files."""
    register = ("mis_identifier", *learner_rules.MANDATORY[learner_rules.Purpose.REGISTER])
    return (
        _layout("learner-batch", "Learner registration batch file", LRB_LAYOUT, register),
        _layout(
            "learner-batch-output",
            "Learner registration batch output file",
            LRB_LAYOUT,
            register,
            LRB_OUTPUT_EXTRA,
            "lrb-output.xsd",
        ),
        _layout("verify-batch", "Verify batch file", VERIFY_LAYOUT, VERIFY_MANDATORY),
        _layout(
            "verify-batch-output",
            "Verify batch output file",
            VERIFY_LAYOUT,
            VERIFY_MANDATORY,
            VERIFY_OUTPUT_EXTRA,
            "verify-output.xsd",
        ),
    )


def failure_flags() -> dict[str, str]:
    """The verify output's FailureFlags: which comparison failed."""
    return dict(return_codes.FAILURE_FLAGS)


_ACH_RULES = {
    "mis_identifier": f"At most {achievement_rules.MIS_IDENTIFIER_MAX} characters",
    "uln": "10 digits with a correct check digit",
    "given_name": f"A name, at most {achievement_rules.NAME_MAX} characters",
    "family_name": f"A name, at most {achievement_rules.NAME_MAX} characters",
    "gender": "0, 1, 2 or 9",
    "learner_postcode": "A UK postcode or BFPO number",
    "provider_ukprn": "A UKPRN: 8 digits starting with 1",
    "reference": "A qualification number (600/1166/X) or unit reference (K/501/5773)",
    "grade": f"At most {achievement_rules.GRADE_MAX} characters",
    "credits": f"A whole number from 0 to {achievement_rules.CREDITS_MAX}",
    "language_for_assessment": "English, Welsh, Irish or Gaelic",
    "status": achievement_actions.ALLOWED_STATUSES,
    "action": achievement_actions.ALLOWED_ACTIONS,
    "action_reason": f"At most {achievement_rules.ACTION_REASON_MAX} characters",
    "event_id": "The LRS learning event id (a UUID); leave it empty for a create",
}


def _needed_for(attr: str) -> str:
    actions = [a for a in achievement_actions.Action if attr in achievement_rules.REQUIRED[a]]
    if len(actions) == len(achievement_actions.Action):
        return "Yes"
    if not actions:
        return "No"
    return "For " + ", ".join(f"{a.label} ({a.value})" for a in actions)


@cache
def achievement_layouts() -> tuple[FileLayout, ...]:
    """The achievement file and its error file."""
    result = []
    for slug, title, extra, xsd in (
        ("achievement-file", "Achievement file", (), "achievements.xsd"),
        ("achievement-error-file", "Achievement error file", ERROR_EXTRA, "achievement-errors.xsd"),
    ):
        fields = _header_fields(ACH_LAYOUT)
        for column in ACH_LAYOUT.columns:
            rule = _ACH_RULES.get(column.attr, "")
            if column.attr in ACH_LAYOUT.date_attrs:
                rule = "A date written YYYY-MM-DD"
            fields.append(
                LayoutField(
                    len(fields) + 1, column.heading, column.element, _needed_for(column.attr), rule
                )
            )
        for heading in extra:
            fields.append(LayoutField(len(fields) + 1, heading, heading, "Output", ""))
        result.append(
            FileLayout(
                slug=slug,
                title=title,
                file_name=f"{ACH_LAYOUT.prefix}_<UKPRN>_<DDMMYYYYHHMM>.CSV, .XML or .XLSX",
                file_version=ACH_LAYOUT.file_version,
                namespace=ACH_LAYOUT.namespace,
                root=ACH_LAYOUT.root,
                record_element=ACH_LAYOUT.record_element,
                fields=tuple(fields),
                xsd=xsd,
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class ActionCode:
    code: str
    label: str
    needs_existing: bool
    required: tuple[str, ...]


def action_codes() -> tuple[ActionCode, ...]:
    return tuple(
        ActionCode(
            str(action.value),
            action.label,
            action.needs_existing_event,
            tuple(ACH_LAYOUT.heading_of(a) for a in achievement_rules.REQUIRED[action]),
        )
        for action in achievement_actions.Action
    )


def achievement_statuses() -> tuple[tuple[str, str], ...]:
    return tuple((s.value, s.label) for s in achievement_actions.AchievementStatus)


# --- XSDs ------------------------------------------------------------------------------

# The only files the download view serves: name -> the package that ships it.
XSD_PACKAGES: dict[str, str] = {
    **dict.fromkeys(batchfiles.SCHEMAS, batchfiles.__name__),
    **dict.fromkeys(achievementfiles.SCHEMAS, achievementfiles.__name__),
}
BATCH_XSDS = tuple(batchfiles.SCHEMAS)
ACHIEVEMENT_XSDS = tuple(achievementfiles.SCHEMAS)


def xsd_bytes(name: str) -> bytes | None:
    """The bytes of an allowed XSD, exactly as packaged; None for any other name."""
    package = XSD_PACKAGES.get(name)
    if package is None:
        return None
    return resources.files(package).joinpath(name).read_bytes()


# --- challenges ------------------------------------------------------------------------

_PARTY_LABELS = {
    lifecycle.Party.RAISER: "The learning provider or local authority that raised it",
    lifecycle.Party.OWNER: "The awarding organisation that owns the achievement",
    lifecycle.Party.SERVICE_DESK: "The service desk",
    lifecycle.Party.SYSTEM: "The service, when a deadline passes",
}


@dataclass(frozen=True)
class ChallengeMove:
    from_status: str
    to_status: str
    parties: tuple[str, ...]


@dataclass(frozen=True)
class ChallengeReference:
    types: tuple[tuple[str, str], ...]
    statuses: tuple[tuple[str, str, bool], ...]  # value, label, open
    moves: tuple[ChallengeMove, ...]
    acknowledge_days: int
    resolve_days: int
    reminder_days: int


def challenge_reference() -> ChallengeReference:
    """Challenge types, statuses, who may move them and the deadlines (from settings)."""
    party_order = list(lifecycle.Party)
    moves = tuple(
        ChallengeMove(
            lifecycle.STATUS_LABELS[frm],
            lifecycle.STATUS_LABELS[to],
            tuple(_PARTY_LABELS[p] for p in sorted(parties, key=party_order.index)),
        )
        for (frm, to), parties in lifecycle.TRANSITIONS.items()
    )
    return ChallengeReference(
        types=tuple((str(t), label) for t, label in lifecycle.TYPE_LABELS.items()),
        statuses=tuple(
            (str(s), lifecycle.STATUS_LABELS[s], s in lifecycle.OPEN) for s in lifecycle.Status
        ),
        moves=moves,
        acknowledge_days=settings.LRS_CHALLENGE_ACKNOWLEDGE_DAYS,
        resolve_days=settings.LRS_CHALLENGE_RESOLVE_DAYS,
        reminder_days=settings.LRS_CHALLENGE_REMINDER_DAYS,
    )


# --- links -----------------------------------------------------------------------------

_REFERENCE_TITLES = {
    "/guidance/reference/": "Reference",
    "/guidance/reference/codes/": "Codes",
    "/guidance/reference/batch-files/": "Batch file layouts",
    "/guidance/reference/achievement-files/": "Achievement file layout",
    "/guidance/reference/challenges/": "Data challenges",
}
_GUIDE_TITLES = {
    "providers": "Learning providers",
    "awarding-organisations": "Awarding organisations",
    "service-desk": "Service desk",
}


def link_title(url: str) -> str:
    """The text of a link to a guidance page: its guide and its name, from the address."""
    if url in _REFERENCE_TITLES:
        return _REFERENCE_TITLES[url]
    parts = [p for p in url.split("/") if p]
    if len(parts) == 3 and parts[0] == "guidance":
        guide = _GUIDE_TITLES.get(parts[1], parts[1].replace("-", " ").capitalize())
        return f"{parts[2].replace('-', ' ').capitalize()} ({guide.lower()})"
    return url

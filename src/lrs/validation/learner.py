"""The rules of every field of the learner record (interface facts, section 3).

``validate_learner`` checks a mapping of snake_case fields and returns the cleaned
values and every problem found, so a caller can report all of them at once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lrs.identifiers import uln as uln_rules
from lrs.matching.normalise import InvalidPostcodeError, normalise_postcode


class Purpose(StrEnum):
    REGISTER = "register"
    FIND = "find"
    UPDATE = "update"


@dataclass(frozen=True)
class Problem:
    field: str
    rule: str


GENDERS = {"0": "Not known", "1": "Male", "2": "Female", "9": "Not specified"}
VERIFICATION_TYPES = {
    "0": "None provided",
    "1": "Relationship with school",
    "2": "Passport",
    "3": "Driving licence",
    "4": "ID card or other national ID",
    "5": "National Insurance card",
    "6": "Certificate of entitlement to funding",
    "7": "Bank, credit or debit card",
    "999": "Other (described)",
}
ABILITY_TO_SHARE = {
    "0": "Privacy notice not seen",
    "1": "Privacy notice seen: may share",
    "2": "Privacy notice seen: unable to share",
}
MIN_AGE, MAX_AGE = 13, 110

# Letters of any script, spaces, hyphens, apostrophes and full stops ("St. John").
_NAME_CHARS = re.compile(r"[^\W\d_]|[ \-'\u2019.]")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)
_SCN = re.compile(r"[0-9]{9}")
_NATIONALITY = re.compile(r"[A-Z]{2,3}")

# (field, max length, mandatory for register, mandatory for find, is a name)
TEXT_FIELDS: tuple[tuple[str, int, bool, bool, bool], ...] = (
    ("title", 35, False, False, False),
    ("given_name", 35, True, True, True),
    ("middle_other_name", 35, False, False, True),
    ("family_name", 35, True, True, True),
    ("preferred_given_name", 35, False, False, True),
    ("previous_family_name", 35, False, False, True),
    ("family_name_at_16", 35, False, False, True),
    ("school_at_16", 254, False, False, False),
    ("last_known_address_line1", 50, False, False, False),
    ("last_known_address_line2", 50, False, False, False),
    ("last_known_address_town", 50, False, False, False),
    ("last_known_address_county_or_city", 50, False, False, False),
    ("place_of_birth", 35, False, False, False),
    ("other_verification_description", 255, False, False, False),
    ("notes", 4000, False, False, False),
)
TEXT_FIELD_NAMES = tuple(f[0] for f in TEXT_FIELDS)
FIND_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "previous_family_name",
    "school_at_16",
    "place_of_birth",
    "email_address",
)
ALL_FIELDS = (
    *TEXT_FIELD_NAMES,
    "last_known_postcode",
    "date_of_address_capture",
    "date_of_birth",
    "gender",
    "email_address",
    "nationality",
    "scottish_candidate_number",
    "verification_type",
    "ability_to_share",
)
MANDATORY = {
    Purpose.REGISTER: (
        "given_name",
        "family_name",
        "date_of_birth",
        "gender",
        "last_known_postcode",
        "verification_type",
        "ability_to_share",
    ),
    Purpose.FIND: ("given_name", "family_name", "date_of_birth", "gender", "last_known_postcode"),
    Purpose.UPDATE: (),
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    # NFC so "é" typed two ways is stored one way; strip because padding is never meant.
    return unicodedata.normalize("NFC", value).strip()


def check_name(value: str) -> str | None:
    """The rule a name breaks, or None."""
    bad = {ch for ch in value if not _NAME_CHARS.fullmatch(ch)}
    if bad:
        shown = " ".join(sorted(repr(ch) for ch in bad))
        return (
            "Names may contain letters (accents allowed), spaces, hyphens, apostrophes and "
            f"full stops only; found {shown}"
        )
    if not any(ch.isalpha() for ch in value):
        return "A name must contain at least one letter"
    return None


def parse_date(value: Any) -> dt.date:
    """A real calendar date from a date or a YYYY-MM-DD string; ValueError says why not."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value) or ""
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
        raise ValueError(
            f"'{text}' looks like DD/MM/YYYY (as a spreadsheet writes it); dates must be YYYY-MM-DD"
        )
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a real calendar date") from None


def age_on(date_of_birth: dt.date, today: dt.date) -> int:
    return (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )


def validate_learner(
    data: Mapping[str, Any], *, purpose: Purpose, today: dt.date | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """Check the fields present in ``data`` (and the mandatory ones for ``purpose``).

    Returns (cleaned values, problems). Empty strings count as absent, and cleaned
    values use None for absent optional fields.
    """
    today = today or dt.date.today()
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    present = {k for k, v in data.items() if v is not None and _text(v) != ""}

    for field in MANDATORY[purpose]:
        if field not in present:
            problems.append(Problem(field, "This field is mandatory"))

    for field, max_len, _reg, _find, is_name in TEXT_FIELDS:
        if field not in data:
            continue
        value = _text(data[field])
        if not value:
            clean[field] = None
            continue
        if len(value) > max_len:
            problems.append(Problem(field, f"Must be {max_len} characters or fewer"))
            continue
        if is_name:
            rule = check_name(value)
            if rule:
                problems.append(Problem(field, rule))
                continue
        clean[field] = value

    if "last_known_postcode" in present:
        raw = _text(data["last_known_postcode"]) or ""
        if len(raw.replace(" ", "")) > 9:
            problems.append(Problem("last_known_postcode", "Must be 9 characters or fewer"))
        else:
            try:
                clean["last_known_postcode"] = normalise_postcode(raw)
            except InvalidPostcodeError:
                problems.append(
                    Problem(
                        "last_known_postcode",
                        f"'{raw}' is not a UK postcode (like CV4 9EE) or a BFPO number "
                        "(like BFPO 123)",
                    )
                )

    for field in ("date_of_birth", "date_of_address_capture"):
        if field not in present:
            if field in data:
                clean[field] = None
            continue
        try:
            clean[field] = parse_date(data[field])
        except ValueError as exc:
            problems.append(Problem(field, str(exc)))
            continue
        if clean[field] > today:
            problems.append(Problem(field, "The date cannot be in the future"))
    dob = clean.get("date_of_birth")
    if purpose is Purpose.REGISTER and isinstance(dob, dt.date) and dob <= today:
        age = age_on(dob, today)
        if not MIN_AGE <= age <= MAX_AGE:
            problems.append(
                Problem(
                    "date_of_birth",
                    f"A ULN is issued to learners aged {MIN_AGE} to {MAX_AGE}; "
                    f"this learner is {age}",
                )
            )

    for field, allowed in (
        ("gender", GENDERS),
        ("verification_type", VERIFICATION_TYPES),
        ("ability_to_share", ABILITY_TO_SHARE),
    ):
        if field not in present:
            continue
        value = _text(data[field]) or ""
        if value not in allowed:
            codes = ", ".join(f"{k} ({v.lower()})" for k, v in allowed.items())
            problems.append(Problem(field, f"'{value}' is not allowed; use {codes}"))
        else:
            clean[field] = value

    if clean.get("verification_type") == "999" and not clean.get("other_verification_description"):
        problems.append(
            Problem(
                "other_verification_description",
                "Describe the evidence seen when the verification type is 999 (other)",
            )
        )

    if "email_address" in data:
        email = _text(data["email_address"])
        if not email:
            clean["email_address"] = None
        elif len(email) > 254 or not _EMAIL.fullmatch(email):
            problems.append(
                Problem("email_address", "Enter an email address like name@example.com")
            )
        else:
            clean["email_address"] = email

    if "nationality" in data:
        nationality = (_text(data["nationality"]) or "").upper()
        if nationality and not _NATIONALITY.fullmatch(nationality):
            problems.append(Problem("nationality", "Use a 2 or 3 letter country code"))
        else:
            clean["nationality"] = nationality or None

    if "scottish_candidate_number" in data:
        scn = _text(data["scottish_candidate_number"]) or ""
        if scn and not (scn.isascii() and _SCN.fullmatch(scn)):
            problems.append(Problem("scottish_candidate_number", "Must be exactly 9 digits"))
        else:
            clean["scottish_candidate_number"] = scn or None

    return clean, problems


def validate_uln(value: Any, field: str = "uln") -> tuple[str | None, Problem | None]:
    text = _text(value) or ""
    result = uln_rules.check(text)
    if not result.valid:
        return None, Problem(field, result.reason)
    return text, None

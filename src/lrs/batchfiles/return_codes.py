"""Return codes of learner registration batch files and response codes of verify batches.

This module is the single source of truth: the validator, the batch processor and the
output writers all read their codes and descriptions from here. The real service
publishes only RC006, RC011 and RC013; the rest of the RC table is this project's
design (see docs/batch-files.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReturnCode(StrEnum):
    RC001 = "RC001"
    RC002 = "RC002"
    RC003 = "RC003"
    RC004 = "RC004"
    RC005 = "RC005"
    RC006 = "RC006"
    RC007 = "RC007"
    RC008 = "RC008"
    RC009 = "RC009"
    RC010 = "RC010"
    RC011 = "RC011"
    RC012 = "RC012"
    RC013 = "RC013"
    RC014 = "RC014"
    RC015 = "RC015"
    RC016 = "RC016"
    RC017 = "RC017"


class Kind(StrEnum):
    """What a return code means for the record."""

    SUCCESS = "success"  # a ULN is returned
    EXCEPTION = "exception"  # a person must resolve it in the portal
    REJECTION = "rejection"  # the record cannot be processed as sent
    NOT_FOUND = "not_found"  # the supplied ULN does not exist
    DUPLICATE = "duplicate"  # the learner appears earlier in the same file
    RESOLUTION = "resolution"  # the outcome of a resolved or dismissed exception


@dataclass(frozen=True)
class ReturnCodeInfo:
    code: ReturnCode
    description: str
    kind: Kind

    @property
    def is_exception(self) -> bool:
        return self.kind is Kind.EXCEPTION

    @property
    def is_rejection(self) -> bool:
        return self.kind is Kind.REJECTION


_TABLE: tuple[tuple[ReturnCode, str, Kind], ...] = (
    (ReturnCode.RC001, "New learner registered: a new ULN was issued", Kind.SUCCESS),
    (ReturnCode.RC002, "Learner found: the existing ULN is returned", Kind.SUCCESS),
    (ReturnCode.RC003, "Supplied ULN verified: the details match", Kind.SUCCESS),
    (
        ReturnCode.RC004,
        "Supplied ULN verified and the learner's details updated",
        Kind.SUCCESS,
    ),
    (ReturnCode.RC005, "Supplied ULN is linked: the master ULN is returned", Kind.SUCCESS),
    (ReturnCode.RC006, "Insufficient data to create a ULN", Kind.REJECTION),
    (ReturnCode.RC007, "Possible matches: a person must choose", Kind.EXCEPTION),
    (ReturnCode.RC008, "Too many possible matches: add more details", Kind.EXCEPTION),
    (ReturnCode.RC009, "Supplied ULN not found", Kind.NOT_FOUND),
    (
        ReturnCode.RC010,
        "Supplied ULN does not match the learner's details",
        Kind.EXCEPTION,
    ),
    (ReturnCode.RC011, "Incorrect format", Kind.REJECTION),
    (
        ReturnCode.RC012,
        "Duplicate: the same learner appears earlier in this file",
        Kind.DUPLICATE,
    ),
    (
        ReturnCode.RC013,
        "Learner outside the permitted age range (13–110)",  # noqa: RUF001 - the agreed text
        Kind.REJECTION,
    ),
    (
        ReturnCode.RC014,
        "Exception resolved: a person chose the existing ULN",
        Kind.RESOLUTION,
    ),
    (
        ReturnCode.RC015,
        "Exception resolved: a person confirmed a new learner",
        Kind.RESOLUTION,
    ),
    (ReturnCode.RC016, "Exception dismissed: no ULN issued", Kind.RESOLUTION),
    (
        ReturnCode.RC017,
        "Exception resolved after the details were amended",
        Kind.RESOLUTION,
    ),
)

RETURN_CODES: dict[ReturnCode, ReturnCodeInfo] = {
    code: ReturnCodeInfo(code, description, kind) for code, description, kind in _TABLE
}
EXCEPTION_CODES = frozenset(c for c, info in RETURN_CODES.items() if info.is_exception)
REJECTION_CODES = frozenset(c for c, info in RETURN_CODES.items() if info.is_rejection)


def info(code: str) -> ReturnCodeInfo:
    """The table entry of ``code``; ValueError for an unknown code."""
    return RETURN_CODES[ReturnCode(code)]


def description(code: str) -> str:
    return info(code).description


def is_exception(code: str) -> bool:
    return ReturnCode(code) in EXCEPTION_CODES


def is_rejection(code: str) -> bool:
    return ReturnCode(code) in REJECTION_CODES


# --- Verify batches (awarding organisations) -------------------------------------------

VERIFY_RESPONSE_CODES: dict[str, str] = {
    "WSVRC001": "Successful match: every supplied field matches",
    "WSVRC002": "Successful linked match: the ULN is linked; its master matches",
    "WSVRC003": "Similar match: the ULN was found and the names are similar but not equal",
    "WSVRC004": "Similar linked match: the ULN is linked; its master is a similar match",
    "WSVRC005": "Learner does not match the ULN",
    "WSVRC006": "ULN not found",
    # Rows the service could not check at all.
    "WSEC0136": "Supplied ULN is invalid",
    "WSEC0001": "Invalid record: a field breaks its rule",
}

FAILURE_FLAGS: dict[str, str] = {
    "VRF1": "Supplied given name vs stored given name",
    "VRF2": "Supplied given name vs stored family name",
    "VRF3": "Supplied given name vs stored previous family name",
    "VRF4": "Supplied family name vs stored given name",
    "VRF5": "Supplied family name vs stored family name",
    "VRF6": "Supplied family name vs stored previous family name",
    "VRF7": "Date of birth",
    "VRF8": "Gender",
}


def verify_description(code: str) -> str:
    """The description of a verify response code; KeyError for an unknown code."""
    return VERIFY_RESPONSE_CODES[code]

"""Unique Learner Numbers: validation, check digits and unpredictable allocation.

A ULN is ten digits; the first is 1-9 and the last is a check digit. Weights 10..2 are
applied to the first nine digits; with r = sum mod 11 the check digit is 10 - r, and a
prefix with r == 0 has no check digit at all, so it can never be issued.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

ULN_LENGTH = 10
PREFIX_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Funding returns use this as a "temporary ULN" placeholder; it is never a learner's.
TEMPORARY_ULN = "9999999999"


NOT_A_REAL_ULN = (
    "The digits do not make up a real ULN (one may be mistyped or two swapped): check the "
    "whole number against the learner's records or the document it came from"
)


class UlnError(ValueError):
    """Raised when a string is not a valid ULN; ``reason`` says which rule failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class UlnCheck:
    valid: bool
    reason: str


def check_digit(prefix: str) -> int | None:
    """The check digit for a nine-digit prefix, or None when the prefix has none."""
    if len(prefix) != 9 or not prefix.isascii() or not prefix.isdigit():
        raise UlnError("A ULN prefix must be exactly 9 digits")
    remainder = sum(int(d) * w for d, w in zip(prefix, PREFIX_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return None
    return 10 - remainder


def check(uln: str) -> UlnCheck:
    """Say whether ``uln`` is a valid ULN and, if not, which rule it breaks."""
    try:
        validate(uln)
    except UlnError as exc:
        return UlnCheck(valid=False, reason=exc.reason)
    return UlnCheck(valid=True, reason="Valid ULN: 10 digits with a correct check digit")


def validate(uln: str) -> str:
    """Return ``uln`` unchanged if it is valid; otherwise raise UlnError."""
    if not isinstance(uln, str):
        raise UlnError("A ULN must be given as a string of digits")
    if len(uln) != ULN_LENGTH:
        raise UlnError(f"A ULN must be exactly 10 digits; this has {len(uln)} characters")
    # str.isdigit() accepts other scripts' digits and superscripts; a ULN is ASCII only.
    if not (uln.isascii() and uln.isdigit()):
        raise UlnError("A ULN must contain only the digits 0-9")
    if uln[0] == "0":
        raise UlnError("A ULN cannot start with 0")
    if uln == TEMPORARY_ULN:
        raise UlnError("9999999999 is the temporary ULN placeholder, not a learner's ULN")
    expected = check_digit(uln[:9])
    # Never say which digit would be right: a mistyped ULN "corrected" that way is
    # another learner's number. The only fix is to check it against where it came from.
    if expected is None or int(uln[9]) != expected:
        raise UlnError(NOT_A_REAL_ULN)
    return uln


def is_valid(uln: str) -> bool:
    return check(uln).valid


def random_uln(rng: secrets.SystemRandom | None = None) -> str:
    """A random valid ULN from a cryptographic source, so numbers cannot be guessed.

    Uniqueness is not promised here: the register enforces it with a unique index and
    retries on collision (see learner registration), which is the only race-free way.
    """
    source = rng or secrets.SystemRandom()
    while True:
        prefix = str(source.randint(100_000_000, 999_999_999))
        digit = check_digit(prefix)
        if digit is None:
            continue
        uln = f"{prefix}{digit}"
        if uln != TEMPORARY_ULN:
            return uln


def random_ulns(count: int) -> Iterator[str]:
    """``count`` distinct random ULNs."""
    if count < 0:
        raise ValueError("count must not be negative")
    seen: set[str] = set()
    while len(seen) < count:
        uln = random_uln()
        if uln not in seen:
            seen.add(uln)
            yield uln

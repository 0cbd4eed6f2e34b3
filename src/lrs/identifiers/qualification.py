"""References of qualifications and units (framework-free)."""

from __future__ import annotations

import re

# Ofqual qualification number: 3 digits / 4 digits / a check character (digit or X).
QUALIFICATION_NUMBER = re.compile(r"[0-9]{3}/[0-9]{4}/[0-9X]")
# Unit reference: a letter / 3 digits / 4 digits, like K/501/5773.
UNIT_REFERENCE = re.compile(r"[A-Z]/[0-9]{3}/[0-9]{4}")


def reference_kind(reference: str) -> str | None:
    """'qualification', 'unit', or None when it is neither form."""
    text = (reference or "").strip().upper()
    if QUALIFICATION_NUMBER.fullmatch(text):
        return "qualification"
    if UNIT_REFERENCE.fullmatch(text):
        return "unit"
    return None


REFERENCE_RULE = (
    "Use a qualification number like 600/1166/X (3 digits/4 digits/digit or X) or a unit "
    "reference like K/501/5773 (letter/3 digits/4 digits)"
)

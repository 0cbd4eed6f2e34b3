"""Identifiers of organisations: UKPRN, URN (schools) and LA code (local authorities)."""

from __future__ import annotations

import re

_UKPRN = re.compile(r"1[0-9]{7}")
_URN = re.compile(r"[0-9]{6}")
_LA_CODE = re.compile(r"[0-9]{3}")


class IdentifierError(ValueError):
    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


def _clean(value: str) -> str:
    return value.strip() if isinstance(value, str) else value


def validate_ukprn(value: str) -> str:
    value = _clean(value)
    if not isinstance(value, str) or not value.isascii() or not _UKPRN.fullmatch(value):
        raise IdentifierError("ukprn", "A UKPRN is 8 digits and starts with 1, like 10012345")
    return value


def validate_urn(value: str) -> str:
    value = _clean(value)
    if not isinstance(value, str) or not value.isascii() or not _URN.fullmatch(value):
        raise IdentifierError("urn", "A URN is 6 digits, like 100001")
    return value


def validate_la_code(value: str) -> str:
    value = _clean(value)
    if not isinstance(value, str) or not value.isascii() or not _LA_CODE.fullmatch(value):
        raise IdentifierError("la_code", "A local authority code is 3 digits, like 201")
    return value

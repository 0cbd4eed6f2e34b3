"""Helpers the records tests share with the challenges and credentials tests."""

from __future__ import annotations

from typing import Any

from tests.factories import OLIVIA


def plr_post(learner: Any, **overrides: str) -> dict[str, str]:
    """The PLR form as a browser posts it, asking for ``learner``'s full record by her ULN
    and Olivia's names."""
    base = {
        "uln": learner.uln,
        "given_name": OLIVIA["given_name"],
        "family_name": OLIVIA["family_name"],
        "date_of_birth_day": "",
        "date_of_birth_month": "",
        "date_of_birth_year": "",
        "gender": "",
        "detail": "FULL",
        "action": "view",
    }
    return {**base, **overrides}

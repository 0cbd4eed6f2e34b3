"""Olivia as the learners tests know her."""

from __future__ import annotations

from typing import Any

from tests.factories import OLIVIA


def person(**overrides: Any) -> dict[str, Any]:
    """Olivia born in 2008, her postcode typed as a hurried provider types it ("cv49ee":
    the services normalise it), with ``overrides``."""
    return {**OLIVIA, "date_of_birth": "2008-03-14", "last_known_postcode": "cv49ee", **overrides}

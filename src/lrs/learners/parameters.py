"""Where the matching parameter sets are kept and which one is active.

Read by the scorer behind every find (lrs.learners.scoring) and written by calibration
(lrs.learners.calibration), which both import this; neither imports the other's reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from lrs.matching import Weights

SHIPPED = "shipped"
ACTIVE_FILE = "active.txt"


def parameters_folder() -> Path | None:
    folder = getattr(settings, "LRS_MATCHING_DIR", None)
    return Path(folder) if folder else None


def active_version() -> str:
    folder = parameters_folder()
    if folder is None:
        return SHIPPED
    try:
        return (folder / ACTIVE_FILE).read_text("utf-8").strip() or SHIPPED
    except FileNotFoundError:
        return SHIPPED


def parameter_path(version: str) -> Path:
    folder = parameters_folder()
    if folder is None:
        raise ValueError("LRS_MATCHING_DIR is not set")
    if not version.replace("-", "").replace("T", "").replace("Z", "").isalnum():
        raise ValueError(f"{version!r} is not a parameter set version")
    return folder / f"parameters-{version}.json"


def active_weights() -> Weights | None:
    """The weights of the active parameter set, or None for the shipped defaults."""
    version = active_version()
    if version == SHIPPED:
        return None
    try:
        data = json.loads(parameter_path(version).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return Weights.from_json(data["weights"])

"""Versioned matching parameters learnt from the live register, with roll-back.

``matching_calibrate`` samples the register, re-estimates u from random pairs of its
records (``lrs.matching.learn``) and writes a parameter set, a JSON file named by its
version (the time it was made) in ``LRS_MATCHING_DIR``, recording the register's size
and what changed against the shipped weights; it then becomes the active set, which
every find uses (``lrs.learners.scoring``). ``matching_parameters_activate`` makes an
earlier set (or the shipped defaults) active again. A register smaller than
``LRS_MATCHING_MIN_REGISTER`` (10,000) is not calibrated: a sample that small says more
about chance than about the register, and the shipped defaults serve it.

Every worker calls ``matching_calibrate_if_due`` with its heartbeat; one of them
recalibrates every ``LRS_MATCHING_CALIBRATE_HOURS`` (0 turns it off).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lrs.audit.services import audit_record
from lrs.core.services import scheduled_run_claim
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.parameters import (
    ACTIVE_FILE,
    SHIPPED,
    active_version,
    active_weights,
    parameter_path,
    parameters_folder,
)
from lrs.learners.scoring import register_scorer_reset
from lrs.matching import Demographics, default_weights, prepare
from lrs.matching.learn import count_random_pairs, weights_from_register

if TYPE_CHECKING:
    from lrs.users.models import User

__all__ = [
    "SHIPPED",
    "ParameterSet",
    "active_weights",
    "matching_calibrate",
    "matching_calibrate_if_due",
    "matching_parameters_activate",
    "matching_parameters_active_version",
    "matching_parameters_list",
]

SCHEDULE_NAME = "matching-calibrate"


@dataclass(frozen=True)
class ParameterSet:
    version: str
    created_at: str
    register_size: int
    sample: int
    pairs: int
    changes: list[dict[str, Any]]
    active: bool = False


def matching_parameters_active_version() -> str:
    """The version finds use now (``SHIPPED`` for the shipped defaults)."""
    return active_version()


def matching_parameters_list() -> list[ParameterSet]:
    """Every parameter set made, newest first (the shipped defaults are always there)."""
    folder = parameters_folder()
    active = active_version()
    sets = []
    if folder is not None and folder.exists():
        for path in sorted(folder.glob("parameters-*.json"), reverse=True):
            data = json.loads(path.read_text("utf-8"))
            sets.append(
                ParameterSet(
                    version=data["version"],
                    created_at=data["created_at"],
                    register_size=data["register_size"],
                    sample=data["sample"],
                    pairs=data["pairs"],
                    changes=data["changes"],
                    active=data["version"] == active,
                )
            )
    return sets


def _write_active(version: str) -> None:
    folder = parameters_folder()
    if folder is None:
        raise ValueError("LRS_MATCHING_DIR is not set")
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{ACTIVE_FILE}.tmp"
    temporary.write_text(version + "\n", "utf-8")
    temporary.replace(folder / ACTIVE_FILE)
    register_scorer_reset()


def matching_parameters_activate(*, version: str, actor: User | None = None) -> None:
    """Make an earlier parameter set, or ``"shipped"``, the one finds use (roll back).

    ``actor`` is the service desk user who chose it (None from the command line).
    """
    if version != SHIPPED and not parameter_path(version).exists():
        raise ValueError(f"There is no parameter set {version}")
    # The audit entry and the switch stand or fall together: the entry is written in a
    # transaction that only commits once the active file has been replaced (atomically,
    # by rename), so a failed switch leaves no entry and a failed entry no switch.
    with transaction.atomic():
        audit_record(
            action="matching.parameters_activate",
            actor=actor,
            object_type="matching_parameters",
            object_id=version,
            actor_label="" if actor else "lrs matching",
            detail={"previous": active_version()},
        )
        _write_active(version)


def _sample(size: int, seed: int) -> list[Demographics]:
    ids = list(Learner.objects.exclude(status=LearnerStatus.CLOSED).values_list("id", flat=True))
    chosen = random.Random(seed).sample(ids, min(size, len(ids)))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(chosen), 900):
        found = Learner.objects.filter(id__in=chosen[start : start + 900]).values(
            "given_name", "family_name", "date_of_birth", "gender", "last_known_postcode"
        )
        rows.extend(dict(row) for row in found)
    return [
        Demographics(
            r["given_name"],
            r["family_name"],
            r["date_of_birth"],
            r["gender"],
            r["last_known_postcode"],
        )
        for r in rows
    ]


def matching_calibrate(
    *, sample: int = 20_000, pairs: int = 100_000, seed: int | None = None, force: bool = False
) -> ParameterSet | None:
    """Learn u from the register and make the result the active parameter set.

    None when the register is below ``LRS_MATCHING_MIN_REGISTER`` (unless ``force``).
    """
    size = Learner.objects.exclude(status=LearnerStatus.CLOSED).count()
    if size < settings.LRS_MATCHING_MIN_REGISTER and not force:
        return None
    now = timezone.now()
    seed = seed if seed is not None else int(now.timestamp())
    records = [prepare(d) for d in _sample(sample, seed)]
    counts = count_random_pairs(records, pairs, seed=seed)
    learnt = weights_from_register(default_weights(), counts, pairs)
    version = now.strftime("%Y%m%dT%H%M%S%fZ")
    changes = [
        {"field": f, "level": level, "shipped": old, "learnt": new}
        for f, level, old, new in learnt.changes
    ]
    created_at = now.isoformat()
    data: dict[str, Any] = {
        "version": version,
        "created_at": created_at,
        "register_size": size,
        "sample": len(records),
        "pairs": pairs,
        "seed": seed,
        "changes": changes,
        "weights": learnt.weights.to_json(),
    }
    path = parameter_path(version)
    path.parent.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        audit_record(
            action="matching.calibrate",
            object_type="matching_parameters",
            object_id=version,
            actor_label="lrs matching",
            detail={"register_size": size, "pairs": pairs, "changes": changes},
        )
        path.write_text(json.dumps(data, indent=1), "utf-8")
    _write_active(version)
    return ParameterSet(version, created_at, size, len(records), pairs, changes, active=True)


def matching_calibrate_if_due(*, now: dt.datetime | None = None) -> ParameterSet | None:
    """Called by every worker with each heartbeat: recalibrate when due."""
    hours = settings.LRS_MATCHING_CALIBRATE_HOURS
    if hours <= 0 or parameters_folder() is None:
        return None
    if Learner.objects.count() < settings.LRS_MATCHING_MIN_REGISTER:
        return None
    if not scheduled_run_claim(SCHEDULE_NAME, every=dt.timedelta(hours=hours), now=now):
        return None
    return matching_calibrate()

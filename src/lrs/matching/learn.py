"""Learn the engine's u-probabilities from the register itself.

u (the chance of each comparison level for two different people) depends on the
register: how many share a birthday, how postcodes cluster, how common the names are.
It is counted over random pairs of register records, the classic estimate, and shrunk
towards the shipped u by ``PRIOR_PAIRS`` pairs' worth of belief so that a level seen a
handful of times (two strangers with the same date of birth) does not swing on chance.

m (the chance of each level for the same person) stays the shipped estimate: a register
holds almost no pairs of records for one person, so there is nothing in it to learn m
from without labelled finds. Name frequencies are the other thing learnt from the
register (``FrequencyTable``), kept current by the find itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lrs.matching import compare as cmp
from lrs.matching.calibrate import _LEVEL_COUNTS, _monotone, levels_of
from lrs.matching.demographics import Prepared
from lrs.matching.score import Weights

__all__ = ["PRIOR_PAIRS", "LearntWeights", "count_random_pairs", "weights_from_register"]

PRIOR_PAIRS = 50_000
# Fields whose u is learnt; the optional fields are rarely on both sides of a pair.
LEARNT_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "gender")
# Levels whose shipped weight is a judgement, not an estimate: they keep it.
_JUDGED = {
    "given_name": (cmp.N_PREVIOUS, cmp.N_INITIAL),
    "family_name": (cmp.N_NICKNAME, cmp.N_INITIAL),
    "postcode": (cmp.P_MISSING,),
    "gender": (cmp.G_UNKNOWN,),
}
# A change smaller than this (bits) is not reported as a change.
REPORTED_CHANGE = 0.25


@dataclass(frozen=True)
class LearntWeights:
    weights: Weights
    # (field, level label, shipped weight, learnt weight) for every visible change.
    changes: list[tuple[str, str, float, float]]
    pairs: int


def count_random_pairs(
    records: Sequence[Prepared], n_pairs: int, *, seed: int = 0
) -> dict[str, list[int]]:
    """Level counts over ``n_pairs`` random pairs of distinct records."""
    counts = {f: [0] * _LEVEL_COUNTS[f] for f in LEARNT_FIELDS}
    if len(records) < 2:
        return counts
    rng = random.Random(seed)
    n = len(records)
    wanted = [(f, cmp.FIELDS.index(f)) for f in LEARNT_FIELDS]
    for _ in range(n_pairs):
        a = rng.randrange(n)
        b = rng.randrange(n - 1)
        if b >= a:
            b += 1
        levels = levels_of(records[a], records[b])
        for f, i in wanted:
            counts[f][levels[i]] += 1
    return counts


def weights_from_register(
    base: Weights, counts: dict[str, list[int]], n_pairs: int, *, prior_pairs: int = PRIOR_PAIRS
) -> LearntWeights:
    """The shipped weights with u re-estimated from the register's random pairs."""
    m_all: dict[str, list[float]] = base.meta["m"]
    u_all: dict[str, list[float]] = base.meta["u"]
    levels = {f: list(base.levels[f]) for f in cmp.FIELDS}
    learnt_u: dict[str, list[float]] = {}
    changes: list[tuple[str, str, float, float]] = []
    for f in LEARNT_FIELDS:
        row = counts[f]
        u = [
            (c + prior_pairs * u0) / (n_pairs + prior_pairs)
            for c, u0 in zip(row, u_all[f], strict=True)
        ]
        learnt_u[f] = u
        new = list(levels[f])
        for level, (m, ui) in enumerate(zip(m_all[f], u, strict=True)):
            if level in _JUDGED.get(f, ()) or base.levels[f][level] == 0.0:
                continue
            new[level] = round(math.log2(m / ui), 3)
        _monotone(f, new)
        for level, (old, value) in enumerate(zip(levels[f], new, strict=True)):
            if abs(old - value) >= REPORTED_CHANGE:
                changes.append((f, cmp.LABELS[f][level], old, value))
        levels[f] = new
    meta: dict[str, Any] = dict(base.meta)
    meta["u"] = {**u_all, **{f: [round(x, 8) for x in learnt_u[f]] for f in LEARNT_FIELDS}}
    weights = Weights(
        levels={f: tuple(levels[f]) for f in cmp.FIELDS},
        swap=base.swap,
        offset=base.offset,
        m_exact=dict(base.m_exact),
        tf_bounds=base.tf_bounds,
        meta=meta,
    )
    return LearntWeights(weights, changes, n_pairs)

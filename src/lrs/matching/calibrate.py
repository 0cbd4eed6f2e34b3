"""Calibrate weights and thresholds on labelled synthetic data.

The estimators live here; the run that draws synthetic people and regenerates
``weights.json`` is ``python -m lrs.synthetic.calibrate`` (in synthetic, which builds on
matching, so matching never imports the generator). Nothing here runs when matching:
the shipped JSON is all the engine needs.

* m (chance of each level for the same person) is counted over labelled queries against
  their true register record, with the error mix of ``lrs.synthetic.queries``.
* u (chance of each level for two different people) is counted over random pairs of
  register records; this is the classic estimate and is what term-frequency adjustment
  refines for names.
* Thresholds are then chosen by running blocked finds on a second labelled set: the
  exact threshold sits a safety margin above the strongest wrong candidate that would
  otherwise have been an exact match, the possible threshold as low as keeps the
  "too many" answers rare.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from lrs.matching import compare as cmp
from lrs.matching.classify import Thresholds, is_exact_candidate
from lrs.matching.demographics import Prepared
from lrs.matching.memory import InMemoryRegister
from lrs.matching.score import Scorer, Weights

__all__ = ["choose_thresholds", "estimate_weights", "levels_of"]

# log2 of a million: the evidence needed to single one person out of a register of a
# million, so a score of 0.5 means "as likely this person as anyone else".
OFFSET = round(math.log2(1_000_000), 2)
# Crosswise names are a known, but less usual, way for the same person to appear.
SWAP_PENALTY = -1.0
# The runner-up must be this many bits (2**margin times less likely) behind for "exact".
MARGIN = 5.0
# Possibles this many bits behind the best candidate are not offered.
SPREAD = 12.0
# Bits added above the strongest wrong would-be exact match seen in calibration.
EXACT_SAFETY = 4.0
_LEVEL_COUNTS = {
    "given_name": len(cmp.NAME_LABELS),
    "family_name": len(cmp.NAME_LABELS),
    "date_of_birth": len(cmp.DOB_LABELS),
    "postcode": len(cmp.POSTCODE_LABELS),
    "gender": len(cmp.GENDER_LABELS),
    "school_at_16": len(cmp.OPTIONAL_LABELS),
    "place_of_birth": len(cmp.OPTIONAL_LABELS),
    "email": len(cmp.OPTIONAL_LABELS),
}


def levels_of(q: Prepared, c: Prepared) -> tuple[int, ...]:
    c_ = cmp.compare_fields(q, c)
    return tuple(getattr(c_, f) for f in cmp.FIELDS)


def _counts(pairs: Sequence[tuple[Prepared, Prepared]]) -> dict[str, list[float]]:
    counts = {f: [0.0] * n for f, n in _LEVEL_COUNTS.items()}
    for q, c in pairs:
        for f, level in zip(cmp.FIELDS, levels_of(q, c), strict=True):
            counts[f][level] += 1
    return counts


def _distribution(counts: dict[str, list[float]]) -> dict[str, list[float]]:
    counts = {f: list(row) for f, row in counts.items()}
    result = {}
    for f, row in counts.items():
        # Optional fields are only evidence when both sides have them.
        if f in ("school_at_16", "place_of_birth", "email"):
            row[cmp.O_MISSING] = 0.0
        # Half a count of smoothing keeps unseen levels finite without moving seen ones.
        total = sum(row) + 0.5 * len(row)
        result[f] = [(n + 0.5) / total for n in row]
    return result


# Synthetic errors are cleaner than real ones: floor m for disagreement so that what the
# generator rarely produces (a completely different given name or date of birth for the
# same person, say) is not treated as near-impossible.
M_FLOOR_DISAGREE = 0.01
_DISAGREE_LEVELS = {
    "given_name": (cmp.N_DIFF,),
    "family_name": (cmp.N_DIFF,),
    "date_of_birth": (cmp.D_YEAR, cmp.D_DIFF),
    "postcode": (cmp.P_DIFF,),
}
# Levels in order of decreasing agreement, whose weights must not increase along it:
# a person would rightly distrust a "same postcode sector" scoring above "same district".
_ORDERED = {
    "date_of_birth": (cmp.D_EXACT, cmp.D_SWAPPED, cmp.D_TYPO, cmp.D_YEAR, cmp.D_DIFF),
    "postcode": (cmp.P_UNIT, cmp.P_SECTOR, cmp.P_DISTRICT, cmp.P_AREA, cmp.P_DIFF),
    "given_name": (cmp.N_EXACT, cmp.N_SIMILAR, cmp.N_DIFF),
    "family_name": (cmp.N_EXACT, cmp.N_SIMILAR, cmp.N_DIFF),
}


def _floor_m(m: dict[str, list[float]]) -> None:
    for f, row in m.items():
        for level in _DISAGREE_LEVELS.get(f, ()):
            row[level] = max(row[level], M_FLOOR_DISAGREE)


# Levels the synthetic queries never produce for the same person get a judged weight
# instead of an estimate: an initial alone agrees by chance about one time in twelve,
# so it is weak evidence; levels that cannot occur for a field weigh nothing.
_UNOBSERVED_INITIAL = 2.0


def _monotone(f: str, weights: list[float]) -> None:
    order = _ORDERED.get(f)
    if not order:
        return
    # Walk from the weakest level up, lifting any level that falls below a weaker one.
    for stronger, weaker in reversed(list(pairwise(order))):
        weights[stronger] = max(weights[stronger], weights[weaker])


def estimate_weights(
    matches: Sequence[tuple[Prepared, Prepared]],
    non_matches: Sequence[tuple[Prepared, Prepared]],
) -> Weights:
    match_counts = _counts(matches)
    m = _distribution(match_counts)
    _floor_m(m)
    u = _distribution(_counts(non_matches))
    levels: dict[str, tuple[float, ...]] = {}
    for f in cmp.FIELDS:
        weights = [math.log2(mi / ui) for mi, ui in zip(m[f], u[f], strict=True)]
        for level, count in enumerate(match_counts[f]):
            if count == 0 and level not in _DISAGREE_LEVELS.get(f, ()):
                is_initial = f in ("given_name", "family_name") and level == cmp.N_INITIAL
                weights[level] = _UNOBSERVED_INITIAL if is_initial else 0.0
        _monotone(f, weights)
        if f in ("school_at_16", "place_of_birth", "email"):
            weights[cmp.O_MISSING] = 0.0
        if f == "postcode":
            weights[cmp.P_MISSING] = 0.0
        if f == "gender":
            weights[cmp.G_UNKNOWN] = 0.0
        levels[f] = tuple(round(w, 3) for w in weights)
    return Weights(
        levels=levels,
        swap=SWAP_PENALTY,
        offset=OFFSET,
        m_exact={
            "given_name": round(m["given_name"][cmp.N_EXACT], 4),
            "family_name": round(m["family_name"][cmp.N_EXACT], 4),
        },
        meta={
            "m": {f: [round(x, 6) for x in m[f]] for f in cmp.FIELDS},
            "u": {f: [round(x, 8) for x in u[f]] for f in cmp.FIELDS},
            "thresholds": {"exact": 0.999, "possible": 0.5, "margin": MARGIN, "spread": SPREAD},
        },
    )


def _score_of(weight: float, offset: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (offset - weight))


def choose_thresholds(
    register: InMemoryRegister,
    queries: Sequence[tuple[Prepared, object]],
    scorer: Scorer,
    *,
    possible_weight: float,
) -> tuple[Thresholds, dict[str, float | None]]:
    """Pick the exact threshold from labelled finds (query, true ref or None)."""
    offset = scorer.weights.offset
    strongest_wrong = -math.inf
    for query, truth in queries:
        ranked = register.score_candidates(query, scorer)
        if not ranked:
            continue
        top = ranked[0]
        runner_up = ranked[1].weight if len(ranked) > 1 else -math.inf
        if top.ref != truth and is_exact_candidate(top) and runner_up <= top.weight - MARGIN:
            strongest_wrong = max(strongest_wrong, top.weight)
    exact_weight = max(strongest_wrong + EXACT_SAFETY, offset + 10.0)
    thresholds = Thresholds(
        exact=round(_score_of(exact_weight, offset), 12),
        possible=round(_score_of(possible_weight, offset), 12),
        margin=MARGIN,
        spread=SPREAD,
    )
    return thresholds, {
        "exact_weight": round(exact_weight, 2),
        "possible_weight": possible_weight,
        "strongest_wrong_exact_candidate": (
            round(strongest_wrong, 2) if math.isfinite(strongest_wrong) else None
        ),
    }

"""Turn scored candidates into the answer of a find: exact, possible, too many or none.

Safety over convenience: a wrong exact match attaches a learner's achievements to a
stranger, while a "possible" only costs a person a look. So an exact match needs, on
top of a high score:

* strong agreement on the three identifying fields:

  - given name exact after normalisation. Not a nickname: twins are given related
    names (Jack and John, Edward and Teddy), and a nickname query for one twin would
    otherwise be an exact match for the other. Nor a typo, a shared first part of a
    multi-part name or a merely similar spelling, for the same reason,
  - family name exact, previous family name, one part of a double-barrelled name, same
    sound, or one typing error,
  - date of birth exact or with day and month swapped;

  when the names only agree crosswise (given and family swapped), both must be exact;
* gender not contradicting;
* no second candidate that also qualifies, and the runner-up at least ``margin`` weight
  behind.

Twins share family name, date of birth and postcode; their given names differ, so the
given-name rule alone keeps one twin from ever being the exact match for the other.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from lrs.matching import compare as cmp
from lrs.matching.demographics import Demographics, Prepared
from lrs.matching.score import (
    FrequencyTable,
    MatchResult,
    Scorer,
    default_scorer,
    default_weights,
)

__all__ = [
    "MAX_POSSIBLE",
    "Classification",
    "Outcome",
    "Thresholds",
    "classify",
    "default_thresholds",
    "is_exact_candidate",
    "match",
]

# The real service returns at most ten possible matches; more is "too many".
MAX_POSSIBLE = 10


class Outcome(enum.Enum):
    EXACT = "exact"
    POSSIBLE = "possible"
    TOO_MANY = "too_many"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    # Minimum score of an exact match, and of a possible match.
    exact: float
    possible: float
    # Bits of weight by which an exact match must lead the runner-up.
    margin: float
    # Possibles more than this many bits behind the best candidate are dropped: a
    # candidate 2**spread times less likely than another is no real alternative, and
    # keeping it would turn clear answers into "too many".
    spread: float = 12.0


@cache
def default_thresholds() -> Thresholds:
    t = default_weights().meta["thresholds"]
    return Thresholds(
        exact=t["exact"], possible=t["possible"], margin=t["margin"], spread=t["spread"]
    )


_STRONG_GIVEN = frozenset({cmp.N_EXACT})
_STRONG_FAMILY = frozenset({cmp.N_EXACT, cmp.N_PREVIOUS, cmp.N_PART, cmp.N_PHONETIC, cmp.N_TYPO})
_STRONG_DOB = frozenset({cmp.D_EXACT, cmp.D_SWAPPED})


def is_exact_candidate(result: MatchResult) -> bool:
    """Whether the field-level evidence is strong enough for an exact match at all."""
    given, family, dob, _postcode, gender = result.levels[:5]
    if result.swapped:
        names_ok = given == cmp.N_EXACT and family == cmp.N_EXACT
    else:
        names_ok = given in _STRONG_GIVEN and family in _STRONG_FAMILY
    return names_ok and dob in _STRONG_DOB and gender != cmp.G_DIFF


@dataclass(frozen=True, slots=True)
class Classification:
    outcome: Outcome
    # The exact match alone, or the possible matches best first; empty otherwise.
    matches: Sequence[MatchResult]
    # Every candidate above the possible threshold, even when there were too many.
    possible_count: int


def classify(
    results: Iterable[MatchResult], thresholds: Thresholds | None = None
) -> Classification:
    """Decide the outcome of a find from its scored candidates (any order)."""
    t = thresholds or default_thresholds()
    floor = t.possible
    possibles = [r for r in results if r.score >= floor]
    possibles.sort(key=_by_weight, reverse=True)
    if not possibles:
        return Classification(Outcome.NONE, (), 0)
    top = possibles[0]
    cutoff = top.weight - t.spread
    possibles = [r for r in possibles if r.weight >= cutoff]
    if top.score >= t.exact and is_exact_candidate(top):
        runner_up = possibles[1] if len(possibles) > 1 else None
        contested = runner_up is not None and (
            runner_up.weight > top.weight - t.margin
            or (runner_up.score >= t.exact and is_exact_candidate(runner_up))
        )
        if not contested:
            return Classification(Outcome.EXACT, (top,), len(possibles))
    if len(possibles) > MAX_POSSIBLE:
        return Classification(Outcome.TOO_MANY, (), len(possibles))
    return Classification(Outcome.POSSIBLE, tuple(possibles), len(possibles))


def _by_weight(result: MatchResult) -> float:
    return result.weight


def match(
    query: Demographics | Prepared,
    candidates: Iterable[tuple[object, Demographics | Prepared]],
    *,
    scorer: Scorer | None = None,
    frequencies: FrequencyTable | None = None,
    thresholds: Thresholds | None = None,
) -> Classification:
    """Score (ref, record) candidates against the query and classify the result."""
    if scorer is None:
        scorer = default_scorer() if frequencies is None else Scorer(frequencies=frequencies)
    return classify(scorer.score_all(query, candidates), thresholds)

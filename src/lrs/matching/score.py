"""Fellegi-Sunter scoring: per-field log-likelihood weights summed into a match score.

For each field and comparison level the weight is log2(m / u), where m is the chance of
that level when the two records are the same person and u the chance when they are two
different people. The weights were calibrated on labelled synthetic data (see
``calibrate.py``) and ship in ``weights.json``, so nothing is learnt at runtime.

Agreement on a rare name is stronger evidence than agreement on a common one. When a
``FrequencyTable`` is supplied, exact agreement on a given or family name is weighted
log2(m / f), where f is how common that very name is, instead of the average u.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from lrs.matching import compare as cmp
from lrs.matching.demographics import Demographics, Prepared, prepare

__all__ = [
    "ExplanationEntry",
    "FrequencyTable",
    "MatchResult",
    "Scorer",
    "Weights",
    "default_scorer",
    "default_weights",
    "score",
]

# Scores are a logistic function of the total weight; clamping avoids overflow and makes
# no practical difference (2**-60 is zero for any decision).
_MAX_EXPONENT = 60.0
# Records' worth of prior belief in the average name frequency (see _exact_name_weights).
TF_PSEUDO_COUNT = 2_000
# The smallest register size the prior is worked out for (see ``Scorer``).
MIN_PRIOR_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class Weights:
    """Weights per field and level, plus what term-frequency adjustment needs."""

    levels: Mapping[str, tuple[float, ...]]
    swap: float
    offset: float
    m_exact: Mapping[str, float]
    tf_bounds: tuple[float, float] = (-3.0, 6.0)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Weights:
        return cls(
            levels={f: tuple(float(w) for w in data["levels"][f]) for f in cmp.FIELDS},
            swap=float(data["swap"]),
            offset=float(data["offset"]),
            m_exact={k: float(v) for k, v in data["m_exact"].items()},
            tf_bounds=(float(data["tf_bounds"][0]), float(data["tf_bounds"][1])),
            meta=dict(data.get("meta", {})),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "levels": {f: list(self.levels[f]) for f in cmp.FIELDS},
            "swap": self.swap,
            "offset": self.offset,
            "m_exact": dict(self.m_exact),
            "tf_bounds": list(self.tf_bounds),
            "meta": dict(self.meta),
        }


@cache
def default_weights() -> Weights:
    """The calibrated weights shipped with the package."""
    text = resources.files("lrs.matching").joinpath("weights.json").read_text("utf-8")
    return Weights.from_json(json.loads(text))


class FrequencyTable:
    """How common each normalised given and family name is, for term-frequency weights.

    Build it from the register (``from_names``) or from counts held elsewhere; names are
    keyed by their compact normalised form (``normalise.name_compact``).
    """

    def __init__(
        self,
        given: Mapping[str, float],
        family: Mapping[str, float],
        *,
        floor: float = 1e-6,
        size: int = 0,
    ) -> None:
        self.given = given
        self.family = family
        self.floor = floor
        # How many records the table was built from.
        self.size = size
        self._given_names: Any = None

    @property
    def given_names(self) -> Any:
        """The known given names (``names.GivenNames``): a base list plus the register's."""
        if self._given_names is None:
            from lrs.matching.names import GivenNames

            self._given_names = GivenNames(self.given)
        return self._given_names

    @classmethod
    def from_counts(
        cls, given: Mapping[str, int], family: Mapping[str, int], *, floor: float | None = None
    ) -> FrequencyTable:
        g_total = sum(given.values()) or 1
        f_total = sum(family.values()) or 1
        return cls(
            {k: v / g_total for k, v in given.items()},
            {k: v / f_total for k, v in family.items()},
            # An unseen name is at least as rare as one seen once.
            floor=floor if floor is not None else 1 / max(g_total, f_total),
            size=max(sum(given.values()), sum(family.values())),
        )

    @classmethod
    def from_names(cls, records: Iterable[Demographics | Prepared]) -> FrequencyTable:
        given: Counter[str] = Counter()
        family: Counter[str] = Counter()
        for record in records:
            p = prepare(record)
            given[p.given] += 1
            family[p.family] += 1
        return cls.from_counts(given, family)

    def given_frequency(self, compact: str) -> float:
        return max(self.given.get(compact, 0.0), self.floor)

    def family_frequency(self, compact: str) -> float:
        return max(self.family.get(compact, 0.0), self.floor)


@dataclass(frozen=True, slots=True)
class ExplanationEntry:
    """One line of the explanation shown to a person: how one field compared."""

    field: str
    level: str
    weight: float


class MatchResult:
    """The score of one candidate against a query, with the evidence behind it.

    Per-field weights are only worked out when the explanation is asked for: most
    candidates of a find are scored, ranked and dropped without anyone looking.
    """

    __slots__ = (
        "_exact",
        "_scorer",
        "candidate",
        "levels",
        "query",
        "ref",
        "score",
        "swapped",
        "weight",
    )

    def __init__(
        self,
        ref: object,
        query: Prepared,
        candidate: Prepared,
        levels: tuple[int, ...],
        swapped: bool,
        weight: float,
        score: float,
        scorer: Scorer,
        exact: tuple[float, float],
    ) -> None:
        self.ref = ref
        self.query = query
        self.candidate = candidate
        self.levels = levels
        self.swapped = swapped
        self.weight = weight
        self.score = score
        self._scorer = scorer
        self._exact = exact

    def level(self, field_name: str) -> int:
        return self.levels[cmp.FIELDS.index(field_name)]

    def label(self, field_name: str) -> str:
        return cmp.LABELS[field_name][self.level(field_name)]

    @property
    def contributions(self) -> tuple[float, ...]:
        """The weight each field contributed, in ``compare.FIELDS`` order."""
        levels = self.levels
        table = self._scorer.weights.levels
        result = [table[f][level] for f, level in zip(cmp.FIELDS, levels, strict=True)]
        for i in (0, 1):
            if levels[i] == cmp.N_EXACT:
                result[i] = self._exact[i]
        if self.swapped:
            result[0] += self._scorer.weights.swap
        return tuple(result)

    @property
    def explanation(self) -> list[ExplanationEntry]:
        entries = []
        for name, level, weight in zip(cmp.FIELDS, self.levels, self.contributions, strict=True):
            if name in _OPTIONAL_FIELDS and level == cmp.O_MISSING:
                continue
            label = cmp.LABELS[name][level]
            if self.swapped and name in ("given_name", "family_name"):
                other = "family name" if name == "given_name" else "given name"
                label = f"{label}, against the {other} (names swapped)"
            entries.append(ExplanationEntry(name, label, round(weight, 2)))
        return entries

    def __repr__(self) -> str:
        return f"MatchResult(ref={self.ref!r}, score={self.score:.4f}, weight={self.weight:.2f})"


_OPTIONAL_FIELDS = frozenset({"school_at_16", "place_of_birth", "email"})


class Scorer:
    """Scores candidates against a query with one set of weights and name frequencies."""

    def __init__(
        self,
        weights: Weights | None = None,
        frequencies: FrequencyTable | None = None,
        *,
        register_size: int | None = None,
    ) -> None:
        self.weights = weights or default_weights()
        self.frequencies = frequencies
        # The prior: a find's person is one of register_size people (or not registered),
        # so the evidence needed to single them out is log2 of the register's size. It is
        # never taken below MIN_PRIOR_SIZE, so that a small register (or one just
        # started) does not make thin evidence certain; without a size the shipped
        # offset (a register of a million) applies.
        self.register_size = register_size
        self.offset = (
            self.weights.offset
            if register_size is None
            else math.log2(max(register_size, MIN_PRIOR_SIZE))
        )
        lv = self.weights.levels
        self._given = lv["given_name"]
        self._family = lv["family_name"]
        self._dob = lv["date_of_birth"]
        self._postcode = lv["postcode"]
        self._gender = lv["gender"]
        self._school = lv["school_at_16"]
        self._place = lv["place_of_birth"]
        self._email = lv["email"]

    def _exact_name_weights(self, q: Prepared) -> tuple[float, float]:
        """Weights for exact given and family agreement with this query's own names."""
        if self.frequencies is None:
            return self._given[cmp.N_EXACT], self._family[cmp.N_EXACT]
        low, high = self.weights.tf_bounds
        result = []
        table = self.frequencies
        for name_field, freq, default in (
            ("given_name", table.given_frequency(q.given), self._given[0]),
            ("family_name", table.family_frequency(q.family), self._family[0]),
        ):
            m = self.weights.m_exact[name_field]
            if table.size:
                # Shrunk towards the average name's frequency by TF_PSEUDO_COUNT records
                # of prior: a name seen once in a register of 4,000 is not known to be
                # one in 4,000 nationally, while a million records speak for themselves.
                share = freq if freq > table.floor else 0.0
                prior = m / 2.0**default
                freq = (share * table.size + TF_PSEUDO_COUNT * prior) / (
                    table.size + TF_PSEUDO_COUNT
                )
            tf = math.log2(m / freq)
            # Bounded so that one very rare (or misspelt-everywhere) name cannot outvote
            # every other field.
            result.append(min(max(tf, default + low), default + high))
        return result[0], result[1]

    def score(
        self, query: Demographics | Prepared, candidate: Demographics | Prepared, ref: object = None
    ) -> MatchResult:
        q = prepare(query)
        return self._score(q, prepare(candidate), ref, self._exact_name_weights(q))

    def score_all(
        self,
        query: Demographics | Prepared,
        candidates: Iterable[tuple[object, Demographics | Prepared]],
    ) -> list[MatchResult]:
        """Score many candidates, best first. Candidates are (ref, record) pairs."""
        q = prepare(query)
        exact = self._exact_name_weights(q)
        score_one = self._score
        results = [
            score_one(q, c if type(c) is Prepared else prepare(c), ref, exact)
            for ref, c in candidates
        ]
        results.sort(key=_by_weight, reverse=True)
        return results

    def _score(
        self, q: Prepared, c: Prepared, ref: object, exact: tuple[float, float]
    ) -> MatchResult:
        # The common cases (exact agreement) are tested inline before calling the
        # comparison functions: this runs for every candidate of every find.
        given = cmp.N_EXACT if q.given == c.given and q.given else cmp.compare_given(q, c)
        family = cmp.N_EXACT if q.family == c.family and q.family else cmp.compare_family(q, c)
        swapped = False
        if given == cmp.N_DIFF or family == cmp.N_DIFF:
            given, family, swapped = cmp.names_levels(q, c, given, family)
        dob = cmp.D_EXACT if q.dob_text == c.dob_text else cmp.compare_dob(q, c)
        qp = q.postcode
        if not qp or not c.postcode:
            postcode = cmp.P_MISSING
        elif qp == c.postcode:
            postcode = cmp.P_UNIT
        else:
            postcode = cmp.compare_postcode(q, c)
        qg = q.gender
        cg = c.gender
        gender = cmp.G_UNKNOWN if not qg or not cg else (cmp.G_AGREE if qg == cg else cmp.G_DIFF)
        total = (
            (exact[0] if given == cmp.N_EXACT else self._given[given])
            + (exact[1] if family == cmp.N_EXACT else self._family[family])
            + self._dob[dob]
            + self._postcode[postcode]
            + self._gender[gender]
        )
        if swapped:
            total += self.weights.swap
        if q.school or q.place or q.email:
            school = cmp.compare_optional(q.school, c.school)
            place = cmp.compare_optional(q.place, c.place)
            email = cmp.compare_optional(q.email, c.email, fuzzy=False)
            total += self._school[school] + self._place[place] + self._email[email]
            levels = (given, family, dob, postcode, gender, school, place, email)
        else:
            levels = (
                given,
                family,
                dob,
                postcode,
                gender,
                cmp.O_MISSING,
                cmp.O_MISSING,
                cmp.O_MISSING,
            )
        exponent = self.offset - total
        if exponent > _MAX_EXPONENT:
            probability = 0.0
        elif exponent < -_MAX_EXPONENT:
            probability = 1.0
        else:
            probability = 1.0 / (1.0 + 2.0**exponent)
        return MatchResult(ref, q, c, levels, swapped, total, probability, self, exact)


def _by_weight(result: MatchResult) -> float:
    return result.weight


@cache
def default_scorer() -> Scorer:
    """A shared Scorer with the shipped weights and no name frequencies."""
    return Scorer()


def score(
    query: Demographics | Prepared,
    candidate: Demographics | Prepared,
    *,
    frequencies: FrequencyTable | None = None,
) -> MatchResult:
    """Score one candidate against a query with the shipped weights."""
    scorer = default_scorer() if frequencies is None else Scorer(frequencies=frequencies)
    return scorer.score(query, candidate)

"""Weighted pools of names, places and schools for synthetic learners.

Faker's en_GB lists are the British core; other locales supply the long tail that a UK
register really has (Irish, South Asian, European names, names with accents and
apostrophes), and invented compound surnames stand in for the very rare names that
make up a large share of real registers. Frequencies are Zipf-like, so common surnames
are genuinely common: that skew is what makes blocking and term-frequency weights matter.
"""

from __future__ import annotations

import importlib
import itertools
import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from lrs.matching.normalise import name_compact, phonetic
from lrs.validation.learner import check_name

__all__ = ["WeightedPool", "pools"]


class WeightedPool:
    """Draw items with fixed relative weights, quickly and reproducibly."""

    __slots__ = ("_cumulative", "_total", "items")

    def __init__(self, items: Sequence[str], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self._cumulative = list(itertools.accumulate(weights))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect(self._cumulative, rng.random() * self._total)]

    def frequency(self) -> dict[str, float]:
        previous = 0.0
        result: dict[str, float] = {}
        for item, cumulative in zip(self.items, self._cumulative, strict=True):
            result[item] = result.get(item, 0.0) + (cumulative - previous) / self._total
            previous = cumulative
        return result


def _provider(locale: str) -> Any:
    return importlib.import_module(f"faker.providers.person.{locale}").Provider


def _names(locale: str, attribute: str) -> list[str]:
    value = getattr(_provider(locale), attribute, None) or ()
    return [str(n) for n in value]


def _zipf(n: int, exponent: float = 1.0, offset: float = 2.0) -> list[float]:
    return [1.0 / (rank + offset) ** exponent for rank in range(n)]


def _scaled(weights: list[float], mass: float) -> list[float]:
    total = sum(weights)
    return [w * mass / total for w in weights]


def _dedupe(blocks: Iterable[tuple[list[str], list[float]]]) -> WeightedPool:
    """Merge blocks of (names, weights); a name seen twice keeps its first spelling."""
    seen: set[str] = set()
    items: list[str] = []
    weights: list[float] = []
    for names, block_weights in blocks:
        for name, weight in zip(names, block_weights, strict=True):
            key = name_compact(name)
            # Only names the register accepts: Faker's lists hold a few that it refuses.
            if not key or key in seen or len(name) > 35 or check_name(name):
                continue
            seen.add(key)
            items.append(name)
            weights.append(weight)
    return WeightedPool(items, weights)


# Popular names of the last twenty years, absent from Faker's older ONS list.
_MODERN_MALE = [
    "Oliver",
    "George",
    "Harry",
    "Noah",
    "Jack",
    "Leo",
    "Arthur",
    "Muhammad",
    "Oscar",
    "Charlie",
    "Jacob",
    "Freddie",
    "Alfie",
    "Theo",
    "Archie",
    "Henry",
    "Lucas",
    "Joshua",
    "Logan",
    "Isaac",
    "Ethan",
    "Mason",
    "Finley",
    "Riley",
    "Teddy",
    "Reuben",
    "Alexander",
    "Max",
    "Harrison",
    "Jayden",
    "Kai",
    "Tyler",
    "Dylan",
    "Rory",
    "Ellis",
    "Toby",
    "Louie",
    "Frankie",
    "Elijah",
]
_MODERN_FEMALE = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Ivy",
    "Freya",
    "Lily",
    "Florence",
    "Mia",
    "Willow",
    "Rosie",
    "Sophia",
    "Isabella",
    "Grace",
    "Daisy",
    "Sienna",
    "Poppy",
    "Elsie",
    "Emily",
    "Ella",
    "Evelyn",
    "Phoebe",
    "Sofia",
    "Evie",
    "Charlotte",
    "Harper",
    "Matilda",
    "Millie",
    "Ruby",
    "Chloe",
    "Maisie",
    "Erin",
    "Megan",
    "Holly",
    "Jasmine",
    "Niamh",
    "Aoife",
    "Zara",
]
_PLACE_STEMS = [
    "Ash",
    "Black",
    "Brad",
    "Brom",
    "Burn",
    "Cal",
    "Car",
    "Chester",
    "Clay",
    "Cold",
    "Craw",
    "Dun",
    "Fair",
    "Fern",
    "Gar",
    "Glen",
    "Green",
    "Hal",
    "Har",
    "Hart",
    "Haw",
    "Hay",
    "Hill",
    "Holm",
    "Kirk",
    "Lang",
    "Lin",
    "Lock",
    "Marl",
    "Mill",
    "Moor",
    "Nor",
    "Oak",
    "Pen",
    "Red",
    "Ros",
    "Rush",
    "Sal",
    "South",
    "Stan",
    "Stock",
    "Sut",
    "Thorn",
    "Tod",
    "Wal",
    "War",
    "Wes",
    "Whit",
    "Wick",
    "Wood",
    "Wor",
]
_PLACE_ENDINGS = [
    "ley",
    "by",
    "ton",
    "ford",
    "field",
    "worth",
    "ham",
    "well",
    "more",
    "wood",
    "bridge",
    "stead",
    "combe",
    "dale",
    "thorpe",
    "wick",
    "hurst",
    "burn",
    "sall",
    "croft",
    "gate",
]


class Pools:
    def __init__(self) -> None:
        rng = random.Random(20240601)
        # Given names: the British core carries most of the mass, other locales the tail.
        self.given_male = self._given(
            _MODERN_MALE, _names("en_GB", "first_names_male"), "first_names_male", rng
        )
        self.given_female = self._given(
            _MODERN_FEMALE, _names("en_GB", "first_names_female"), "first_names_female", rng
        )
        self.family = self._family(rng)
        places = sorted({s + e for s in _PLACE_STEMS for e in _PLACE_ENDINGS})
        rng.shuffle(places)
        self.towns = WeightedPool(places[:600], _zipf(600, 0.8))
        kinds = ("Academy", "High School", "School", "College", "Community College")
        schools = [f"{place} {kind}" for place in places[:900] for kind in kinds[:2]]
        rng.shuffle(schools)
        self.schools = WeightedPool(schools, _zipf(len(schools), 0.5))
        # Names that sound the same but are spelt differently (Stephen, Steven), for
        # queries that carry another spelling of a name.
        self.sound_alikes: dict[str, list[str]] = {}
        for pool in (self.given_male, self.given_female, self.family):
            for name in pool.items:
                self.sound_alikes.setdefault(phonetic(name_compact(name)), []).append(name)

    @staticmethod
    def _given(
        modern: list[str], core: list[str], attribute: str, rng: random.Random
    ) -> WeightedPool:
        foreign: list[str] = []
        for locale in ("en_IE", "en_US", "en_IN", "fr_FR", "it_IT", "es_ES", "pl_PL", "tr_TR"):
            foreign.extend(_names(locale, attribute))
        foreign.extend(_names("en_NG", attribute))
        rng.shuffle(foreign)
        british = modern + core
        return _dedupe(
            [
                (british, _scaled(_zipf(len(british), 0.9, 8), 0.8)),
                (foreign, _scaled(_zipf(len(foreign), 0.7, 10), 0.2)),
            ]
        )

    @staticmethod
    def _family(rng: random.Random) -> WeightedPool:
        gb = _provider("en_GB").last_names
        british = list(gb)
        british_weights = [float(gb[n]) for n in british]
        other: list[str] = []
        for locale in (
            "en_IE", "en_US", "en_IN", "en_PK", "it_IT", "es_ES", "de_DE", "fr_FR", "nl_NL",
            "tr_TR", "en_NG", "ro_RO", "pt_PT", "ga_IE",
        ):  # fmt: skip
            other.extend(_names(locale, "last_names"))
        rng.shuffle(other)
        # Two stems and an ending give ~57,000 plausible, individually rare surnames.
        invented = [
            a + b.lower() + e for a in _PLACE_STEMS for b in _PLACE_STEMS for e in _PLACE_ENDINGS
        ]
        rng.shuffle(invented)
        return _dedupe(
            [
                (british, _scaled(british_weights, 0.5)),
                (other, _scaled(_zipf(len(other), 0.6, 20), 0.3)),
                (invented, _scaled([1.0] * len(invented), 0.2)),
            ]
        )


@cache
def pools() -> Pools:
    """The shared pools (built once; ~0.2 s)."""
    return Pools()

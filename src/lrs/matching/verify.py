"""How a supplied ULN and names are compared with the register (framework-free).

Names are compared crosswise, as the real service does, so that given and family names
entered the wrong way round, and a family name that has changed since, still verify.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz.distance import JaroWinkler

from lrs.matching.normalise import name_compact, phonetic, related_given_names

SIMILAR_THRESHOLD = 0.88


class NameAgreement(IntEnum):
    DIFFERENT = 0
    SIMILAR = 1
    EXACT = 2


def compare_names(supplied: str, stored: str, *, given: bool = False) -> NameAgreement:
    a, b = name_compact(supplied or ""), name_compact(stored or "")
    if not a or not b:
        return NameAgreement.DIFFERENT
    if a == b:
        return NameAgreement.EXACT
    if given and (b in related_given_names(a) or a in related_given_names(b)):
        return NameAgreement.SIMILAR
    if phonetic(a) == phonetic(b) or JaroWinkler.similarity(a, b) >= SIMILAR_THRESHOLD:
        return NameAgreement.SIMILAR
    return NameAgreement.DIFFERENT


@dataclass(frozen=True)
class StoredPerson:
    given_name: str
    family_name: str
    previous_family_name: str
    date_of_birth: dt.date
    gender: str


@dataclass(frozen=True)
class VerifyOutcome:
    names: NameAgreement
    failure_flags: list[str]
    dob_matches: bool
    gender_matches: bool

    @property
    def matched(self) -> bool:
        return (
            self.names is not NameAgreement.DIFFERENT and self.dob_matches and (self.gender_matches)
        )


def verify_person(
    stored: StoredPerson,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date | None = None,
    gender: str | None = None,
) -> VerifyOutcome:
    """Compare supplied details with a stored learner.

    Each name is first compared with its own stored field (VRF1 given/given, VRF5
    family/family). Only when that does not agree exactly are the crosswise comparisons
    made: the given name against the stored family and previous family names (VRF2,
    VRF3), the family name against the previous family and given names (VRF6, VRF4).
    A flag is raised for every comparison made that did not agree exactly; VRF7 (date of
    birth) and VRF8 (gender) only when those were supplied. The names verify when each
    supplied name agrees (exactly or closely) with some stored name in a consistent
    reading: straight, with a previous family name, or swapped. Only a straight, exact
    reading with no flags is an exact match.
    """
    vrf1 = compare_names(given_name, stored.given_name, given=True)
    vrf2 = compare_names(given_name, stored.family_name)
    vrf3 = compare_names(given_name, stored.previous_family_name)
    vrf4 = compare_names(family_name, stored.given_name, given=True)
    vrf5 = compare_names(family_name, stored.family_name)
    vrf6 = compare_names(family_name, stored.previous_family_name)

    exact = NameAgreement.EXACT
    flags: list[str] = []
    if vrf1 is not exact:
        flags.append("VRF1")
        flags.extend(flag for flag, level in (("VRF2", vrf2), ("VRF3", vrf3)) if level < exact)
    if vrf5 is not exact:
        flags.append("VRF5")
        flags.extend(flag for flag, level in (("VRF6", vrf6), ("VRF4", vrf4)) if level < exact)

    straight = min(vrf1, max(vrf5, vrf6))
    swapped = min(max(vrf2, vrf3), vrf4)
    # A reading that needed a previous name or a swap is at best similar.
    names = exact if not flags else min(max(straight, swapped), NameAgreement.SIMILAR)
    dob_matches = date_of_birth is None or date_of_birth == stored.date_of_birth
    gender_matches = not gender or gender == stored.gender
    if not dob_matches:
        flags.append("VRF7")
    if not gender_matches:
        flags.append("VRF8")
    return VerifyOutcome(names, sorted(set(flags)), dob_matches, gender_matches)

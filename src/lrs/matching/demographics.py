"""The demographics a find or a register carries, and their precomputed normalised form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lrs.matching.normalise import (
    fold,
    is_pseudo_postcode,
    name_compact,
    name_parts,
    phonetic,
    postcode_parts,
    related_given_names,
    try_normalise_postcode,
)

__all__ = ["GENDERS", "Demographics", "Prepared", "prepare"]

# 0 not known, 1 male, 2 female, 9 not specified.
GENDERS = frozenset({"0", "1", "2", "9"})


@dataclass(frozen=True, slots=True)
class Demographics:
    """The five matching demographics plus the optional fields that help a find."""

    given_name: str
    family_name: str
    date_of_birth: dt.date
    gender: str
    postcode: str
    previous_family_name: str | None = None
    preferred_given_name: str | None = None
    middle_names: str | None = None
    school_at_16: str | None = None
    place_of_birth: str | None = None
    email: str | None = None


class Prepared:
    """Normalised forms of one person's demographics, computed once.

    Scoring runs against every candidate a find pulls back, so everything that depends
    on one side only is worked out here rather than per comparison.
    """

    __slots__ = (
        "area",
        "demographics",
        "district",
        "dob",
        "dob_text",
        "email",
        "family",
        "family_parts",
        "family_phon",
        "gender",
        "given",
        "given_first",
        "given_parts",
        "given_phon",
        "given_related",
        "other_given",
        "place",
        "postcode",
        "previous",
        "previous_phon",
        "school",
        "sector",
    )

    def __init__(self, d: Demographics) -> None:
        self.demographics = d
        self.given_parts = name_parts(d.given_name)
        self.given = "".join(self.given_parts)
        self.given_first = self.given_parts[0] if self.given_parts else ""
        self.given_phon = phonetic(self.given)
        self.given_related = related_given_names(self.given_first)
        # People are often known by a middle or preferred name; either may be what the
        # other side wrote as the given name.
        other: set[str] = set()
        for extra in (d.preferred_given_name, d.middle_names):
            if extra:
                other.update(name_parts(extra))
        other.update(self.given_parts[1:])
        self.other_given = frozenset(other)
        self.family_parts = name_parts(d.family_name)
        self.family = "".join(self.family_parts)
        self.family_phon = phonetic(self.family)
        self.previous = name_compact(d.previous_family_name) if d.previous_family_name else ""
        self.previous_phon = phonetic(self.previous)
        self.dob = d.date_of_birth
        self.dob_text = d.date_of_birth.strftime("%Y%m%d")
        self.gender = d.gender if d.gender in ("1", "2") else ""
        postcode = try_normalise_postcode(d.postcode)
        if postcode is None or is_pseudo_postcode(postcode):
            self.postcode = self.sector = self.district = self.area = ""
        else:
            parts = postcode_parts(postcode)
            self.postcode = parts.unit
            self.sector = parts.sector
            self.district = parts.district
            self.area = parts.area
        self.school = name_compact(d.school_at_16) if d.school_at_16 else ""
        self.place = fold(d.place_of_birth).replace(" ", "") if d.place_of_birth else ""
        self.email = d.email.strip().lower() if d.email else ""


def prepare(d: Demographics | Prepared) -> Prepared:
    """Normalise demographics once so they can be scored against many others cheaply."""
    return d if isinstance(d, Prepared) else Prepared(d)

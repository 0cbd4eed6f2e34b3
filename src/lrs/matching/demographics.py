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

__all__ = [
    "FORM_VERSION",
    "GENDERS",
    "Demographics",
    "Prepared",
    "from_form",
    "prepare",
    "stored_form",
]

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


# The normalised forms a register stores with each learner (``stored_form``), so that a
# find scores its candidates without normalising them again (about 35 us a candidate, the
# bulk of a find's time at ten million learners). The tag changes whenever what
# ``Prepared`` computes changes, and whenever lrs.matching.keys's ``stored_keys`` does
# (the two are rewritten together): a form with another tag is ignored (the candidate is
# normalised as before) until ``lrs learners rekey`` rewrites the row.
FORM_VERSION = "k2"
# Every stored part is upper-case letters, digits or single spaces (names are letters
# only, postcodes letters, digits and one space), so one character that none can hold
# separates them.
_SEPARATOR = "|"
_FORM_PARTS = 14


def stored_form(d: Demographics | Prepared) -> str:
    """The normalised forms of ``d`` that are costly to compute, as one compact string.

    Only what depends on the names, the postcode and the school or place: the date of
    birth, gender and e-mail address are read from their own columns, and the nickname
    forms of the first given name come from a small cache of common names.
    """
    p = prepare(d)
    return _SEPARATOR.join(
        (
            FORM_VERSION,
            " ".join(p.given_parts),
            p.given_phon,
            " ".join(sorted(p.other_given)),
            " ".join(p.family_parts),
            p.family_phon,
            p.previous,
            p.previous_phon,
            p.postcode,
            p.sector,
            p.district,
            p.area,
            p.school,
            p.place,
        )
    )


def from_form(d: Demographics, form: str | None) -> Prepared:
    """``prepare(d)`` rebuilt from ``stored_form(d)`` without normalising anything again.

    ``form`` must be the stored form of these same demographics; when there is none, or
    it was written by another version (a register not yet re-keyed), ``d`` is prepared
    from scratch, so the answer is the same either way.
    """
    if not form or not form.startswith(FORM_VERSION + _SEPARATOR):
        return Prepared(d)
    parts = form.split(_SEPARATOR)
    if len(parts) != _FORM_PARTS:
        return Prepared(d)
    p = Prepared.__new__(Prepared)
    p.demographics = d
    given_parts = tuple(parts[1].split()) if parts[1] else ()
    p.given_parts = given_parts
    p.given = "".join(given_parts)
    p.given_first = given_parts[0] if given_parts else ""
    p.given_phon = parts[2]
    p.given_related = related_given_names(p.given_first)
    p.other_given = frozenset(parts[3].split())
    family_parts = tuple(parts[4].split()) if parts[4] else ()
    p.family_parts = family_parts
    p.family = "".join(family_parts)
    p.family_phon = parts[5]
    p.previous = parts[6]
    p.previous_phon = parts[7]
    dob = p.dob = d.date_of_birth
    p.dob_text = f"{dob.year:04d}{dob.month:02d}{dob.day:02d}"
    p.gender = d.gender if d.gender in ("1", "2") else ""
    p.postcode, p.sector, p.district, p.area = parts[8], parts[9], parts[10], parts[11]
    p.school = parts[12]
    p.place = parts[13]
    p.email = d.email.strip().lower() if d.email else ""
    return p

"""Blocking keys: the indexed columns that pull candidates back for a find.

A register record stores one value per key column (``stored_keys``); a find looks each
column up with several values (``query_keys``), so the database runs
``WHERE bk_a IN (...) OR bk_b IN (...) ...`` against ordinary indexes.

Design rules (measured in docs/matching.md):

* Every key is tight: at 1,000,000 learners no single value is shared by more than a few
  hundred people, so a find scores tens of candidates, not thousands.
* Keys overlap so that an error in any one of the five demographics leaves the person
  reachable through another key:

  ====================  ====================================  =========================
  column                 value                                survives an error in
  ====================  ====================================  =========================
  bk_dob_given           DOB + given sound (2 characters)      family name, postcode
  bk_family_dob          family sound + DOB                    given name, postcode
  bk_family_given_year   family sound + given sound + year     day or month of birth,
                                                               postcode
  bk_family_given_md     family sound + given sound + month    year of birth, postcode
                         and day of birth
  bk_postcode_given      postcode unit + given initial         date of birth, family name
  ====================  ====================================  =========================

  Between them the two name-and-partial-date keys also survive a house move *and* a
  slip in any one digit of the date of birth, a common pair of errors.

  "Sound" is the metaphone code (family: up to 10 characters; given: its first two, so
  that Catherine and Katherine, Stephen and Steven, share a key, and late typos in a
  given name do not matter).

  Gender is never blocked on: it is the field most often recorded differently.
* The query side adds the variants people actually produce: day and month swapped,
  given and family names swapped, the previous family name, each part of a
  double-barrelled name, and nickname/formal forms of the given name.
"""

from __future__ import annotations

import datetime as dt

from lrs.matching.demographics import Demographics, Prepared, prepare
from lrs.matching.normalise import phonetic

__all__ = [
    "GIVEN_SOUND",
    "KEY_COLUMNS",
    "KEY_MAX_LENGTHS",
    "query_keys",
    "stored_keys",
    "swapped_dob",
]

# Column name -> longest value it can hold (phonetic codes are capped at 10 characters,
# compact postcodes at 8 for "BFPO1234").
KEY_MAX_LENGTHS: dict[str, int] = {
    "bk_dob_given": 10,
    "bk_family_dob": 18,
    "bk_family_given_year": 16,
    "bk_family_given_md": 16,
    "bk_postcode_given": 9,
}
# Characters of the given name's metaphone code used in keys.
GIVEN_SOUND = 2
KEY_COLUMNS: tuple[str, ...] = tuple(KEY_MAX_LENGTHS)


def swapped_dob(dob: dt.date) -> dt.date | None:
    """The date with day and month exchanged, if that is a different valid date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dt.date(dob.year, dob.day, dob.month)


def _initial(name: str) -> str:
    return name[:1]


def _sound(name: str) -> str:
    return phonetic(name)[:GIVEN_SOUND]


def _postcode_key(p: Prepared) -> str:
    return p.postcode.replace(" ", "")


def stored_keys(d: Demographics | Prepared) -> dict[str, str | None]:
    """The blocking-key column values to store on a register record."""
    p = prepare(d)
    initial = _initial(p.given_first)
    sound = _sound(p.given_first)
    postcode = _postcode_key(p)
    year = p.dob_text[:4]
    return {
        "bk_dob_given": p.dob_text + sound if sound else None,
        "bk_family_dob": p.family_phon + p.dob_text if p.family_phon else None,
        "bk_family_given_year": (p.family_phon + sound + year if p.family_phon and sound else None),
        "bk_family_given_md": (
            p.family_phon + sound + p.dob_text[4:] if p.family_phon and sound else None
        ),
        "bk_postcode_given": postcode + initial if postcode and initial else None,
    }


def query_keys(d: Demographics | Prepared) -> dict[str, list[str]]:
    """For each key column, the values a find should look up (any match is a candidate)."""
    p = prepare(d)
    dobs = [p.dob_text]
    swapped = swapped_dob(p.dob)
    if swapped is not None:
        dobs.append(swapped.strftime("%Y%m%d"))
    year = p.dob_text[:4]

    # The given names the register might hold: ours, its nickname and formal forms, a
    # middle or preferred name. If the names were entered the wrong way round, the
    # stored given name is our family name, and the stored family name our given name.
    given_names = {p.given_first} | p.given_related | p.other_given
    given_names.discard("")
    swap_names = set(p.family_parts)
    given_sounds = {_sound(n) for n in given_names} - {""}
    swap_sounds_given = {_sound(n) for n in swap_names} - {""}
    given_initials = {_initial(n) for n in given_names}
    swap_initials = {_initial(n) for n in swap_names}

    family_sounds = {p.family_phon, p.previous_phon}
    if len(p.family_parts) > 1:
        family_sounds.update(phonetic(part) for part in p.family_parts)
    family_sounds.discard("")
    swap_family_sounds = {p.given_phon, phonetic(p.given_first)} - {""}

    all_sounds = given_sounds | swap_sounds_given
    name_pairs = {f + g for f in family_sounds for g in given_sounds}
    name_pairs.update(f + g for f in swap_family_sounds for g in swap_sounds_given)
    month_days = {dob[4:] for dob in dobs}
    postcode = _postcode_key(p)
    all_initials = (given_initials | swap_initials) - {""}
    return {
        "bk_dob_given": sorted(dob + g for dob in dobs for g in all_sounds),
        "bk_family_dob": sorted(
            f + dob for f in family_sounds | swap_family_sounds for dob in dobs
        ),
        "bk_family_given_year": sorted(pair + year for pair in name_pairs),
        "bk_family_given_md": sorted(pair + md for pair in name_pairs for md in month_days),
        "bk_postcode_given": sorted(postcode + i for i in all_initials) if postcode else [],
    }

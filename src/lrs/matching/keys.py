"""Blocking keys: the indexed columns that pull candidates back for a find.

A register record stores one value per key column (``stored_keys``); a find looks each
column up with several values (``query_keys``), so the database runs
``WHERE bk_a IN (...) OR bk_b IN (...) ...`` against ordinary indexes.

Design rules (measured in docs/matching.md, "Blocking keys"):

* Every key is tight, and stays tight as the register grows: at 10,000,000 learners a
  find fetches tens of candidates, not hundreds. A key's bucket grows with the register
  and with how common its names are, so keys carry as much of the date of birth as the
  errors they must survive allow, and common given names carry their whole sound.
* Keys overlap so that an error in any one of the five demographics leaves the person
  reachable through another key:

  ====================  ====================================  =========================
  column                 value                                survives an error in
  ====================  ====================================  =========================
  bk_dob_given           DOB + given sound                     family name, postcode
  bk_family_dob          family sound + DOB                    given name, postcode
  bk_family_given_year   family sound + given sound + year     day of birth, postcode
                         + month of birth
  bk_family_given_yd     family sound + given sound + year     month of birth, postcode
                         + day of birth
  bk_family_given_md     family sound + given sound + month    year of birth, postcode
                         and day of birth
  bk_postcode_given      postcode unit + given initial         date of birth, family name
  ====================  ====================================  =========================

  Between them the three name-and-partial-date keys also survive a house move *and* a
  slip in any one of the day, month or year of birth, a common pair of errors. (Before
  issue 18, one key held the year alone: at ten million learners a common pair of
  names shared it with hundreds of others.)

  "Sound" is the metaphone code (family: up to 10 characters). The given sound is its
  first two characters, so that Catherine and Katherine, Stephen and Steven, share a key
  and late typos in a given name do not matter, except for the common given sounds
  (``COMMON_GIVEN_SOUNDS``: the two-character sounds shared by more than 0.5% of
  learners, four in five of them): those carry the whole code after a ``+``, since an
  error in the given name is survived by the two keys without it.

  Gender is never blocked on: it is the field most often recorded differently.
* Whatever a key adds to the key it grew from comes after a ``+`` (``loose_key`` strips
  it), so a register whose rows still hold the keys of before (being re-keyed by
  ``lrs learners rekey``) is searched with the loose forms too, and still finds everyone.
* The query side adds the variants people actually produce: day and month swapped,
  given and family names swapped, the previous family name, each part of a
  double-barrelled name, and nickname/formal forms of the given name.
"""

from __future__ import annotations

import datetime as dt
import string
from functools import lru_cache

from lrs.matching.demographics import Demographics, Prepared, prepare
from lrs.matching.names import base_given_names, edits1
from lrs.matching.normalise import phonetic

__all__ = [
    "COMMON_GIVEN_SOUNDS",
    "GIVEN_SOUND",
    "KEY_COLUMNS",
    "KEY_MAX_LENGTHS",
    "household_keys",
    "loose_key",
    "query_keys",
    "stored_keys",
    "swapped_dob",
]

# Column name -> longest value it can hold (phonetic codes are capped at 10 characters,
# compact postcodes at 8 for "BFPO1234"; a "+" and the rest of a given sound, up to 8,
# and two digits of the date).
KEY_MAX_LENGTHS: dict[str, int] = {
    "bk_dob_given": 19,
    "bk_family_dob": 18,
    "bk_family_given_year": 27,
    "bk_family_given_md": 25,
    "bk_postcode_given": 9,
    "bk_family_given_yd": 27,
}
# Characters of the given name's metaphone code used in keys, unless it is common.
GIVEN_SOUND = 2
KEY_COLUMNS: tuple[str, ...] = tuple(KEY_MAX_LENGTHS)
# What a key adds to the looser key it grew from follows this character.
_TIGHTER = "+"

# The two-character given sounds shared by more than 0.5% of learners (68 of 291, four
# learners in five), measured with scripts/key_buckets.py on the synthetic register,
# whose given names follow the frequencies of births in England and Wales. Keys on these
# carry the whole sound. The shipped default, for an empty register as for a full one:
# a change here changes stored keys, so it needs a new FORM_VERSION and a re-key.
COMMON_GIVEN_SOUNDS: frozenset[str] = frozenset(
    """
    0 AB AF AL AM AN AR AT BN BR E0 EF EL EM ER FB FL FN FR HL HN HR IF IN IS JK JL JM JN
    JR JS JT JX K K0 KF KL KM KN KR KT L LK LL LN LR LS M MH MK ML MR MS MT MX N NK NM NR
    NT OL OS PL PP PT RB RL RN RR RS RX SF SL SM SN SR SS ST TB TF TL TM TN TR TS TT WL XL
    XN XR
    """.split()  # noqa: SIM905 (a table reads better as a block)
)


def loose_key(value: str) -> str:
    """The key ``value`` grew from (itself if it did not): what a row written before the
    key was tightened holds."""
    return value.split(_TIGHTER, 1)[0]


def swapped_dob(dob: dt.date) -> dt.date | None:
    """The date with day and month exchanged, if that is a different valid date."""
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dt.date(dob.year, dob.day, dob.month)


def _initial(name: str) -> str:
    return name[:1]


def _sound(name: str) -> tuple[str, str]:
    """The given sound a key holds, and what a key adds after it (for a common sound)."""
    code = phonetic(name)
    short = code[:GIVEN_SOUND]
    return short, code[GIVEN_SOUND:] if short in COMMON_GIVEN_SOUNDS else ""


# A given name shorter than this is not corrected: one edit from a three-letter string
# is half the short names there are.
_CORRECTED_MIN = 4
# More known names than this one edit away: the string is no clear typo of any of them.
_CORRECTED_MAX = 4


@lru_cache(maxsize=1 << 16)
def typo_corrections(name: str) -> frozenset[str]:
    """The known given names one edit from ``name``, when ``name`` is itself no known
    given name (a typing error: "Rtebecca", "Olivai").

    A typo in a given name changes its sound, and with it every key that holds the sound
    (for a common sound, the whole code after the ``+``); a find with a second error
    elsewhere (a move, a date slip, a family-name slip) then reaches its learner through
    no key. Looking the corrected names' sounds up as well costs a handful of index
    probes, and only for finds whose given name is nobody's name.
    """
    if len(name) < _CORRECTED_MIN:
        return frozenset()
    known = base_given_names()
    if name in known:
        return frozenset()
    found = frozenset(n for n in edits1(name) if n in known)
    return found if len(found) <= _CORRECTED_MAX else frozenset()


def _key(base: str, rest: str, extra: str = "") -> str:
    """``base`` with the rest of a common given sound and ``extra`` after the ``+``."""
    return f"{base}{_TIGHTER}{rest}{extra}" if rest or extra else base


def _postcode_key(p: Prepared) -> str:
    return p.postcode.replace(" ", "")


def stored_keys(d: Demographics | Prepared) -> dict[str, str | None]:
    """The blocking-key column values to store on a register record."""
    p = prepare(d)
    initial = _initial(p.given_first)
    sound, rest = _sound(p.given_first) if p.given_first else ("", "")
    postcode = _postcode_key(p)
    dob = p.dob_text
    year, month, day = dob[:4], dob[4:6], dob[6:]
    family = p.family_phon
    named = bool(family and sound)
    return {
        "bk_dob_given": _key(dob + sound, rest) if sound else None,
        "bk_family_dob": family + dob if family else None,
        "bk_family_given_year": _key(family + sound + year, rest, month) if named else None,
        "bk_family_given_md": _key(family + sound + month + day, rest) if named else None,
        "bk_postcode_given": postcode + initial if postcode and initial else None,
        "bk_family_given_yd": _key(family + sound + year, rest, day) if named else None,
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
    # A typo makes a string that is nobody's name: look up the names it is one slip from.
    given_names |= typo_corrections(p.given_first)
    swap_names = set(p.family_parts)
    given_sounds = {_sound(n) for n in given_names if n}
    swap_sounds_given = {_sound(n) for n in swap_names if n}
    given_initials = {_initial(n) for n in given_names}
    swap_initials = {_initial(n) for n in swap_names}

    family_sounds = {p.family_phon, p.previous_phon}
    if len(p.family_parts) > 1:
        family_sounds.update(phonetic(part) for part in p.family_parts)
    family_sounds.discard("")
    swap_family_sounds = {p.given_phon, phonetic(p.given_first)} - {""}

    all_sounds = given_sounds | swap_sounds_given
    # (family sound + given sound, the rest of a common given sound)
    name_pairs = {(f + g, rest) for f in family_sounds for g, rest in given_sounds}
    name_pairs.update((f + g, rest) for f in swap_family_sounds for g, rest in swap_sounds_given)
    postcode = _postcode_key(p)
    all_initials = (given_initials | swap_initials) - {""}
    return {
        "bk_dob_given": sorted({_key(dob + g, rest) for dob in dobs for g, rest in all_sounds}),
        "bk_family_dob": sorted(
            f + dob for f in family_sounds | swap_family_sounds for dob in dobs
        ),
        "bk_family_given_year": sorted(
            {_key(pair + year, rest, dob[4:6]) for pair, rest in name_pairs for dob in dobs}
        ),
        "bk_family_given_md": sorted(
            {_key(pair + dob[4:], rest) for pair, rest in name_pairs for dob in dobs}
        ),
        "bk_postcode_given": sorted(postcode + i for i in all_initials) if postcode else [],
        "bk_family_given_yd": sorted(
            {_key(pair + year, rest, dob[6:]) for pair, rest in name_pairs for dob in dobs}
        ),
    }


def household_keys(d: Demographics | Prepared) -> dict[str, list[str]]:
    """The second look of a find whose first found no one to offer: everyone registered
    at the query's postcode unit, whatever their given name's initial.

    A replaced given name (a preferred or another name) with one more slip elsewhere, in
    the date of birth or the family name, shares no key with the learner: the unit key
    holds the initial, the others the given sound or the exact date. Only the candidates
    this look finds whose date of birth still agrees and whose given or family name is not
    wholly another (``kept_by_second_look``) may join the answer, so the household's other
    members (siblings a few years apart, parents) and neighbours who happen to share a
    birthday are not offered. Empty without a usable postcode.
    """
    postcode = _postcode_key(prepare(d))
    if not postcode:
        return {}
    return {"bk_postcode_given": [postcode + letter for letter in string.ascii_uppercase]}

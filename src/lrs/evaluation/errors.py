"""An independent error model: labelled find queries for evaluation only.

The kinds and rates here are deliberately not those of ``lrs.synthetic.queries``: errors
are drawn field by field, so one query may carry two or three at once; typing errors
follow the keyboard, OCR errors confuse letter shapes, phonetic respellings follow
English spelling rules, replaced names are other people's names from the register,
moves go anywhere in the country, and dates may be wholly wrong. Nothing here is used to
calibrate the engine; use seeds that calibration never sees.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from faker import Faker

from lrs.matching.demographics import Demographics
from lrs.synthetic.people import SyntheticPerson

__all__ = ["ERROR_KINDS", "EvalQuery", "generate_independent_queries"]

# Error kind -> chance per query for a registered learner. Drawn independently, so about
# a third of queries carry two or more errors.
ERROR_KINDS: dict[str, float] = {
    "given_keyboard": 0.05,
    "given_ocr": 0.02,
    "given_phonetic": 0.04,
    "given_two_typos": 0.02,
    "given_truncated": 0.02,
    "given_replaced": 0.03,
    "family_keyboard": 0.05,
    "family_ocr": 0.02,
    "family_phonetic": 0.04,
    "family_truncated": 0.01,
    "family_replaced": 0.04,
    "dob_wrong": 0.03,
    "dob_digit": 0.03,
    "moved": 0.15,
}
# Gender is often not known to the finder.
GENDER_UNKNOWN_SHARE = 0.5

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _i, _ch in enumerate(_row):
        near = _row[max(0, _i - 1) : _i] + _row[_i + 1 : _i + 2]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < 3:
                near += _KEYBOARD_ROWS[_other][max(0, _i - 1) : _i + 1]
        _NEIGHBOURS[_ch] = near
# Shapes an OCR engine confuses (both directions are listed where both happen).
_OCR = (
    ("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("li", "h"), ("h", "li"),
    ("vv", "w"), ("w", "vv"), ("e", "c"), ("c", "e"), ("o", "c"), ("i", "l"), ("l", "i"),
    ("u", "v"), ("n", "h"), ("a", "o"),
)  # fmt: skip
# English respellings that keep the sound.
_PHONETIC = (
    ("ph", "f"), ("f", "ph"), ("ck", "k"), ("k", "ck"), ("ie", "y"), ("y", "ie"),
    ("ee", "ea"), ("ea", "ee"), ("c", "k"), ("s", "z"), ("z", "s"), ("ll", "l"), ("l", "ll"),
    ("nn", "n"), ("tt", "t"), ("ey", "y"), ("ai", "ay"), ("ou", "ow"), ("th", "t"),
    ("i", "y"), ("y", "i"), ("ch", "tch"), ("en", "an"), ("an", "en"), ("er", "a"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class EvalQuery:
    query: Demographics
    # The registered person the query is for, or None if they are not registered.
    true_id: int | None
    # "clean", "+"-joined error kinds, or one of the "absent_*" kinds.
    kind: str
    # The person the query describes (registered or not), to recognise twins.
    source_id: int
    # How much the query shares with its learner beyond a given name and the date of
    # birth (False: family name and postcode both replaced or moved).
    shares_more: bool = True


def _case(name: str) -> str:
    return name.lower().capitalize()


def keyboard_slip(name: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(name.lower()) if ch in _NEIGHBOURS]
    if not letters:
        return name
    i = rng.choice(letters)
    low = name.lower()
    action = rng.random()
    if action < 0.6:
        out = low[:i] + rng.choice(_NEIGHBOURS[low[i]]) + low[i + 1 :]
    elif action < 0.8:
        out = low[: i + 1] + rng.choice(_NEIGHBOURS[low[i]]) + low[i + 1 :]
    elif action < 0.9 and len(low) > 3:
        out = low[:i] + low[i + 1 :]
    else:
        out = low[:i] + low[i] + low[i:]
    return _case(out)


def ocr_slip(name: str, rng: random.Random) -> str:
    low = name.lower()
    options = [(a, b) for a, b in _OCR if a in low]
    if not options:
        return keyboard_slip(name, rng)
    a, b = rng.choice(options)
    starts = [m.start() for m in re.finditer(re.escape(a), low)]
    i = rng.choice(starts)
    return _case(low[:i] + b + low[i + len(a) :])


def phonetic_respelling(name: str, rng: random.Random) -> str:
    low = name.lower()
    options = [(a, b) for a, b in _PHONETIC if a in low[1:]]
    if not options:
        return keyboard_slip(name, rng)
    a, b = rng.choice(options)
    starts = [m.start() for m in re.finditer(re.escape(a), low) if m.start() > 0]
    if not starts:
        return keyboard_slip(name, rng)
    i = rng.choice(starts)
    return _case(low[:i] + b + low[i + len(a) :])


def truncate(name: str, rng: random.Random) -> str:
    if len(name) <= 4:
        return name[:-1] if len(name) > 2 else name
    return name[: rng.randint(3, max(3, len(name) - 2))]


def wrong_date(dob: dt.date, rng: random.Random) -> dt.date:
    """A wholly different date within a few years (a sibling's, a form filled wrongly)."""
    while True:
        other = dob + dt.timedelta(days=rng.randint(-2500, 2500))
        if abs((other - dob).days) > 40 and other.month != dob.month:
            return other


def digit_slip(dob: dt.date, rng: random.Random) -> dt.date:
    for _ in range(20):
        text = dob.strftime("%Y%m%d")
        i = rng.choice((2, 3, 5, 6, 7))
        candidate = text[:i] + str(rng.randrange(10)) + text[i + 1 :]
        try:
            other = dt.datetime.strptime(candidate, "%Y%m%d").date()
        except ValueError:
            continue
        if other != dob:
            return other
    return dob + dt.timedelta(days=1)


class _Maker:
    def __init__(self, population: Sequence[SyntheticPerson], seed: int) -> None:
        self.rng = random.Random(seed)
        registered = [p.demographics for p in population if p.registered]
        self.given_pool = [d.given_name for d in registered]
        self.family_pool = [d.family_name for d in registered]
        self.postcodes = [d.postcode for d in registered]
        self.kinds = list(ERROR_KINDS)

    def errors(self) -> list[str]:
        rng = self.rng
        chosen = [k for k in self.kinds if rng.random() < ERROR_KINDS[k]]
        # One corruption per field: keep the first drawn for each.
        fields: dict[str, str] = {}
        for kind in chosen:
            fields.setdefault(kind.split("_")[0] if kind != "moved" else "postcode", kind)
        return sorted(fields.values())

    def apply(self, d: Demographics, kinds: list[str]) -> Demographics:
        rng = self.rng
        given, family, dob, postcode = d.given_name, d.family_name, d.date_of_birth, d.postcode
        for kind in kinds:
            if kind == "given_keyboard":
                given = keyboard_slip(given, rng)
            elif kind == "given_ocr":
                given = ocr_slip(given, rng)
            elif kind == "given_phonetic":
                given = phonetic_respelling(given, rng)
            elif kind == "given_two_typos":
                given = keyboard_slip(ocr_slip(given, rng), rng)
            elif kind == "given_truncated":
                given = truncate(given, rng)
            elif kind == "given_replaced":
                given = rng.choice(self.given_pool)
            elif kind == "family_keyboard":
                family = keyboard_slip(family, rng)
            elif kind == "family_ocr":
                family = ocr_slip(family, rng)
            elif kind == "family_phonetic":
                family = phonetic_respelling(family, rng)
            elif kind == "family_truncated":
                family = truncate(family, rng)
            elif kind == "family_replaced":
                family = rng.choice(self.family_pool)
            elif kind == "dob_wrong":
                dob = wrong_date(dob, rng)
            elif kind == "dob_digit":
                dob = digit_slip(dob, rng)
            elif kind == "moved":
                postcode = rng.choice(self.postcodes)
        gender = "0" if rng.random() < GENDER_UNKNOWN_SHARE else d.gender
        if rng.random() < 0.3:
            given, family = given.upper(), family.upper()
        return Demographics(
            given_name=given or d.given_name,
            family_name=family or d.family_name,
            date_of_birth=dob,
            gender=gender,
            postcode=postcode,
        )


def _stranger(fake: Faker, rng: random.Random, maker: _Maker) -> Demographics:
    today = dt.date(2026, 1, 1)
    gender = rng.choice("12")
    given = fake.first_name_male() if gender == "1" else fake.first_name_female()
    age_days = rng.randint(14 * 365, 40 * 365)
    return Demographics(
        given_name=given,
        family_name=fake.last_name(),
        date_of_birth=today - dt.timedelta(days=age_days),
        gender=gender if rng.random() > GENDER_UNKNOWN_SHARE else "0",
        postcode=rng.choice(maker.postcodes),
    )


def twins_across_the_register(population: Sequence[SyntheticPerson]) -> set[int]:
    """The ids of the unregistered twins of registered learners (either twin may carry
    the ``twin_of`` link)."""
    by_id = {p.person_id: p for p in population}
    return {
        p.person_id
        for p in population
        if not p.registered and p.twin_of is not None and by_id[p.twin_of].registered
    } | {
        p.twin_of
        for p in population
        if p.registered and p.twin_of is not None and not by_id[p.twin_of].registered
    }


def generate_independent_queries(
    population: Sequence[SyntheticPerson],
    n: int,
    *,
    seed: int,
    absent_share: float = 0.25,
    twin_share: float = 0.25,
) -> list[EvalQuery]:
    """n labelled queries over a population, with this module's own error process.

    ``absent_share`` of the queries are for people not registered: unregistered twins of
    registered learners (with the same error process), unregistered relatives, strangers
    with their own names (Faker, several locales), and "given name and birthday"
    namesakes: a registered learner's given name and date of birth with another family
    name and postcode (the case that floods a register with possibles).

    ``twin_share`` of the people not registered are unregistered twins; the rest are
    relatives, strangers and namesakes 4 : 6 : 5 as before. The default 0.25 is a stress
    mix; life is nearer 0.01 (docs/matching.md, "Twins as a prior"). Only the mix is a
    parameter: the error kinds and their rates are fixed.
    """
    maker = _Maker(population, seed)
    rng = maker.rng
    fake = Faker(["en_GB", "en_IE", "en_US", "en_IN", "pl_PL", "fr_FR"])
    fake.seed_instance(seed)
    by_id = {p.person_id: p for p in population}
    registered = [p for p in population if p.registered]
    absent = [p for p in population if not p.registered]
    absent_twins = [p for p in absent if p.twin_of is not None and by_id[p.twin_of].registered]
    # Relatives are everyone else not registered: the twins come only through twin_share.
    twin_ids = twins_across_the_register(population)
    relatives = [p for p in absent if p.person_id not in twin_ids]
    relatives_end = twin_share + (1 - twin_share) * 4 / 15
    strangers_end = twin_share + (1 - twin_share) * 10 / 15
    queries: list[EvalQuery] = []
    for i in range(n):
        if rng.random() >= absent_share:
            person = rng.choice(registered)
            kinds = maker.errors()
            shares_more = not (
                any(k.startswith("family_replaced") for k in kinds) and "moved" in kinds
            )
            queries.append(
                EvalQuery(
                    maker.apply(person.demographics, kinds),
                    person.person_id,
                    "+".join(kinds) or "clean",
                    person.person_id,
                    shares_more,
                )
            )
            continue
        pick = rng.random()
        if pick < twin_share and absent_twins:
            twin = rng.choice(absent_twins)
            query = maker.apply(twin.demographics, maker.errors())
            queries.append(EvalQuery(query, None, "absent_twin", twin.person_id))
        elif pick < relatives_end and relatives:
            relative = rng.choice(relatives)
            query = maker.apply(relative.demographics, maker.errors())
            queries.append(EvalQuery(query, None, "absent_relative", relative.person_id))
        elif pick < strangers_end:
            queries.append(EvalQuery(_stranger(fake, rng, maker), None, "absent_stranger", -1 - i))
        else:
            other = rng.choice(registered).demographics
            stranger = _stranger(fake, rng, maker)
            query = replace(
                stranger, given_name=other.given_name, date_of_birth=other.date_of_birth
            )
            queries.append(EvalQuery(query, None, "absent_namesake_given_dob", -1 - i))
    return queries

"""Synthetic learners: reproducible, realistic enough to test matching at scale.

People are generated household by household, so family members share a family name and
a postcode, siblings have nearby birth years, and about 1.5% of children are twins (the
hardest case for matching: same family name, date of birth and postcode). Households
cluster into postcode units and sectors the way streets do.

A small share of the people generated are *not* registered (notably one of some twin
pairs): they exist so that labelled queries can look for people who are absent from
the register but closely resemble someone who is present.

Generation uses only ``random.Random(seed)`` and precomputed weighted pools, not a Faker
call per field, so a million learners stream in about ten seconds.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from lrs.matching.demographics import Demographics
from lrs.matching.normalise import fold
from lrs.synthetic.pools import WeightedPool, pools

__all__ = [
    "REFERENCE_DATE",
    "SyntheticPerson",
    "generate_learners",
    "generate_population",
    "iter_people",
]

# Ages are relative to a fixed date so that a seed always gives the same people.
REFERENCE_DATE = dt.date(2025, 9, 1)

# (lowest age, highest age, weight): learners are mostly young, a few are very old.
_AGE_BANDS = ((13, 18, 34.0), (19, 25, 30.0), (26, 35, 17.0), (36, 50, 11.0), (51, 110, 8.0))
_AGE_BAND_CUMULATIVE = []
_running = 0.0
for _band in _AGE_BANDS:
    _running += _band[2]
    _AGE_BAND_CUMULATIVE.append(_running)

# Postcode areas, weighted roughly by population (London and the big conurbations high).
_AREAS = [
    "B:8",
    "M:6",
    "L:4",
    "LS:4",
    "S:4",
    "BS:4",
    "NG:4",
    "LE:4",
    "CV:3",
    "E:5",
    "N:4",
    "SE:6",
    "SW:6",
    "W:3",
    "NW:4",
    "EC:1",
    "WC:1",
    "G:5",
    "EH:3",
    "CF:3",
    "NE:4",
    "SR:2",
    "DH:2",
    "TS:2",
    "BD:3",
    "HD:2",
    "HX:1",
    "WF:3",
    "HU:2",
    "DN:3",
    "LN:2",
    "PE:4",
    "CB:2",
    "NR:3",
    "IP:3",
    "CO:2",
    "CM:4",
    "SS:3",
    "RM:3",
    "IG:2",
    "EN:2",
    "AL:1",
    "SG:2",
    "LU:2",
    "MK:3",
    "OX:3",
    "RG:3",
    "SL:2",
    "HP:2",
    "GU:3",
    "KT:2",
    "CR:2",
    "BR:2",
    "DA:2",
    "ME:3",
    "CT:2",
    "TN:3",
    "BN:3",
    "RH:3",
    "PO:3",
    "SO:3",
    "BH:3",
    "SP:1",
    "SN:3",
    "BA:2",
    "GL:3",
    "HR:1",
    "WR:2",
    "DY:2",
    "WV:3",
    "WS:2",
    "ST:4",
    "TF:2",
    "SY:2",
    "CW:2",
    "CH:3",
    "WA:3",
    "WN:2",
    "BL:2",
    "OL:2",
    "SK:3",
    "PR:3",
    "BB:2",
    "FY:1",
    "LA:2",
    "CA:2",
    "DL:2",
    "YO:3",
    "HG:1",
    "EX:3",
    "PL:2",
    "TQ:2",
    "TR:1",
    "TA:2",
    "DT:1",
    "NP:2",
    "SA:3",
    "LD:1",
    "LL:2",
    "AB:2",
    "DD:2",
    "PH:1",
    "KY:2",
    "FK:2",
    "PA:2",
    "KA:2",
    "ML:2",
    "DG:1",
    "TD:1",
    "IV:1",
    "BT:4",
]
_AREA_POOL = WeightedPool(
    [a.split(":")[0] for a in _AREAS], [float(a.split(":")[1]) for a in _AREAS]
)
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.co.uk")


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    person_id: int
    demographics: Demographics
    household: int
    registered: bool
    twin_of: int | None = None
    # A later family name (after marriage) that the register does not know about.
    family_name_now: str | None = None


class _Geography:
    """Hands out postcodes so that several households share a unit, and units a sector."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.sector = ""
        self.unit = ""
        self.remaining = 0

    def _new_sector(self) -> str:
        rng = self.rng
        area = _AREA_POOL.draw(rng)
        district = rng.randint(1, 9 if len(area) == 1 else 30)
        return f"{area}{district} {rng.randint(0, 9)}"

    def next_postcode(self) -> str:
        rng = self.rng
        if self.remaining <= 0:
            if not self.sector or rng.random() < 0.25:
                self.sector = self._new_sector()
            self.unit = self.sector + rng.choice(_UNIT_LETTERS) + rng.choice(_UNIT_LETTERS)
            # Households with learners per postcode unit: mostly a few, sometimes many
            # (blocks of flats, halls of residence).
            self.remaining = 1 + int(rng.expovariate(1 / 2.5))
        self.remaining -= 1
        return self.unit


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = pools()
        self.geo = _Geography(self.rng)
        self.next_id = 0
        self.household = 0

    # -- single fields -------------------------------------------------------------

    def age(self) -> int:
        rng = self.rng
        pick = rng.random() * _AGE_BAND_CUMULATIVE[-1]
        for (low, high, _weight), cumulative in zip(_AGE_BANDS, _AGE_BAND_CUMULATIVE, strict=True):
            if pick < cumulative:
                if high > 80:
                    # The oldest band thins out quickly with age.
                    return min(high, low + int(rng.expovariate(1 / 12)))
                return rng.randint(low, high)
        return 18

    def dob_for_age(self, age: int) -> dt.date:
        latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
        return latest - dt.timedelta(days=self.rng.randrange(365))

    def gender(self) -> str:
        r = self.rng.random()
        if r < 0.49:
            return "1"
        if r < 0.98:
            return "2"
        return "0" if r < 0.99 else "9"

    def given(self, gender: str, avoid: set[str] | None = None) -> str:
        rng = self.rng
        pool = self.pools.given_male if gender == "1" else self.pools.given_female
        if gender not in ("1", "2"):
            pool = self.pools.given_male if rng.random() < 0.5 else self.pools.given_female
        for _ in range(20):
            name = pool.draw(rng)
            if not avoid or name not in avoid:
                return name
        return name

    def family(self) -> str:
        rng = self.rng
        name = self.pools.family.draw(rng)
        if rng.random() < 0.02:
            # Double-barrelled names are rare but real and must split into parts.
            second = self.pools.family.draw(rng)
            if len(name) + len(second) < 35:
                name = f"{name}-{second}"
        return name

    # -- people --------------------------------------------------------------------

    def person(
        self,
        *,
        family: str,
        postcode: str,
        dob: dt.date,
        gender: str,
        avoid: set[str],
        school: str | None,
        registered: bool,
        twin_of: int | None = None,
    ) -> SyntheticPerson:
        rng = self.rng
        given = self.given(gender, avoid)
        avoid.add(given)
        middle = self.given(gender, avoid | {given}) if rng.random() < 0.35 else None
        age = REFERENCE_DATE.year - dob.year
        previous = None
        family_now = None
        if gender == "2" and age >= 24 and rng.random() < 0.3:
            # A change of family name: some registers record it with the previous name,
            # others still hold the old name while the person now uses the new one.
            new_family = self.family()
            if rng.random() < 0.6:
                previous, family = family, new_family
            else:
                family_now = new_family
        place = self.pools.towns.draw(rng) if rng.random() < 0.3 else None
        email = None
        if rng.random() < 0.4:
            local = f"{fold(given)}.{fold(family)}".lower().replace(" ", "")
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(_EMAIL_DOMAINS)}"
        demographics = Demographics(
            given_name=given,
            family_name=family,
            date_of_birth=dob,
            gender=gender,
            postcode=postcode,
            previous_family_name=previous,
            middle_names=middle,
            school_at_16=school if age >= 17 else None,
            place_of_birth=place,
            email=email,
        )
        person = SyntheticPerson(
            person_id=self.next_id,
            demographics=demographics,
            household=self.household,
            registered=registered,
            twin_of=twin_of,
            family_name_now=family_now,
        )
        self.next_id += 1
        return person

    def households(self) -> Iterator[list[SyntheticPerson]]:
        rng = self.rng
        while True:
            self.household += 1
            postcode = self.geo.next_postcode()
            family = self.family()
            school = self.pools.schools.draw(rng) if rng.random() < 0.35 else None
            members: list[SyntheticPerson] = []
            avoid: set[str] = set()
            if rng.random() < 0.3:
                age = max(19, self.age())
                members.append(
                    self.person(
                        family=family,
                        postcode=postcode,
                        dob=self.dob_for_age(age),
                        gender=self.gender(),
                        avoid=avoid,
                        school=school,
                        registered=rng.random() > 0.03,
                    )
                )
                yield members
                continue
            children = rng.choices((1, 2, 3, 4), weights=(35, 40, 18, 7))[0]
            age = self.age()
            eldest = age
            for index in range(children):
                if index:
                    age -= rng.randint(1, 5)
                if age < 13:
                    break
                dob = self.dob_for_age(age)
                registered = rng.random() > 0.04
                member = self.person(
                    family=family,
                    postcode=postcode,
                    dob=dob,
                    gender=self.gender(),
                    avoid=avoid,
                    school=school if rng.random() < 0.8 else None,
                    registered=registered,
                )
                members.append(member)
                if rng.random() < 0.03:
                    # Twins: same family name, birthday and address, different given
                    # names; often only one of the pair is registered.
                    members.append(
                        self.person(
                            family=family,
                            postcode=postcode,
                            dob=dob,
                            gender=self.gender(),
                            avoid=avoid,
                            school=member.demographics.school_at_16,
                            registered=registered and rng.random() > 0.3,
                            twin_of=member.person_id,
                        )
                    )
            if rng.random() < 0.15 and eldest + 40 <= 110:
                parent_age = eldest + rng.randint(20, 40)
                members.append(
                    self.person(
                        family=family,
                        postcode=postcode,
                        dob=self.dob_for_age(parent_age),
                        gender=self.gender(),
                        avoid=avoid,
                        school=None,
                        registered=rng.random() > 0.05,
                    )
                )
            if members:
                yield members


def iter_people(seed: int = 1) -> Iterator[SyntheticPerson]:
    """An endless, reproducible stream of people, registered or not."""
    for household in _Generator(seed).households():
        yield from household


def generate_population(n_registered: int, seed: int = 1) -> list[SyntheticPerson]:
    """Everyone generated up to and including the n-th registered person."""
    people: list[SyntheticPerson] = []
    registered = 0
    for person in iter_people(seed):
        people.append(person)
        registered += person.registered
        if registered >= n_registered:
            break
    return people


def generate_learners(n: int, seed: int = 1) -> Iterator[SyntheticPerson]:
    """Stream exactly n registered learners (for loading a register of any size)."""
    count = 0
    for person in iter_people(seed):
        if person.registered:
            yield person
            count += 1
            if count >= n:
                return

"""Labelled find queries with the errors real providers make.

Each query is derived from a synthetic person and labelled with that person's id when
they are registered, or None when they are not. The mix of error kinds is a judgement
of what reaches a national register from school and college systems; the proportions
are in ``QUERY_KINDS``.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from lrs.matching.demographics import Demographics
from lrs.matching.keys import swapped_dob
from lrs.matching.normalise import _nicknamer, fold, name_compact, phonetic
from lrs.synthetic.people import REFERENCE_DATE, SyntheticPerson, iter_people
from lrs.synthetic.pools import pools

__all__ = ["QUERY_KINDS", "LabelledQuery", "generate_queries", "typo"]

# Kind of query -> share of queries for registered people.
QUERY_KINDS: dict[str, float] = {
    "clean": 0.26,
    "formatting": 0.05,
    "typo_given": 0.08,
    "typo_family": 0.08,
    "spelling_variant": 0.04,
    "nickname": 0.06,
    "names_swapped": 0.04,
    "family_name_changed": 0.06,
    "dob_day_month_swapped": 0.05,
    "dob_typo": 0.05,
    "moved": 0.12,
    "moved_and_typo": 0.04,
    "moved_and_name_changed": 0.03,
    "moved_and_dob_typo": 0.02,
    "gender_different": 0.03,
    "middle_name_as_given": 0.02,
    "twin_registered": 0.03,
    "minimal": 0.03,
}


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    query: Demographics
    # The registered person the query is for, or None if they are not registered.
    true_id: int | None
    kind: str
    # The person the query was derived from (registered or not), to recognise twins.
    source_id: int


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(name: str, rng: random.Random) -> str:
    """One keying slip: a letter inserted, dropped, replaced, or two swapped."""
    if len(name) < 2:
        return name + rng.choice(_LETTERS)
    # Slips are rarer on the first letter, which people check.
    position = rng.randrange(len(name)) if rng.random() < 0.15 else rng.randrange(1, len(name))
    kind = rng.randrange(4)
    letter = rng.choice(_LETTERS)
    if name[position].isupper():
        letter = letter.upper()
    if kind == 0:
        result = name[:position] + letter + name[position:]
    elif kind == 1 and len(name) > 3:
        result = name[:position] + name[position + 1 :]
    elif kind == 2 and position + 1 < len(name):
        result = name[:position] + name[position + 1] + name[position] + name[position + 2 :]
    else:
        result = name[:position] + letter + name[position + 1 :]
    return result if result != name else name + letter.lower()


def _reformat(name: str, rng: random.Random) -> str:
    """What MIS exports and keyboards do to a name without changing it."""
    choice = rng.randrange(4)
    if choice == 0:
        return name.upper()
    if choice == 1:
        return f"  {name.lower()} "
    if choice == 2:
        return name.replace("-", " ").replace("'", "")
    stripped = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in stripped if not unicodedata.combining(ch))


def _dob_typo(dob: dt.date, rng: random.Random) -> dt.date:
    text = dob.strftime("%Y%m%d")
    for _ in range(50):
        position = rng.choice((2, 3, 3, 4, 5, 6, 7, 7))
        candidate = text[:position] + str(rng.randrange(10)) + text[position + 1 :]
        if candidate == text:
            continue
        try:
            result = dt.datetime.strptime(candidate, "%Y%m%d").date()
        except ValueError:
            continue
        # A date that makes the learner unborn or over 110 would be refused at entry.
        if REFERENCE_DATE.year - 110 <= result.year <= REFERENCE_DATE.year - 5:
            return result
    return dob + dt.timedelta(days=1)


def _nickname(given: str, rng: random.Random) -> str | None:
    nn = _nicknamer()
    options = sorted(nn.nicknames_of(given) | nn.canonicals_of(given))
    # The table includes some far-fetched forms; keep ones a person might really use.
    options = [o for o in options if len(o) >= 3 and o[0] == given[0].lower()] or options
    if not options:
        return None
    return rng.choice(options).capitalize()


class _QueryMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = pools()
        self.kinds = list(QUERY_KINDS)
        self.kind_weights = list(QUERY_KINDS.values())

    def new_postcode(self, old: str) -> str:
        rng = self.rng
        unit = rng.choice("ABDEFGHJ") + rng.choice("LNPQRSTUWXYZ")
        if rng.random() < 0.2:
            # Moving round the corner keeps the sector.
            return old[:-2] + unit
        if rng.random() < 0.4:
            # Moving locally keeps the district.
            return f"{old.split(' ')[0]} {rng.randrange(10)}{unit}"
        area = rng.choice(("B", "M", "LS", "CV", "SE", "NW", "G", "EH", "CF", "BS"))
        return f"{area}{rng.randint(1, 9)} {rng.randrange(10)}{unit}"

    def sound_alike(self, name: str) -> str:
        """Another spelling with the same sound (Steven for Stephen), else a typo."""
        compact = name_compact(name)
        options = [
            other
            for other in self.pools.sound_alikes.get(phonetic(compact), ())
            if name_compact(other) != compact
        ]
        return self.rng.choice(options) if options else typo(name, self.rng)

    def strip_optional(self, d: Demographics) -> Demographics:
        """Finds usually carry only the mandatory fields; sometimes a few optional ones."""
        rng = self.rng
        return replace(
            d,
            middle_names=None,
            preferred_given_name=None,
            previous_family_name=d.previous_family_name if rng.random() < 0.3 else None,
            school_at_16=d.school_at_16 if rng.random() < 0.2 else None,
            place_of_birth=d.place_of_birth if rng.random() < 0.2 else None,
            email=d.email if rng.random() < 0.2 else None,
        )

    def registered_query(
        self, person: SyntheticPerson, twins: Sequence[SyntheticPerson]
    ) -> LabelledQuery:
        rng = self.rng
        kind = rng.choices(self.kinds, weights=self.kind_weights)[0]
        if kind == "twin_registered" and twins:
            person = rng.choice(twins)
        d = person.demographics
        q = self.strip_optional(d)
        if kind == "formatting":
            q = replace(
                q,
                given_name=_reformat(q.given_name, rng),
                family_name=_reformat(q.family_name, rng),
                postcode=q.postcode.replace(" ", "").lower(),
            )
        elif kind == "typo_given":
            q = replace(q, given_name=typo(q.given_name, rng))
        elif kind == "typo_family":
            q = replace(q, family_name=typo(q.family_name, rng))
        elif kind == "spelling_variant":
            if rng.random() < 0.5:
                q = replace(q, given_name=self.sound_alike(q.given_name))
            else:
                q = replace(q, family_name=self.sound_alike(q.family_name))
        elif kind == "nickname":
            nickname = _nickname(fold(d.given_name).split(" ")[0].lower(), rng)
            if nickname:
                q = replace(q, given_name=nickname)
            else:
                kind = "clean"
        elif kind == "names_swapped":
            q = replace(q, given_name=d.family_name, family_name=d.given_name)
        elif kind == "family_name_changed":
            if d.previous_family_name and rng.random() < 0.5:
                # The register has the new name; the provider still has the old one.
                q = replace(q, family_name=d.previous_family_name, previous_family_name=None)
            else:
                # The register has the old name; the provider knows only the new one,
                # sometimes with the old one as the previous family name.
                new_family = person.family_name_now or self.pools.family.draw(rng)
                q = replace(
                    q,
                    family_name=new_family,
                    previous_family_name=d.family_name if rng.random() < 0.5 else None,
                )
        elif kind == "dob_day_month_swapped":
            swapped = swapped_dob(d.date_of_birth)
            if swapped:
                q = replace(q, date_of_birth=swapped)
            else:
                kind = "clean"
        elif kind == "dob_typo":
            q = replace(q, date_of_birth=_dob_typo(d.date_of_birth, rng))
        elif kind == "moved":
            q = replace(q, postcode=self.new_postcode(d.postcode))
        elif kind == "moved_and_typo":
            q = replace(q, postcode=self.new_postcode(d.postcode))
            if rng.random() < 0.5:
                q = replace(q, given_name=typo(q.given_name, rng))
            else:
                q = replace(q, family_name=typo(q.family_name, rng))
        elif kind == "moved_and_name_changed":
            q = replace(
                q,
                postcode=self.new_postcode(d.postcode),
                family_name=person.family_name_now or self.pools.family.draw(rng),
                previous_family_name=d.family_name if rng.random() < 0.5 else None,
            )
        elif kind == "moved_and_dob_typo":
            q = replace(
                q,
                postcode=self.new_postcode(d.postcode),
                date_of_birth=_dob_typo(d.date_of_birth, rng),
            )
        elif kind == "gender_different":
            q = replace(q, gender=rng.choice([g for g in "0129" if g != d.gender]))
        elif kind == "middle_name_as_given":
            if d.middle_names:
                q = replace(q, given_name=d.middle_names)
            else:
                kind = "clean"
        elif kind == "minimal":
            q = replace(
                q, previous_family_name=None, school_at_16=None, place_of_birth=None, email=None
            )
        return LabelledQuery(q, person.person_id, kind, person.person_id)


def generate_queries(
    population: Sequence[SyntheticPerson],
    n: int,
    *,
    seed: int = 7,
    absent_share: float = 0.2,
    twin_share: float = 0.3,
) -> list[LabelledQuery]:
    """n labelled queries over a population from ``generate_population``.

    ``absent_share`` of the queries are for people who are not registered: unregistered
    twins and siblings of registered people (the dangerous look-alikes) and strangers.
    ``twin_share`` of those are unregistered twins of registered learners; the rest are
    relatives and strangers, 3 to 4 as before. The default 0.3 is a stress mix; life is
    nearer 0.01 (docs/matching.md, "Twins as a prior").
    """
    maker = _QueryMaker(seed)
    rng = maker.rng
    registered = [p for p in population if p.registered]
    absent = [p for p in population if not p.registered]
    by_id = {p.person_id: p for p in population}
    twins = [p for p in registered if p.twin_of is not None and by_id[p.twin_of].registered]
    absent_twins = [
        p
        for p in population
        if p.twin_of is not None and p.registered != by_id[p.twin_of].registered
    ]
    absent_twins = [p if not p.registered else by_id[p.twin_of or 0] for p in absent_twins]
    # Relatives are everyone else not registered: the twins come only through twin_share.
    twin_ids = {p.person_id for p in absent_twins}
    relatives = [p for p in absent if p.person_id not in twin_ids]
    strangers = iter_people(seed + 1_000_003)
    relatives_end = twin_share + (1 - twin_share) * 3 / 7
    queries: list[LabelledQuery] = []
    for _ in range(n):
        if rng.random() >= absent_share:
            queries.append(maker.registered_query(rng.choice(registered), twins))
            continue
        pick = rng.random()
        if pick < twin_share and absent_twins:
            person, kind = rng.choice(absent_twins), "absent_twin"
        elif pick < relatives_end and relatives:
            person, kind = rng.choice(relatives), "absent_relative"
        else:
            person, kind = next(strangers), "absent_stranger"
        # Strangers come from another stream whose ids would collide with the population's.
        source = person.person_id if kind != "absent_stranger" else -1 - len(queries)
        queries.append(LabelledQuery(maker.strip_optional(person.demographics), None, kind, source))
    return queries

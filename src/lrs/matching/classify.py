"""Turn scored candidates into the answer of a find: exact, possible, too many or none.

Safety over convenience: a wrong exact match attaches a learner's achievements to a
stranger, while a "possible" only costs a person a look. So an exact match needs, on
top of a score (the posterior probability, given the register's size) of 1 - 2**-10:

* strong agreement on the three identifying fields:

  - given name exact after normalisation, or one typing error that makes a string which
    is nobody's given name and is one edit from the candidate's name alone ("Jonh" is
    a typo; "Aiden" for Aidan, "Jon" for John could be a twin), or two that make such
    a string two edits from the candidate's name alone, or a slip into a real name too
    rare in the register to be a twin's. Never a nickname, a shared first part or a
    merely similar spelling: twins are given related names (Jack and John, Amelia and
    Emilia);
  - family name exact, previous family name, one part of a double-barrelled name, same
    sound, or one typing error; or another family name when given name, date of birth
    and postcode unit are exact and the given name is too rare for a stranger to share
    all three (``Thresholds.rare_namesake_share``);
  - date of birth exact or with day and month swapped, or one digit slip when it cannot
    be a parent or child of the same name (see ``_is_lone_date_slip``);

  when the names only agree crosswise (given and family swapped), both must be exact;
* gender not contradicting;
* when the given name is a typo, no other record with the query's family name and date
  of birth (a registered twin or sibling);
* no second candidate that also qualifies, and the runner-up at least ``margin`` weight
  behind.

Every possible answer names the rule that kept it from exact (``held_back_by``): one of
these safety rules when the best candidate scored above the exact threshold, otherwise
``evidence_too_weak`` (or ``given_name_and_birthday_only``, below); candidates behind the
best are ``better_candidate``.

A possible match needs a weight of at least ``possible_weight`` bits, a score of at
least ``min_possible_posterior`` (so the weight needed grows with the register), and
evidence beyond a shared given name and date of birth: a family name that agrees as
itself, the previous name, a part, a sound, a typing error or a similar spelling, a
postcode in the same district, or an agreeing optional field. A candidate without such
evidence ("thin") is a possible match only when its score still says so: agreement that
close would arise by chance from one of the register's learners in under 1% of finds for
people not registered (``thin_evidence_rate``). The rule is named:
``given_name_and_birthday_only`` when such a candidate is kept,
``shares_only_given_name_and_birthday`` on a no-match answer whose candidates it dropped.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from lrs.matching import compare as cmp
from lrs.matching.demographics import Demographics, Prepared
from lrs.matching.names import edits1
from lrs.matching.score import (
    FrequencyTable,
    MatchResult,
    Scorer,
    default_scorer,
    default_weights,
)

__all__ = [
    "HELD_BACK_REASONS",
    "MAX_POSSIBLE",
    "Classification",
    "Outcome",
    "Thresholds",
    "classify",
    "classify_second_look",
    "default_thresholds",
    "exact_block",
    "has_evidence_beyond_given_and_dob",
    "is_exact_candidate",
    "kept_by_second_look",
    "match",
]

# The real service returns at most ten possible matches; more is "too many".
MAX_POSSIBLE = 10


class Outcome(enum.Enum):
    EXACT = "exact"
    POSSIBLE = "possible"
    TOO_MANY = "too_many"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Thresholds:
    # Minimum score of an exact match (a posterior probability: the score depends on the
    # register's size), and of a possible match at the shipped offset.
    exact: float
    possible: float
    # Bits of weight by which an exact match must lead the runner-up.
    margin: float
    # Possibles more than this many bits behind the best candidate are dropped: a
    # candidate 2**spread times less likely than another is no real alternative, and
    # keeping it would turn clear answers into "too many".
    spread: float = 12.0
    # The risk an exact answer may carry, as wrong exact matches per find: the target the
    # rare-name slip below is worked out from (one in a million finds).
    wrong_exact_rate: float = 1e-6
    # The stated prior on twins (docs/matching.md, "Twins as a prior"): the chance that a
    # find is for the unregistered twin of a registered learner. About 3% of children are
    # twins (twin maternities are 1.5% of maternities), a school or college registers
    # both in all but about one pair in twenty, and a find is for the pair's unregistered
    # twin half the time: 0.03 * 0.05 * 0.5 = 0.015 * 0.05.
    unregistered_twin_prior: float = 0.015 * 0.05
    # How much likelier than chance twins are to be given names one letter apart, and
    # how many such names a slip could have come from: both stated generously.
    twin_similar_name_factor: float = 10.0
    slip_neighbours: int = 3
    # A candidate sharing little beyond a given name and a birthday (see
    # has_evidence_beyond_given_and_dob) is offered only when so close an agreement would
    # arise by chance, from any of the register's N learners, in fewer than
    # ``thin_evidence_rate`` of finds for someone not registered: weight >= log2(N / rate),
    # that is a score (the posterior given N and the names' frequencies) of at least
    # 1 / (1 + rate). A common given name on a shared birthday never gets there; a rare
    # one with another family name and a postcode in the same area can.
    thin_evidence_rate: float = 0.01

    # Any possible must be at least this likely the person (its score: the posterior
    # given the register's size): a person reviewing possibles should find the learner
    # at least once in 17 reviews. A weight of 12 bits is a fair candidate among 10,000
    # learners but one of hundreds of look-alikes among ten million; with the floor the
    # weight a possible needs grows with log2 of the register's size (log2(N) - 4, above
    # possible_weight from 65,536 learners), so chance candidates do not grow with
    # it. Chosen from the measured trade in docs/matching.md ("Evidence for a possible").
    min_possible_posterior: float = 1 / 17
    # A replaced family name with given name, date of birth and postcode unit all exact
    # (a marriage the register does not know, a step-family's name) is exact only when a
    # stranger sharing all three is rarer than wrong_exact_rate (docs/matching.md, "A
    # replaced family name"). Stated generously: a fifth of finds are for people not
    # registered; a postcode unit holds about 40 people (UK: ~1.7M units, ~67M people),
    # all of whom we count as registered; two of them share a birthday as often as if
    # everyone were born within the same ten years.
    absent_find_share: float = 0.2
    unit_people: float = 40.0
    same_birthday_share: float = 1 / (365 * 10)

    @property
    def thin_evidence_posterior(self) -> float:
        return 1 / (1 + self.thin_evidence_rate)

    @property
    def rare_name_share(self) -> float:
        """How rare a real given name must be for a one-letter slip into it to be exact.

        A registered learner's unregistered twin given such a name would be found as the
        learner: that happens in unregistered_twin_prior * twin_similar_name_factor *
        slip_neighbours * share of finds, which this share keeps at wrong_exact_rate.
        """
        return self.wrong_exact_rate / (
            self.unregistered_twin_prior * self.twin_similar_name_factor * self.slip_neighbours
        )

    @property
    def rare_namesake_share(self) -> float:
        """How rare a given name must be for a replaced family name to be exact.

        A find for someone not registered meets a registered learner with the same given
        name and birthday in the same postcode unit in absent_find_share * unit_people *
        same_birthday_share * share of finds; this share keeps that at wrong_exact_rate.
        """
        return self.wrong_exact_rate / (
            self.absent_find_share * self.unit_people * self.same_birthday_share
        )

    @property
    def possible_weight(self) -> float:
        """The weight a possible match needs, whatever the register's size.

        Kept in bits rather than as a score: a smaller register makes every score
        higher, and that must not turn thin evidence into possibles.
        """
        return default_weights().offset - math.log2(1 / self.possible - 1)


@cache
def default_thresholds() -> Thresholds:
    t = default_weights().meta["thresholds"]
    return Thresholds(
        exact=t["exact"], possible=t["possible"], margin=t["margin"], spread=t["spread"]
    )


_STRONG_FAMILY = frozenset({cmp.N_EXACT, cmp.N_PREVIOUS, cmp.N_PART, cmp.N_PHONETIC, cmp.N_TYPO})
_STRONG_DOB = frozenset({cmp.D_EXACT, cmp.D_SWAPPED})
_SAME_SECTOR = frozenset({cmp.P_UNIT, cmp.P_SECTOR})
# Family-name levels where the two spellings differ though the names agree.
_SPELT_OTHERWISE = frozenset({cmp.N_TYPO, cmp.N_PHONETIC})
# Family-name levels that relate the two names (an initial or another name do not). A
# similar spelling (an OCR slip, a truncation, a respelling the sound key misses) does:
# its weight already counts against it, and the posterior floor keeps out the strangers
# whose names are that close by chance: measured, it finds more learners and offers
# next to no one more (docs/matching.md, "A similar family name as evidence").
_RELATED_FAMILY = _STRONG_FAMILY | {cmp.N_SIMILAR}
_NEAR_POSTCODE = frozenset({cmp.P_UNIT, cmp.P_SECTOR, cmp.P_DISTRICT})

# Why a candidate that scored above the exact threshold was kept a possible match: the
# codes the API returns as ``held_back_by`` and the words shown beside them.
HELD_BACK_REASONS: dict[str, str] = {
    "given_name_differs": (
        "The given names differ (a nickname, another spelling or another name): "
        "this could be a twin or sibling."
    ),
    "given_name_is_another_name": (
        "The given names differ by one letter, but the name searched for is itself a "
        "given name (or one letter from another): this could be a twin or sibling."
    ),
    "sibling_in_register": (
        "The register also holds someone with the same family name and date of birth "
        "but another given name: a twin or sibling."
    ),
    "family_name_differs": (
        "The family names differ and the postcode does not confirm the person."
    ),
    "family_name_is_another_name": (
        "The family names are spelt differently, the name searched for is itself a "
        "family name, and the postcode does not confirm the person: this could be "
        "someone else who shares the given name and date of birth."
    ),
    "date_of_birth_differs": "The dates of birth differ.",
    "gender_differs": "The genders differ.",
    "names_swapped": "The given and family names are swapped and do not both agree exactly.",
    "runner_up_close": "Another learner scores almost as well.",
    "evidence_too_weak": (
        "The details agree, but not closely enough to single out one learner in a "
        "register of this size."
    ),
    "better_candidate": "Another learner found matches the details better.",
    "given_name_and_birthday_only": (
        "Only the given name and date of birth agree (the family name and postcode do "
        "not), but the given name is rare enough in this register that this could be "
        "the learner."
    ),
    "shares_only_given_name_and_birthday": (
        "Learners who share only a given name and a date of birth are not offered: "
        "in a register of this size that is true of many people."
    ),
}


def _is_rare_name_slip(result: MatchResult, thresholds: Thresholds) -> bool:
    # The query's given name is a real name one letter from the candidate's, but so rare
    # in a register this large (and so is every other real name one letter from it) that
    # a slip explains it far better than a twin of that name: see Thresholds.rare_name_share.
    table = result._scorer.frequencies
    if table is None or not table.size:
        return False
    query, candidate = result.query.given, result.candidate.given
    if len(query) < 4:
        return False
    limit = thresholds.rare_name_share * table.size
    names = table.given_names
    if _register_count(table, query) + 1 > limit:
        return False
    return all(
        other == candidate or _register_count(table, other) + 1 <= limit
        for other in edits1(query)
        if other in names
    )


def _register_count(table: FrequencyTable, compact: str) -> float:
    return table.given.get(compact, 0.0) * table.size


def exact_block(result: MatchResult, thresholds: Thresholds | None = None) -> str:
    """Which field rule keeps this candidate from an exact match ("" when none does)."""
    given, family, dob, postcode, gender = result.levels[:5]
    if result.swapped:
        if given != cmp.N_EXACT or family != cmp.N_EXACT:
            return "names_swapped"
    elif given == cmp.N_TYPO:
        # A typing error that makes a string which is nobody's name ("Jonh") is a typo;
        # one that makes another real name ("Aidan"/"Aiden") could be a twin.
        frequencies = result._scorer.frequencies
        if frequencies is None:
            return "given_name_differs"
        if not frequencies.given_names.is_unambiguous_typo(
            result.query.given, result.candidate.given
        ) and not _is_rare_name_slip(result, thresholds or default_thresholds()):
            return "given_name_is_another_name"
    elif given != cmp.N_EXACT:
        # Two typing errors that make a string which is nobody's given name, two slips
        # from the candidate's and from no other known name ("Grmma" for Gemma): the
        # same reading as one slip, a little further out.
        frequencies = result._scorer.frequencies
        if frequencies is None or not frequencies.given_names.is_unambiguous_two_slips(
            result.query.given, result.candidate.given
        ):
            return "given_name_differs"
    if family not in _STRONG_FAMILY and not _is_rare_namesake(
        result, thresholds or default_thresholds()
    ):
        # Not with a common given name, even with date of birth and postcode exact: the
        # independent evaluation found strangers sharing all three in a local register.
        return "family_name_differs"
    if family in _SPELT_OTHERWISE and postcode not in _SAME_SECTOR and _is_another_family(result):
        # "Tailor" for Taylor is one letter, and the same sound, but both are family names:
        # with the postcode not confirming the person, a stranger who shares the given
        # name and birthday (common among millions) is as good a reading as a slip. Found
        # at ten million learners: docs/matching.md, "Another family name of one spelling".
        return "family_name_is_another_name"
    if dob not in _STRONG_DOB and not _is_lone_date_slip(result, given, family):
        return "date_of_birth_differs"
    if gender == cmp.G_DIFF and not (
        _names_exact(given, family) and dob in _STRONG_DOB and not result.swapped
    ):
        # A gender recorded the other way is a slip of the form when it is the only
        # difference: someone else with the same given and family names and birthday is
        # no twin (twins are given different names), and a namesake stranger is what
        # the score and the runner-up margin already weigh.
        return "gender_differs"
    return ""


def _is_another_family(result: MatchResult) -> bool:
    # The query's family name (spelt otherwise than the candidate's, by the level that
    # calls this) is itself held by someone in the register: a real family name, not
    # only a misspelling of this one.
    table = result._scorer.frequencies
    return table is not None and table.family.get(result.query.family, 0.0) > 0.0


def _is_rare_namesake(result: MatchResult, thresholds: Thresholds) -> bool:
    # Another family name, but the given name exact, the date of birth exact and the same
    # postcode unit: the learner under a name the register does not know, or a stranger
    # who shares all three. Twins and siblings share the family name and are given
    # different names, so only the stranger is left, and the register's size and the
    # given name's frequency say how likely one is: see Thresholds.rare_namesake_share.
    # A register too small to show that a name is that rare keeps the answer possible.
    given, _family, dob, postcode = result.levels[:4]
    if result.swapped or given != cmp.N_EXACT or dob != cmp.D_EXACT or postcode != cmp.P_UNIT:
        return False
    table = result._scorer.frequencies
    if table is None or not table.size:
        return False
    count = _register_count(table, result.query.given)
    return count + 1 <= thresholds.rare_namesake_share * table.size


def _names_exact(given: int, family: int) -> bool:
    # The family name may be the one the learner had before (a marriage is no error).
    return given == cmp.N_EXACT and family in (cmp.N_EXACT, cmp.N_PREVIOUS)


def _is_lone_date_slip(result: MatchResult, given: int, family: int) -> bool:
    # A date of birth one keystroke out cannot be a twin (twins share a birthday), and a
    # sibling is not given the same name. The one look-alike it could be is a parent or
    # child of the same name at the same address, decades apart: so the slip must leave
    # the century and decade alone, and it must be the query's only error (names exact,
    # the same postcode sector).
    if result.swapped or not _names_exact(given, family):
        return False
    if result.levels[2] != cmp.D_TYPO or result.levels[3] not in _SAME_SECTOR:
        return False
    a, b = result.query.dob_text, result.candidate.dob_text
    return a[:3] == b[:3] or _is_impossible_year_slip(result.query.dob, result.candidate.dob)


def _is_impossible_year_slip(query: dt.date, candidate: dt.date) -> bool:
    # A slip in the decade or century that makes a date nobody is born on (one still to
    # come) is no parent or child of the same name: the query's person was born on a
    # real date one slip from it. If every such real date other than the candidate's is
    # within SIBLING_YEARS of it, the one look-alike left is a sibling of the same name
    # and birthday, which the lone-slip rule already sets aside (siblings are not given
    # one name).
    today = dt.date.today()
    if query <= today:
        return False
    year = f"{query.year:04d}"
    slips = {year[:i] + digit + year[i + 1 :] for i in range(4) for digit in "0123456789"}
    slips.update(year[:i] + year[i + 1] + year[i] + year[i + 2 :] for i in range(3))
    slips.discard(year)
    for other_year in slips:
        try:
            other = dt.date(int(other_year), query.month, query.day)
        except ValueError:
            continue
        if other == candidate or other > today or other.year < 1900:
            continue
        if abs(other.year - candidate.year) > SIBLING_YEARS:
            return False
    return True


# The widest gap between siblings a date slip may stand for; a parent or child is further.
SIBLING_YEARS = 12


def is_exact_candidate(result: MatchResult) -> bool:
    """Whether the field-level evidence is strong enough for an exact match at all."""
    return not exact_block(result)


def has_evidence_beyond_given_and_dob(result: MatchResult) -> bool:
    """Whether a candidate shares more with the query than a given name and a birthday.

    Thousands of people share a common given name and a date of birth; offering each as
    a possible match would turn most new learners into an exception a person must clear.
    """
    _given, family, _dob, postcode, _gender, school, place, email = result.levels
    return (
        family in _RELATED_FAMILY
        or postcode in _NEAR_POSTCODE
        or cmp.O_AGREE in (school, place, email)
    )


def _is_possible(result: MatchResult, t: Thresholds) -> bool:
    if result.weight < t.possible_weight or result.score < t.min_possible_posterior:
        return False
    return has_evidence_beyond_given_and_dob(result) or result.score >= t.thin_evidence_posterior


def _sibling_in_register(top: MatchResult, others: Sequence[MatchResult]) -> bool:
    # Another record with the family name and date of birth of the query but another
    # given name: the twin or sibling a given-name typo could really be asking about.
    for other in others:
        if other is top or other.candidate is top.candidate:
            continue
        _g, family, dob = other.levels[:3]
        if family in _STRONG_FAMILY and dob in _STRONG_DOB and not other.swapped:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Classification:
    outcome: Outcome
    # The exact match alone, or the possible matches best first; empty otherwise.
    matches: Sequence[MatchResult]
    # Every candidate above the possible threshold, even when there were too many.
    possible_count: int
    # Which rule (a key of ``HELD_BACK_REASONS``) kept the best candidate from an exact
    # match: a safety rule when it scored above the exact threshold, otherwise why its
    # evidence was too weak; on no match, "shares_only_given_name_and_birthday" when
    # candidates were dropped for sharing no more than that. Empty otherwise.
    held_back_by: str = ""

    @property
    def held_back_reason(self) -> str:
        return HELD_BACK_REASONS.get(self.held_back_by, "")


def classify(
    results: Iterable[MatchResult], thresholds: Thresholds | None = None
) -> Classification:
    """Decide the outcome of a find from its scored candidates (any order)."""
    t = thresholds or default_thresholds()
    scored = list(results)
    possibles = [r for r in scored if _is_possible(r, t)]
    possibles.sort(key=_by_weight, reverse=True)
    if not possibles:
        dropped = any(
            r.weight >= t.possible_weight and not has_evidence_beyond_given_and_dob(r)
            for r in scored
        )
        return Classification(
            Outcome.NONE, (), 0, "shares_only_given_name_and_birthday" if dropped else ""
        )
    top = possibles[0]
    cutoff = top.weight - t.spread
    possibles = [r for r in possibles if r.weight >= cutoff]
    held_back_by = ""
    if top.score >= t.exact:
        held_back_by = exact_block(top, t)
        if not held_back_by and top.levels[0] != cmp.N_EXACT and _sibling_in_register(top, scored):
            held_back_by = "sibling_in_register"
        if not held_back_by:
            runner_up = possibles[1] if len(possibles) > 1 else None
            contested = runner_up is not None and (
                runner_up.weight > top.weight - t.margin
                or (runner_up.score >= t.exact and is_exact_candidate(runner_up))
            )
            if not contested:
                return Classification(Outcome.EXACT, (top,), len(possibles))
            held_back_by = "runner_up_close"
    elif not has_evidence_beyond_given_and_dob(top):
        held_back_by = "given_name_and_birthday_only"
    else:
        held_back_by = "evidence_too_weak"
    if len(possibles) > MAX_POSSIBLE:
        return Classification(Outcome.TOO_MANY, (), len(possibles), held_back_by)
    return Classification(Outcome.POSSIBLE, tuple(possibles), len(possibles), held_back_by)


def kept_by_second_look(result: MatchResult) -> bool:
    """Whether a candidate found only by a find's second look (``household_keys``) may be
    offered: born alike (date of birth exact, swapped or but for one slip) and with a
    given or a family name that is not wholly another. The household's other members
    have other dates of birth; a neighbour born the same day has other names.
    """
    given, family, dob = result.levels[:3]
    unrelated = (cmp.N_DIFF, cmp.N_INITIAL)
    return dob in (cmp.D_EXACT, cmp.D_SWAPPED, cmp.D_TYPO) and (
        given not in unrelated or family not in unrelated
    )


def classify_second_look(
    first: Iterable[MatchResult],
    second: Iterable[MatchResult],
    thresholds: Thresholds | None = None,
) -> Classification:
    """The answer once a find's second look (``household_keys``, taken when the first
    answered no match) has added ``second``: its candidates not among ``first``, kept
    only when ``kept_by_second_look``."""
    first = list(first)
    seen = {r.ref for r in first}
    extra = [r for r in second if r.ref not in seen and kept_by_second_look(r)]
    return classify([*first, *extra], thresholds)


def _by_weight(result: MatchResult) -> float:
    return result.weight


def match(
    query: Demographics | Prepared,
    candidates: Iterable[tuple[object, Demographics | Prepared]],
    *,
    scorer: Scorer | None = None,
    frequencies: FrequencyTable | None = None,
    thresholds: Thresholds | None = None,
) -> Classification:
    """Score (ref, record) candidates against the query and classify the result."""
    if scorer is None:
        scorer = default_scorer() if frequencies is None else Scorer(frequencies=frequencies)
    return classify(scorer.score_all(query, candidates), thresholds)

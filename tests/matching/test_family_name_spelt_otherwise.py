"""A family name spelt otherwise is a slip only when the spelling is nobody's family name,
or the postcode confirms the person.

Found at ten million learners by the independent error model: a stranger, Chanchal
Tailor, born the same day as the registered Chanchal Taylor and living elsewhere, was an
exact match. "Tailor" is one letter from Taylor and sounds the same, but it is a family
name in its own right; among millions, someone sharing a given name and a birthday is
common enough that the spelling, not the slip, is the likelier reading.
"""

import datetime as dt
from dataclasses import replace

import pytest

from lrs.matching import HELD_BACK_REASONS, Demographics, FrequencyTable, Outcome, Scorer, match

TEN_MILLION = 10_000_000


@pytest.fixture
def taylor() -> Demographics:
    return Demographics("Chanchal", "Taylor", dt.date(1998, 5, 18), "2", "DL25 1JR")


@pytest.fixture
def scorer() -> Scorer:
    # The counts of the ten-million register: 168 Chanchals, 155 Tailors.
    frequencies = FrequencyTable.from_counts(
        {"CHANCHAL": 168, "OLIVIA": TEN_MILLION - 168},
        {"TAILOR": 155, "TAYLOR": 40_000, "SMITH": TEN_MILLION - 40_155},
    )
    return Scorer(frequencies=frequencies, register_size=TEN_MILLION)


def test_another_real_family_name_with_a_move_stays_possible_and_says_why(taylor, scorer):
    query = replace(taylor, family_name="Tailor", postcode="PE9 7SF")
    answer = match(query, [("t", taylor)], scorer=scorer)
    assert answer.outcome is Outcome.POSSIBLE
    assert answer.held_back_by == "family_name_is_another_name"
    assert answer.held_back_reason == HELD_BACK_REASONS["family_name_is_another_name"]
    assert "someone else" in answer.held_back_reason
    # The score is the exact threshold's: only the rule keeps it possible.
    assert answer.matches[0].score > 0.999


def test_a_misspelling_that_is_nobodys_family_name_with_a_move_is_still_exact(taylor, scorer):
    query = replace(taylor, family_name="Taylpr", postcode="PE9 7SF")
    assert match(query, [("t", taylor)], scorer=scorer).outcome is Outcome.EXACT


@pytest.mark.parametrize("postcode", ["DL25 1JR", "DL25 1AB"])
def test_another_real_family_name_in_the_same_unit_or_sector_is_still_exact(
    taylor, scorer, postcode
):
    query = replace(taylor, family_name="Tailor", postcode=postcode)
    assert match(query, [("t", taylor)], scorer=scorer).outcome is Outcome.EXACT

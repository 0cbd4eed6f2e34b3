import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.matching import (
    MAX_POSSIBLE,
    Demographics,
    FrequencyTable,
    Outcome,
    Scorer,
    classify,
    default_thresholds,
    match,
    prepare,
    score,
)


def _twins(person):
    first = replace(person, given_name="Amelia")
    second = replace(person, given_name="Isla")
    return first, second


def test_identical_demographics_score_close_to_one_with_a_readable_explanation(person):
    result = score(person, person)
    assert result.score > 0.999
    fields = [entry.field for entry in result.explanation]
    assert fields == ["given_name", "family_name", "date_of_birth", "postcode", "gender"]
    assert {entry.level for entry in result.explanation} == {"exact", "same postcode", "same"}
    assert all(entry.weight > 0 for entry in result.explanation)


def test_explanation_weights_add_up_to_the_total_weight(person):
    query = replace(person, given_name="Olivai", postcode="M1 1AE", email="a@example.com")
    result = score(query, replace(person, email="b@example.com"))
    assert abs(sum(result.contributions) - result.weight) < 1e-9
    assert any(entry.field == "email" for entry in result.explanation)


def test_a_stranger_scores_close_to_zero(person):
    stranger = Demographics("Zachary", "Okonkwo", dt.date(1970, 8, 30), "1", "M1 1AE")
    assert score(stranger, person).score < 0.001


def test_more_disagreement_never_scores_higher(person):
    moved = replace(person, postcode="M1 1AE")
    moved_and_misspelt = replace(moved, family_name="Hartley-Smyth")
    assert score(person, person).score >= score(moved, person).score
    assert score(moved, person).weight > score(moved_and_misspelt, person).weight


def test_agreement_on_a_rare_family_name_weighs_more_than_on_a_common_one():
    common = Demographics("Jack", "Smith", dt.date(2006, 1, 2), "1", "B1 1AA")
    rare = replace(common, family_name="Featherstonehaugh")
    frequencies = FrequencyTable.from_counts({"JACK": 50}, {"SMITH": 1000, "FEATHERSTONEHAUGH": 1})
    scorer = Scorer(frequencies=frequencies)
    assert scorer.score(rare, rare).weight > scorer.score(common, common).weight


def test_same_person_is_an_exact_match_when_alone(person):
    answer = match(person, [("a", person)])
    assert answer.outcome is Outcome.EXACT
    assert answer.matches[0].ref == "a"


def test_twins_are_never_exact_matched_to_each_other(person):
    first, second = _twins(person)
    # The twin asked for is not registered: the other twin must not be an exact match.
    answer = match(first, [("second", second)])
    assert answer.outcome is not Outcome.EXACT
    # Both registered: each query finds its own twin exactly, never the other.
    for query, expected in ((first, "first"), (second, "second")):
        answer = match(query, [("first", first), ("second", second)])
        assert answer.outcome is Outcome.EXACT
        assert answer.matches[0].ref == expected


def test_twins_with_related_names_are_not_exact_matched_through_the_nickname(person):
    jack = replace(person, given_name="Jack", gender="1")
    john = replace(person, given_name="John", gender="1")
    assert match(jack, [("john", john)]).outcome is Outcome.POSSIBLE


def test_nickname_query_is_offered_as_a_possible_match(person):
    william = replace(person, given_name="William", gender="1")
    answer = match(replace(william, given_name="Bill"), [("w", william)])
    assert answer.outcome is Outcome.POSSIBLE
    assert answer.matches[0].explanation[0].level == "nickname or formal form"


def test_swapped_given_and_family_names_still_match_the_person(person):
    swapped = replace(person, given_name=person.family_name, family_name=person.given_name)
    answer = match(swapped, [("p", person)])
    assert answer.outcome is Outcome.EXACT
    assert "names swapped" in answer.matches[0].explanation[0].level


def test_day_and_month_swapped_date_of_birth_still_matches_exactly(person):
    born = replace(person, date_of_birth=dt.date(2007, 3, 4))
    answer = match(replace(born, date_of_birth=dt.date(2007, 4, 3)), [("p", born)])
    assert answer.outcome is Outcome.EXACT
    assert answer.matches[0].explanation[2].level == "day and month swapped"


def test_two_candidates_both_qualifying_as_exact_give_possible_matches(person):
    answer = match(person, [("a", person), ("b", person)])
    assert answer.outcome is Outcome.POSSIBLE
    assert sorted(r.ref for r in answer.matches) == ["a", "b"]


def test_a_typo_in_the_given_name_is_possible_not_exact(person):
    answer = match(replace(person, given_name="Olivai"), [("p", person)])
    assert answer.outcome is Outcome.POSSIBLE


def test_more_than_ten_possibles_is_too_many(person):
    candidates = [
        (i, replace(person, given_name=name, postcode="M1 1AE"))
        for i, name in enumerate(
            ["Ava", "Amy", "Ada", "Ana", "Ali", "Abi", "Aya", "Ann", "Asa", "Ama", "Aja", "Avi"]
        )
    ]
    query = replace(person, given_name="A")
    answer = match(query, candidates)
    assert answer.possible_count > MAX_POSSIBLE
    assert answer.outcome is Outcome.TOO_MANY
    assert answer.matches == ()


def test_no_candidates_or_only_strangers_is_no_match(person):
    stranger = Demographics("Zachary", "Okonkwo", dt.date(1970, 8, 30), "1", "M1 1AE")
    assert match(person, []).outcome is Outcome.NONE
    assert match(person, [("z", stranger)]).outcome is Outcome.NONE


def test_classify_accepts_results_in_any_order(person):
    scorer = Scorer()
    q = prepare(person)
    _first, second = _twins(person)
    results = [scorer.score(q, second, "second"), scorer.score(q, person, "same")]
    assert classify(results).matches[0].ref == "same"
    assert default_thresholds().exact > default_thresholds().possible


_letters = st.text(alphabet="ABCDEFGHIJKLMNOPRSTUWY", min_size=2, max_size=12)


@settings(max_examples=150, deadline=None)
@given(given_name=_letters, family_name=_letters, other=_letters)
def test_property_a_candidate_with_a_different_given_name_is_never_the_exact_match(
    given_name, family_name, other
):
    record = Demographics(given_name, family_name, dt.date(2008, 5, 6), "1", "CV4 9EE")
    query = replace(record, given_name=other)
    answer = match(query, [("r", record)])
    if answer.outcome is Outcome.EXACT:
        assert prepare(query).given == prepare(record).given


@settings(max_examples=150, deadline=None)
@given(given_name=_letters, family_name=_letters)
def test_property_scores_are_probabilities_and_symmetric_for_identical_records(
    given_name, family_name
):
    record = Demographics(given_name, family_name, dt.date(2008, 5, 6), "2", "CV4 9EE")
    result = score(record, record)
    assert 0.0 <= result.score <= 1.0
    assert result.score == score(record, record).score

import datetime as dt
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.matching import KEY_COLUMNS, KEY_MAX_LENGTHS, Demographics, query_keys, stored_keys


def _reachable(query: Demographics, record: Demographics) -> bool:
    stored = stored_keys(record)
    wanted = query_keys(query)
    return any(stored[column] in wanted[column] for column in KEY_COLUMNS)


def test_stored_keys_are_a_fixed_set_of_named_columns_within_their_lengths(person):
    keys = stored_keys(person)
    assert tuple(keys) == KEY_COLUMNS
    for column, value in keys.items():
        assert value is not None
        assert len(value) <= KEY_MAX_LENGTHS[column]


def test_query_keys_cover_every_stored_key_of_the_same_person(person):
    stored = stored_keys(person)
    wanted = query_keys(person)
    assert all(stored[c] in wanted[c] for c in KEY_COLUMNS)


@pytest.mark.parametrize(
    "change",
    [
        {"given_name": "Xanthe"},
        {"given_name": "Olivai"},
        {"family_name": "Okonkwo"},
        {"family_name": "Hartly-Smith"},
        {"date_of_birth": dt.date(1990, 1, 1)},
        {"date_of_birth": dt.date(2007, 4, 14)},
        {"postcode": "M1 1AE"},
        {"postcode": "invalid"},
        {"gender": "1"},
    ],
)
def test_an_error_in_any_one_field_still_reaches_the_record_through_another_key(person, change):
    assert _reachable(replace(person, **change), person)


def test_day_and_month_swapped_date_of_birth_is_looked_up_directly(person):
    born = replace(person, date_of_birth=dt.date(2007, 3, 4))
    query = replace(born, date_of_birth=dt.date(2007, 4, 3), postcode="M1 1AE")
    assert stored_keys(born)["bk_family_dob"] in query_keys(query)["bk_family_dob"]


def test_given_and_family_names_swapped_are_looked_up_crosswise(person):
    query = replace(person, given_name=person.family_name, family_name=person.given_name)
    stored = stored_keys(person)
    wanted = query_keys(query)
    assert stored["bk_dob_given"] in wanted["bk_dob_given"]
    assert stored["bk_family_dob"] in wanted["bk_family_dob"]


def test_a_nickname_query_reaches_the_formal_name_through_the_date_of_birth_key(person):
    william = replace(person, given_name="William", gender="1")
    query = replace(william, given_name="Bill", family_name="Different")
    assert stored_keys(william)["bk_dob_given"] in query_keys(query)["bk_dob_given"]


def test_previous_family_name_in_the_query_reaches_a_record_under_the_old_name(person):
    query = replace(
        person, family_name="Khan", previous_family_name=person.family_name, postcode="M1 1AE"
    )
    assert stored_keys(person)["bk_family_dob"] in query_keys(query)["bk_family_dob"]


def test_missing_or_pseudo_postcode_gives_no_postcode_key(person):
    assert stored_keys(replace(person, postcode="ZZ99 9ZZ"))["bk_postcode_given"] is None
    assert query_keys(replace(person, postcode=""))["bk_postcode_given"] == []


_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé'- ", min_size=2, max_size=20).filter(
    lambda s: sum(ch.isalpha() for ch in s) >= 2
)


@settings(max_examples=200, deadline=None)
@given(
    given_name=_names,
    family_name=_names,
    dob=st.dates(min_value=dt.date(1915, 1, 1), max_value=dt.date(2012, 12, 31)),
    field=st.sampled_from(["given_name", "family_name", "date_of_birth", "postcode"]),
    replacement=st.integers(min_value=0, max_value=10_000),
)
def test_property_changing_any_single_field_keeps_the_record_reachable(
    given_name, family_name, dob, field, replacement
):
    record = Demographics(given_name, family_name, dob, "2", "CV4 9EE")
    new_value = {
        "given_name": f"Q{replacement}zz",
        "family_name": f"X{replacement}yy",
        "date_of_birth": dt.date(1900 + replacement % 100, 1 + replacement % 12, 1),
        "postcode": "M1 1AE",
    }[field]
    assert _reachable(replace(record, **{field: new_value}), record)


def test_a_given_name_typo_is_looked_up_by_the_name_it_comes_from(person):
    # "Rtebecca" sounds RTBK, Rebecca RBK: no key holding the given sound is shared, and
    # with a moved house and a family-name slip no other key is either.
    rebecca = replace(person, given_name="Rebecca")
    query = replace(rebecca, given_name="Rtebecca", family_name="Hartley-Smoth", postcode="M1 1AE")
    assert _reachable(query, rebecca)
    assert stored_keys(rebecca)["bk_dob_given"] in query_keys(query)["bk_dob_given"]


def test_a_known_given_name_is_not_corrected():
    from lrs.matching.keys import typo_corrections

    assert typo_corrections("REBECCA") == frozenset()
    assert "REBECCA" in typo_corrections("RTEBECCA")
    assert typo_corrections("JOM") == frozenset()  # too short to tell a slip


def test_the_second_look_reaches_a_replaced_given_name_with_a_family_name_slip(person):
    from lrs.matching import FrequencyTable, Outcome, Scorer, household_keys
    from lrs.matching.memory import InMemoryRegister

    learner = replace(person, family_name="Thornbury")
    query = replace(learner, given_name="Rose", family_name="Tornbury")
    assert not _reachable(query, learner)
    assert stored_keys(learner)["bk_postcode_given"] in household_keys(query)["bk_postcode_given"]
    register = InMemoryRegister()
    register.add("p", learner)
    register.add("brother", replace(learner, given_name="Rory", date_of_birth=dt.date(2010, 1, 2)))
    scorer = Scorer(frequencies=FrequencyTable.from_names(register.records.values()))
    answer = register.find(query, scorer)
    assert answer.outcome is Outcome.POSSIBLE
    assert [m.ref for m in answer.matches] == ["p"]


def test_no_second_look_without_a_postcode(person):
    from lrs.matching import household_keys

    assert household_keys(replace(person, postcode="")) == {}


def test_the_second_look_offers_no_neighbour_with_other_names(person):
    # Born the same day at the same postcode, but another given and family name: a
    # neighbour (a student hall holds hundreds), not the learner with two errors.
    from lrs.matching import FrequencyTable, Outcome, Scorer
    from lrs.matching.memory import InMemoryRegister

    register = InMemoryRegister()
    register.add("p", person)
    scorer = Scorer(frequencies=FrequencyTable.from_names(register.records.values()))
    neighbour = replace(person, given_name="Rose", family_name="Tornbury")
    assert register.find(neighbour, scorer).outcome is Outcome.NONE

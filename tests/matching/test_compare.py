import datetime as dt
from dataclasses import replace

import pytest

from lrs.matching import compare as cmp
from lrs.matching import prepare
from lrs.matching.compare import compare_fields


def _levels(a, b):
    return compare_fields(a, b)


def test_identical_demographics_agree_exactly_on_every_field(person):
    c = _levels(person, person)
    assert (c.given_name, c.family_name, c.date_of_birth, c.postcode, c.gender) == (
        cmp.N_EXACT,
        cmp.N_EXACT,
        cmp.D_EXACT,
        cmp.P_UNIT,
        cmp.G_AGREE,
    )
    assert not c.names_swapped


def test_case_accents_and_spacing_do_not_stop_an_exact_name_match(person):
    query = replace(person, given_name=" olívia ", family_name="HARTLEY SMITH", postcode="cv49ee")
    c = _levels(query, person)
    assert (c.given_name, c.family_name, c.postcode) == (cmp.N_EXACT, cmp.N_EXACT, cmp.P_UNIT)


def test_nickname_is_recognised_as_the_formal_given_name(person):
    william = replace(person, given_name="William", gender="1")
    assert _levels(replace(william, given_name="Bill"), william).given_name == cmp.N_NICKNAME
    assert _levels(william, replace(william, given_name="Will")).given_name == cmp.N_NICKNAME


@pytest.mark.parametrize(
    ("query_name", "level"),
    [
        ("Olivai", cmp.N_TYPO),
        ("Olvia", cmp.N_TYPO),
        ("Olyvia", cmp.N_TYPO),
        ("O", cmp.N_INITIAL),
        ("Zara", cmp.N_DIFF),
    ],
)
def test_given_name_spelling_levels(person, query_name, level):
    assert _levels(replace(person, given_name=query_name), person).given_name == level


def test_names_that_sound_alike_compare_as_phonetic(person):
    steven = replace(person, given_name="Steven", gender="1")
    assert _levels(replace(steven, given_name="Stephen"), steven).given_name == cmp.N_PHONETIC


def test_a_single_keying_slip_is_a_typo_even_when_the_names_also_sound_alike(person):
    catherine = replace(person, given_name="Catherine")
    assert _levels(replace(person, given_name="Katherine"), catherine).given_name == cmp.N_TYPO


def test_one_part_of_a_double_barrelled_family_name_is_partial_agreement(person):
    assert _levels(replace(person, family_name="Smith"), person).family_name == cmp.N_PART


def test_previous_family_name_is_recognised_on_either_side(person):
    married = replace(person, family_name="Khan", previous_family_name="Hartley-Smith")
    assert _levels(person, married).family_name == cmp.N_PREVIOUS
    assert _levels(married, person).family_name == cmp.N_PREVIOUS


def test_given_and_family_names_swapped_are_recognised_crosswise(person):
    swapped = replace(person, given_name=person.family_name, family_name=person.given_name)
    c = _levels(swapped, person)
    assert c.names_swapped
    assert (c.given_name, c.family_name) == (cmp.N_EXACT, cmp.N_EXACT)


@pytest.mark.parametrize(
    ("query_dob", "level"),
    [
        (dt.date(2007, 3, 14), cmp.D_EXACT),
        (dt.date(2007, 3, 15), cmp.D_TYPO),
        (dt.date(2007, 3, 24), cmp.D_TYPO),
        (dt.date(2007, 8, 1), cmp.D_YEAR),
        (dt.date(2017, 3, 14), cmp.D_TYPO),
        (dt.date(1997, 3, 14), cmp.D_DIFF),
        (dt.date(2070, 3, 14), cmp.D_TYPO),
        (dt.date(1999, 1, 1), cmp.D_DIFF),
    ],
)
def test_date_of_birth_levels(person, query_dob, level):
    assert _levels(replace(person, date_of_birth=query_dob), person).date_of_birth == level


def test_day_and_month_swapped_is_its_own_date_of_birth_level(person):
    born = replace(person, date_of_birth=dt.date(2007, 3, 4))
    query = replace(person, date_of_birth=dt.date(2007, 4, 3))
    assert _levels(query, born).date_of_birth == cmp.D_SWAPPED


@pytest.mark.parametrize(
    ("postcode", "level"),
    [
        ("CV4 9EE", cmp.P_UNIT),
        ("CV4 9AB", cmp.P_SECTOR),
        ("CV4 8AB", cmp.P_DISTRICT),
        ("CV1 1AA", cmp.P_AREA),
        ("M1 1AE", cmp.P_DIFF),
        ("not a postcode", cmp.P_MISSING),
        ("ZZ99 9ZZ", cmp.P_MISSING),
    ],
)
def test_postcode_levels_follow_the_postcode_geography(person, postcode, level):
    assert _levels(replace(person, postcode=postcode), person).postcode == level


@pytest.mark.parametrize(
    ("a", "b", "level"),
    [
        ("1", "1", cmp.G_AGREE),
        ("1", "2", cmp.G_DIFF),
        ("0", "2", cmp.G_UNKNOWN),
        ("2", "9", cmp.G_UNKNOWN),
    ],
)
def test_gender_not_known_or_not_specified_is_neither_agreement_nor_disagreement(
    person, a, b, level
):
    assert _levels(replace(person, gender=a), replace(person, gender=b)).gender == level


def test_optional_fields_only_count_when_both_sides_supply_them(person):
    with_school = replace(person, school_at_16="Kenilworth School", email="o@example.com")
    c = _levels(with_school, person)
    assert (c.school_at_16, c.email) == (cmp.O_MISSING, cmp.O_MISSING)
    c = _levels(with_school, replace(with_school, email="O@Example.com "))
    assert (c.school_at_16, c.email) == (cmp.O_AGREE, cmp.O_AGREE)


def test_comparison_labels_are_human_readable(person):
    labels = _levels(replace(person, given_name="Olivai"), person).labels()
    assert labels["given_name"] == "one typing error"
    assert labels["postcode"] == "same postcode"
    assert prepare(person).postcode == "CV4 9EE"

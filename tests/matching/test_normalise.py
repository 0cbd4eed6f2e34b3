import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.matching.normalise import (
    InvalidPostcodeError,
    fold,
    is_pseudo_postcode,
    name_compact,
    name_parts,
    normalise_postcode,
    phonetic,
    postcode_parts,
    related_given_names,
    try_normalise_postcode,
)


def test_fold_strips_accents_and_upper_cases_to_plain_ascii():
    assert fold("Zoë") == "ZOE"
    assert fold("José Núñez") == "JOSE NUNEZ"
    assert fold("Łukasz Żółć") == "LUKASZ ZOLC"
    assert fold("Søren Ærø") == "SOREN AERO"
    assert fold("Straße") == "STRASSE"


def test_fold_removes_apostrophes_and_turns_other_punctuation_into_single_spaces():
    assert fold("O'Brien") == "OBRIEN"
    assert fold("O\u2019Brien") == "OBRIEN"
    assert fold("  Smith--Jones ") == "SMITH JONES"
    assert fold("St. John") == "ST JOHN"


def test_double_barrelled_and_multi_part_family_names_split_into_parts():
    assert name_parts("Smith-Jones") == ("SMITH", "JONES")
    assert name_parts("de la Cruz") == ("DE", "LA", "CRUZ")
    assert name_compact("de la Cruz") == name_compact("De La-Cruz") == "DELACRUZ"


def test_mc_and_mac_prefixes_compare_equal_whether_joined_or_separate():
    assert name_compact("McDonald") == name_compact("MacDonald") == "MACDONALD"
    assert name_compact("Mc Donald") == name_compact("Mac Donald") == "MACDONALD"
    # "Mace" and "Machin" are not Mac- names and must not change.
    assert name_compact("Mace") == "MACE"


def test_o_prefix_written_with_apostrophe_space_or_joined_gives_one_name():
    assert name_compact("O'Neill") == name_compact("O Neill") == name_compact("ONeill")


def test_saint_abbreviation_is_expanded():
    assert name_compact("St John") == name_compact("Saint John") == "SAINTJOHN"


def test_phonetic_code_groups_spellings_that_sound_alike():
    assert phonetic("SMITH") == phonetic("SMYTH")
    assert phonetic("CATHERINE") == phonetic("KATHERINE")
    assert phonetic("") == ""
    assert len(phonetic("WOLFESCHLEGELSTEINHAUSEN")) <= 10


def test_nickname_expansion_reaches_formal_form_and_sibling_diminutives():
    related = related_given_names("BILL")
    assert {"BILL", "WILLIAM", "WILL", "BILLY"} <= related
    assert "WILLIAM" in related_given_names("WILL")
    assert related_given_names("") == frozenset()


def test_postcode_spacing_and_case_are_normalised():
    assert normalise_postcode("CV49EE") == "CV4 9EE"
    assert normalise_postcode(" cv4  9ee ") == "CV4 9EE"
    assert normalise_postcode("sw1a1aa") == "SW1A 1AA"
    assert normalise_postcode("M11AE") == "M1 1AE"
    assert normalise_postcode("GIR0AA") == "GIR 0AA"


def test_bfpo_numbers_are_accepted_in_their_usual_spellings():
    assert normalise_postcode("BFPO 123") == "BFPO 123"
    assert normalise_postcode("bfpo123") == "BFPO 123"
    assert normalise_postcode("BFPO c/o 57") == "BFPO 57"
    assert postcode_parts("BFPO 123").unit == "BFPO 123"


@pytest.mark.parametrize(
    "text", ["", "   ", "HELLO", "CV4 9CE", "12345", "CV4 9EEE", "BFPO 12345", "Q1 1AA1"]
)
def test_invalid_postcodes_raise_a_clear_error_naming_the_expected_form(text):
    with pytest.raises(InvalidPostcodeError) as error:
        normalise_postcode(text)
    assert "postcode" in str(error.value).lower()
    assert try_normalise_postcode(text) is None


def test_postcode_parts_nest_area_district_sector_unit():
    parts = postcode_parts("CV4 9EE")
    assert (parts.area, parts.district, parts.sector, parts.unit) == (
        "CV",
        "CV4",
        "CV4 9",
        "CV4 9EE",
    )
    assert postcode_parts("B1 1AA").area == "B"
    assert postcode_parts("W1A 0AX").district == "W1A"


def test_zz99_pseudo_postcodes_are_recognised_as_carrying_no_location():
    assert is_pseudo_postcode(normalise_postcode("ZZ99 9ZZ"))
    assert not is_pseudo_postcode("CV4 9EE")


_OUTWARD = st.from_regex(r"\A[A-PR-UWYZ][A-HK-Y]?[0-9][0-9]?\Z", fullmatch=True)
_INWARD = st.from_regex(r"\A[0-9][ABD-HJLNP-UW-Z]{2}\Z", fullmatch=True)


@given(outward=_OUTWARD, inward=_INWARD, spaces=st.sampled_from(["", " ", "  "]))
def test_any_well_formed_postcode_normalises_to_outward_space_inward_idempotently(
    outward, inward, spaces
):
    normalised = normalise_postcode(f"{outward}{spaces}{inward}".lower())
    assert normalised == f"{outward} {inward}"
    assert normalise_postcode(normalised) == normalised


@given(st.text(max_size=40))
def test_fold_always_yields_upper_case_ascii_letters_and_single_spaces(text):
    folded = fold(text)
    assert folded == folded.strip()
    assert "  " not in folded
    assert all(ch == " " or "A" <= ch <= "Z" for ch in folded)

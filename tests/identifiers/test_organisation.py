import pytest

from lrs.identifiers.organisation import (
    IdentifierError,
    validate_la_code,
    validate_ukprn,
    validate_urn,
)


@pytest.mark.parametrize("value", ["10012345", "19999999", " 10000001 "])
def test_ukprn_of_eight_digits_starting_with_one_is_accepted(value):
    assert validate_ukprn(value) == value.strip()


@pytest.mark.parametrize(
    "value", ["20012345", "1001234", "100123456", "1001234a", "", "\uff110012345"]
)
def test_malformed_ukprn_is_refused_naming_the_field_and_rule(value):
    with pytest.raises(IdentifierError) as excinfo:
        validate_ukprn(value)
    assert excinfo.value.field == "ukprn"
    assert "8 digits and starts with 1" in excinfo.value.rule


def test_urn_must_be_six_digits():
    assert validate_urn("100001") == "100001"
    with pytest.raises(IdentifierError, match="6 digits"):
        validate_urn("10001")


def test_la_code_must_be_three_digits():
    assert validate_la_code("201") == "201"
    with pytest.raises(IdentifierError, match="3 digits"):
        validate_la_code("20")

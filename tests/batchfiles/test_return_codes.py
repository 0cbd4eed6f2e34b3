"""The return code table: complete, described, and split into exceptions and rejections."""

from lrs.batchfiles import return_codes
from lrs.batchfiles.return_codes import (
    EXCEPTION_CODES,
    REJECTION_CODES,
    RETURN_CODES,
    ReturnCode,
)


def test_the_table_holds_rc001_to_rc017_each_with_a_description():
    assert [c.value for c in RETURN_CODES] == [f"RC{n:03d}" for n in range(1, 18)]
    assert all(info.description for info in RETURN_CODES.values())


def test_the_three_codes_of_the_real_service_keep_their_meaning():
    assert return_codes.description("RC006") == "Insufficient data to create a ULN"
    assert return_codes.description("RC011") == "Incorrect format"
    rc013 = return_codes.description("RC013")
    assert rc013 == "Learner outside the permitted age range (13\u2013110)"


def test_exceptions_are_rc007_rc008_rc010_and_rejections_rc006_rc011_rc013():
    assert {c.value for c in EXCEPTION_CODES} == {"RC007", "RC008", "RC010"}
    assert {c.value for c in REJECTION_CODES} == {"RC006", "RC011", "RC013"}
    assert return_codes.is_exception("RC008")
    assert not return_codes.is_exception("RC001")
    assert return_codes.is_rejection("RC013")
    assert not return_codes.is_rejection("RC009")


def test_the_descriptions_are_exactly_those_agreed():
    assert return_codes.description(ReturnCode.RC005) == (
        "Supplied ULN is linked: the master ULN is returned"
    )
    assert return_codes.description("RC017") == (
        "Exception resolved after the details were amended"
    )


def test_verify_codes_and_failure_flags_are_complete():
    assert [c for c in return_codes.VERIFY_RESPONSE_CODES if c.startswith("WSVRC")] == [
        f"WSVRC00{n}" for n in range(1, 7)
    ]
    assert list(return_codes.FAILURE_FLAGS) == [f"VRF{n}" for n in range(1, 9)]

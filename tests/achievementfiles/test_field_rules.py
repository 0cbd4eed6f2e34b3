"""The field data rules of one achievement row (FD02-FD17) and the award date (BR06)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lrs.achievementfiles import (
    LANGUAGES,
    AchievementStatus,
    Action,
    ErrorCode,
    ErrorKind,
    check_award_date,
    check_fields,
    parse_record,
    required_fields,
)
from tests.achievementfiles.conftest import EVENT_ID, TODAY, ULN, achievement


def _problems(**changes):
    return check_fields(achievement(**changes))


def _only(field: str, code: ErrorCode, **changes) -> str:
    found = _problems(**changes)
    assert [(p.field, p.code) for p in found] == [(field, code)], found
    assert found[0].kind is ErrorKind.FIELD
    assert found[0].row == 2
    return found[0].rule


def test_a_complete_create_has_no_field_problem_and_parses_to_typed_values():
    record = achievement()
    assert check_fields(record) == []
    parsed = parse_record(record)
    assert parsed.action is Action.CREATE
    assert parsed.date_of_birth == dt.date(2001, 4, 3)
    assert parsed.award_date == dt.date(2024, 8, 15)
    assert parsed.reference == "600/1166/X"
    assert parsed.reference_kind == "qualification"
    assert parsed.status is AchievementStatus.FINAL
    assert parsed.credits is None
    assert parsed.event_id is None
    assert parsed.learner_postcode == "CV4 9EE"


def test_a_create_without_a_status_is_final_and_a_promote_always_ends_final():
    assert parse_record(achievement(status="")).status is AchievementStatus.FINAL
    assert parse_record(achievement(status="p")).status is AchievementStatus.PROVISIONAL
    promote = achievement(action="5", status="", grade="", event_id=EVENT_ID)
    assert parse_record(promote).status is AchievementStatus.FINAL
    update = achievement(action="2", status="", event_id=EVENT_ID.upper())
    parsed = parse_record(update)
    assert parsed.status is None
    assert parsed.event_id == uuid.UUID(EVENT_ID)


def test_parse_record_refuses_a_row_with_problems_and_lists_them():
    with pytest.raises(ValueError, match="Row 2 has field data problems: Uln: "):
        parse_record(achievement(uln="1234567890"))


@pytest.mark.parametrize(
    ("uln", "words"),
    [
        ("927630868", "exactly 10 digits"),
        ("9276308685", "do not make up a real ULN"),
        ("0276308686", "cannot start with 0"),
        ("9999999999", "temporary ULN"),
        ("92763O8686", "only the digits"),
    ],
)
def test_a_uln_must_be_ten_digits_with_a_correct_check_digit(uln, words):
    assert words in _only("Uln", ErrorCode.FD03, uln=uln)


@pytest.mark.parametrize("field", ["given_name", "family_name"])
def test_names_follow_the_learner_name_rules_and_are_at_most_35_characters(field):
    heading = "GivenName" if field == "given_name" else "FamilyName"
    assert "35 characters or fewer; this has 36" in _only(
        heading, ErrorCode.FD04, **{field: "A" * 36}
    )
    assert "found '3'" in _only(heading, ErrorCode.FD04, **{field: "Ann3"})
    assert "at least one letter" in _only(heading, ErrorCode.FD04, **{field: "-"})
    assert _problems(**{field: "Zoë O'Brien-Smith"}) == []


@pytest.mark.parametrize("field", ["date_of_birth", "award_date", "action_date"])
def test_dates_must_be_real_dates_written_yyyy_mm_dd(field):
    heading = {
        "date_of_birth": "DateOfBirth",
        "award_date": "AchievementAwardDate",
        "action_date": "ActionDate",
    }[field]
    assert "not a real calendar date" in _only(heading, ErrorCode.FD05, **{field: "2024-02-30"})
    assert "YYYY-MM-DD" in _only(heading, ErrorCode.FD05, **{field: "2024-8-1"})


def test_a_date_a_spreadsheet_rewrote_as_dd_mm_yyyy_gets_the_excel_advice():
    rule = _only("AchievementAwardDate", ErrorCode.FD05, award_date="15/08/2024")
    assert "looks like DD/MM/YYYY" in rule
    assert "format the date columns as Text" in rule


def test_a_bare_number_in_a_date_column_of_a_workbook_is_named_a_serial_number():
    (problem,) = check_fields(achievement(award_date="45519"), fmt="XLSX")
    assert "date serial number" in problem.rule


@pytest.mark.parametrize("gender", ["0", "1", "2", "9", ""])
def test_gender_is_optional_and_one_of_the_learner_codes(gender):
    assert _problems(gender=gender) == []


def test_an_unknown_gender_code_names_the_allowed_codes():
    assert "use 0 (not known), 1 (male), 2 (female), 9 (not specified)" in _only(
        "Gender", ErrorCode.FD06, gender="M"
    )


def test_the_learner_postcode_is_optional_and_a_uk_postcode_or_bfpo_number():
    assert _problems(learner_postcode="") == []
    assert _problems(learner_postcode="bfpo 123") == []
    assert _problems(learner_postcode="cv49ee") == []
    assert "not a UK postcode" in _only("LearnerPostcode", ErrorCode.FD07, learner_postcode="12345")
    assert "9 characters or fewer" in _only(
        "LearnerPostcode", ErrorCode.FD07, learner_postcode="CV4 9EE CV49"
    )


def test_the_provider_ukprn_is_optional_and_eight_digits_starting_with_one():
    assert _problems(provider_ukprn="") == []
    assert "8 digits and starts with 1" in _only(
        "ProviderUkprn", ErrorCode.FD08, provider_ukprn="20012345"
    )


@pytest.mark.parametrize(
    ("reference", "kind"),
    [("600/1166/X", "qualification"), ("501/0012/3", "qualification"), ("K/501/5773", "unit")],
)
def test_qualification_numbers_and_unit_references_are_accepted(reference, kind):
    assert _problems(reference=reference) == []
    assert parse_record(achievement(reference=reference)).reference_kind == kind


def test_references_are_accepted_in_small_letters_and_kept_in_capitals():
    assert parse_record(achievement(reference=" k/501/5773 ")).reference == "K/501/5773"


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        ("6001166X", "write it 600/1166/X"),
        ("K5015773", "write it K/501/5773"),
        ("600-1166-X", "separated by slashes: write it 600/1166/X"),
        ("K\\501\\5773", "separated by slashes: write it K/501/5773"),
        ("ZPROG001", "ILR learning aim reference"),
        ("600/1166/Y", "not a valid reference"),
        ("60/1166/X", "not a valid reference"),
        ("KK/501/5773", "not a valid reference"),
    ],
)
def test_a_reference_of_another_form_is_refused_with_how_to_write_it(reference, words):
    assert words in _only("UnitOrQualificationReferenceNumber", ErrorCode.FD09, reference=reference)


def test_grade_is_at_most_20_characters_without_control_codes():
    assert _problems(grade="Distinction*Merit*Pass"[:20]) == []
    assert "20 characters or fewer" in _only("Grade", ErrorCode.FD10, grade="D" * 21)
    assert "control codes" in _only("Grade", ErrorCode.FD10, grade="A\tB")


@pytest.mark.parametrize("credits", ["", "0", "15", "999", "007"])
def test_credits_are_optional_and_a_whole_number_from_0_to_999(credits):
    assert _problems(credits=credits) == []


@pytest.mark.parametrize("credits", ["-1", "1.5", "1000", "ten", "+3", "\uff11\uff12"])
def test_credits_that_are_not_a_small_whole_number_are_refused(credits):
    assert "whole number of credits" in _only("Credits", ErrorCode.FD11, credits=credits)


def test_language_for_assessment_is_empty_or_one_of_the_documented_languages():
    assert LANGUAGES == ("English", "Welsh", "Irish", "Gaelic")
    for language in ("", "english", "WELSH", "Irish", "Gaelic"):
        assert _problems(language_for_assessment=language) == []
    assert parse_record(achievement(language_for_assessment="welsh")).language_for_assessment == (
        "Welsh"
    )
    assert "use English, Welsh, Irish, Gaelic" in _only(
        "LanguageForAssessment", ErrorCode.FD12, language_for_assessment="French"
    )


def test_an_unknown_action_is_a_field_data_error_naming_the_allowed_codes():
    rule = _only("Action", ErrorCode.FD13, action="9")
    assert "1 (create), 2 (update), 3 (withdraw), 4 (reinstate)" in rule


def test_an_empty_action_is_a_missing_field_naming_the_allowed_codes():
    rule = _only("Action", ErrorCode.FD02, action="")
    assert "use 1 (create)" in rule


def test_a_status_other_than_f_or_p_is_refused():
    assert "F (final) or P (provisional)" in _only("Status", ErrorCode.FD15, status="X")


def test_a_promote_may_not_ask_for_a_provisional_status():
    rule = _only("Status", ErrorCode.FD15, action="5", status="P")
    assert "makes the achievement final" in rule
    assert _problems(action="5", status="F") == []


def test_the_action_reason_is_required_for_a_withdraw_and_at_most_255_characters():
    assert "Give the reason for a withdraw (action 3)" in _only(
        "ActionReason", ErrorCode.FD02, action="3"
    )
    assert _problems(action="3", action_reason="Awarded in error") == []
    assert _problems(action="4") == []
    assert "255 characters or fewer" in _only(
        "ActionReason", ErrorCode.FD14, action="4", action_reason="x" * 256
    )


def test_the_mis_identifier_is_optional_and_at_most_128_characters():
    assert _problems(mis_identifier="") == []
    assert "128 characters or fewer" in _only(
        "MisIdentifier", ErrorCode.FD16, mis_identifier="C" * 129
    )


def test_the_event_id_is_an_lrs_uuid_and_may_not_be_given_for_a_create():
    assert _problems(action="2", event_id=EVENT_ID) == []
    assert "not an LRS learning-event id" in _only(
        "EventId", ErrorCode.FD17, action="2", event_id="12345"
    )
    assert "leave EventId empty" in _only("EventId", ErrorCode.FD17, event_id=EVENT_ID)


@pytest.mark.parametrize("action", list(Action))
def test_every_action_needs_the_learner_the_achievement_and_the_action_date(action):
    empty = achievement(
        action=str(action.value),
        uln="",
        given_name="",
        family_name="",
        date_of_birth="",
        reference="",
        award_date="",
        action_date="",
        grade="",
        action_reason="",
        gender="",
        learner_postcode="",
        provider_ukprn="",
        language_for_assessment="",
        status="",
        mis_identifier="",
    )
    found = check_fields(empty)
    assert {p.code for p in found} == {ErrorCode.FD02}
    missing = {p.field for p in found}
    expected = {
        "Uln",
        "GivenName",
        "FamilyName",
        "DateOfBirth",
        "UnitOrQualificationReferenceNumber",
        "AchievementAwardDate",
        "ActionDate",
    }
    if action in (Action.CREATE, Action.UPDATE):
        expected.add("Grade")
    if action is Action.WITHDRAW:
        expected.add("ActionReason")
    assert missing == expected
    assert f"for a {action.label} (action {action.value})" in found[0].rule
    assert len(required_fields(action)) == len(expected) + 1  # and Action itself


def test_every_problem_of_a_row_is_reported_in_column_order():
    found = _problems(uln="1", grade="", award_date="2024-13-01", credits="x")
    assert [p.field for p in found] == ["Uln", "Grade", "AchievementAwardDate", "Credits"]


def test_an_award_date_after_today_is_a_business_rule_kept_apart_from_field_rules():
    record = achievement(award_date="2025-01-16")
    assert check_fields(record) == []
    (problem,) = check_award_date(record, TODAY)
    assert problem.code == ErrorCode.BR06
    assert problem.kind is ErrorKind.BUSINESS
    assert problem.field == "AchievementAwardDate"
    assert "in the future" in problem.rule
    assert check_award_date(achievement(award_date="2025-01-15"), TODAY) == []
    assert check_award_date(achievement(award_date="15/01/2026"), TODAY) == []


def test_a_problem_prints_its_row_field_rule_code_and_kind():
    (problem,) = _problems(uln=ULN[:-1] + "5")
    assert str(problem).startswith("Row 2 Uln: The digits do not make up a real ULN")
    assert str(problem).endswith("[FD03 field]")
    assert problem.message.startswith("Uln: ")

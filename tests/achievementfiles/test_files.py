"""Achievement files in CSV, XML and XLSX: round trips, the reading API, and the
file-level problems that reject the whole file (FL01-FL05)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from lrs.achievementfiles import (
    ACH_HEADINGS,
    AchievementRecord,
    BatchFileError,
    ErrorCode,
    ErrorKind,
    Limits,
    read_achievements,
    validate_achievement_file,
)
from tests.achievementfiles.conftest import (
    AO_UKPRN,
    EVENT_ID,
    TODAY,
    achievement,
    cells,
    csv_text,
    file_bytes,
    name,
)

FORMATS = ("CSV", "XML", "XLSX")


def _plain(record: AchievementRecord) -> dict[str, str]:
    return record.values()


def _records() -> list[AchievementRecord]:
    return [
        achievement(2),
        achievement(3, action="2", event_id=EVENT_ID, grade="B", credits="12"),
        achievement(4, action="3", action_reason="Awarded in error", grade="", status=""),
        achievement(5, action="4", reference="K/501/5773", language_for_assessment="Welsh"),
        achievement(6, action="5", status="", given_name="Zoë", family_name="O'Brien-Smith"),
    ]


def _validate(content: bytes, fmt: str = "CSV", **kwargs):
    kwargs.setdefault("today", TODAY)
    return validate_achievement_file(io.BytesIO(content), filename=name(fmt), **kwargs)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_of_every_action_round_trips_through_each_format(fmt):
    records = _records()
    with read_achievements(io.BytesIO(file_bytes(records, fmt)), filename=name(fmt)) as file:
        assert file.format == fmt
        assert file.header.file_version == "1"
        assert file.header.file_name == name(fmt)
        assert file.header.ukprn == AO_UKPRN
        assert file.header.record_count == len(records)
        got = list(file)
    assert [_plain(r) for r in got] == [_plain(r) for r in records]
    assert all(r.format_problems == () for r in got)
    assert file.problems == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_valid_file_in_each_format_validates_with_no_problem(fmt):
    report = _validate(file_bytes(_records(), fmt), fmt, expected_ukprn=AO_UKPRN)
    assert report.ok, report.lines()
    assert report.records == 5
    assert report.lines()[-1] == "VALID: no problems found"


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_are_numbered_as_spreadsheet_rows_or_xml_positions(fmt):
    records = [achievement(2), achievement(3, uln="1")]
    report = _validate(file_bytes(records, fmt), fmt)
    (outcome,) = report.rejected
    assert outcome.row == (2 if fmt == "XML" else 3)
    assert outcome.kind is ErrorKind.FIELD
    assert outcome.codes == ("FD03",)
    assert outcome.mis_identifier == "C00003"


@settings(max_examples=30, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            blacklist_categories=["Cs", "Cc"], blacklist_characters="\x00\ufffe\uffff"
        ),
        max_size=40,
    )
)
def test_any_text_in_a_field_survives_a_csv_and_xml_round_trip(text):
    records = [achievement(2, action_reason=text, grade=text[:20])]
    for fmt in ("CSV", "XML"):
        with read_achievements(io.BytesIO(file_bytes(records, fmt)), filename=name(fmt)) as f:
            (got,) = list(f)
        expected = text if fmt == "CSV" else text.replace("\r\n", "\n").replace("\r", "\n")
        assert got.action_reason == expected


def test_formula_like_values_are_quoted_in_csv_and_read_back_unchanged():
    records = [achievement(2, grade="=1+1", mis_identifier="@SUM(A1)")]
    content = file_bytes(records)
    assert b",'=1+1," in content
    assert b",'@SUM(A1)," in content
    with read_achievements(io.BytesIO(content), filename=name()) as file:
        (got,) = list(file)
    assert (got.grade, got.mis_identifier) == ("=1+1", "@SUM(A1)")


def test_a_workbook_with_number_and_date_cells_reads_as_their_text():
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(ACH_HEADINGS))
    row = cells(achievement())
    values: list[object] = ["1", name("XLSX"), int(AO_UKPRN), 1, *row]
    values[5] = int(row[1])  # Uln as a number
    values[8] = dt.datetime(2001, 4, 3)  # DateOfBirth as a date cell
    values[9] = 2  # Gender
    values[15] = 10.0  # Credits as a float
    sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _validate(buffer.getvalue(), "XLSX")
    assert report.ok, report.lines()
    with read_achievements(io.BytesIO(buffer.getvalue()), filename=name("XLSX")) as file:
        (got,) = list(file)
    assert (got.uln, got.date_of_birth, got.gender, got.credits) == (
        row[1],
        "2001-04-03",
        "2",
        "10",
    )


def test_a_file_with_a_header_and_no_achievement_is_valid_when_it_says_zero():
    assert _validate(file_bytes([], count=0)).ok


def test_the_reader_can_skip_the_field_rules():
    content = file_bytes([achievement(uln="1")])
    with read_achievements(io.BytesIO(content), filename=name(), check=False) as file:
        (got,) = list(file)
    assert got.format_problems == ()


def test_a_file_object_needs_a_filename():
    with pytest.raises(TypeError, match="filename"):
        validate_achievement_file(io.BytesIO(b""))


# --- file-level problems: the whole file is refused ------------------------------------


def _file_codes(report) -> list[str]:
    return [p.code for p in report.file_problems]


@pytest.mark.parametrize(
    "filename",
    [
        "LRB_10054321_010920241030.CSV",
        "ACH_10054321_320920241030.CSV",
        "ACH_2005432_010920241030.CSV",
        "achievements.csv",
    ],
)
def test_a_file_name_not_following_the_pattern_rejects_the_file(filename):
    content = file_bytes([achievement()], file_name=filename)
    report = validate_achievement_file(io.BytesIO(content), filename=filename, today=TODAY)
    assert ErrorCode.FL01 in _file_codes(report)
    assert not report.file_accepted
    assert report.lines()[-1].startswith("REJECTED")


def test_a_lower_case_extension_is_accepted_with_a_note():
    filename = f"ACH_{AO_UKPRN}_010920241030.csv"
    report = validate_achievement_file(
        io.BytesIO(file_bytes([achievement()], file_name=filename)), filename=filename, today=TODAY
    )
    assert report.ok
    assert any("upper case" in n for n in report.notes)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_file_version_rejects_the_file(fmt):
    report = _validate(file_bytes([achievement()], fmt, file_version="2A"), fmt)
    (problem,) = report.file_problems
    assert (problem.code, problem.field) == (ErrorCode.FL03, "FileVersion")
    assert "FileVersion must be '1'" in problem.rule


def test_a_file_name_in_the_header_differing_from_the_file_s_rejects_it():
    report = _validate(file_bytes([achievement()], file_name=name("XML")))
    assert [(p.code, p.field) for p in report.file_problems] == [(ErrorCode.FL03, "FileName")]


def test_a_header_ukprn_differing_from_the_one_in_the_file_name_rejects_it():
    report = _validate(file_bytes([achievement()], ukprn="10099999"))
    assert [(p.code, p.field) for p in report.file_problems] == [(ErrorCode.FL03, "UKPRN")]


def test_a_file_of_another_awarding_organisation_is_refused_as_fl04():
    report = _validate(file_bytes([achievement()]), expected_ukprn="10099999")
    (problem,) = report.file_problems
    assert problem.code == ErrorCode.FL04
    assert problem.kind is ErrorKind.FILE
    assert "may send only its own achievements" in problem.rule
    assert "UKPRN 10099999" in report.rejection_reason


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_record_count_differing_from_the_records_present_rejects_the_file(fmt):
    report = _validate(file_bytes([achievement(2), achievement(3)], fmt, count=3), fmt)
    (problem,) = report.file_problems
    assert (problem.code, problem.field) == (ErrorCode.FL05, "RecordCount")
    assert "RecordCount says 3 but the file holds 2" in problem.rule


def test_a_record_count_that_is_not_a_number_rejects_the_file():
    text = csv_text([cells(achievement())]).replace(f"{AO_UKPRN},1,", f"{AO_UKPRN},one,", 1)
    report = _validate(text.encode())
    (problem,) = report.file_problems
    assert (problem.code, problem.field) == (ErrorCode.FL03, "RecordCount")
    assert "number of achievement records" in problem.rule


def test_header_columns_filled_after_row_2_reject_the_file():
    text = csv_text([cells(achievement(2)), cells(achievement(3))])
    lines = text.split("\r\n")
    lines[2] = "1" + lines[2]
    report = _validate("\r\n".join(lines).encode())
    assert [p.code for p in report.file_problems] == [ErrorCode.FL03]
    assert "Columns 1-4 (FileVersion, FileName, UKPRN, RecordCount)" in report.rejection_reason


def test_wrong_headings_reject_the_file_naming_each_fault():
    headings = list(ACH_HEADINGS)
    headings[5] = "ULN"
    headings[7] = "Surname"
    report = _validate(csv_text([cells(achievement())], tuple(headings)).encode())
    (problem,) = report.file_problems
    assert problem.code == ErrorCode.FL02
    assert "'ULN' must be written 'Uln'" in problem.rule
    assert "missing: FamilyName" in problem.rule
    assert "(file version 1)" in problem.rule


def test_a_learner_registration_batch_sent_as_an_achievement_file_is_refused():
    lrb = (
        "FileVersion,FileName,UKPRN,LearnerRecordCount,ULN,MISIdentifier\r\n"
        f"2A,{name()},{AO_UKPRN},0,,\r\n"
    )
    report = _validate(lrb.encode())
    assert report.file_problems[-1].code == ErrorCode.FL02
    assert "achievement file" in report.rejection_reason


def test_a_missing_row_2_names_the_achievement_header_fields():
    report = _validate((",".join(ACH_HEADINGS) + "\r\n").encode())
    assert "FileVersion, FileName, UKPRN, RecordCount" in report.rejection_reason
    assert "the first achievement" in report.rejection_reason


def test_a_truncated_last_row_rejects_the_file():
    text = csv_text([cells(achievement(2)), cells(achievement(3))])
    report = _validate(text[: text.rindex("600/1166/X")].encode())
    assert report.file_problems[-1].code == ErrorCode.FL02
    assert "truncated" in report.rejection_reason


def test_a_row_with_too_many_columns_is_a_field_data_error_fd01():
    text = csv_text([[*cells(achievement(2)), "extra"], cells(achievement(3))])
    report = _validate(text.encode())
    assert report.file_accepted
    (outcome,) = report.rejected
    assert outcome.codes == ("FD01",)
    assert "this row has 23 columns" in outcome.problems[0].rule.lower()


def test_more_records_than_the_limit_rejects_the_file_naming_achievements():
    content = file_bytes([achievement(r) for r in range(2, 6)])
    report = validate_achievement_file(
        io.BytesIO(content), filename=name(), today=TODAY, limits=Limits(max_records=3)
    )
    assert report.file_problems[-1].code == ErrorCode.FL02
    assert "more than 3 achievement records" in report.rejection_reason


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    content = file_bytes([achievement(r) for r in range(2, 6)])
    with pytest.raises(BatchFileError, match="Split the achievements"):
        read_achievements(io.BytesIO(content), filename=name(), limits=Limits(max_bytes=100))


def test_an_empty_or_binary_or_misnamed_file_is_refused_with_a_reason():
    assert "empty" in _validate(b"").rejection_reason
    assert "binary data" in _validate(b"\x00\x01\x02" * 100).rejection_reason
    assert "Excel workbook" in _validate(file_bytes([achievement()], "XLSX")).rejection_reason
    report = validate_achievement_file(
        io.BytesIO(b"x"), filename=f"ACH_{AO_UKPRN}_010920241030.TXT", today=TODAY
    )
    assert {p.code for p in report.file_problems} == {ErrorCode.FL01, ErrorCode.FL02}


def test_field_problems_and_the_award_date_rule_are_reported_per_row_by_kind():
    records = [
        achievement(2),
        achievement(3, award_date="2025-06-01"),
        achievement(4, credits="lots"),
        achievement(5, award_date="2030-01-01", gender="X"),
    ]
    report = _validate(file_bytes(records))
    assert report.file_accepted
    assert not report.ok
    assert [(o.row, o.codes) for o in report.rejected] == [
        (3, ("BR06",)),
        (4, ("FD11",)),
        (5, ("FD06", "BR06")),
    ]
    assert report.kind_counts() == {"business": 1, "field": 2}
    assert report.code_counts() == {"BR06": 2, "FD06": 1, "FD11": 1}
    assert report.valid_records == 1
    no_business = _validate(file_bytes(records), business_rules=False)
    assert [o.row for o in no_business.rejected] == [4, 5]


def test_a_note_tells_how_to_fix_dates_excel_rewrote():
    report = _validate(file_bytes([achievement(2, date_of_birth="03/04/2001")]))
    assert any("opened and saved in Excel" in n for n in report.notes)


def test_records_are_dataclasses_whose_values_are_the_file_s_text():
    record = achievement()
    assert dataclasses.is_dataclass(record)
    assert set(record.values()) == {
        f.name
        for f in dataclasses.fields(record)
        if f.name not in ("row", "line", "format_problems")
    }

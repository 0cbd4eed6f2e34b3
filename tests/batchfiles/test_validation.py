"""validate_file: every file-level problem and every record-level return code."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.batchfiles import (
    Limits,
    check_file_name,
    check_registration_record,
    validate_file,
)
from lrs.batchfiles.validate import main
from tests.batchfiles.conftest import TODAY, UKPRN, batch_bytes, learner, name


def _validate(records, fmt="CSV", filename=None, count=-1, expected_ukprn=None, **header):
    data = batch_bytes(records, fmt=fmt, count=count, **header)
    return validate_file(
        io.BytesIO(data), filename=filename or name(fmt), expected_ukprn=expected_ukprn, today=TODAY
    )


def _rules(report) -> str:
    return "\n".join(str(p) for p in report.problems)


@pytest.mark.parametrize("fmt", ["CSV", "XML", "XLSX"])
def test_a_valid_file_in_each_format_is_ok(fmt):
    report = _validate([learner(2), learner(3, given_name="Bob")], fmt=fmt)
    assert report.ok, report.lines()
    assert report.records == 2
    assert report.valid_records == 2
    assert report.header.ukprn == UKPRN


# --- file level -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("learners.csv", "does not follow the pattern LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV"),
        (f"LRX_{UKPRN}_010920241030.CSV", "must start LRB_"),
        ("LRB_20012345_010920241030.CSV", "The UKPRN in the file name, '20012345', is not valid"),
        (f"LRB_{UKPRN}_320920241030.CSV", "is not a real date and time written DDMMYYYYHHMM"),
        (f"LRB_{UKPRN}_0109202410.CSV", "is not a real date and time"),
        (f"LRB_{UKPRN}_010920242530.CSV", "is not a real date and time"),
    ],
)
def test_a_bad_file_name_is_a_file_problem(filename, expected):
    problems, _ = check_file_name(filename)
    assert any(expected in p for p in problems), problems


def test_a_lower_case_extension_is_accepted_with_a_note():
    problems, notes = check_file_name(f"LRB_{UKPRN}_010920241030.csv")
    assert problems == []
    assert "upper case" in notes[0]


def test_the_filename_field_must_equal_the_files_own_name():
    report = _validate([learner()], file_name=f"LRB_{UKPRN}_020920241030.CSV")
    assert not report.file_accepted
    assert "must be the file's own name" in _rules(report)


def test_the_file_version_must_be_2a():
    report = _validate([learner()], file_version="2B")
    assert "FileVersion must be '2A'; found '2B'" in _rules(report)


def test_an_invalid_ukprn_in_the_header_is_a_file_problem():
    report = _validate([learner()], ukprn="1234")
    assert "UKPRN '1234' is not valid" in _rules(report)


def test_the_header_ukprn_must_match_the_file_name():
    report = _validate([learner()], ukprn="10099999")
    assert "differs from the UKPRN in the file name" in _rules(report)


def test_the_ukprn_must_be_the_senders_when_one_is_expected():
    report = _validate([learner()], expected_ukprn="10099999")
    assert not report.file_accepted
    assert "being sent by UKPRN 10099999" in _rules(report)
    assert _validate([learner()], expected_ukprn=UKPRN).ok


@pytest.mark.parametrize("fmt", ["CSV", "XML", "XLSX"])
def test_a_wrong_learner_record_count_is_wsrc0017(fmt):
    report = _validate([learner(2), learner(3)], fmt=fmt, count=3)
    (problem,) = report.file_problems
    assert problem.code == "WSRC0017"
    assert problem.field == "LearnerRecordCount"
    assert "says 3 but the file holds 2" in problem.rule


def test_a_record_count_that_is_not_a_number_is_named():
    report = _validate([learner()], count=None)
    assert "is not a whole number" in _rules(report)


def test_an_unsupported_extension_is_refused(write):
    report = validate_file(write(b"x", f"LRB_{UKPRN}_010920241030.TXT"))
    assert "must end .CSV, .XML or .XLSX" in _rules(report)
    report = validate_file(write(b"x", f"LRB_{UKPRN}_010920241030.XLS"))
    assert "Old Excel 97-2003" in _rules(report)


def test_a_file_over_the_byte_limit_is_refused_with_the_limit(write):
    path = write(batch_bytes([learner(r) for r in range(2, 40)]))
    report = validate_file(path, today=TODAY, limits=Limits(max_bytes=2048))
    assert not report.file_accepted
    assert "the limit is 0.0 MB" in _rules(report) or "the limit is" in _rules(report)


def test_a_stream_over_the_byte_limit_is_refused_while_reading():
    class Unseekable(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = batch_bytes([learner(r) for r in range(2, 200)])
    report = validate_file(
        io.BufferedReader(Unseekable(data)),
        filename=name(),
        today=TODAY,
        limits=Limits(max_bytes=10_000),
    )
    assert "Split the learners over several smaller files" in _rules(report)


@pytest.mark.parametrize("fmt", ["CSV", "XML", "XLSX"])
def test_a_file_over_the_record_limit_is_refused_with_the_limit(fmt):
    data = batch_bytes([learner(r) for r in range(2, 8)], fmt=fmt)
    report = validate_file(
        io.BytesIO(data), filename=name(fmt), today=TODAY, limits=Limits(max_records=5)
    )
    assert not report.file_accepted
    assert "more than 5 learner records" in _rules(report)


def test_the_default_limits_are_100000_records_and_50_mb():
    assert Limits().max_records == 100_000
    assert Limits().max_bytes == 50 * 1024 * 1024


# --- record level ---------------------------------------------------------------------


def _outcome(**changes):
    return check_registration_record(learner(**changes), today=TODAY)


def test_a_complete_record_has_no_problem():
    assert _outcome() is None


@pytest.mark.parametrize(
    "missing",
    [
        "given_name",
        "family_name",
        "date_of_birth",
        "gender",
        "last_known_postcode",
        "verification_type",
        "ability_to_share",
    ],
)
def test_a_missing_mandatory_field_is_rc006_insufficient_data(missing):
    outcome = _outcome(**{missing: ""})
    assert outcome.return_code == "RC006"
    assert outcome.problems[0].rule == "This field is mandatory"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": "Ann2"}, "GivenName"),
        ({"family_name": "X" * 36}, "FamilyName"),
        ({"last_known_postcode": "NOT A PC"}, "LastKnownPostCode"),
        ({"gender": "3"}, "Gender"),
        ({"verification_type": "8"}, "VerificationType"),
        ({"ability_to_share": "5"}, "AbilityToShare"),
        ({"email_address": "not-an-email"}, "EmailAddress"),
        ({"nationality": "GBRX"}, "Nationality"),
        ({"scottish_candidate_number": "12345"}, "ScottishCandidateNumber"),
        ({"date_of_birth": "2001-02-30"}, "DateOfBirth"),
        ({"date_of_address_capture": "2099-01-01"}, "DateOfAddressCapture"),
        ({"verification_type": "999"}, "OtherVerificationDescription"),
        ({"uln": "9276308685"}, "ULN"),
        ({"mis_identifier": "M" * 129}, "MISIdentifier"),
        ({"mis_identifier": ""}, "MISIdentifier"),
        ({"notes": "n" * 4001}, "Notes"),
    ],
)
def test_a_field_breaking_its_rule_is_rc011_incorrect_format(changes, field):
    outcome = _outcome(**changes)
    assert outcome.return_code == "RC011"
    assert [p.field for p in outcome.problems] == [field]
    assert all(p.row == 2 for p in outcome.problems)


def test_a_wrong_uln_says_to_check_the_number_and_never_names_the_right_digit():
    outcome = _outcome(uln="9276308685")
    assert "check the whole number against the learner's records" in outcome.problems[0].rule
    assert "6" not in outcome.problems[0].rule


@pytest.mark.parametrize("date_of_birth", ["2012-01-16", "1914-01-15"])
def test_a_learner_outside_13_to_110_is_rc013(date_of_birth):
    outcome = _outcome(date_of_birth=date_of_birth)
    assert outcome.return_code == "RC013"
    assert "aged 13 to 110" in outcome.problems[0].rule


@pytest.mark.parametrize("date_of_birth", ["2012-01-15", "1914-01-16"])
def test_learners_aged_exactly_13_and_110_are_accepted(date_of_birth):
    assert _outcome(date_of_birth=date_of_birth) is None


def test_rc013_takes_precedence_over_missing_and_malformed_fields():
    outcome = _outcome(date_of_birth="2020-01-01", gender="", email_address="x")
    assert outcome.return_code == "RC013"
    assert {p.code for p in outcome.problems} == {"RC013", "RC006", "RC011"}


def test_rc006_takes_precedence_over_rc011():
    assert _outcome(gender="", email_address="x").return_code == "RC006"


def test_a_record_with_a_valid_uln_needs_only_names_and_date_of_birth():
    outcome = _outcome(
        uln="9276308686",
        gender="",
        last_known_postcode="",
        verification_type="",
        ability_to_share="",
    )
    assert outcome is None
    missing = _outcome(uln="9276308686", date_of_birth="")
    assert missing.return_code == "RC006"
    assert [p.field for p in missing.problems] == ["DateOfBirth"]


def test_a_record_with_an_invalid_uln_needs_every_mandatory_field():
    outcome = _outcome(uln="1234", gender="")
    assert outcome.return_code == "RC006"
    assert {p.field for p in outcome.problems} == {"ULN", "Gender"}


def test_fields_given_with_a_uln_are_still_checked():
    assert _outcome(uln="9276308686", gender="7").return_code == "RC011"


def test_a_repeated_mis_identifier_or_uln_is_rc012_naming_the_earlier_row():
    records = [
        learner(2, uln="9276308686"),
        learner(3, mis_identifier="S00002"),
        learner(4, uln="9276308686"),
    ]
    report = _validate(records)
    codes = {o.row: o.return_code for o in report.rejected}
    assert codes == {3: "RC012", 4: "RC012"}
    assert "also on row 2" in report.rejected[0].problems[0].rule


def test_excel_rewritten_dates_say_so_and_how_to_fix():
    outcome = _outcome(date_of_birth="03/04/2001")
    rule = outcome.problems[0].rule
    assert outcome.return_code == "RC011"
    assert "looks like DD/MM/YYYY" in rule
    assert "Excel rewrites YYYY-MM-DD dates as DD/MM/YYYY" in rule
    assert "format the date columns as Text" in rule


@pytest.mark.parametrize("value", ["3/4/01", "03/04/2001 00:00", "3.4.2001"])
def test_other_spreadsheet_date_forms_get_the_excel_message(value):
    assert "Excel rewrites" in _outcome(date_of_birth=value).problems[0].rule


def test_a_file_of_excel_dates_gets_one_note_for_the_whole_file():
    report = _validate([learner(r, date_of_birth="03/04/2001") for r in range(2, 5)])
    assert any("3 records have dates written like DD/MM/YYYY" in n for n in report.notes)


def test_every_problem_names_row_field_and_rule():
    report = _validate([learner(2), learner(3, gender="x", given_name="")])
    (problem_a, problem_b) = report.record_problems
    assert (problem_a.row, problem_a.field, problem_a.code) == (3, "GivenName", "RC006")
    assert (problem_b.row, problem_b.field, problem_b.code) == (3, "Gender", "RC011")
    assert report.return_code_counts() == {"RC006": 1}


_names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzéöñ -'", min_size=1, max_size=35
).filter(lambda s: any(c.isalpha() for c in s))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    given_name=_names,
    family_name=_names,
    age_days=st.integers(min_value=14 * 366, max_value=109 * 365),
    gender=st.sampled_from(["0", "1", "2", "9"]),
)
def test_any_well_formed_learner_validates_in_every_format(
    given_name, family_name, age_days, gender
):
    import datetime as dt

    dob = (TODAY - dt.timedelta(days=age_days)).isoformat()
    record = learner(
        2, given_name=given_name, family_name=family_name, date_of_birth=dob, gender=gender
    )
    for fmt in ("CSV", "XML"):
        assert _validate([record], fmt=fmt).ok


# --- the command line -----------------------------------------------------------------


def test_the_cli_prints_each_error_by_row_and_field_and_exits_1(write, capsys):
    path = write(batch_bytes([learner(2), learner(3, gender="")]))
    assert main([str(path), "--ukprn", UKPRN, "--today", TODAY.isoformat()]) == 1
    out = capsys.readouterr().out
    assert "Row 3 Gender: This field is mandatory [RC006]" in out
    assert "ERRORS: 1 record would be rejected" in out


def test_the_cli_exits_0_for_a_valid_file(write, capsys):
    path = write(batch_bytes([learner(2)]))
    assert main([str(path), "--today", TODAY.isoformat()]) == 0
    assert "VALID" in capsys.readouterr().out


def test_the_cli_reports_a_refused_file_and_a_missing_one(write, tmp_path, capsys):
    path = write(b"\x00\x01\x02garbage")
    assert main([str(path)]) == 1
    assert "REJECTED" in capsys.readouterr().out
    assert main([str(tmp_path / "nope.CSV")]) == 1


def test_the_cli_runs_as_a_module_without_django(write):
    import subprocess
    import sys

    path = write(batch_bytes([learner(2)]))
    code = (
        "import sys, runpy; sys.argv = ['validate', sys.argv[1], '--today', '2025-01-15']\n"
        "try:\n    runpy.run_module('lrs.batchfiles.validate', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django'\n"
        "    raise\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "VALID" in result.stdout

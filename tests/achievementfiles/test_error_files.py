"""Error files: the rejected rows with their original values and why, in each format."""

from __future__ import annotations

import csv
import io

import defusedxml.ElementTree as SafeET
import pytest
from openpyxl import load_workbook

from lrs.achievementfiles import (
    ACH_ERRORS_NAMESPACE,
    ACH_LAYOUT,
    ERROR_HEADINGS,
    AchievementProblem,
    ErrorCode,
    ErrorKind,
    RejectedRow,
    error_file_name,
    error_header,
    read_achievements,
    rejected_rows,
    write_errors,
)
from tests.achievementfiles.conftest import AO_UKPRN, TODAY, achievement, file_bytes, name

NS = f"{{{ACH_ERRORS_NAMESPACE}}}"


def _rows() -> list[RejectedRow]:
    field_row = achievement(3, uln="123", given_name='=HYPERLINK("http://x")')
    learner_row = achievement(4)
    business_row = achievement(5, reference="K/501/5773")
    return [
        RejectedRow(
            field_row,
            (
                AchievementProblem(3, "Uln", "A ULN must be exactly 10 digits", ErrorCode.FD03),
                AchievementProblem(3, "GivenName", "Names may contain letters", ErrorCode.FD04),
            ),
        ),
        RejectedRow(
            learner_row,
            (AchievementProblem(4, "Uln", "No learner has this ULN", ErrorCode.LD01),),
        ),
        RejectedRow(
            business_row,
            (
                AchievementProblem(
                    5,
                    "UnitOrQualificationReferenceNumber",
                    "K/501/5773 is not awarded by this awarding organisation",
                    ErrorCode.BR02,
                ),
            ),
        ),
    ]


def _write(fmt: str) -> bytes:
    buffer = io.BytesIO()
    header = error_header(name(fmt), AO_UKPRN, 3)
    assert write_errors(buffer, header, _rows(), fmt) == 3
    return buffer.getvalue()


def test_the_error_file_is_named_after_the_input():
    assert error_file_name(name("XLSX")) == f"ACH_{AO_UKPRN}_010920241030_ERRORS.XLSX"
    header = error_header(name(), AO_UKPRN, 7)
    assert (header.file_version, header.file_name, header.record_count) == (
        "1",
        f"ACH_{AO_UKPRN}_010920241030_ERRORS.CSV",
        7,
    )


def test_a_csv_error_file_echoes_each_row_and_adds_its_kind_codes_and_messages():
    content = _write("CSV")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == ERROR_HEADINGS
    assert rows[1][:4] == ["1", error_file_name(name()), AO_UKPRN, "3"]
    by_heading = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["ErrorKind"] for r in by_heading] == ["field", "learner", "business"]
    assert [r["ErrorCode"] for r in by_heading] == ["FD03 FD04", "LD01", "BR02"]
    assert [r["InputRow"] for r in by_heading] == ["3", "4", "5"]
    assert by_heading[0]["ErrorMessage"] == (
        "Uln: A ULN must be exactly 10 digits; GivenName: Names may contain letters"
    )
    assert by_heading[0]["Uln"] == "123"
    assert by_heading[2]["UnitOrQualificationReferenceNumber"] == "K/501/5773"
    assert all(r["FileVersion"] == "" for r in by_heading[1:])


def test_a_csv_error_file_neutralises_values_a_spreadsheet_would_run():
    rows = list(csv.reader(io.StringIO(_write("CSV").decode("utf-8-sig"))))
    given = rows[1][ERROR_HEADINGS.index("GivenName")]
    assert given == '\'=HYPERLINK("http://x")'


def test_an_xlsx_error_file_holds_the_same_cells_neutralised():
    workbook = load_workbook(io.BytesIO(_write("XLSX")), read_only=True)
    sheet = workbook.worksheets[0]
    assert sheet.title == "Errors"
    rows = [[c if c is not None else "" for c in r] for r in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert tuple(rows[0]) == ERROR_HEADINGS
    assert rows[1][ERROR_HEADINGS.index("GivenName")] == '\'=HYPERLINK("http://x")'
    assert [r[ERROR_HEADINGS.index("ErrorCode")] for r in rows[1:]] == ["FD03 FD04", "LD01", "BR02"]


def test_an_xml_error_file_has_one_error_element_per_problem_as_its_xsd_says():
    root = SafeET.fromstring(_write("XML"))
    assert root.tag == f"{NS}AchievementErrors"
    header = root.find(f"{NS}Header")
    assert [e.tag.removeprefix(NS) for e in header] == [
        "FileVersion",
        "FileName",
        "UKPRN",
        "RecordCount",
    ]
    achievements = root.findall(f"{NS}Achievement")
    assert len(achievements) == 3
    first = achievements[0]
    names = [e.tag.removeprefix(NS) for e in first]
    columns = [c.element for c in ACH_LAYOUT.columns]
    fields = [n for n in names if n in columns]
    assert fields == [c for c in columns if c in fields]  # schema order
    assert names[len(fields) :] == ["InputRow", "Error", "Error"]
    assert first.findtext(f"{NS}GivenName") == '=HYPERLINK("http://x")'  # XML: as sent
    errors = first.findall(f"{NS}Error")
    assert [
        (
            e.findtext(f"{NS}ErrorKind"),
            e.findtext(f"{NS}ErrorCode"),
            e.findtext(f"{NS}ErrorField"),
        )
        for e in errors
    ] == [("field", "FD03", "Uln"), ("field", "FD04", "GivenName")]
    assert achievements[1].find(f"{NS}Error/{NS}ErrorKind").text == "learner"


def test_a_rejected_row_needs_a_problem():
    with pytest.raises(ValueError, match="at least one problem"):
        RejectedRow(achievement(), ())


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="Unknown batch file format"):
        write_errors(io.BytesIO(), error_header(name(), AO_UKPRN, 0), [], "PDF")


@pytest.mark.parametrize("fmt", ["CSV", "XML", "XLSX"])
def test_the_rejected_rows_of_a_file_stream_into_an_error_file_in_its_format(fmt):
    records = [
        achievement(2),
        achievement(3, credits="-1"),
        achievement(4, award_date="2026-01-01"),
    ]
    content = file_bytes(records, fmt)
    out = io.BytesIO()
    with read_achievements(io.BytesIO(content), filename=name(fmt)) as file:
        written = write_errors(
            out, error_header(name(fmt), AO_UKPRN, 2), rejected_rows(file, today=TODAY), fmt
        )
    assert written == 2
    # The error file reads back with the achievement reader's machinery where it can:
    # its CSV/XLSX rows are the input row plus the error columns.
    if fmt == "CSV":
        rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
        assert [r[-3:-1] for r in rows[1:]] == [["field", "FD11"], ["business", "BR06"]]
    elif fmt == "XML":
        root = SafeET.fromstring(out.getvalue())
        codes = [e.text for e in root.iter(f"{NS}ErrorCode")]
        assert codes == ["FD11", "BR06"]
    else:
        workbook = load_workbook(out, read_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        assert [r[-3] for r in rows[1:]] == ["field", "business"]


def test_rejected_rows_without_today_leave_out_the_award_date_rule():
    records = [achievement(2, award_date="2026-01-01"), achievement(3, gender="7")]
    rows = list(rejected_rows(records))
    # Records not read through read_achievements carry no field problems yet.
    assert rows == []
    with read_achievements(io.BytesIO(file_bytes(records)), filename=name()) as file:
        rows = list(rejected_rows(file))
    assert [(r.record.row, r.codes, r.kind) for r in rows] == [(3, ("FD06",), ErrorKind.FIELD)]

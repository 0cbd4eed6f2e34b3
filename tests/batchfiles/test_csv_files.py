"""CSV batch files: the exact layout, and a specific message for each way they go wrong."""

from __future__ import annotations

import codecs
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.batchfiles import (
    LRB_HEADINGS,
    BatchFileError,
    read_batch,
    validate_file,
)
from tests.batchfiles.conftest import TODAY, batch_bytes, csv_text, learner, name


def _read(content: bytes | str, filename: str | None = None):
    data = content.encode("utf-8") if isinstance(content, str) else content
    batch = read_batch(io.BytesIO(data), filename=filename or name())
    return batch, list(batch)


def _file_error(content: bytes | str, filename: str | None = None) -> str:
    with pytest.raises(BatchFileError) as caught:
        _read(content, filename)
    return caught.value.problem.rule


def _cells(**changes: Any) -> list[str]:
    record = learner(**changes)
    from lrs.batchfiles import LRB_LAYOUT

    return [getattr(record, c.attr) for c in LRB_LAYOUT.columns]


def test_the_thirty_headings_are_exactly_those_of_the_real_service_in_order():
    assert len(LRB_HEADINGS) == 30
    assert LRB_HEADINGS[:6] == (
        "FileVersion",
        "FileName",
        "UKPRN",
        "LearnerRecordCount",
        "ULN",
        "MISIdentifier",
    )
    assert LRB_HEADINGS[12] == "FamilyNameAt16"
    assert LRB_HEADINGS[17] == "LastKnownAddressCountyorCity"
    assert LRB_HEADINGS[-1] == "Notes"


def test_a_csv_file_round_trips_every_field_through_writer_and_reader():
    records = [learner(2, notes='Said "hello", then\nleft'), learner(3, given_name="Zoë")]
    batch, got = _read(batch_bytes(records))
    assert batch.format == "CSV"
    assert batch.header.file_version == "2A"
    assert batch.header.learner_record_count == 2
    assert got == records


def test_row_two_holds_the_header_and_first_learner_and_later_rows_leave_columns_1_to_4_empty():
    text = batch_bytes([learner(2), learner(3)]).decode()
    rows = text.splitlines()
    assert rows[0] == ",".join(LRB_HEADINGS)
    assert rows[1].startswith(f"2A,{name()},10012345,2,,S00002,")
    assert rows[2].startswith(",,,,,S00003,")
    assert len(rows) == 3  # no trailer


def test_a_utf8_byte_order_mark_is_accepted():
    data = codecs.BOM_UTF8 + csv_text([_cells()]).encode()
    batch, got = _read(data)
    assert batch.header.file_version == "2A"
    assert got[0].given_name == "Ann"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.text(
            # Control characters are refused as binary data (tested elsewhere); any other
            # text must come back as it went in.
            alphabet=st.one_of(
                st.characters(blacklist_categories=["Cs", "Cc"]), st.sampled_from("\t\n")
            ),
            max_size=40,
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_text_in_a_field_survives_a_csv_round_trip(values):
    records = [learner(row, notes=value) for row, value in enumerate(values, start=2)]
    # A value that is all spaces in the only learner field set would read back as a
    # blank row only if every other field were empty; here MISIdentifier is always set.
    _, got = _read(batch_bytes(records))
    assert [r.notes for r in got] == values


def test_a_semicolon_delimited_file_is_refused_saying_semicolons_and_how_to_fix():
    text = csv_text([_cells()]).replace(",", ";")
    rule = _file_error(text)
    assert "semicolons (;)" in rule
    assert "CSV UTF-8 (Comma delimited)" in rule


def test_a_tab_delimited_file_is_refused_saying_tabs():
    text = csv_text([_cells()]).replace(",", "\t")
    assert "separated by tabs" in _file_error(text)


def test_a_missing_heading_is_named():
    headings = tuple(h for h in LRB_HEADINGS if h != "MiddleOtherName")
    rule = _file_error(csv_text([_cells()[:-1]], headings))
    assert "missing: MiddleOtherName" in rule


def test_a_wrongly_spelt_heading_is_named_with_a_suggestion():
    headings = tuple("MiddleName" if h == "MiddleOtherName" else h for h in LRB_HEADINGS)
    rule = _file_error(csv_text([_cells()], headings))
    assert "'MiddleName' is not a heading of this layout (did you mean MiddleOtherName?)" in rule


def test_a_heading_in_the_wrong_case_is_named_as_case_sensitive():
    headings = tuple("givenname" if h == "GivenName" else h for h in LRB_HEADINGS)
    rule = _file_error(csv_text([_cells()], headings))
    assert "'givenname' must be written 'GivenName' (headings are case-sensitive)" in rule


def test_reordered_headings_say_which_column_each_belongs_in():
    headings = list(LRB_HEADINGS)
    headings[7], headings[10] = headings[10], headings[7]
    rule = _file_error(csv_text([_cells()], tuple(headings)))
    assert "wrong order" in rule
    assert "FamilyName is in column 8 but belongs in column 11" in rule
    assert "GivenName is in column 11 but belongs in column 8" in rule


def test_binary_garbage_is_refused_as_binary():
    garbage = bytes(range(256)) * 20
    assert "binary data" in _file_error(garbage)


def test_a_windows_1252_file_is_refused_as_not_utf8_naming_the_line_and_the_fix():
    data = csv_text([_cells(given_name="Zoë")]).encode("cp1252")
    rule = _file_error(data)
    assert "not UTF-8" in rule
    assert "line 2" in rule
    assert "Windows-1252" in rule


def test_a_utf16_file_is_refused_with_the_fix():
    data = codecs.BOM_UTF16_LE + csv_text([_cells()]).encode("utf-16-le")
    assert "UTF-16" in _file_error(data)


def test_an_xlsx_workbook_named_csv_is_recognised():
    data = batch_bytes([learner()], fmt="XLSX")
    rule = _file_error(data)
    assert "Excel workbook" in rule
    assert ".XLSX" in rule


def test_a_file_whose_last_row_is_cut_short_is_refused_as_truncated():
    text = csv_text([_cells(), _cells(row=3)])
    cut = text[: text.rindex("CV4")]  # the last row loses its tail and its line break
    rule = _file_error(cut)
    assert "truncated" in rule
    assert "row 3" in rule


def test_a_quoted_field_left_open_is_refused_as_truncated_or_missing_quote():
    text = csv_text([_cells()]) + ',,,,,S3,,"Bob,,,Jones'
    rule = _file_error(text)
    assert "never closed" in rule
    assert "truncated" in rule


def test_a_middle_row_with_too_few_columns_rejects_only_that_record(write):
    cells = _cells()
    text = csv_text([cells, cells[:-3], _cells(row=4)])  # row 3 loses 3 columns
    text = text.replace("S00002", "S1", 1)
    report = validate_file(write(text), today=TODAY)
    assert report.file_accepted
    (outcome,) = [o for o in report.rejected if o.row == 3]
    assert outcome.return_code == "RC011"
    assert "27 columns but the layout has 30" in outcome.problems[0].rule


def test_header_values_on_a_later_row_are_a_file_problem_naming_the_rows(write):
    text = batch_bytes([learner(2), learner(3)]).decode()
    lines = text.splitlines()
    lines[2] = "2A" + lines[2]
    report = validate_file(write("\r\n".join(lines) + "\r\n"), today=TODAY)
    assert not report.file_accepted
    assert any("only row 2 may fill them" in p.rule and p.row == 3 for p in report.file_problems)


def test_blank_rows_are_skipped_and_trailing_empty_columns_tolerated(write):
    text = csv_text([_cells()]).rstrip("\r\n") + ",,\r\n,,,,\r\n\r\n"
    report = validate_file(write(text), today=TODAY)
    assert report.ok, report.lines()
    assert report.records == 1


def test_an_empty_file_is_refused():
    assert "empty" in _file_error(b"")


def test_a_file_with_only_headings_says_row_two_is_missing():
    rule = _file_error(",".join(LRB_HEADINGS) + "\r\n")
    assert "Row 2 is missing" in rule

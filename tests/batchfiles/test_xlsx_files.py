"""XLSX batch files: the CSV layout in a workbook, read in openpyxl's read-only mode."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook

from lrs.batchfiles import LRB_HEADINGS, LRB_LAYOUT, BatchFileError, read_batch, validate_file
from lrs.batchfiles.records import Limits
from tests.batchfiles.conftest import TODAY, UKPRN, batch_bytes, learner, name


def _read(data: bytes, limits: Limits | None = None):
    batch = read_batch(io.BytesIO(data), filename=name("XLSX"), limits=limits or Limits())
    return batch, list(batch)


def _excel_saved_workbook(date_of_birth: object = dt.datetime(2001, 4, 3)) -> bytes:
    """A workbook as Excel saves it: numbers as numbers, dates as real date cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(LRB_HEADINGS))
    cells: list[object] = [getattr(learner(), c.attr) or None for c in LRB_LAYOUT.columns]
    cells[LRB_HEADINGS.index("DateOfBirth") - 4] = date_of_birth
    cells[LRB_HEADINGS.index("Gender") - 4] = 2
    cells[LRB_HEADINGS.index("ULN") - 4] = 9276308686
    cells[LRB_HEADINGS.index("DateOfAddressCapture") - 4] = dt.date(2024, 9, 1)
    sheet.append(["2A", name("XLSX"), int(UKPRN), 1, *cells])
    if isinstance(date_of_birth, dt.date):
        cell = sheet.cell(row=2, column=LRB_HEADINGS.index("DateOfBirth") + 1)
        cell.number_format = "dd/mm/yyyy"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_file_round_trips_every_field():
    records = [learner(2, notes="=SUM(A1)"), learner(3, given_name="Zoë")]
    batch, got = _read(batch_bytes(records, fmt="XLSX"))
    assert batch.format == "XLSX"
    assert batch.header.learner_record_count == 2
    assert got == records


def test_real_date_cells_and_number_cells_from_excel_are_read_as_text_values():
    _, (record,) = _read(_excel_saved_workbook())
    assert record.date_of_birth == "2001-04-03"
    assert record.date_of_address_capture == "2024-09-01"
    assert record.gender == "2"
    assert record.uln == "9276308686"


def test_a_workbook_saved_from_excel_with_date_cells_validates(write):
    path = write(_excel_saved_workbook(), name("XLSX"))
    report = validate_file(path, today=TODAY)
    assert report.ok, report.lines()


def test_a_date_serial_number_in_a_workbook_is_explained(write):
    path = write(_excel_saved_workbook(date_of_birth=36984), name("XLSX"))
    report = validate_file(path, today=TODAY)
    (problem,) = report.rejected[0].problems
    assert problem.field == "DateOfBirth"
    assert "date serial number" in problem.rule


def test_a_damaged_workbook_is_refused():
    data = batch_bytes([learner()], fmt="XLSX")
    with pytest.raises(BatchFileError) as caught:
        _read(data[: len(data) // 2])
    assert "damaged or truncated" in caught.value.problem.rule


def test_a_text_file_named_xlsx_is_refused():
    with pytest.raises(BatchFileError) as caught:
        _read(batch_bytes([learner()], fmt="CSV"))
    assert "not an Excel workbook" in caught.value.problem.rule


def test_a_workbook_that_expands_beyond_the_limit_is_refused_as_a_zip_bomb_guard():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * 2_000_000)
    with pytest.raises(BatchFileError) as caught:
        _read(buffer.getvalue(), Limits(max_uncompressed_bytes=1_000_000))
    assert "expands to" in caught.value.problem.rule


def test_wrong_headings_in_a_workbook_get_the_same_message_as_in_csv():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([h.upper() if h == "UKPRN" else h.lower() for h in LRB_HEADINGS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(BatchFileError) as caught:
        _read(buffer.getvalue())
    assert "headings are case-sensitive" in caught.value.problem.rule


def test_a_workbook_with_a_damaged_sheet_is_refused_not_crashed(write):
    data = batch_bytes([learner(r) for r in range(2, 50)], fmt="XLSX")
    source = zipfile.ZipFile(io.BytesIO(data))
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        for info in source.infolist():
            part = source.read(info.filename)
            if "sheet1" in info.filename:
                part = part[: len(part) // 2]
            archive.writestr(info, part)
    report = validate_file(write(damaged.getvalue(), name("XLSX")))
    assert not report.file_accepted
    assert "workbook" in report.file_problems[-1].rule

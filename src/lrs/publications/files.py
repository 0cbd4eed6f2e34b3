"""The published lists as CSV and XLSX.

Organisation names come from applicants, so every text cell is neutralised as batch
files are (lrs.batchfiles.writers.neutralise): a value starting with = + - @ gets a
leading ' so a spreadsheet shows it instead of running it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO

from lrs.batchfiles.writers import neutralise
from lrs.publications.lists import Column, Row, parse_date

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_csv(stream: IO[bytes], columns: Sequence[Column], rows: Iterable[Row]) -> None:
    # With a byte order mark, so that Excel shows accented names correctly.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([column.heading for column in columns])
        for row in rows:
            writer.writerow([neutralise(row.get(column.key, "")) for column in columns])
        text.flush()
    finally:
        text.detach()


def write_xlsx(
    stream: IO[bytes], columns: Sequence[Column], rows: Iterable[Row], *, sheet: str
) -> None:
    from openpyxl import Workbook  # imported here: only XLSX downloads need it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    bold = Font(bold=True)
    headings = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=column.heading)
        cell.font = bold
        headings.append(cell)
    worksheet.append(headings)
    for row in rows:
        cells: list[object] = []
        for column in columns:
            value = row.get(column.key, "")
            date = parse_date(value) if column.is_date else None
            if date is not None:
                cell = WriteOnlyCell(worksheet, value=date)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                # Without the quote openpyxl would store "=…" as a formula.
                cells.append(ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value)) or None)
        worksheet.append(cells)
    workbook.save(stream)

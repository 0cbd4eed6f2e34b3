"""Helpers that build small batch files for the tests, in any of the three formats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from lrs.batchfiles import (
    LRB_HEADINGS,
    BatchHeader,
    BatchRecord,
    write_batch,
)

UKPRN = "10012345"
TODAY = dt.date(2025, 1, 15)
STAMP = "010920241030"


def name(fmt: str = "CSV", prefix: str = "LRB") -> str:
    return f"{prefix}_{UKPRN}_{STAMP}.{fmt}"


def learner(row: int = 2, **changes: Any) -> BatchRecord:
    """A complete, valid learner record; ``changes`` override fields."""
    record = BatchRecord(
        row=row,
        mis_identifier=f"S{row:05d}",
        title="Ms",
        given_name="Ann",
        family_name="Example",
        last_known_postcode="CV4 9EE",
        date_of_birth="2001-04-03",
        gender="2",
        ability_to_share="1",
        verification_type="2",
    )
    return dataclasses.replace(record, **changes)


def header(count: int | None, fmt: str = "CSV", **changes: str) -> BatchHeader:
    values = {"file_version": "2A", "file_name": name(fmt), "ukprn": UKPRN}
    values.update(changes)
    return BatchHeader(learner_record_count=count, **values)


def batch_bytes(
    records: list[BatchRecord], fmt: str = "CSV", count: int | None = -1, **header_changes: str
) -> bytes:
    buffer = io.BytesIO()
    declared = len(records) if count == -1 else count
    write_batch(buffer, header(declared, fmt, **header_changes), records, fmt=fmt)
    return buffer.getvalue()


def csv_text(rows: list[list[str]], headings: tuple[str, ...] = LRB_HEADINGS) -> str:
    """A CSV file from rows of learner cells (columns 5-30), header on row 2."""
    lines = [",".join(headings)]
    for i, cells in enumerate(rows):
        head = ["2A", name(), UKPRN, str(len(rows))] if i == 0 else ["", "", "", ""]
        lines.append(",".join(head + cells))
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def write(tmp_path: Path):
    """write(bytes_or_text, filename) -> the path of a file holding it."""

    def _write(content: bytes | str, filename: str | None = None) -> Path:
        path = tmp_path / (filename or name())
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)
        return path

    return _write

"""Helpers that build small achievement files for the tests, in any of the three formats."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from lrs.achievementfiles import (
    ACH_HEADINGS,
    AchievementHeader,
    AchievementRecord,
    make_header,
    write_achievements,
)

AO_UKPRN = "10054321"
CENTRE_UKPRN = "10012345"
TODAY = dt.date(2025, 1, 15)
STAMP = "010920241030"
ULN = "9276308686"
EVENT_ID = "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"


def name(fmt: str = "CSV", prefix: str = "ACH", ukprn: str = AO_UKPRN) -> str:
    return f"{prefix}_{ukprn}_{STAMP}.{fmt}"


def achievement(row: int = 2, **changes: Any) -> AchievementRecord:
    """A complete, valid create of a final achievement; ``changes`` override fields."""
    record = AchievementRecord(
        row=row,
        mis_identifier=f"C{row:05d}",
        uln=ULN,
        given_name="Ann",
        family_name="Example",
        date_of_birth="2001-04-03",
        gender="2",
        learner_postcode="CV4 9EE",
        provider_ukprn=CENTRE_UKPRN,
        reference="600/1166/X",
        grade="A*",
        award_date="2024-08-15",
        credits="",
        language_for_assessment="English",
        status="F",
        action="1",
        action_date="2024-08-20",
    )
    return dataclasses.replace(record, **changes)


def header(count: int | None, fmt: str = "CSV", **changes: Any) -> AchievementHeader:
    values: dict[str, Any] = {"file_name": name(fmt), "ukprn": AO_UKPRN, "count": count}
    values.update(changes)
    version = values.pop("file_version", None)
    made = make_header(**values)
    return dataclasses.replace(made, file_version=version) if version is not None else made


def file_bytes(
    records: list[AchievementRecord], fmt: str = "CSV", count: int | None = -1, **changes: Any
) -> bytes:
    buffer = io.BytesIO()
    declared = len(records) if count == -1 else count
    write_achievements(buffer, header(declared, fmt, **changes), records, fmt=fmt)
    return buffer.getvalue()


def csv_text(rows: list[list[str]], headings: tuple[str, ...] = ACH_HEADINGS) -> str:
    """A CSV file from rows of achievement cells (columns 5-22), header on row 2."""
    lines = [",".join(headings)]
    for i, cells in enumerate(rows):
        head = ["1", name(), AO_UKPRN, str(len(rows))] if i == 0 else ["", "", "", ""]
        lines.append(",".join(head + cells))
    return "\r\n".join(lines) + "\r\n"


def cells(record: AchievementRecord) -> list[str]:
    return list(record.values().values())


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

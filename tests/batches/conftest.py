"""Batch tests: files built with the batch-file writers, processed by the real worker code."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.access import OrganisationType, Role
from lrs.batchfiles import VERIFY_LAYOUT, BatchHeader, BatchRecord, VerifyRecord, write_batch
from tests.factories import make_organisation, make_user

STAMP = "010920241030"


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"
    settings.LRS_BATCH_CHUNK_SIZE = 3


@pytest.fixture
def batch_user():
    return make_user(make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE), Role.BATCH_USER)


@pytest.fixture
def ao_user():
    return make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )


def learner(row: int, **changes: Any) -> BatchRecord:
    record = BatchRecord(
        row=row,
        mis_identifier=f"S{row:05d}",
        given_name="Ann",
        family_name="Example",
        last_known_postcode="CV4 9EE",
        date_of_birth="2001-04-03",
        gender="2",
        ability_to_share="1",
        verification_type="2",
    )
    return dataclasses.replace(record, **changes)


def file_name(ukprn: str, fmt: str = "CSV", prefix: str = "LRB") -> str:
    return f"{prefix}_{ukprn}_{STAMP}.{fmt}"


def upload(
    ukprn: str, records: list[Any], fmt: str = "CSV", count: int | None = None, prefix: str = "LRB"
) -> SimpleUploadedFile:
    name = file_name(ukprn, fmt, prefix)
    buffer = io.BytesIO()
    header = BatchHeader(
        file_version="V1" if prefix == "LRV" else "2A",
        file_name=name,
        ukprn=ukprn,
        learner_record_count=len(records) if count is None else count,
    )
    layout = VERIFY_LAYOUT if prefix == "LRV" else None
    if layout is None:
        write_batch(buffer, header, records, fmt=fmt)
    else:
        write_batch(buffer, header, records, fmt=fmt, layout=layout)
    return SimpleUploadedFile(name, buffer.getvalue())


def verify_record(row: int, **changes: Any) -> VerifyRecord:
    return dataclasses.replace(VerifyRecord(row=row, mis_identifier=f"C{row}"), **changes)


def synthetic_records(count: int, seed: int = 7) -> list[BatchRecord]:
    """``count`` distinct realistic learners as batch records, rows 2 onwards."""
    from lrs.synthetic import generate_learners

    records = []
    for row, person in enumerate(generate_learners(count, seed=seed), start=2):
        d = person.demographics
        records.append(
            learner(
                row,
                given_name=d.given_name,
                family_name=d.family_name,
                date_of_birth=d.date_of_birth.isoformat(),
                gender=d.gender,
                last_known_postcode=d.postcode,
            )
        )
    return records

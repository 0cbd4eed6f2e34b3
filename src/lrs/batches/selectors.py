"""Reads of batches, always limited to the caller's own organisation."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO

from django.db.models import QuerySet

from lrs.access import Capability
from lrs.batches.models import Batch, BatchKind, BatchRow
from lrs.batchfiles import (
    BatchHeader,
    BatchRecord,
    OutputRecord,
    VerifyOutputRecord,
    VerifyRecord,
    output_file_name,
    write_output,
    write_verify_output,
)
from lrs.batchfiles.return_codes import description, verify_description
from lrs.core.errors import FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.users.models import User

OUTPUT_FORMATS = ("CSV", "XML", "XLSX")


def batch_list(*, actor: User) -> QuerySet[Batch]:
    if not (actor.can(Capability.SUBMIT_BATCH) or actor.can(Capability.SUBMIT_VERIFY_BATCH)):
        raise NotPermitted("Your role may not use batch files")
    return Batch.objects.filter(organisation_id=actor.organisation_id).select_related("uploaded_by")


def batch_get(*, actor: User, public_id: uuid.UUID | str) -> Batch:
    try:
        return batch_list(actor=actor).get(public_id=public_id)
    except (Batch.DoesNotExist, ValueError):
        raise NotFound("No such batch for your organisation") from None


def batch_exceptions(
    *, actor: User, batch: Batch | None = None, return_code: str = "", open_only: bool = True
) -> QuerySet[BatchRow]:
    """Exceptions of one batch, or of every batch of the caller's organisation."""
    rows = BatchRow.objects.filter(batch__organisation_id=actor.organisation_id).select_related(
        "batch"
    )
    if not (actor.can(Capability.SUBMIT_BATCH) or actor.can(Capability.SUBMIT_VERIFY_BATCH)):
        raise NotPermitted("Your role may not use batch files")
    if batch is not None:
        rows = rows.filter(batch=batch)
    rows = rows.filter(is_exception=True) if open_only else rows.exclude(candidates=[])
    if return_code:
        rows = rows.filter(return_code=return_code)
    return rows.order_by("batch_id", "row_number")


def batch_rows(*, actor: User, batch: Batch) -> Iterator[BatchRow]:
    """Every record of one of the caller's organisation's batches and its outcome, in file
    order, streamed: the output file and the web service's output answer are built from
    these."""
    if batch.organisation_id != actor.organisation_id:
        raise NotFound("No such batch for your organisation")
    return BatchRow.objects.filter(batch=batch).order_by("row_number").iterator(2000)


def _registration_results(actor: User, batch: Batch) -> Iterator[OutputRecord]:
    for row in batch_rows(actor=actor, batch=batch):
        fields = {k: v for k, v in row.data.items() if k in BatchRecord.__dataclass_fields__}
        detail = "; ".join(f"{p.get('field', '')}: {p['rule']}" for p in row.problems)
        yield OutputRecord(
            record=BatchRecord(**fields),
            return_code=row.return_code,
            uln=row.uln,
            candidate_ulns=tuple(row.candidate_ulns) if row.is_exception else (),
            detail=detail or description(row.return_code),
        )


def _verify_results(actor: User, batch: Batch) -> Iterator[VerifyOutputRecord]:
    for row in batch_rows(actor=actor, batch=batch):
        fields = {k: v for k, v in row.data.items() if k in VerifyRecord.__dataclass_fields__}
        detail = "; ".join(f"{p.get('field', '')}: {p['rule']}" for p in row.problems)
        yield VerifyOutputRecord(
            record=VerifyRecord(**fields),
            response_code=row.return_code,
            matched_uln=row.uln,
            failure_flags=tuple(row.failure_flags),
            detail=detail or verify_description(row.return_code),
        )


def batch_output(*, actor: User, batch: Batch, fmt: str = "") -> tuple[str, IO[bytes]]:
    """The output file, in the input's format unless another is asked for."""
    fmt = (fmt or batch.file_format).upper()
    if fmt not in OUTPUT_FORMATS:
        raise ValidationFailed([FieldProblem("format", "Use csv, xml or xlsx")])
    base = batch.file_name.rsplit(".", 1)[0]
    name = output_file_name(f"{base}.{fmt}")
    header = BatchHeader(
        file_version="V1" if batch.kind == BatchKind.VERIFY else "2A",
        file_name=name,
        ukprn=batch.organisation.ukprn,
        learner_record_count=batch.total_records,
    )
    # Spooled: small outputs stay in memory, a 100,000-row one goes to a temporary file.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    if batch.kind == BatchKind.VERIFY:
        write_verify_output(out, header, _verify_results(actor, batch), fmt=fmt)
    else:
        write_output(out, header, _registration_results(actor, batch), fmt=fmt)
    out.seek(0)
    return name, out

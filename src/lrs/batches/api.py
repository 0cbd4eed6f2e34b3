"""REST endpoints for batch files: upload, progress, output, exceptions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from lrs.api.pagination import Mapped, paged
from lrs.api.schemas import Declared, code, responses
from lrs.batches import selectors, services
from lrs.batches.models import Batch, BatchRow
from lrs.core.errors import Conflict
from lrs.users.api_auth import api_user

router = Router(tags=["Batch files"])


class CountsOut(Schema):
    total: int
    processed: int
    new: int
    existing_or_updated: int
    possible_match: int
    not_found: int
    rejected: int


class ProblemOut(Schema):
    row: int | None
    field: str
    rule: str
    code: str


class BatchOut(Schema):
    id: uuid.UUID
    kind: str
    file_name: str
    format: str
    status: str
    progress: str
    counts: CountsOut
    failure_reason: str
    problems: list[ProblemOut]
    submitted_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class BatchCandidateOut(Schema):
    uln: str
    score: float | None
    explanation: list[dict[str, Any]]


class ExceptionOut(Schema):
    row: int
    mis_identifier: str
    return_code: str
    data: dict[str, Any]
    candidates: list[BatchCandidateOut]
    failure_flags: list[str]


class RowOut(Schema):
    row: int
    return_code: str
    uln: str
    resolved_at: dt.datetime | None


class ExceptionResolveIn(Schema):
    action: Annotated[str, code(*services.RESOLUTIONS)]
    uln: str = ""
    reason: str = ""
    amended: dict[str, str] | None = None


def batch_out(batch: Batch) -> BatchOut:
    progress = {
        "queued": "Queued",
        "validating": "Validating",
        "processing": f"Processing {batch.processed_records} of {batch.total_records}",
        "complete": "Complete",
        "failed": "Failed",
    }[batch.status]
    return BatchOut(
        id=batch.public_id,
        kind=batch.kind,
        file_name=batch.file_name,
        format=batch.file_format,
        status=batch.status,
        progress=progress,
        counts=CountsOut(
            total=batch.total_records,
            processed=batch.processed_records,
            new=batch.new_learners,
            existing_or_updated=batch.existing_learners,
            possible_match=batch.possible_matches,
            not_found=batch.not_found,
            rejected=batch.rejected,
        ),
        failure_reason=batch.failure_reason,
        problems=[
            ProblemOut(
                row=p.get("row"), field=p.get("field", ""), rule=p["rule"], code=p.get("code", "")
            )
            for p in batch.problems
        ],
        submitted_at=batch.created_at,
        started_at=batch.started_at,
        finished_at=batch.finished_at,
    )


def exception_out(row: BatchRow) -> ExceptionOut:
    data = {k: v for k, v in row.data.items() if k not in ("row", "line")}
    return ExceptionOut(
        row=row.row_number,
        mis_identifier=row.mis_identifier,
        return_code=row.return_code,
        data=data,
        candidates=[BatchCandidateOut(**c) for c in row.candidates],
        failure_flags=row.failure_flags,
    )


@router.post(
    "/batches",
    response=responses({202: BatchOut}),
    summary="Upload a batch file (LRB_… registration or LRV_… verify; CSV, XML or XLSX)",
)
def submit(
    request: HttpRequest, file: File[UploadedFile], confirm_duplicate: Form[bool] = False
) -> Status:
    batch = services.batch_submit(
        actor=api_user(request), upload=file, confirm_duplicate=confirm_duplicate
    )
    return Status(202, batch_out(batch))


@router.get(
    "/batches", response=responses({200: list[BatchOut]}), summary="Your batches, newest first"
)
@paged(100)
def list_batches(request: HttpRequest) -> Any:
    return Mapped(selectors.batch_list(actor=api_user(request)), batch_out)


@router.get("/batches/{batch_id}", response=responses({200: BatchOut}), summary="Status and counts")
def get_batch(request: HttpRequest, batch_id: uuid.UUID) -> BatchOut:
    return batch_out(selectors.batch_get(actor=api_user(request), public_id=batch_id))


class OutputQuery(Schema):
    # Either case; empty for the input's format.
    format: Annotated[
        str, Declared(pattern=r"^(?:[Cc][Ss][Vv]|[Xx][Mm][Ll]|[Xx][Ll][Ss][Xx])?$")
    ] = ""


@router.get(
    "/batches/{batch_id}/output",
    response=responses({200: None}),
    summary="The output file (format=csv|xml|xlsx; the input's format by default)",
)
def output(request: HttpRequest, batch_id: uuid.UUID, query: Query[OutputQuery]) -> Any:
    actor = api_user(request)
    batch = selectors.batch_get(actor=actor, public_id=batch_id)
    if not batch.is_finished:
        raise Conflict("not_finished", "The batch has not finished processing yet")
    name, stream = selectors.batch_output(actor=actor, batch=batch, fmt=query.format)
    return FileResponse(stream, as_attachment=True, filename=name)


class ExceptionsQuery(Schema):
    return_code: str = ""


@router.get(
    "/batches/{batch_id}/exceptions",
    response=responses({200: list[ExceptionOut]}),
    summary="The open exceptions of a batch, with candidates, scores and explanations",
)
@paged(1000)
def exceptions(request: HttpRequest, batch_id: uuid.UUID, query: Query[ExceptionsQuery]) -> Any:
    actor = api_user(request)
    batch = selectors.batch_get(actor=actor, public_id=batch_id)
    rows = selectors.batch_exceptions(actor=actor, batch=batch, return_code=query.return_code)
    return Mapped(rows, exception_out)


@router.post(
    "/batches/{batch_id}/exceptions/{row}/resolve",
    response=responses({200: RowOut}),
    summary="Resolve an exception: choose, new (with reason), amend, or dismiss",
)
def resolve(
    request: HttpRequest, batch_id: uuid.UUID, row: int, payload: ExceptionResolveIn
) -> RowOut:
    actor = api_user(request)
    batch = selectors.batch_get(actor=actor, public_id=batch_id)
    resolved = services.batch_exception_resolve(
        actor=actor,
        batch=batch,
        row_number=row,
        action=payload.action,
        uln=payload.uln,
        reason=payload.reason,
        amended=payload.amended,
    )
    return RowOut(
        row=resolved.row_number,
        return_code=resolved.return_code,
        uln=resolved.uln,
        resolved_at=resolved.resolved_at,
    )

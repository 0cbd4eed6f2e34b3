"""LearnerService batch operations: SubmitBatch, GetSubmitBatchOutput, SubmitVerifyBatch,
GetVerifyBatchOutput.

A SOAP batch is the same batch as an uploaded file. Its learners are written as a CSV
batch file in the published layout (``LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV``, or ``LRV_…`` for a
verify batch) with lrs.batchfiles' writer, and that file goes through
``lrs.batches.services.batch_submit``, so the worker validates and processes it exactly as
it does a portal or REST upload. The JobID is the Batch's primary key.

Gap decisions (docs/soap.md): JobStatus is ``Waiting``, ``InProgress``,
``Successful`` or ``Failed``; an unknown job, another organisation's job and a job of the
other kind all answer WSRC0018.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lrs.access import Capability
from lrs.batches import selectors, services
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.batchfiles import (
    LRB_LAYOUT,
    VERIFY_LAYOUT,
    BatchHeader,
    Layout,
    write_batch,
)
from lrs.soap.codes import (
    FAILED,
    INCOMPLETE,
    RECORD_COUNT_INCORRECT,
    SUBMITTED,
    SUCCESSFUL,
    UNKNOWN_JOB,
)
from lrs.soap.handlers import Handler
from lrs.soapwire import learner_service as wire
from lrs.soapwire.faults import SoapFault
from lrs.users.models import User

XS_LONG_MIN, XS_LONG_MAX = -(2**63), 2**63 - 1

# The AO job vocabulary of the interface facts (section 7): the only job statuses the
# LRS is known to publish. The batch JobStatus values themselves are unknown.
JOB_STATUS: dict[str, str] = {
    BatchStatus.QUEUED: "Waiting",
    BatchStatus.VALIDATING: "InProgress",
    BatchStatus.PROCESSING: "InProgress",
    BatchStatus.COMPLETE: "Successful",
    BatchStatus.FAILED: "Failed",
}
RESPONSE_CODE: dict[str, str] = {
    BatchStatus.QUEUED: INCOMPLETE,
    BatchStatus.VALIDATING: INCOMPLETE,
    BatchStatus.PROCESSING: INCOMPLETE,
    BatchStatus.COMPLETE: SUCCESSFUL,
    BatchStatus.FAILED: FAILED,
}

# CSV is the real service's published layout (the XML namespace is this project's own),
# and its reader gives back exactly what the writer wrote, neutralised formulas included.
FILE_FORMAT = "CSV"


def _declared_count(value: str | None, path: str) -> int:
    if value is None:
        raise SoapFault.invalid(path, "a value is required")
    try:
        count = int(value.strip())
    except ValueError:
        raise SoapFault.invalid(path, "must be a whole number") from None
    if count < 0:
        raise SoapFault.invalid(path, "must not be negative")
    return count


def _job_id(value: str | None, path: str) -> int:
    if value is None:
        raise SoapFault.invalid(path, "a value is required")
    try:
        job_id = int(value.strip())
    except ValueError:
        raise SoapFault.invalid(path, "must be a whole number (xs:long)") from None
    if not XS_LONG_MIN <= job_id <= XS_LONG_MAX:
        raise SoapFault.invalid(path, "must be a whole number (xs:long)")
    return job_id


def _upload(
    user: User, learners: Sequence[Mapping[str, str | None]], layout: Layout[Any]
) -> SimpleUploadedFile:
    """The learners as a batch file of ``layout``, named and headed for the caller."""
    ukprn = user.organisation.ukprn
    stamp = timezone.localtime().strftime("%d%m%Y%H%M")
    name = f"{layout.prefix}_{ukprn}_{stamp}.{FILE_FORMAT}"
    records = [
        layout.make(
            row,
            {column.attr: learner.get(column.element) or "" for column in layout.columns},
        )
        for row, learner in enumerate(learners, start=2)
    ]
    header = BatchHeader(
        file_version=layout.file_version,
        file_name=name,
        ukprn=ukprn,
        learner_record_count=len(records),
    )
    buffer = io.BytesIO()
    write_batch(buffer, header, records, fmt=FILE_FORMAT, layout=layout)
    return SimpleUploadedFile(name, buffer.getvalue())


def _submit(
    user: User, declared: int, learners: Sequence[Mapping[str, str | None]], layout: Layout[Any]
) -> tuple[str, int | None]:
    # The declared count is part of the SOAP message itself: a file would carry it in its
    # header and be refused by the worker for it, so it is refused here before any job.
    if declared != len(learners):
        return RECORD_COUNT_INCORRECT, None
    # A web-service client has no way to confirm a duplicate as a person uploading can,
    # and the same learners sent twice in one minute make byte-identical files: accept
    # it; the batch.submit audit entry still says which job it repeats.
    batch = services.batch_submit(
        actor=user, upload=_upload(user, learners, layout), confirm_duplicate=True
    )
    return SUBMITTED, batch.pk


def _find_job(user: User, job_id: int, kind: str) -> Batch | None:
    """The caller's own job of this kind; another organisation's is as unknown as none."""
    return selectors.batch_list(actor=user).filter(pk=job_id, kind=kind).first()


def _when(value: dt.datetime | None) -> str | None:
    # UK wall-clock time, as the fault timestamps: the element is an xs:string.
    if value is None:
        return None
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S")


def _output_learner(row: BatchRow) -> dict[str, Any]:
    learner: dict[str, Any] = {
        column.element: row.data.get(column.attr) or None for column in LRB_LAYOUT.columns
    }
    # As in the output file: the ULN returned (issued, found or master), not the one sent.
    learner["ULN"] = row.uln or None
    learner["ReturnCode"] = row.return_code
    return learner


def _verified_learner(row: BatchRow) -> dict[str, Any]:
    data = row.data
    return {
        "MISIdentifier": data.get("mis_identifier") or None,
        "SearchedULN": data.get("uln") or None,
        "SearchedFamilyName": data.get("family_name") or None,
        "SearchedGivenName": data.get("given_name") or None,
        "SearchedDateOfBirth": data.get("date_of_birth") or None,
        "SearchedGender": data.get("gender") or None,
        "ResponseCode": row.return_code,
        "ULN": row.uln or None,
        "FailureFlag": list(row.failure_flags),
    }


def submit_batch(request: wire.SubmitBatchRequest, user: User) -> bytes:
    declared = _declared_count(request.learner_record_count, "SubmitBatch/LearnerRecordCount")
    code, job_id = _submit(user, declared, request.learners, LRB_LAYOUT)
    return wire.submit_batch_response(response_code=code, job_id=job_id)


def get_submit_batch_output(request: wire.GetSubmitBatchOutputRequest, user: User) -> bytes:
    batch = _find_job(
        user, _job_id(request.job_id, "GetSubmitBatchOutput/JobID"), BatchKind.REGISTRATION
    )
    if batch is None:
        return wire.get_submit_batch_output_response(response_code=UNKNOWN_JOB)
    return wire.get_submit_batch_output_response(
        response_code=RESPONSE_CODE[batch.status],
        job_status=JOB_STATUS[batch.status],
        counts={
            "NewLearnersCount": batch.new_learners,
            "ExistsUpdatedLearnersCount": batch.existing_learners,
            "PossibleMatchLearnersCount": batch.possible_matches,
            "LearnersNotFoundCount": batch.not_found,
            "RejectedLearnersCount": batch.rejected,
        },
        job_started=_when(batch.started_at),
        job_finished=_when(batch.finished_at),
        # Rows are written a chunk at a time: only a finished job's list is the whole job.
        learners=[_output_learner(r) for r in selectors.batch_rows(actor=user, batch=batch)]
        if batch.status == BatchStatus.COMPLETE
        else [],
    )


def submit_verify_batch(request: wire.SubmitVerifyBatchRequest, user: User) -> bytes:
    # OrgEmail is not used: the service notifies the submitting user, as for an upload.
    declared = _declared_count(request.learner_record_count, "SubmitVerifyBatch/LearnerRecordCount")
    code, job_id = _submit(user, declared, request.learners, VERIFY_LAYOUT)
    return wire.submit_verify_batch_response(response_code=code, job_id=job_id)


def get_verify_batch_output(request: wire.GetVerifyBatchOutputRequest, user: User) -> bytes:
    batch = _find_job(user, _job_id(request.job_id, "GetVerifyBatchOutput/JobID"), BatchKind.VERIFY)
    if batch is None:
        return wire.get_verify_batch_output_response(response_code=UNKNOWN_JOB)
    return wire.get_verify_batch_output_response(
        response_code=RESPONSE_CODE[batch.status],
        job_status=JOB_STATUS[batch.status],
        job_started=_when(batch.started_at),
        job_finished=_when(batch.finished_at),
        verified_learners=[
            _verified_learner(r) for r in selectors.batch_rows(actor=user, batch=batch)
        ]
        if batch.status == BatchStatus.COMPLETE
        else [],
    )


HANDLERS: dict[str, Handler] = {
    "SubmitBatch": submit_batch,
    "GetSubmitBatchOutput": get_submit_batch_output,
    "SubmitVerifyBatch": submit_verify_batch,
    "GetVerifyBatchOutput": get_verify_batch_output,
}

# Checked by the view when it authenticates the caller; the services check them again.
CAPABILITIES: dict[str, Capability] = {
    "SubmitBatch": Capability.SUBMIT_BATCH,
    "GetSubmitBatchOutput": Capability.SUBMIT_BATCH,
    "SubmitVerifyBatch": Capability.SUBMIT_VERIFY_BATCH,
    "GetVerifyBatchOutput": Capability.SUBMIT_VERIFY_BATCH,
}

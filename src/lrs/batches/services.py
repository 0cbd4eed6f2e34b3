"""Submitting batch files, resuming stalled ones and resolving their exceptions."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.services import audit_record
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.batches.processing import COUNTER_OF, candidates_json, uploads_dir
from lrs.batches.tasks import process_batch
from lrs.batchfiles import BatchFileError, format_of
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.batchfiles.validation import kind_of
from lrs.core import resumable
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.learners import codes
from lrs.learners.services import (
    learner_insert,
    learner_match,
    learners_lock_for_registration,
)
from lrs.users.models import User
from lrs.validation.learner import Purpose, validate_learner


class UploadedFile(Protocol):
    name: str | None
    size: int | None

    def chunks(self, chunk_size: int | None = None) -> Any: ...


def _required_capability(kind: str) -> Capability:
    return Capability.SUBMIT_VERIFY_BATCH if kind == BatchKind.VERIFY else Capability.SUBMIT_BATCH


def _store(upload: UploadedFile, suffix: str) -> tuple[str, str, int]:
    """Write the upload to private storage, hashing it on the way; never all in memory."""
    name = f"{uuid.uuid4().hex}.{suffix.lower()}"
    digest = hashlib.sha256()
    size = 0
    with (uploads_dir() / name).open("wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > settings.LRS_BATCH_MAX_BYTES:
                out.close()
                (uploads_dir() / name).unlink(missing_ok=True)
                raise ValidationFailed(
                    [
                        FieldProblem(
                            "file",
                            f"The file is larger than {_mb()} MB, the most one "
                            "file may be: split it into smaller files",
                        )
                    ]
                )
            digest.update(chunk)
            out.write(chunk)
    return name, digest.hexdigest(), size


def _mb() -> int:
    return int(settings.LRS_BATCH_MAX_BYTES // (1024 * 1024))


@transaction.atomic
def batch_submit(*, actor: User, upload: UploadedFile, confirm_duplicate: bool = False) -> Batch:
    """Accept a batch file and queue it for the worker; the file is checked there."""
    file_name = (upload.name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    kind = BatchKind.VERIFY if kind_of(file_name) == BatchKind.VERIFY else BatchKind.REGISTRATION
    if not actor.can(_required_capability(kind)):
        raise NotPermitted(
            "Your role may not submit verify batches"
            if kind == BatchKind.VERIFY
            else "Your role may not submit batch files"
        )
    try:
        fmt = format_of(file_name)
    except BatchFileError as exc:
        raise ValidationFailed([FieldProblem("file", exc.problem.rule)]) from None
    if (upload.size or 0) > settings.LRS_BATCH_MAX_BYTES:
        raise ValidationFailed(
            [
                FieldProblem(
                    "file",
                    f"The file is larger than {_mb()} MB, the most one file "
                    "may be: split it into smaller files",
                )
            ]
        )
    stored, sha256, size = _store(upload, fmt)
    earlier = (
        Batch.objects.filter(organisation=actor.organisation, file_sha256=sha256)
        .exclude(status=BatchStatus.FAILED)
        .first()
    )
    if earlier is not None and not confirm_duplicate:
        (uploads_dir() / stored).unlink(missing_ok=True)
        when = timezone.localtime(earlier.created_at).strftime("%d %B %Y at %H:%M")
        raise Conflict(
            "duplicate_file",
            f"This file was already uploaded on {when} as {earlier.file_name}. Upload it again "
            "only if you mean to process it twice (confirm_duplicate).",
        )
    batch = Batch.objects.create(
        kind=kind,
        organisation=actor.organisation,
        uploaded_by=actor,
        file_name=file_name,
        file_format=fmt,
        file_size=size,
        file_sha256=sha256,
        stored_path=stored,
    )
    audit_record(
        action="batch.submit",
        actor=actor,
        object_type="batch",
        object_id=str(batch.public_id),
        detail={
            "file_name": file_name,
            "kind": kind,
            "size": size,
            "duplicate_of": str(earlier.public_id) if earlier else None,
        },
    )
    transaction.on_commit(lambda: process_batch.enqueue(batch.pk))
    return batch


def batches_resume_stalled() -> int:
    """Queue again every batch whose worker stopped mid-way (run by each worker)."""
    return resumable.requeue_stalled(
        Batch,
        running=Q(status__in=[BatchStatus.VALIDATING, BatchStatus.PROCESSING]),
        enqueue=process_batch.enqueue,
    )


# --- Exceptions -------------------------------------------------------------------------

RESOLUTIONS = ("choose", "new", "amend", "dismiss")


def _values_of(row: BatchRow, amended: dict[str, Any] | None) -> dict[str, Any]:
    data = {k: v for k, v in row.data.items() if k not in ("row", "line", "uln", "mis_identifier")}
    if amended:
        data.update({k: v for k, v in amended.items() if k in data})
    values, problems = validate_learner(data, purpose=Purpose.REGISTER)
    if problems:
        raise ValidationFailed([FieldProblem(p.field, p.rule) for p in problems])
    return values


@transaction.atomic
def batch_exception_resolve(
    *,
    actor: User,
    batch: Batch,
    row_number: int,
    action: str,
    uln: str = "",
    reason: str = "",
    amended: dict[str, Any] | None = None,
) -> BatchRow:
    """Settle one exception: choose a candidate, confirm a new learner, amend and match
    again, or dismiss. The output file reflects the decision."""
    if actor.organisation_id != batch.organisation_id or not actor.can(
        _required_capability(batch.kind)
    ):
        raise NotPermitted("Only the organisation that sent the file can resolve its exceptions")
    row = BatchRow.objects.select_for_update().filter(batch=batch, row_number=row_number).first()
    if row is None:
        raise NotFound(f"Row {row_number} is not in this batch")
    if not row.is_exception or row.resolved_at is not None:
        raise Conflict("not_an_open_exception", f"Row {row_number} has no open exception")
    if action not in RESOLUTIONS:
        raise ValidationFailed([FieldProblem("action", f"Use one of: {', '.join(RESOLUTIONS)}")])
    reason = reason.strip()
    old_code = row.return_code
    if action == "choose":
        if uln not in row.candidate_ulns:
            raise ValidationFailed(
                [FieldProblem("uln", "Choose one of the candidate ULNs listed for this row")]
            )
        row.return_code, row.uln = RC.RC014, uln
    elif action == "new":
        if not reason:
            raise ValidationFailed(
                [FieldProblem("reason", "Say why this is a different person from the candidates")]
            )
        values = _values_of(row, None)
        learners_lock_for_registration([values["date_of_birth"]])
        learner = learner_insert(actor=actor, values=values, action="register (batch exception)")
        row.return_code, row.uln = RC.RC015, learner.uln
    elif action == "dismiss":
        row.return_code, row.uln = RC.RC016, ""
    else:
        values = _values_of(row, amended)
        learners_lock_for_registration([values["date_of_birth"]])
        row.data = {**row.data, **{k: v for k, v in (amended or {}).items() if k in row.data}}
        found = learner_match(values)
        if found.response_code in (codes.EXACT, codes.MASTER_SUBSTITUTED):
            row.return_code, row.uln = RC.RC017, found.candidates[0].uln
        elif found.response_code == codes.NO_MATCH:
            learner = learner_insert(actor=actor, values=values, action="register (batch amend)")
            row.return_code, row.uln = RC.RC017, learner.uln
        else:
            # Still ambiguous: the row stays an exception, with the new candidates.
            row.candidates = candidates_json(found)
            row.return_code = RC.RC007 if found.response_code == codes.POSSIBLE else RC.RC008
            row.save()
            _audit_resolution(actor, batch, row, action, old_code, reason)
            return row
    row.is_exception = False
    row.resolved_at = timezone.now()
    row.resolved_by = actor
    row.resolution_reason = reason
    row.save()
    _move_count(batch, old_code, row.return_code)
    _audit_resolution(actor, batch, row, action, old_code, reason)
    return row


def _move_count(batch: Batch, old_code: str, new_code: str) -> None:
    old, new = COUNTER_OF.get(old_code, "rejected"), COUNTER_OF.get(new_code, "rejected")
    if old != new:
        Batch.objects.filter(pk=batch.pk).update(**{old: F(old) - 1, new: F(new) + 1})


def _audit_resolution(
    actor: User, batch: Batch, row: BatchRow, action: str, old_code: str, reason: str
) -> None:
    audit_record(
        action="batch.resolve_exception",
        actor=actor,
        object_type="batch",
        object_id=str(batch.public_id),
        detail={
            "row": row.row_number,
            "resolution": action,
            "from": old_code,
            "to": row.return_code,
            "uln": row.uln,
            "reason": reason,
        },
    )

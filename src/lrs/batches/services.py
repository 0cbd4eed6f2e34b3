"""Submitting batch files, resuming stalled ones and resolving their exceptions."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.services import audit_record
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.batches.processing import COUNTER_OF, candidates_json
from lrs.batchfiles import BatchFileError, format_of
from lrs.batchfiles.records import LRB_LAYOUT, VERIFY_LAYOUT, Layout
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.batchfiles.validation import check_file_name, kind_of
from lrs.core import codes
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.core.filejobs import (
    Upload,
    file_job_enqueue,
    file_jobs_requeue_stalled,
    file_move,
    file_remove,
    file_storage,
    file_store,
    file_upload_name,
)
from lrs.core.sql import IN_BATCH
from lrs.core.text import govuk_datetime_text
from lrs.learners.services import (
    learner_insert,
    learner_match,
    learners_lock_for_registration,
)
from lrs.users.models import User
from lrs.validation.learner import Purpose, validate_learner


def _required_capability(kind: str) -> Capability:
    return Capability.SUBMIT_VERIFY_BATCH if kind == BatchKind.VERIFY else Capability.SUBMIT_BATCH


def _too_big() -> str:
    mb = int(settings.LRS_BATCH_MAX_BYTES // (1024 * 1024))
    return f"The file is larger than {mb} MB, the most one file may be: split it into smaller files"


# Files kept while their sender decides whether to process a duplicate again.
PENDING_FOLDER = "pending"
PENDING_HOURS = 24


@dataclass(frozen=True)
class PendingFile:
    """A stored upload that repeats an earlier file, waiting for its sender's decision."""

    token: str  # its name in the pending folder (ours, never the sender's)
    file_name: str
    file_format: str
    size: int
    sha256: str
    earlier_name: str
    earlier_at: dt.datetime


class DuplicateFile(Conflict):
    """The file repeats one the organisation sent before; ``pending`` keeps it."""

    def __init__(self, message: str, pending: PendingFile | None) -> None:
        super().__init__("duplicate_file", message)
        self.pending = pending


def _forget_old_pending_files() -> None:
    """Pending files nobody decided about within a day are removed."""
    storage = file_storage()
    cutoff = timezone.now() - dt.timedelta(hours=PENDING_HOURS)
    with contextlib.suppress(FileNotFoundError):
        for name in storage.listdir(PENDING_FOLDER)[1]:
            path = f"{PENDING_FOLDER}/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)


def _pending_name(token: str) -> str:
    return f"{PENDING_FOLDER}/{Path(token).name}"


def _name_problems(file_name: str, kind: str) -> list[FieldProblem]:
    """The file name is checked when the file arrives: one naming an impossible date must
    not be "uploaded" only to fail in the worker seconds later."""
    layout: Layout[Any] = VERIFY_LAYOUT if kind == BatchKind.VERIFY else LRB_LAYOUT
    problems, _notes = check_file_name(file_name, layout)
    return [FieldProblem("file", problem) for problem in problems]


@transaction.atomic
def batch_submit(
    *,
    actor: User,
    upload: Upload,
    confirm_duplicate: bool = False,
    keep_duplicate: bool = False,
) -> Batch:
    """Accept a batch file and queue it for the worker; the file is checked there.

    A file that repeats an earlier one is refused unless ``confirm_duplicate``; with
    ``keep_duplicate`` it is kept meanwhile (DuplicateFile.pending), for
    ``batch_submit_pending`` once its sender confirms.
    """
    file_name = file_upload_name(upload)
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
    name_problems = _name_problems(file_name, kind)
    if name_problems:
        raise ValidationFailed(name_problems)
    kept = file_store(
        upload,
        folder=Batch.upload_folder,
        suffix=fmt,
        max_bytes=settings.LRS_BATCH_MAX_BYTES,
        too_big=_too_big(),
    )
    stored, sha256, size = kept.name, kept.sha256, kept.size
    earlier = _earlier(actor, sha256)
    if earlier is not None and not confirm_duplicate:
        when = govuk_datetime_text(earlier.created_at)
        pending = None
        if keep_duplicate:
            _forget_old_pending_files()
            file_move(stored, _pending_name(stored))
            pending = PendingFile(
                token=stored,
                file_name=file_name,
                file_format=fmt,
                size=size,
                sha256=sha256,
                earlier_name=earlier.file_name,
                earlier_at=earlier.created_at,
            )
        else:
            file_remove(stored)
        raise DuplicateFile(
            f"This file was already uploaded on {when} as {earlier.file_name}. Upload it again "
            "only if you mean to process it twice (confirm_duplicate).",
            pending,
        )
    return _create(actor, kind, file_name, fmt, size, sha256, stored, earlier)


def _earlier(actor: User, sha256: str) -> Batch | None:
    return (
        Batch.objects.filter(organisation=actor.organisation, file_sha256=sha256)
        .exclude(status=BatchStatus.FAILED)
        .first()
    )


@transaction.atomic
def batch_submit_pending(*, actor: User, pending: PendingFile) -> Batch:
    """Process a kept duplicate after all: its sender confirmed they mean to send it twice."""
    kind = kind_of(pending.file_name)
    if not actor.can(_required_capability(kind)):
        raise NotPermitted("Your role may not submit this kind of batch file")
    source = _pending_name(pending.token)
    if not file_storage().exists(source):
        raise NotFound("The file is no longer kept: upload it again")
    stored = Path(file_move(source, Path(source).name)).name
    return _create(
        actor,
        BatchKind.VERIFY if kind == BatchKind.VERIFY else BatchKind.REGISTRATION,
        pending.file_name,
        pending.file_format,
        pending.size,
        pending.sha256,
        stored,
        _earlier(actor, pending.sha256),
    )


def batch_pending_discard(*, pending: PendingFile) -> None:
    """Its sender decided not to process the duplicate: nothing of it is kept."""
    file_remove(_pending_name(pending.token))


def _create(
    actor: User,
    kind: str,
    file_name: str,
    fmt: str,
    size: int,
    sha256: str,
    stored: str,
    earlier: Batch | None,
) -> Batch:
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
    file_job_enqueue(batch)
    return batch


def batches_resume_stalled() -> int:
    """Queue again every batch whose worker stopped mid-way (run by each worker)."""
    return file_jobs_requeue_stalled(
        Batch, running=Q(status__in=[BatchStatus.VALIDATING, BatchStatus.PROCESSING])
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


# --- A merge of learners relabels the batch results that named them -------------------


def _chunks(values: list[int], size: int = IN_BATCH) -> list[list[int]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


@transaction.atomic(savepoint=False)
def batch_rows_relabel(*, ulns: list[str], to_uln: str) -> list[list[Any]]:
    """Make every batch result that returned one of ``ulns`` return ``to_uln`` (the
    master of a merge). Returns ``[row id, ULN it had]`` of each row changed, for the
    undo; the merge that calls this audits it."""
    found = list(BatchRow.objects.filter(uln__in=ulns).order_by("pk").values_list("pk", "uln"))
    for part in _chunks([pk for pk, _ in found]):
        BatchRow.objects.filter(pk__in=part).update(uln=to_uln)
    return [[pk, uln] for pk, uln in found]


@transaction.atomic(savepoint=False)
def batch_rows_relabel_undo(*, rows: list[list[Any]], from_uln: str) -> None:
    """Put back what ``batch_rows_relabel`` changed, for rows still showing ``from_uln``."""
    back: dict[str, list[int]] = {}
    for row_id, uln in rows:
        back.setdefault(uln, []).append(row_id)
    for uln, row_ids in back.items():
        for part in _chunks(row_ids):
            BatchRow.objects.filter(pk__in=part, uln=from_uln).update(uln=uln)

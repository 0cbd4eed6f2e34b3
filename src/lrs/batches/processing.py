"""What happens to each record of a batch file, in the background worker.

A batch is read twice, streaming: once to validate the whole file (a file-level fault
refuses all of it before anything is stored), then again to process its records in
chunks. Each chunk (its learners, its rows and the batch's counts) commits in one
transaction, so a worker killed mid-file leaves whole chunks behind and the next worker
resumes after the last one: no record is lost and no ULN is issued twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from lrs.audit.services import audit_record
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus
from lrs.batchfiles import (
    BatchFileError,
    BatchRecord,
    Limits,
    VerifyRecord,
    read_registration_batch,
    read_verify_batch,
    validate_file,
)
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.learners import codes
from lrs.learners.models import Learner, LearnerChange, LearnerStatus
from lrs.learners.services import (
    demographics_key,
    learner_insert,
    learner_match,
    learner_refresh_keys,
    resolve_uln,
    verify_one,
)
from lrs.matching.verify import StoredPerson, verify_person
from lrs.users.models import User
from lrs.validation.learner import Purpose, parse_date, validate_learner

# Which web-service counter each return code adds to.
COUNTER_OF: dict[str, str] = {
    RC.RC001: "new_learners",
    RC.RC015: "new_learners",
    RC.RC002: "existing_learners",
    RC.RC003: "existing_learners",
    RC.RC004: "existing_learners",
    RC.RC005: "existing_learners",
    RC.RC012: "existing_learners",
    RC.RC014: "existing_learners",
    RC.RC017: "existing_learners",
    RC.RC007: "possible_matches",
    RC.RC008: "possible_matches",
    RC.RC010: "possible_matches",
    RC.RC009: "not_found",
    RC.RC006: "rejected",
    RC.RC011: "rejected",
    RC.RC013: "rejected",
    RC.RC016: "rejected",
    codes.VERIFY_MATCH: "existing_learners",
    codes.VERIFY_LINKED_MATCH: "existing_learners",
    codes.VERIFY_SIMILAR: "existing_learners",
    codes.VERIFY_SIMILAR_LINKED: "existing_learners",
    codes.VERIFY_NO_MATCH: "possible_matches",
    codes.VERIFY_ULN_NOT_FOUND: "not_found",
    codes.INVALID_ULN: "rejected",
    codes.INVALID_REQUEST: "rejected",
}
EXCEPTION_CODES = frozenset({RC.RC007, RC.RC008, RC.RC010})
# The address fields a batch may bring up to date on a verified learner.
ADDRESS_FIELDS = (
    "last_known_address_line1",
    "last_known_address_line2",
    "last_known_address_town",
    "last_known_address_county_or_city",
    "last_known_postcode",
    "date_of_address_capture",
)


class BatchTakenOver(Exception):
    """Another worker claimed the batch after this one stalled; this one stops."""


def uploads_dir() -> Path:
    path = Path(settings.LRS_UPLOADS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def limits() -> Limits:
    return Limits(
        max_records=settings.LRS_BATCH_MAX_RECORDS, max_bytes=settings.LRS_BATCH_MAX_BYTES
    )


def candidates_json(result: Any) -> list[dict[str, Any]]:
    return [
        {
            "uln": c.uln,
            "score": c.score,
            "explanation": [
                {"field": e.field, "level": e.level, "weight": e.weight} for e in c.explanation
            ],
        }
        for c in result.candidates
    ]


@dataclasses.dataclass
class Outcome:
    return_code: str
    uln: str = ""
    candidates: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    problems: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    failure_flags: list[str] = dataclasses.field(default_factory=list)
    registered: bool = False
    updated: bool = False


def _record_data(record: BatchRecord | VerifyRecord) -> dict[str, Any]:
    data = dataclasses.asdict(record)
    data.pop("format_problems", None)
    return data


class RegistrationProcessor:
    """Decides each record's return code, registering or updating learners as needed."""

    def __init__(self, *, actor: User, rejected: dict[int, Any], seen: dict[str, str]) -> None:
        self.actor = actor
        self.rejected = rejected
        # Demographics digests of learners already settled in this file -> their ULN.
        self.seen = seen

    def outcome(self, record: BatchRecord) -> Outcome:
        refused = self.rejected.get(record.row)
        if refused is not None:
            return Outcome(
                refused.return_code,
                problems=[
                    {"field": p.field or "", "rule": p.rule, "code": p.code}
                    for p in refused.problems
                ],
            )
        if record.uln:
            return self._with_uln(record)
        return self._without_uln(record)

    def _without_uln(self, record: BatchRecord) -> Outcome:
        values, problems = validate_learner(record.learner_data(), purpose=Purpose.REGISTER)
        if problems:  # the validator passed it; this guards against rules drifting apart
            return Outcome(
                RC.RC011, problems=[{"field": p.field, "rule": p.rule} for p in problems]
            )
        key = demographics_key(values)
        if key in self.seen:
            return Outcome(RC.RC012, uln=self.seen[key])
        found = learner_match(values)
        if found.response_code in (codes.EXACT, codes.MASTER_SUBSTITUTED):
            uln = found.candidates[0].uln
            self.seen[key] = uln
            return Outcome(RC.RC002, uln=uln)
        if found.response_code == codes.POSSIBLE:
            return Outcome(RC.RC007, candidates=candidates_json(found))
        if found.response_code == codes.TOO_MANY:
            return Outcome(RC.RC008)
        learner = learner_insert(actor=self.actor, values=values, action="register (batch)")
        self.seen[key] = learner.uln
        return Outcome(RC.RC001, uln=learner.uln, registered=True)

    def _with_uln(self, record: BatchRecord) -> Outcome:
        learner, linked = resolve_uln(record.uln)
        if learner is None or learner.status == LearnerStatus.CLOSED:
            return Outcome(RC.RC009)
        dob = parse_date(record.date_of_birth)
        check = verify_person(
            StoredPerson(
                learner.given_name,
                learner.family_name,
                learner.previous_family_name,
                learner.date_of_birth,
                learner.gender,
            ),
            given_name=record.given_name,
            family_name=record.family_name,
            date_of_birth=dob,
            gender=record.gender or None,
        )
        if not check.matched:
            return Outcome(
                RC.RC010,
                candidates=[{"uln": learner.uln, "score": None, "explanation": []}],
                failure_flags=check.failure_flags,
            )
        if linked:
            return Outcome(RC.RC005, uln=learner.uln, failure_flags=check.failure_flags)
        if self._update_address(learner, record):
            return Outcome(RC.RC004, uln=learner.uln, updated=True)
        return Outcome(RC.RC003, uln=learner.uln, failure_flags=check.failure_flags)

    def _update_address(self, learner: Learner, record: BatchRecord) -> bool:
        """Bring the address up to date when the file's address was captured later."""
        if not record.date_of_address_capture or not record.last_known_postcode:
            return False
        values, problems = validate_learner(
            {f: getattr(record, f) for f in ADDRESS_FIELDS}, purpose=Purpose.UPDATE
        )
        captured = values.get("date_of_address_capture")
        if problems or not isinstance(captured, dt.date):
            return False
        if learner.date_of_address_capture and captured <= learner.date_of_address_capture:
            return False
        changes = {
            f: [_text(getattr(learner, f)), _text(values.get(f))]
            for f in ADDRESS_FIELDS
            if _text(getattr(learner, f)) != _text(values.get(f))
        }
        if not changes:
            return False
        for f in ADDRESS_FIELDS:
            value = values.get(f)
            setattr(learner, f, value if value is not None or f.startswith("date") else "")
        learner_refresh_keys(learner)
        learner.version_number += 1
        learner.updated_at = timezone.now()
        learner.save()
        LearnerChange.objects.create(
            learner=learner,
            version_number=learner.version_number,
            changed_at=learner.updated_at,
            action="update (batch)",
            actor=self.actor,
            organisation=self.actor.organisation,
            changes=changes,
        )
        return True


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _verify_outcome(record: VerifyRecord, rejected: dict[int, Any]) -> Outcome:
    refused = rejected.get(record.row)
    if refused is not None:
        return Outcome(
            refused.return_code,
            problems=[{"field": p.field or "", "rule": p.rule} for p in refused.problems],
        )
    result = verify_one(
        {
            "uln": record.uln,
            "given_name": record.given_name,
            "family_name": record.family_name,
            "date_of_birth": record.date_of_birth or None,
            "gender": record.gender or None,
        }
    )
    return Outcome(result.response_code, uln=result.found_uln, failure_flags=result.failure_flags)


def _claim(batch_id: int, token: str) -> Batch | None:
    """Take the batch for this run unless a live worker holds it."""
    stale = timezone.now() - dt.timedelta(seconds=settings.LRS_BATCH_STALL_SECONDS)
    claimable = Q(status=BatchStatus.QUEUED) | Q(
        status__in=[BatchStatus.VALIDATING, BatchStatus.PROCESSING], progressed_at__lt=stale
    )
    with transaction.atomic():
        taken = Batch.objects.filter(claimable, pk=batch_id).update(
            worker_token=token,
            progressed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    if not taken:
        return None
    return Batch.objects.select_related("uploaded_by__organisation", "organisation").get(
        pk=batch_id
    )


def _touch(batch: Batch, token: str, **fields: Any) -> None:
    fields["progressed_at"] = timezone.now()
    if not Batch.objects.filter(pk=batch.pk, worker_token=token).update(**fields):
        raise BatchTakenOver(batch.public_id)
    for name, value in fields.items():
        setattr(batch, name, value)


def process(batch_id: int) -> str:
    """Validate then process a batch; safe to call again after a crash."""
    token = uuid.uuid4().hex
    batch = _claim(batch_id, token)
    if batch is None:
        return "not claimed"
    path = uploads_dir() / batch.stored_path
    if batch.started_at is None:
        _touch(batch, token, started_at=timezone.now())
    _touch(batch, token, status=BatchStatus.VALIDATING)
    report = validate_file(
        path,
        filename=batch.file_name,
        expected_ukprn=batch.organisation.ukprn,
        limits=limits(),
        kind=batch.kind,
    )
    if not report.file_accepted:
        problems = [
            {"row": p.row, "field": p.field or "", "rule": p.rule, "code": p.code}
            for p in report.file_problems
        ]
        reason = problems[0]["rule"] if problems else "The file could not be read"
        with transaction.atomic():
            _touch(
                batch,
                token,
                status=BatchStatus.FAILED,
                failure_reason=reason,
                problems=problems,
                declared_count=report.header.learner_record_count if report.header else None,
                total_records=report.records,
                finished_at=timezone.now(),
            )
            audit_record(
                action="batch.reject",
                actor=batch.uploaded_by,
                object_type="batch",
                object_id=str(batch.public_id),
                outcome="refused",
                detail={"reason": reason, "codes": sorted({p["code"] for p in problems})},
            )
        _notify(batch)
        return "failed"
    _touch(
        batch,
        token,
        status=BatchStatus.PROCESSING,
        total_records=report.records,
        declared_count=report.header.learner_record_count if report.header else None,
    )
    rejected = {outcome.row: outcome for outcome in report.rejected}
    done = BatchRow.objects.filter(batch=batch).aggregate(last=Max("row_number"))["last"] or 0
    try:
        _process_records(batch, token, path, rejected, after_row=done)
    except BatchFileError as exc:  # the file changed on disk between the two reads
        _touch(
            batch,
            token,
            status=BatchStatus.FAILED,
            failure_reason=exc.problem.rule,
            finished_at=timezone.now(),
        )
        _notify(batch)
        return "failed"
    with transaction.atomic():
        _touch(batch, token, status=BatchStatus.COMPLETE, finished_at=timezone.now())
        audit_record(
            action="batch.complete",
            actor=batch.uploaded_by,
            object_type="batch",
            object_id=str(batch.public_id),
            detail=_counts(batch),
        )
    _notify(batch)
    return "complete"


def _records(batch: Batch, path: Path) -> Iterator[BatchRecord | VerifyRecord]:
    reader = read_verify_batch if batch.kind == BatchKind.VERIFY else read_registration_batch
    with reader(path, filename=batch.file_name, limits=limits()) as opened:
        yield from opened


def _seen_in_file(batch: Batch) -> dict[str, str]:
    """On resume: the learners already settled by earlier chunks of this file."""
    seen: dict[str, str] = {}
    settled = BatchRow.objects.filter(
        batch=batch, return_code__in=[RC.RC001, RC.RC002]
    ).values_list("data", "uln")
    for data, uln in settled:
        values, problems = validate_learner(
            {k: v for k, v in data.items() if k not in ("row", "uln", "mis_identifier", "line")},
            purpose=Purpose.REGISTER,
        )
        if not problems:
            seen[demographics_key(values)] = uln
    return seen


def _process_records(
    batch: Batch, token: str, path: Path, rejected: dict[int, Any], *, after_row: int
) -> None:
    registration = batch.kind == BatchKind.REGISTRATION
    processor = RegistrationProcessor(
        actor=batch.uploaded_by,
        rejected=rejected,
        seen=_seen_in_file(batch) if registration and after_row else {},
    )
    chunk: list[BatchRecord | VerifyRecord] = []
    for record in _records(batch, path):
        if record.row <= after_row:
            continue
        chunk.append(record)
        if len(chunk) >= settings.LRS_BATCH_CHUNK_SIZE:
            _process_chunk(batch, token, chunk, processor, rejected)
            chunk = []
    if chunk:
        _process_chunk(batch, token, chunk, processor, rejected)


@transaction.atomic
def _process_chunk(
    batch: Batch,
    token: str,
    chunk: list[BatchRecord | VerifyRecord],
    processor: RegistrationProcessor,
    rejected: dict[int, Any],
) -> None:
    seen_before = dict(processor.seen)
    try:
        rows = []
        tally: Counter[str] = Counter()
        registered: list[str] = []
        updated: list[str] = []
        for record in chunk:
            if isinstance(record, VerifyRecord):
                outcome = _verify_outcome(record, rejected)
            else:
                outcome = processor.outcome(record)
            tally[COUNTER_OF.get(outcome.return_code, "rejected")] += 1
            if outcome.registered:
                registered.append(outcome.uln)
            if outcome.updated:
                updated.append(outcome.uln)
            rows.append(
                BatchRow(
                    batch=batch,
                    row_number=record.row,
                    mis_identifier=record.mis_identifier[:128],
                    data=_record_data(record),
                    return_code=outcome.return_code,
                    uln=outcome.uln,
                    candidates=outcome.candidates,
                    problems=outcome.problems,
                    failure_flags=outcome.failure_flags,
                    is_exception=outcome.return_code in EXCEPTION_CODES,
                )
            )
        BatchRow.objects.bulk_create(rows)
        _touch(
            batch,
            token,
            processed_records=F("processed_records") + len(rows),
            **{name: F(name) + n for name, n in tally.items()},
        )
        batch.refresh_from_db()
        if registered or updated:
            audit_record(
                action="batch.process_chunk",
                actor=batch.uploaded_by,
                object_type="batch",
                object_id=str(batch.public_id),
                detail={
                    "rows": [chunk[0].row, chunk[-1].row],
                    "registered_ulns": registered,
                    "updated_ulns": updated,
                },
            )
    except BaseException:
        # The chunk rolls back, so neither may its learners' place in the file's memory.
        processor.seen.clear()
        processor.seen.update(seen_before)
        raise


def _counts(batch: Batch) -> dict[str, int]:
    return {
        name: getattr(batch, name)
        for name in (
            "total_records",
            "new_learners",
            "existing_learners",
            "possible_matches",
            "not_found",
            "rejected",
        )
    }


def _notify(batch: Batch) -> None:
    from lrs.batches.notifications import notify_uploader

    notify_uploader(batch)

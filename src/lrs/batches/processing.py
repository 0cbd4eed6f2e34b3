"""What happens to each record of a batch file, in the background worker.

A batch runs on the file-job spine (lrs.core.filejobs): its file is read twice,
streaming: once to validate the whole file (a file-level fault refuses all of it before
anything is stored), then again to process its records in chunks. Each chunk (its
learners, its rows and the batch's counts) commits in one transaction, so a worker killed
mid-file leaves whole chunks behind and the next worker resumes after the last one: no
record is lost and no ULN is issued twice.
"""

from __future__ import annotations

import dataclasses
import gc
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django_tasks import task

from lrs.audit.services import audit_record
from lrs.batches import planning
from lrs.batches.models import Batch, BatchKind, BatchRow, BatchStatus, BatchUnit
from lrs.batches.notifications import notify_uploader
from lrs.batchfiles import (
    BatchFileError,
    BatchRecord,
    VerifyRecord,
    read_registration_batch,
    read_verify_batch,
    validate_file,
)
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core import codes, filejobs
from lrs.core.sql import insert_rows
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.selectors import CANDIDATE_FIELDS, learner_candidates, learner_resolve_ulns
from lrs.learners.services import (
    ADDRESS_FIELDS,
    demographics_key,
    learner_access_record,
    learner_address_update,
    learner_columns,
    learner_demographics,
    learner_match_rows,
    learners_insert_many,
    learners_lock_for_registration,
    verify_one,
)
from lrs.matching import KEY_COLUMNS, Prepared, household_keys, prepare, query_keys
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


_RECORD_DATA_FIELDS: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind) if f.name != "format_problems")
    for kind in (BatchRecord, VerifyRecord)
}


def _record_data(record: BatchRecord | VerifyRecord) -> dict[str, Any]:
    # dataclasses.asdict without its deep copy: every value is a str, an int or None.
    return {name: getattr(record, name) for name in _RECORD_DATA_FIELDS[type(record)]}


# The stand-in ULN of a learner registered earlier in the chunk, until the chunk's new
# learners are inserted together and get their ULNs (its id is negative until then).
_PENDING = "pending:"


class _ChunkRegister:
    """The learners the finds of one chunk can reach, in memory.

    Holds every learner whose key columns match a query key of one of the chunk's
    records (fetched with one set of queries), and then every learner the chunk changes
    or registers, with their keys as they now are. So the rows that share a key with a
    record here are the rows the database would return to that record's own find at
    that moment in the chunk, the chunk's own new learners included.
    """

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self.index: dict[str, dict[str, list[int]]] = {column: {} for column in KEY_COLUMNS}

    def put(self, row: dict[str, Any]) -> None:
        ident = row["id"]
        old = self.rows.get(ident)
        if old is not None:
            for column in KEY_COLUMNS:
                if old[column]:
                    self.index[column][old[column]].remove(ident)
        self.rows[ident] = row
        for column in KEY_COLUMNS:
            value = row[column]
            if value:
                self.index[column].setdefault(value, []).append(ident)

    def candidates(self, keys: dict[str, list[str]]) -> list[dict[str, Any]]:
        found: set[int] = set()
        for column, values in keys.items():
            index = self.index[column]
            for value in values:
                bucket = index.get(value)
                if bucket:
                    found.update(bucket)
        rows = [self.rows[ident] for ident in found]
        # The order a find's query returns them in (Learner's ordering).
        rows.sort(key=_by_uln)
        return rows


def _by_uln(row: dict[str, Any]) -> str:
    return str(row["uln"])


class RegisteredMeanwhile(Exception):
    """A learner the chunk's finds would have met was registered after they read: the
    chunk rolls back and is decided again, this time holding the locks from the start."""


@dataclasses.dataclass
class _Prepared:
    """A record without a ULN, validated and made ready to find, before the chunk's fetch."""

    values: dict[str, Any]
    problems: list[Any]
    key: str = ""
    query: Prepared | None = None
    keys: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # The second look's keys (lrs.matching.household_keys), fetched with the chunk.
    household: dict[str, list[str]] = dataclasses.field(default_factory=dict)


class RegistrationProcessor:
    """Decides each record's return code, registering or updating learners as needed.

    A chunk's records are decided one after another, as if each ran its own find against
    the register, but with the reads done for the whole chunk at once (``begin``): the
    candidates of every record's find, and the learners of the ULNs supplied. New
    learners are held back and inserted together when the chunk ends (``finish``); until
    then, later records of the chunk find them in memory like any other learner.
    """

    def __init__(
        self,
        *,
        actor: User,
        rejected: dict[int, Any],
        seen: dict[str, str],
        batch_id: int | None = None,
        lock_late: bool = False,
    ) -> None:
        self.actor = actor
        self.rejected = rejected
        # Demographics digests of learners already settled in this file -> their ULN.
        self.seen = seen
        # For a unit of a file processed by several workers (lrs.batches.planning): the
        # batch whose learners registered in other units the finds must not see (any of
        # them a find here can meet was registered by a later record of the file).
        self.batch_id = batch_id
        # Read and decide first, and take the registration locks only to insert, checking
        # then that no one registered a learner these records' finds would have met; so
        # units of one file that share dates of birth do not wait for one another.
        self.lock_late = lock_late
        self._registering: dict[str, set[str]] = {column: set() for column in KEY_COLUMNS}
        self._register = _ChunkRegister()
        self._prepared: dict[int, _Prepared] = {}
        self._by_uln: dict[str, tuple[Learner | None, bool]] = {}
        self._pending: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        # The digests this chunk added to ``seen``, to forget if the chunk rolls back.
        self._settled: list[str] = []

    def begin(self, records: list[BatchRecord]) -> None:
        """Validate the chunk's records and read what their finds and ULNs need."""
        wanted: dict[str, set[str]] = {column: set() for column in KEY_COLUMNS}
        ulns: list[str] = []
        for record in records:
            if record.row in self.rejected:
                continue
            if record.uln:
                if record.uln not in self._by_uln:
                    ulns.append(record.uln)
                continue
            values, problems = validate_learner(record.learner_data(), purpose=Purpose.REGISTER)
            item = _Prepared(values, problems)
            if not problems:
                item.key = demographics_key(values)
                item.query = prepare(learner_demographics(values))
                item.keys = query_keys(item.query)
                item.household = household_keys(item.query)
                for keys in (item.keys, item.household):
                    for column, column_keys in keys.items():
                        wanted[column].update(column_keys)
            self._prepared[record.row] = item
        # Before reading: an online registration of one of these people either committed
        # already (and is read below) or waits for this chunk (and then finds its learner).
        if not self.lock_late:
            learners_lock_for_registration(
                item.values["date_of_birth"]
                for item in self._prepared.values()
                if not item.problems
            )
        if any(wanted.values()):
            found = self._unseen(learner_candidates(wanted))
            for row in found:
                # A learner already held here was changed by this chunk: keep that.
                if row["id"] not in self._register.rows:
                    self._register.put(row)
        if ulns:
            self._by_uln.update(learner_resolve_ulns(ulns))

    def _unseen(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows`` without the learners this batch registered in its other units."""
        if self.batch_id is None or not rows:
            return rows
        ulns = [str(row["uln"]) for row in rows]
        theirs: set[str] = set()
        for start in range(0, len(ulns), 5000):
            theirs.update(
                BatchRow.objects.filter(
                    batch_id=self.batch_id,
                    return_code=RC.RC001,
                    uln__in=ulns[start : start + 5000],
                ).values_list("uln", flat=True)
            )
        return [row for row in rows if str(row["uln"]) not in theirs] if theirs else rows

    def _check_late(self) -> None:
        """Under the registration locks: has anyone registered, since the chunk's read, a
        learner the finds that led to a registration would have met?"""
        learners_lock_for_registration(values["date_of_birth"] for _, values, _ in self._pending)
        if not any(self._registering.values()):
            return
        for row in self._unseen(learner_candidates(self._registering)):
            if row["id"] not in self._register.rows:
                raise RegisteredMeanwhile(row["id"])

    def finish(self, outcomes: list[Outcome]) -> None:
        """Insert the chunk's new learners and put their ULNs in place of the stand-ins."""
        if self._pending and self.lock_late:
            self._check_late()
        if self._pending:
            ulns = learners_insert_many(
                actor=self.actor,
                values_list=[values for _, values, _ in self._pending],
                columns_list=[columns for _, _, columns in self._pending],
                action="register (batch)",
            )
            issued = {
                stand_in: uln for (stand_in, _, _), uln in zip(self._pending, ulns, strict=True)
            }
            for outcome in outcomes:
                if outcome.uln.startswith(_PENDING):
                    outcome.uln = issued[outcome.uln]
                for candidate in outcome.candidates:
                    if str(candidate["uln"]).startswith(_PENDING):
                        candidate["uln"] = issued[candidate["uln"]]
            for key in self._settled:
                uln = self.seen[key]
                if uln.startswith(_PENDING):
                    self.seen[key] = issued[uln]

    def commit(self) -> None:
        """The chunk is stored: forget what was read for it."""
        self._register = _ChunkRegister()
        self._prepared = {}
        self._by_uln = {}
        self._pending = []
        self._settled = []
        self._registering = {column: set() for column in KEY_COLUMNS}

    def rollback(self) -> None:
        """The chunk rolled back: forget it, and its learners' place in ``seen`` too."""
        for key in self._settled:
            self.seen.pop(key, None)
        self.commit()

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
        if record.row not in self._prepared:  # not in begin()'s records: read it now
            self.begin([record])
        item = self._prepared.pop(record.row)
        if item.problems:  # the validator passed it; this guards against rules drifting apart
            return Outcome(
                RC.RC011, problems=[{"field": p.field, "rule": p.rule} for p in item.problems]
            )
        key = item.key
        if key in self.seen:
            return Outcome(RC.RC012, uln=self.seen[key])
        assert item.query is not None
        household = item.household
        found = learner_match_rows(
            item.query,
            self._register.candidates(item.keys),
            lambda: self._register.candidates(household),
        )
        if found.response_code in (codes.EXACT, codes.MASTER_SUBSTITUTED):
            uln = found.candidates[0].uln
            self._settle(key, uln)
            return Outcome(RC.RC002, uln=uln)
        if found.response_code == codes.POSSIBLE:
            return Outcome(RC.RC007, candidates=candidates_json(found))
        if found.response_code == codes.TOO_MANY:
            return Outcome(RC.RC008)
        uln = self._register_later(item.values)
        for keys in (item.keys, item.household):
            for column, column_keys in keys.items():
                self._registering[column].update(column_keys)
        self._settle(key, uln)
        return Outcome(RC.RC001, uln=uln, registered=True)

    def _settle(self, key: str, uln: str) -> None:
        self.seen[key] = uln
        self._settled.append(key)

    def _register_later(self, values: dict[str, Any]) -> str:
        """A new learner, inserted when the chunk ends; findable in memory until then."""
        stand_in = f"{_PENDING}{len(self._pending)}"
        columns = learner_columns(values)
        row = {field: columns.get(field, "") for field in CANDIDATE_FIELDS}
        row.update(id=-1 - len(self._pending), uln=stand_in, status=LearnerStatus.ACTIVE)
        row["master_id"] = None
        self._register.put(row)
        self._pending.append((stand_in, values, columns))
        return stand_in

    def _with_uln(self, record: BatchRecord) -> Outcome:
        if record.uln not in self._by_uln:  # not in begin()'s records: read it now
            self.begin([record])
        learner, linked = self._by_uln[record.uln]
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
        address = {f: getattr(record, f) for f in ADDRESS_FIELDS}
        if learner_address_update(
            actor=self.actor, learner=learner, address=address, action="update (batch)"
        ):
            # Later finds in the chunk must see the learner as it now is.
            self._register.put({field: getattr(learner, field) for field in CANDIDATE_FIELDS})
            return Outcome(RC.RC004, uln=learner.uln, updated=True)
        return Outcome(RC.RC003, uln=learner.uln, failure_flags=check.failure_flags)


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


def _touch(batch: Batch, token: str, **fields: Any) -> None:
    filejobs.touch(batch, token, **fields)
    for name, value in fields.items():
        setattr(batch, name, value)


class BatchRunner(filejobs.FileJobRunner[Batch]):
    """A batch file's run on the file-job spine: validated whole, then its records."""

    model = Batch

    def claimable(self) -> Q:
        """Queued, or running with a worker that has stalled."""
        return Q(status=BatchStatus.QUEUED) | Q(
            status__in=[BatchStatus.VALIDATING, BatchStatus.PROCESSING],
            progressed_at__lt=filejobs.stalled_since(),
        )

    def claim_fields(self) -> dict[str, Any]:
        return {"attempts": F("attempts") + 1}

    def load(self, pk: int) -> Batch:
        return Batch.objects.select_related("uploaded_by__organisation", "organisation").get(pk=pk)

    def start(self, job: Batch, token: str) -> None:
        if job.started_at is None:
            _touch(job, token, started_at=timezone.now())
        _touch(job, token, status=BatchStatus.VALIDATING)

    def validate(self, job: Batch, token: str, path: Path) -> Any:
        return validate_file(
            path,
            filename=job.file_name,
            expected_ukprn=job.organisation.ukprn,
            limits=filejobs.file_limits(),
            kind=job.kind,
        )

    def refuse(self, job: Batch, token: str, report: Any) -> None:
        problems = [
            {"row": p.row, "field": p.field or "", "rule": p.rule, "code": p.code}
            for p in report.file_problems
        ]
        reason = problems[0]["rule"] if problems else "The file could not be read"
        _touch(
            job,
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
            actor=job.uploaded_by,
            object_type="batch",
            object_id=str(job.public_id),
            outcome="refused",
            detail={"reason": reason, "codes": sorted({p["code"] for p in problems})},
        )

    def process(self, job: Batch, token: str, path: Path, report: Any) -> str | None:
        _touch(
            job,
            token,
            status=BatchStatus.PROCESSING,
            total_records=report.records,
            declared_count=report.header.learner_record_count if report.header else None,
        )
        rejected = {outcome.row: outcome for outcome in report.rejected}
        done = BatchRow.objects.filter(batch=job).aggregate(last=Max("row_number"))["last"] or 0
        units = BatchUnit.objects.filter(batch=job).exists()
        try:
            if units or (settings.LRS_BATCH_WORKERS > 1 and not done):
                _process_units(job, token, path, rejected, planned=units)
            else:
                _process_records(job, token, path, rejected, after_row=done)
        except BatchFileError as exc:  # the file changed in storage between the two reads
            _touch(
                job,
                token,
                status=BatchStatus.FAILED,
                failure_reason=exc.problem.rule,
                finished_at=timezone.now(),
            )
            return "failed"
        return None

    def complete(self, job: Batch, token: str) -> None:
        _touch(job, token, status=BatchStatus.COMPLETE, finished_at=timezone.now())
        audit_record(
            action="batch.complete",
            actor=job.uploaded_by,
            object_type="batch",
            object_id=str(job.public_id),
            detail=_counts(job),
        )

    def notify(self, job: Batch) -> None:
        notify_uploader(job)


def process(batch_id: int) -> str:
    """Validate then process a batch; safe to call again after a crash."""
    return BatchRunner().run(batch_id)


def _records(batch: Batch, path: Path) -> Iterator[BatchRecord | VerifyRecord]:
    reader = read_verify_batch if batch.kind == BatchKind.VERIFY else read_registration_batch
    with reader(path, filename=batch.file_name, limits=filejobs.file_limits()) as opened:
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
    try:
        chunks = filejobs.chunks(_records(batch, path), after_row=after_row)
        for number, chunk in enumerate(chunks):
            _process_chunk(batch, token, chunk, processor, rejected)
            if number == 0:
                _freeze_caches()
    finally:
        _unfreeze()


def _freeze_caches() -> None:
    """After a worker's first chunk: leave what it has loaded for good (the register's
    name counts, the names dictionary, the normalising caches: millions of objects) out
    of the garbage collector's full passes, which otherwise walk all of them again every
    few thousand allocations and took a tenth of a chunk's time."""
    gc.collect()
    gc.freeze()


def _unfreeze() -> None:
    """When the run ends: what was frozen goes back to the collector, so a long-lived
    worker never keeps a run's cyclic garbage for good."""
    gc.unfreeze()


@transaction.atomic
def _process_chunk(
    batch: Batch,
    token: str,
    chunk: list[BatchRecord | VerifyRecord],
    processor: RegistrationProcessor,
    rejected: dict[int, Any],
    unit: BatchUnit | None = None,
) -> None:
    try:
        registrations = [r for r in chunk if isinstance(r, BatchRecord)]
        if registrations:
            processor.begin(registrations)
        outcomes = [
            _verify_outcome(record, rejected)
            if isinstance(record, VerifyRecord)
            else processor.outcome(record)
            for record in chunk
        ]
        processor.finish(outcomes)
        if unit is None:
            _record_access(batch, outcomes)
        rows = []
        tally: Counter[str] = Counter()
        registered: list[str] = []
        updated: list[str] = []
        for record, outcome in zip(chunk, outcomes, strict=True):
            tally[COUNTER_OF.get(outcome.return_code, "rejected")] += 1
            if outcome.registered:
                registered.append(outcome.uln)
            if outcome.updated:
                updated.append(outcome.uln)
            rows.append(
                {
                    "batch_id": batch.pk,
                    "row_number": record.row,
                    "mis_identifier": record.mis_identifier[:128],
                    "data": _record_data(record),
                    "return_code": outcome.return_code,
                    "uln": outcome.uln,
                    "candidates": outcome.candidates,
                    "problems": outcome.problems,
                    "failure_flags": outcome.failure_flags,
                    "is_exception": outcome.return_code in EXCEPTION_CODES,
                }
            )
        insert_rows(BatchRow, rows)
        counts = {
            "processed_records": F("processed_records") + len(rows),
            **{name: F(name) + n for name, n in tally.items()},
        }
        if unit is None:
            _touch(batch, token, **counts)
        else:
            _unit_done(batch, unit, token, counts)
            # After the batch's row is locked (above), so that units committing at once
            # on PostgreSQL record their access one after another, never in a cycle.
            _record_access(batch, outcomes)
        batch.refresh_from_db()
        if registered or updated:
            audit_record(
                action="batch.process_chunk",
                actor=batch.uploaded_by,
                object_type="batch",
                object_id=str(batch.public_id),
                detail={
                    "rows": [chunk[0].row, chunk[-1].row],
                    **({"unit": unit.number} if unit is not None else {}),
                    "registered_ulns": registered,
                    "updated_ulns": updated,
                },
            )
    except BaseException:
        # The chunk rolls back, so neither may its learners' place in the file's memory.
        processor.rollback()
        raise
    processor.commit()


# Outcomes that show the organisation a learner, as an online find or register would.
# RC010 is not one: a supplied ULN whose details did not match reveals nothing more.
_SHOWN = frozenset({RC.RC001, RC.RC002, RC.RC003, RC.RC004, RC.RC005, RC.RC012})


def _record_access(batch: Batch, outcomes: list[Outcome]) -> None:
    if batch.kind != BatchKind.REGISTRATION:
        return
    ulns = {o.uln for o in outcomes if o.uln and o.return_code in _SHOWN}
    ulns |= {str(c["uln"]) for o in outcomes if o.return_code == RC.RC007 for c in o.candidates}
    if ulns:
        learner_access_record(
            organisation_id=batch.organisation_id,
            learner_ids=Learner.objects.filter(uln__in=ulns).values_list("pk", flat=True),
        )


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


# --- Several workers on one file (lrs.batches.planning) ---------------------------------


class _StoredProblem(NamedTuple):
    field: str
    rule: str
    code: str


class _StoredRefusal(NamedTuple):
    return_code: str
    problems: list[_StoredProblem]


def _plan_units(batch: Batch, token: str, path: Path, rejected: dict[int, Any]) -> None:
    """Split the file into units (one transaction: all of them or none)."""
    # The plan needs the whole file at once; its records are what the units then carry.
    records = list(_records(batch, path))
    size = settings.LRS_BATCH_CHUNK_SIZE
    if batch.kind == BatchKind.REGISTRATION:
        roots = planning.registration_groups(
            [r for r in records if isinstance(r, BatchRecord)],
            rejected,
            resolve_ulns=learner_resolve_ulns,
        )
        units = planning.units_of(roots, size=size)
    else:
        units = planning.plain_units(len(records), size=size)
    # insert_rows, not bulk_create: on PostgreSQL Django's bulk_create sends each column
    # as one array, and quoting an array of units' JSON on the client took 20 of the 45
    # seconds before a 100,000-record file's first unit.
    with transaction.atomic():
        for start in range(0, len(units), 20):
            insert_rows(
                BatchUnit,
                [
                    {
                        "batch_id": batch.pk,
                        "number": number,
                        "first_row": records[unit[0]].row,
                        "size": len(unit),
                        "records": [_record_data(records[i]) for i in unit],
                        "rejected": planning.unit_rejected(
                            (records[i].row for i in unit), rejected
                        ),
                    }
                    for number, unit in enumerate(units[start : start + 20], start=start)
                ],
            )
        _touch(batch, token)


def _unit_claim(batch_id: int, token: str) -> BatchUnit | None:
    """The first unit of the batch no one is working on (or whose worker stalled)."""
    claimable = Q(done_at__isnull=True) & (
        Q(worker_token="") | Q(progressed_at__lt=filejobs.stalled_since())
    )
    candidates = BatchUnit.objects.filter(claimable, batch_id=batch_id).order_by("number")
    for pk in list(candidates.values_list("pk", flat=True)[:8]):
        if filejobs.claim(
            BatchUnit, pk, claimable=claimable, token=token, attempts=F("attempts") + 1
        ):
            return BatchUnit.objects.get(pk=pk)
    return None


def _unit_done(batch: Batch, unit: BatchUnit, token: str, counts: dict[str, Any]) -> None:
    """In the unit's transaction: its counts on the batch, and the unit done (if it is
    still this run's: a run that stalled and lost it must not count it twice).

    The batch's own progress is left to the run that holds it: helpers working on must
    not make a dead run look alive, or no one would take the batch over and finish it."""
    now = timezone.now()
    Batch.objects.filter(pk=batch.pk).update(**counts)
    if not BatchUnit.objects.filter(pk=unit.pk, worker_token=token, done_at__isnull=True).update(
        done_at=now, progressed_at=now, records=[], rejected={}
    ):
        raise filejobs.TakenOver(unit.pk)


def _process_unit(batch: Batch, unit: BatchUnit, token: str) -> None:
    kind = VerifyRecord if batch.kind == BatchKind.VERIFY else BatchRecord
    records: list[BatchRecord | VerifyRecord] = [kind(**data) for data in unit.records]
    rejected: dict[int, Any] = {
        int(row): _StoredRefusal(code, [_StoredProblem(**p) for p in problems])
        for row, (code, problems) in unit.rejected.items()
    }
    # On PostgreSQL a unit takes its registration locks only to insert; if someone
    # registered meanwhile a learner its finds would have met, it is decided again
    # holding them from the start. (SQLite's transactions serialise writes already.)
    lock_late = connection.vendor == "postgresql"
    while True:
        processor = RegistrationProcessor(
            actor=batch.uploaded_by,
            rejected=rejected,
            seen={},
            batch_id=batch.pk,
            lock_late=lock_late,
        )
        try:
            _process_chunk(batch, token, records, processor, rejected, unit=unit)
        except RegisteredMeanwhile:
            if not lock_late:
                raise
            lock_late = False
            continue
        return


@task()
def batch_units_help(batch_id: int) -> int:
    """Help the worker running a batch file: process its units until none is left."""
    return units_work(batch_id)


def units_work(batch_id: int, token: str | None = None) -> int:
    """Process units of the batch until none is left to claim; returns how many."""
    token = token or uuid.uuid4().hex
    batch = Batch.objects.select_related("uploaded_by__organisation").get(pk=batch_id)
    done = 0
    try:
        while (unit := _unit_claim(batch_id, token)) is not None:
            _process_unit(batch, unit, token)
            if not done:
                _freeze_caches()
            done += 1
    finally:
        _unfreeze()
    return done


def _process_units(
    batch: Batch, token: str, path: Path, rejected: dict[int, Any], *, planned: bool
) -> None:
    """The file's units, with helpers: this run claims units like any helper, then waits
    for the ones others hold (taking over any whose worker stalled)."""
    if not planned:
        _plan_units(batch, token, path, rejected)
    for _ in range(settings.LRS_BATCH_WORKERS - 1):
        batch_units_help.enqueue(batch.pk)
    first = True
    try:
        while True:
            while (unit := _unit_claim(batch.pk, token)) is not None:
                _process_unit(batch, unit, token)
                _touch(batch, token)
                if first:
                    _freeze_caches()
                    first = False
            if not BatchUnit.objects.filter(batch=batch, done_at__isnull=True).exists():
                break
            _touch(batch, token)
            time.sleep(0.2)
    finally:
        _unfreeze()
    batch.refresh_from_db()

"""Several workers on one batch file: units that can be decided in any order, by anyone,
with the outcome of deciding the file in order, and resumed unit by unit."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from lrs.batches import planning, processing
from lrs.batches.models import Batch, BatchRow, BatchStatus, BatchUnit
from lrs.batches.services import batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core import filejobs
from lrs.core.models import AllocatedUln
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from tests.factories import batch_record, batch_upload, synthetic_batch_records

pytestmark = pytest.mark.django_db

PERSON = {"given_name": "Ann", "family_name": "Example", "date_of_birth": "2001-04-03"}


def submit(user, records):
    return batch_submit(actor=user, upload=batch_upload(user.organisation.ukprn, records))


def strangers(count: int, seed: int) -> list[Any]:
    """People of different households (the synthetic stream keeps households together,
    and a household shares a postcode key)."""
    return synthetic_batch_records(count * 10, seed=seed)[::10]


def register(user, row: int, **changes: str) -> Learner:
    data = {**batch_record(row, **changes).learner_data(), "ability_to_share": "1"}
    return learner_register(actor=user, data=data).learner


def outcome_of(batch: Batch) -> list[tuple[Any, ...]]:
    """Every row's outcome, with each ULN issued by the batch named by the first row that
    carries it (the ULNs themselves are random)."""
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    rows = list(BatchRow.objects.filter(batch=batch).order_by("row_number"))
    issued = {r.uln: f"new@{r.row_number}" for r in rows if r.return_code == RC.RC001}

    def name(uln: str) -> str:
        return issued.get(uln, uln)

    return [
        (
            r.row_number,
            r.return_code,
            name(r.uln),
            [(name(str(c["uln"])), c["score"]) for c in r.candidates],
            r.problems,
            r.failure_flags,
        )
        for r in rows
    ] + [
        (
            "counts",
            batch.processed_records,
            batch.new_learners,
            batch.existing_learners,
            batch.possible_matches,
            batch.not_found,
            batch.rejected,
        )
    ]


@contextlib.contextmanager
def undone() -> Iterator[None]:
    """Whatever the block stores is rolled back afterwards (to run a file twice against
    the same register)."""
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)


def mixed_file(user) -> list[Any]:
    """People new, again (exactly and with a typo, far apart), registered already (with
    and without their ULN, one moving house), an invalid record and more."""
    known = register(user, 2, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01")
    mover = register(user, 2, given_name="Tom", family_name="Baker", date_of_birth="2003-02-11")
    people = strangers(14, seed=11)
    records = [
        batch_record(2, **PERSON),
        *[
            dataclasses.replace(p, row=row, mis_identifier=f"S{row:05d}")
            for row, p in enumerate(people[:5], start=3)
        ],
        batch_record(8, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"),
        batch_record(9, given_name="", family_name="Nobody"),
        *[
            dataclasses.replace(p, row=row, mis_identifier=f"S{row:05d}")
            for row, p in enumerate(people[5:9], start=10)
        ],
        # The mover's new address, then (later, in what would be another chunk) a find
        # that only meets them at the new one.
        batch_record(
            14,
            uln=mover.uln,
            given_name="Tom",
            family_name="Baker",
            date_of_birth="2003-02-11",
            last_known_postcode="LS1 4AP",
            date_of_address_capture="2026-01-05",
        ),
        *[
            dataclasses.replace(p, row=row, mis_identifier=f"S{row:05d}")
            for row, p in enumerate(people[9:], start=15)
        ],
        batch_record(20, mis_identifier="again", **PERSON),
        batch_record(21, mis_identifier="typo", **{**PERSON, "given_name": "Anne"}),
        batch_record(
            22,
            given_name="Tom",
            family_name="Baker",
            date_of_birth="2003-02-11",
            last_known_postcode="LS1 4AP",
        ),
        batch_record(
            23, uln=known.uln, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"
        ),
    ]
    return records


@pytest.fixture(autouse=True)
def _small_units(settings):
    # Three records a chunk or unit: the pairs above are several chunks apart.
    settings.LRS_BATCH_CHUNK_SIZE = 3


def test_an_in_file_pair_split_across_chunks_stays_in_one_unit_and_gets_one_learner(
    batch_user, settings
):
    settings.LRS_BATCH_WORKERS = 2
    people = strangers(6, seed=5)
    records = [
        batch_record(2, **PERSON),
        *[
            dataclasses.replace(p, row=row, mis_identifier=f"S{row:05d}")
            for row, p in enumerate(people, start=3)
        ],
        batch_record(9, mis_identifier="again", **PERSON),
    ]
    batch = submit(batch_user, records)
    assert processing.process(batch.pk) == "complete"
    rows = {r.row_number: r for r in BatchRow.objects.filter(batch=batch)}
    assert rows[2].return_code == RC.RC001
    assert rows[9].return_code == RC.RC012
    assert rows[9].uln == rows[2].uln
    assert Learner.objects.filter(uln=rows[2].uln).count() == 1
    assert Learner.objects.count() == AllocatedUln.objects.count() == 7
    # Rows 2 and 9 (three units apart by position) were decided together, in order,
    # in a unit packed to the chunk size of 3 with row 3.
    assert BatchUnit.objects.filter(batch=batch).count() == 3
    assert BatchUnit.objects.filter(batch=batch, first_row=2).get().size == 3


def test_units_are_packed_by_records_so_big_early_groups_do_not_make_one_giant_unit():
    # Groups (by their first record's position): 0 holds 5 records, 1 holds 3, then
    # eight single records; a chunk size of 4.
    roots = [0, 1, 0, 1, 0, 1, 0, 0, 8, 9, 10, 11, 12, 13, 14, 15]
    units = planning.units_of(roots, size=4)
    assert units == [
        [0, 2, 4, 6, 7],  # a group bigger than a unit is a unit of its own, never split
        [1, 3, 5, 8],
        [9, 10, 11, 12],
        [13, 14, 15],
    ]
    assert sorted(p for unit in units for p in unit) == list(range(len(roots)))


def test_units_claimed_in_turn_by_two_workers_give_the_outcome_of_the_file_in_order(
    batch_user, settings, monkeypatch
):
    records = mixed_file(batch_user)
    with undone():
        settings.LRS_BATCH_WORKERS = 1
        serial = submit(batch_user, records)
        assert processing.process(serial.pk) == "complete"
        expected = outcome_of(serial)
    codes = {row[1] for row in expected[:-1]}
    assert {RC.RC001, RC.RC012, RC.RC007, RC.RC004, RC.RC003} <= codes
    assert expected[7][1] in (RC.RC006, RC.RC011)  # row 9, refused by the validator

    settings.LRS_BATCH_WORKERS = 2
    batch = submit(batch_user, records)
    real_claim = processing._unit_claim
    helped: list[int] = []

    def turns(batch_id, token):
        # Before each claim of the run, a second worker takes the LAST unit left.
        last = (
            BatchUnit.objects.filter(batch_id=batch_id, done_at__isnull=True, worker_token="")
            .order_by("-number")
            .first()
        )
        if last is not None:
            unclaimed = BatchUnit.objects.filter(worker_token="").values("pk")
            assert filejobs.claim(
                BatchUnit, last.pk, claimable=processing.Q(pk__in=unclaimed), token="helper"
            )
            processing._process_unit(Batch.objects.get(pk=batch_id), last, "helper")
            helped.append(last.number)
        return real_claim(batch_id, token)

    monkeypatch.setattr(processing, "_unit_claim", turns)
    assert processing.process(batch.pk) == "complete"
    assert len(helped) >= 2
    assert outcome_of(batch) == expected
    assert not BatchUnit.objects.filter(batch=batch, done_at__isnull=True).exists()


def test_a_helper_processes_the_units_of_a_run_that_died_after_planning(
    batch_user, settings, monkeypatch
):
    settings.LRS_BATCH_WORKERS = 3
    records = mixed_file(batch_user)
    batch = submit(batch_user, records)
    real_unit = processing._process_unit

    def died(*args, **kwargs):
        raise KeyboardInterrupt("the worker running the file died")

    monkeypatch.setattr(processing, "_process_unit", died)
    with pytest.raises(KeyboardInterrupt):
        processing.process(batch.pk)
    # The file's run asked for two helpers.
    from django_tasks_db.models import DBTaskResult

    assert (
        DBTaskResult.objects.filter(task_path="lrs.batches.processing.batch_units_help").count()
        == 2
    )
    monkeypatch.setattr(processing, "_process_unit", real_unit)
    units = BatchUnit.objects.filter(batch=batch)
    # The unit the dead run held waits for the stall time; the others go at once.
    assert processing.units_work(batch.pk) == units.count() - 1
    units.filter(done_at__isnull=True).update(
        progressed_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert processing.units_work(batch.pk) == 1
    Batch.objects.filter(pk=batch.pk).update(
        progressed_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert processing.process(batch.pk) == "complete"
    batch.refresh_from_db()
    assert batch.processed_records == len(records)
    assert BatchRow.objects.filter(batch=batch).count() == len(records)


def test_a_unit_whose_worker_dies_is_done_again_and_only_it(
    batch_user, settings, kill_worker_at_third_chunk
):
    records = mixed_file(batch_user)
    with undone():
        settings.LRS_BATCH_WORKERS = 1
        serial = submit(batch_user, records)
        processing.process(serial.pk)
        expected = outcome_of(serial)

    settings.LRS_BATCH_WORKERS = 2
    batch = submit(batch_user, records)
    revive_worker = kill_worker_at_third_chunk()
    with pytest.raises(KeyboardInterrupt):
        processing.process(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PROCESSING
    units = BatchUnit.objects.filter(batch=batch)
    done_before = set(units.filter(done_at__isnull=False).values_list("number", flat=True))
    assert done_before == {0, 1}
    assert batch.processed_records == sum(u.size for u in units.filter(number__in=done_before))
    # A live worker's batch is not taken over; a stalled one is, with its claimed unit.
    assert processing.process(batch.pk) == "not claimed"
    stalled = timezone.now() - timezone.timedelta(hours=1)
    Batch.objects.filter(pk=batch.pk).update(progressed_at=stalled)
    units.filter(done_at__isnull=True).exclude(worker_token="").update(progressed_at=stalled)
    revive_worker()
    assert processing.process(batch.pk) == "complete"
    assert outcome_of(batch) == expected
    # The units done before the worker died were not done again.
    assert set(units.filter(attempts=1).values_list("number", flat=True)) >= done_before
    assert units.get(number=2).attempts == 2
    issued = BatchRow.objects.filter(batch=batch, return_code=RC.RC001).count()
    assert Learner.objects.count() == issued + 2 == AllocatedUln.objects.count()


def test_a_units_finds_leave_out_the_learners_the_batch_registered_in_other_units(batch_user):
    learner = register(batch_user, 2, **PERSON)
    batch = submit(batch_user, [batch_record(2, **PERSON)])
    # As if a later record of the file, in another unit, had registered this learner.
    BatchRow.objects.create(batch=batch, row_number=50, return_code=RC.RC001, uln=learner.uln)
    record = batch_record(3, **PERSON)
    for batch_id, expected in ((None, RC.RC002), (batch.pk, RC.RC001)):
        processor = processing.RegistrationProcessor(
            actor=batch_user, rejected={}, seen={}, batch_id=batch_id
        )
        processor.begin([record])
        assert processor.outcome(record).return_code == expected
        processor.rollback()


def test_a_unit_that_locks_late_notices_a_registration_made_since_it_read(batch_user):
    record = batch_record(3, **PERSON)
    processor = processing.RegistrationProcessor(
        actor=batch_user, rejected={}, seen={}, lock_late=True
    )
    processor.begin([record])
    outcome = processor.outcome(record)
    assert outcome.return_code == RC.RC001
    register(batch_user, 2, **PERSON)  # online, between the unit's read and its insert
    with pytest.raises(processing.RegisteredMeanwhile):
        processor.finish([outcome])
    processor.rollback()
    # Decided again, holding the locks from the start, it finds them.
    again = processing.RegistrationProcessor(actor=batch_user, rejected={}, seen={})
    again.begin([record])
    assert again.outcome(record).return_code == RC.RC002


def test_records_at_one_postcode_unit_share_a_group_for_the_second_look_whatever_else_differs():
    records = [
        batch_record(2, given_name="Ann", family_name="Example", date_of_birth="2001-04-03"),
        batch_record(3, given_name="Zoe", family_name="Other", date_of_birth="1987-11-20"),
        batch_record(
            4,
            given_name="Bob",
            family_name="Third",
            date_of_birth="1970-06-06",
            gender="1",
            last_known_postcode="B1 1AA",  # another unit, and nothing else in common
        ),
    ]
    roots = planning.registration_groups(records, [], resolve_ulns=lambda ulns: {})
    assert roots[0] == roots[1]
    assert roots[2] != roots[0]


@pytest.mark.django_db
def test_a_record_naming_a_learner_shares_a_group_with_a_record_at_its_postcode_unit(batch_user):
    learner = register(batch_user, 0, given_name="Zoe", family_name="Other")
    records = [
        batch_record(2, uln=learner.uln, given_name="Zoe", family_name="Other"),
        batch_record(3, given_name="Ann", family_name="Example", date_of_birth="1990-01-01"),
    ]
    roots = planning.registration_groups(
        records, [], resolve_ulns=lambda ulns: dict.fromkeys(ulns, (learner, False))
    )
    assert roots[0] == roots[1]

"""What chunked processing relies on: a chunk reads the register once for all of its
records, holds its new learners back until it ends, and still decides every record as
if each had run its own find, one after another."""

import datetime as dt

import pytest

from lrs.batches.models import BatchRow, BatchStatus
from lrs.batches.processing import _ChunkRegister, process
from lrs.batches.services import batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core.models import AllocatedUln
from lrs.identifiers import uln as uln_rules
from lrs.learners.bulk import learners_bulk_load, synthetic_learner_record
from lrs.learners.models import Learner, LearnerChange, LearnerStatus
from lrs.learners.selectors import learner_candidates
from lrs.learners.services import (
    learner_columns,
    learner_demographics,
    learner_match,
    learner_match_rows,
    learner_register,
)
from lrs.matching import prepare, query_keys
from lrs.synthetic import generate_population, generate_queries
from lrs.validation.learner import Purpose, validate_learner
from tests.factories import batch_record, batch_upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_chunk(settings):
    # Every file in these tests fits in one chunk unless a test says otherwise.
    settings.LRS_BATCH_CHUNK_SIZE = 50


def run(batch):
    process(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    return {r.row_number: r for r in BatchRow.objects.filter(batch=batch)}


def submit(user, records):
    return batch_submit(actor=user, upload=batch_upload(user.organisation.ukprn, records))


def register(user, **changes):
    data = {**batch_record(2, **changes).learner_data(), "ability_to_share": "1"}
    return learner_register(actor=user, data=data).learner


def test_a_person_twice_in_one_chunk_gets_one_uln(batch_user):
    records = [
        batch_record(2),
        batch_record(3, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"),
        batch_record(4, mis_identifier="again", given_name=" ann ", last_known_postcode="cv49ee"),
        batch_record(5, mis_identifier="typo", given_name="Anne"),
    ]
    rows = run(submit(batch_user, records))
    assert [rows[n].return_code for n in (2, 3, 4, 5)] == [RC.RC001, RC.RC001, RC.RC012, RC.RC007]
    # The repeat carries the ULN issued to the first; the near-repeat lists it as a
    # candidate: the real ULN, inserted at the end of the chunk, not a stand-in.
    assert rows[4].uln == rows[2].uln
    assert rows[5].candidate_ulns == [rows[2].uln]
    assert Learner.objects.count() == 2
    assert set(Learner.objects.values_list("uln", flat=True)) == {rows[2].uln, rows[3].uln}


def test_the_same_person_in_a_later_chunk_gets_the_uln_of_the_earlier_one(batch_user, settings):
    settings.LRS_BATCH_CHUNK_SIZE = 2
    records = [
        batch_record(2),
        batch_record(3, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"),
        batch_record(4, mis_identifier="again"),
        batch_record(5, mis_identifier="typo", given_name="Anne"),
    ]
    rows = run(submit(batch_user, records))
    assert [rows[n].return_code for n in (2, 3, 4, 5)] == [RC.RC001, RC.RC001, RC.RC012, RC.RC007]
    assert rows[4].uln == rows[2].uln
    assert rows[5].candidate_ulns == [rows[2].uln]
    assert Learner.objects.count() == 2


def test_exact_possible_and_new_in_one_chunk(batch_user):
    existing = register(batch_user)
    records = [
        batch_record(2, mis_identifier="new", given_name="Priya", family_name="Raman"),
        batch_record(3, mis_identifier="exact"),
        batch_record(
            4, mis_identifier="possible", given_name="Anne", last_known_postcode="B15 2TT"
        ),
        batch_record(5, mis_identifier="new2", given_name="Zofia", family_name="Nowak"),
    ]
    rows = run(submit(batch_user, records))
    assert [rows[n].return_code for n in (2, 3, 4, 5)] == [RC.RC001, RC.RC002, RC.RC007, RC.RC001]
    assert rows[3].uln == existing.uln
    assert existing.uln in rows[4].candidate_ulns
    assert rows[4].candidates[0]["score"] is not None
    assert rows[4].is_exception


def test_new_learners_of_a_chunk_are_stored_as_registration_stores_them(batch_user):
    records = [
        batch_record(2),
        batch_record(3, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"),
        batch_record(4, given_name="Zofia", family_name="Nowak", middle_other_name="Maria"),
    ]
    rows = run(submit(batch_user, records))
    ulns = [rows[n].uln for n in (2, 3, 4)]
    assert len(set(ulns)) == 3
    assert all(uln_rules.is_valid(uln) for uln in ulns)
    assert set(
        AllocatedUln.objects.filter(uln__in=ulns, purpose="register").values_list("uln", flat=True)
    ) == set(ulns)
    for uln in ulns:
        stored = Learner.objects.get(uln=uln)
        assert stored.version_number == 1
        assert stored.status == LearnerStatus.ACTIVE
        assert stored.created_by_organisation_id == batch_user.organisation_id
        assert stored.demographics_key
        assert stored.bk_dob_given
        change = LearnerChange.objects.get(learner=stored)
        assert (change.version_number, change.action) == (1, "register (batch)")
        assert change.actor_id == batch_user.pk
        assert change.changes["given_name"] == [None, stored.given_name]
    zofia = Learner.objects.get(uln=ulns[2])
    values, _ = validate_learner(records[2].learner_data(), purpose=Purpose.REGISTER)
    # The same derived columns as a registration of the same person stores.
    assert {f: getattr(zofia, f) for f in learner_columns(values)} == learner_columns(values)
    assert zofia.middle_other_name == "Maria"


def test_supplied_ulns_are_read_together_and_the_chunk_sees_its_own_updates(batch_user):
    same = register(batch_user)
    mover = register(batch_user, given_name="Bo", family_name="Moss")
    mismatched = register(batch_user, given_name="Cy", family_name="Lee")
    master = register(batch_user, given_name="Di", family_name="Fox")
    linked = register(batch_user, given_name="Xan", family_name="Yu", date_of_birth="1999-09-09")
    Learner.objects.filter(pk=linked.pk).update(master=master, status=LearnerStatus.LINKED)
    records = [
        batch_record(2, uln=same.uln),
        batch_record(
            3,
            uln=mover.uln,
            given_name="Bo",
            family_name="Moss",
            last_known_postcode="B15 2TT",
            date_of_address_capture="2024-08-01",
        ),
        batch_record(4, uln="9276308686"),
        batch_record(5, uln=mismatched.uln, given_name="Zed", family_name="Quill"),
        batch_record(6, uln=linked.uln, given_name="Di", family_name="Fox"),
        # No ULN: Bo Moss at the address the chunk has just recorded for him.
        batch_record(
            7,
            mis_identifier="bo",
            given_name="Bo",
            family_name="Moss",
            last_known_postcode="B15 2TT",
        ),
    ]
    rows = run(submit(batch_user, records))
    assert [rows[n].return_code for n in (2, 3, 4, 5, 6, 7)] == [
        RC.RC003,
        RC.RC004,
        RC.RC009,
        RC.RC010,
        RC.RC005,
        RC.RC002,
    ]
    assert rows[6].uln == master.uln
    assert rows[7].uln == mover.uln
    assert rows[5].candidate_ulns == [mismatched.uln]
    mover.refresh_from_db()
    assert (mover.last_known_postcode, mover.version_number) == ("B15 2TT", 2)
    assert mover.bk_postcode_given.startswith("B152TT")


def test_a_chunk_that_fails_leaves_nothing_and_the_file_is_processed_again_cleanly(
    batch_user, monkeypatch
):
    from lrs.batches import processing

    records = [batch_record(2), batch_record(3, mis_identifier="again")]
    batch = submit(batch_user, records)
    real_touch = processing._touch
    calls = {"n": 0}

    def failing_touch(batch, token, **fields):
        if "processed_records" in fields:
            calls["n"] += 1
            raise RuntimeError("the database went away")
        return real_touch(batch, token, **fields)

    monkeypatch.setattr(processing, "_touch", failing_touch)
    with pytest.raises(RuntimeError):
        process(batch.pk)
    assert calls["n"] == 1
    assert Learner.objects.count() == 0
    assert not AllocatedUln.objects.filter(purpose="register").exists()
    monkeypatch.setattr(processing, "_touch", real_touch)
    from lrs.batches.models import Batch

    Batch.objects.filter(pk=batch.pk).update(progressed_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    rows = run(batch)
    assert [rows[n].return_code for n in (2, 3)] == [RC.RC001, RC.RC012]
    assert rows[3].uln == rows[2].uln
    assert Learner.objects.count() == 1


def test_candidates_read_for_many_finds_are_those_each_find_reads_alone():
    population = generate_population(400, seed=5)
    learners_bulk_load(
        records=(synthetic_learner_record(p) for p in population if p.registered), batch_size=500
    )
    queries = generate_queries(population, 150, seed=9)
    prepared = []
    for labelled in queries:
        d = labelled.query
        values, problems = validate_learner(
            {
                "given_name": d.given_name,
                "family_name": d.family_name,
                "date_of_birth": d.date_of_birth.isoformat(),
                "gender": d.gender,
                "last_known_postcode": d.postcode,
                "previous_family_name": d.previous_family_name,
            },
            purpose=Purpose.FIND,
        )
        if problems:
            continue
        query = prepare(learner_demographics(values))
        prepared.append((values, query, query_keys(query)))
    merged: dict[str, set[str]] = {}
    for _, _, keys in prepared:
        for column, values in keys.items():
            merged.setdefault(column, set()).update(values)
    register = _ChunkRegister()
    for row in learner_candidates(merged):
        register.put(row)
    outcomes = set()
    for values, query, keys in prepared:
        alone = learner_match(values)
        together = learner_match_rows(query, register.candidates(keys))
        outcomes.add(alone.response_code)
        assert together.response_code == alone.response_code
        assert [(c.uln, c.score) for c in together.candidates] == [
            (c.uln, c.score) for c in alone.candidates
        ]
    assert len(outcomes) >= 3  # exact, possible and no match all came up

import pytest

from lrs.audit.models import AuditEntry
from lrs.batches.models import BatchRow, BatchStatus
from lrs.batches.processing import process
from lrs.batches.services import batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.core.errors import Conflict, NotPermitted
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from tests.factories import batch_record, batch_upload, verify_record

pytestmark = pytest.mark.django_db


def run(batch):
    process(batch.pk)
    batch.refresh_from_db()
    return {r.row_number: r for r in BatchRow.objects.filter(batch=batch)}


def ukprn(user):
    return user.organisation.ukprn


def test_new_learners_get_ulns_and_a_repeat_in_the_file_is_rc012(batch_user):
    records = [
        batch_record(2),
        batch_record(3, given_name="Priya", family_name="Raman", date_of_birth="2005-06-01"),
        batch_record(4, mis_identifier="S-again"),  # the same person as row 2
    ]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert batch.status == BatchStatus.COMPLETE
    assert [rows[n].return_code for n in (2, 3, 4)] == [RC.RC001, RC.RC001, RC.RC012]
    assert rows[4].uln == rows[2].uln
    assert Learner.objects.count() == 2
    assert (batch.new_learners, batch.existing_learners, batch.processed_records) == (2, 1, 3)
    assert AuditEntry.objects.filter(action="batch.process_chunk").exists()


def test_an_existing_learner_is_found_rc002_and_a_similar_one_is_an_exception_rc007(batch_user):
    existing = learner_register(
        actor=batch_user,
        data={**batch_record(2).learner_data(), "ability_to_share": "1"},
    ).learner
    records = [
        batch_record(2),
        batch_record(3, given_name="Anne", last_known_postcode="B15 2TT"),
    ]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert (rows[2].return_code, rows[2].uln) == (RC.RC002, existing.uln)
    assert rows[3].return_code == RC.RC007
    assert rows[3].is_exception
    assert existing.uln in rows[3].candidate_ulns
    assert batch.possible_matches == 1


def test_supplied_ulns_are_verified_updated_not_found_or_mismatched(batch_user):
    def register(given, family):
        data = batch_record(2, given_name=given, family_name=family).learner_data()
        return learner_register(actor=batch_user, data=data).learner

    same, mover, mismatched = (
        register("Ann", "Example"),
        register("Bo", "Moss"),
        register("Cy", "Lee"),
    )
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
        batch_record(6, uln=same.uln, mis_identifier="again"),
    ]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert [rows[n].return_code for n in (2, 3, 4, 5, 6)] == [
        RC.RC003,
        RC.RC004,
        RC.RC009,
        RC.RC010,
        RC.RC012,
    ]
    mover.refresh_from_db()
    assert mover.last_known_postcode == "B15 2TT"
    assert mover.version_number == 2
    assert rows[5].is_exception
    assert (batch.existing_learners, batch.not_found, batch.possible_matches) == (3, 1, 1)


def test_rejected_records_keep_their_codes_rc006_rc011_rc013(batch_user):
    records = [
        batch_record(2, given_name=""),
        batch_record(3, gender="7", mis_identifier="x3"),
        batch_record(4, date_of_birth="2020-01-01", mis_identifier="x4"),
    ]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert [rows[n].return_code for n in (2, 3, 4)] == [RC.RC006, RC.RC011, RC.RC013]
    assert batch.rejected == 3
    assert rows[3].problems[0]["field"]


def test_a_wrong_record_count_fails_the_whole_file_with_wsrc0017(batch_user):
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(ukprn(batch_user), [batch_record(2)], count=5)
    )
    rows = run(batch)
    assert batch.status == BatchStatus.FAILED
    assert rows == {}
    assert "WSRC0017" in {p["code"] for p in batch.problems}
    assert Learner.objects.count() == 0


def test_a_file_for_another_organisations_ukprn_is_refused(batch_user):
    batch = batch_submit(actor=batch_user, upload=batch_upload("10999999", [batch_record(2)]))
    run(batch)
    assert batch.status == BatchStatus.FAILED
    assert "UKPRN" in batch.failure_reason


def test_the_same_file_twice_needs_confirmation(batch_user):
    first = batch_upload(ukprn(batch_user), [batch_record(2)])
    batch_submit(actor=batch_user, upload=first)
    again = batch_upload(ukprn(batch_user), [batch_record(2)])
    with pytest.raises(Conflict) as excinfo:
        batch_submit(actor=batch_user, upload=again)
    assert excinfo.value.code == "duplicate_file"
    again.seek(0)
    assert batch_submit(actor=batch_user, upload=again, confirm_duplicate=True)


@pytest.mark.parametrize("fmt", ["XML", "XLSX"])
def test_xml_and_xlsx_files_are_processed_like_csv(batch_user, fmt):
    batch = batch_submit(
        actor=batch_user, upload=batch_upload(ukprn(batch_user), [batch_record(2)], fmt)
    )
    rows = run(batch)
    assert batch.status == BatchStatus.COMPLETE
    assert next(iter(rows.values())).return_code == RC.RC001


def test_online_users_cannot_submit_batch_files(batch_user):
    from tests.factories import make_user

    online = make_user(batch_user.organisation, "online_user")
    with pytest.raises(NotPermitted):
        batch_submit(actor=online, upload=batch_upload(ukprn(online), [batch_record(2)]))


def test_an_awarding_organisation_verify_batch_answers_wsvrc_codes(batch_user, ao_user):
    known = learner_register(actor=batch_user, data=batch_record(2).learner_data()).learner
    records = [
        verify_record(2, uln=known.uln, given_name="Ann", family_name="Example"),
        verify_record(3, uln=known.uln, given_name="Bob", family_name="Other"),
        verify_record(4, uln="9276308686", given_name="Ann", family_name="Example"),
    ]
    batch = batch_submit(actor=ao_user, upload=batch_upload(ukprn(ao_user), records, prefix="LRV"))
    rows = run(batch)
    assert batch.status == BatchStatus.COMPLETE, batch.problems
    assert [rows[n].return_code for n in (2, 3, 4)] == ["WSVRC001", "WSVRC005", "WSVRC006"]
    assert "VRF1" in rows[3].failure_flags


def test_the_organisation_may_open_learners_its_batch_found_or_registered_but_not_rc010(
    batch_user,
):
    from lrs.core.errors import NotFound
    from lrs.learners.selectors import learner_get
    from tests.factories import make_user

    other_org_user = make_user(role="online_user")
    stranger = learner_register(
        actor=other_org_user,
        data=batch_record(
            2,
            given_name="Cy",
            family_name="Lee",
            date_of_birth="1999-12-01",
            last_known_postcode="LS1 4AP",
        ).learner_data(),
    ).learner
    records = [
        batch_record(2),
        batch_record(
            3, uln=stranger.uln, given_name="Zed", family_name="Quill", date_of_birth="1999-12-01"
        ),
    ]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert (rows[2].return_code, rows[3].return_code) == (RC.RC001, RC.RC010)
    assert learner_get(actor=batch_user, uln=rows[2].uln).uln == rows[2].uln
    with pytest.raises(NotFound):
        learner_get(actor=batch_user, uln=stranger.uln)


def test_a_replaced_given_name_with_a_family_name_slip_is_an_exception_not_a_new_learner(
    batch_user,
):
    # The batch takes a find's second look too (everyone at the postcode, born alike),
    # so the learner is offered (RC007) instead of registered again (RC001).
    existing = learner_register(
        actor=batch_user,
        data={**batch_record(2).learner_data(), "ability_to_share": "1"},
    ).learner
    # Zed for Ann, Ezample for Example: no blocking key survives both.
    records = [batch_record(2, given_name="Zed", family_name="Ezample")]
    batch = batch_submit(actor=batch_user, upload=batch_upload(ukprn(batch_user), records))
    rows = run(batch)
    assert rows[2].return_code == RC.RC007
    assert existing.uln in rows[2].candidate_ulns

"""The rest of the return codes through the real pipeline, and hostile files refused whole."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from lrs.batches.models import BatchRow, BatchStatus
from lrs.batches.processing import process
from lrs.batches.services import batch_submit
from lrs.batchfiles.return_codes import ReturnCode as RC
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_register
from tests.factories import batch_file_name, batch_record, batch_upload

pytestmark = pytest.mark.django_db


def processed(user, records):
    batch = batch_submit(actor=user, upload=batch_upload(user.organisation.ukprn, records))
    process(batch.pk)
    batch.refresh_from_db()
    return batch, {r.row_number: r for r in BatchRow.objects.filter(batch=batch)}


def test_a_supplied_linked_uln_returns_its_master_rc005(batch_user):
    master = learner_register(actor=batch_user, data=batch_record(2).learner_data()).learner
    old = learner_register(
        actor=batch_user,
        data=batch_record(2, given_name="Annie", last_known_postcode="B15 2TT").learner_data(),
        confirm_new_learner=True,
        confirmation_reason="test",
    ).learner
    Learner.objects.filter(pk=old.pk).update(status=LearnerStatus.LINKED, master=master)
    _, rows = processed(batch_user, [batch_record(2, uln=old.uln)])
    assert (rows[2].return_code, rows[2].uln) == (RC.RC005, master.uln)


def test_more_than_ten_possible_matches_is_an_exception_rc008(batch_user):
    for surname in [
        "Abbott",
        "Baxter",
        "Carver",
        "Dalton",
        "Ellison",
        "Fairley",
        "Garside",
        "Holloway",
        "Ingram",
        "Jessop",
        "Kenward",
        "Lockley",
    ]:
        learner_register(
            actor=batch_user,
            data=batch_record(2, family_name=surname).learner_data(),
            confirm_new_learner=True,
            confirmation_reason="siblings",
        )
    batch, rows = processed(batch_user, [batch_record(2, family_name="Thornbury")])
    assert rows[2].return_code == RC.RC008
    assert rows[2].is_exception
    assert batch.possible_matches == 1


def test_the_uploader_is_emailed_when_the_batch_is_done(batch_user):
    processed(batch_user, [batch_record(2)])
    emails = DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email")
    assert emails.count() == 1
    body = emails.get().args_kwargs["kwargs"]["body"]
    assert "New learners: 1" in body
    assert "Ann" not in body  # no personal data in email


@pytest.mark.parametrize(
    ("content", "fmt", "expected"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b"<LearnerBatch>&e;</LearnerBatch>",
            "XML",
            "external entit",
        ),
        (bytes(range(256)) * 40, "CSV", ""),
        (b"FileVersion;FileName;UKPRN;LearnerRecordCount\n", "CSV", "semicolon"),
    ],
)
def test_hostile_or_broken_files_fail_whole_with_a_specific_reason(
    batch_user, content, fmt, expected
):
    name = batch_file_name(batch_user.organisation.ukprn, fmt)
    batch = batch_submit(actor=batch_user, upload=SimpleUploadedFile(name, content))
    process(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.failure_reason
    assert expected.lower() in batch.failure_reason.lower() + str(batch.problems).lower()
    assert not BatchRow.objects.filter(batch=batch).exists()
    assert Learner.objects.count() == 0

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.learners.models import Learner, LearnerStatus
from lrs.records.models import AchievementJob, JobStatus, LearningEvent
from lrs.records.selectors import achievement_job_errors_file
from lrs.records.services import achievement_job_cancel, achievement_job_submit
from lrs.records.uploads import process
from tests.factories import (
    STAMP,
    achievement_file,
    achievement_row,
    make_achievement_job,
    make_organisation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    settings.LRS_BATCH_CHUNK_SIZE = 3


@pytest.fixture
def centre(provider_user):
    return provider_user.organisation


def test_a_good_file_creates_events_and_reports_the_counts(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(2, learner, gcse, centre),
            achievement_row(
                3, learner, gcse, centre, award_date="2023-08-24", status="P", grade="8"
            ),
        ],
    )
    assert job.status == JobStatus.SUCCESSFUL
    assert (job.records, job.created, job.final_count, job.provisional_count) == (2, 2, 1, 1)
    assert job.percentage_successful == 100.0
    events = LearningEvent.objects.filter(learner=learner).order_by("award_date")
    assert [(e.grade, e.status) for e in events] == [("7", "F"), ("8", "P")]
    assert events[0].achievement_provider_ukprn == centre.ukprn
    assert events[0].changes.get().action == "create"


def test_each_kind_of_error_is_counted_separately_and_the_good_rows_still_apply(
    ao_user, learner, gcse, centre
):
    other_ao = make_organisation("awarding_organisation")
    from lrs.records.models import Qualification

    foreign = Qualification.objects.create(
        reference="601/5555/5", kind="qualification", title="X", awarding_organisation=other_ao
    )
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(2, learner, gcse, centre),
            achievement_row(3, learner, gcse, centre, gender="7"),  # field data
            achievement_row(4, learner, gcse, centre, uln="9276308686"),  # learner: unknown ULN
            achievement_row(
                5, learner, gcse, centre, given_name="Zed", family_name="Quill"
            ),  # learner: names
            achievement_row(6, learner, gcse, centre, reference="601/0000/0"),  # business: unknown
            achievement_row(7, learner, foreign, centre),  # business: another AO's
            achievement_row(8, learner, gcse, centre),  # business: duplicate of row 2
            achievement_row(9, learner, gcse, centre, award_date="2099-01-01"),  # business: future
            achievement_row(
                10, learner, gcse, centre, provider_ukprn="10999999", award_date="2021-06-01"
            ),
        ],
    )
    assert job.status == JobStatus.SUCCESSFUL
    assert (job.created, job.field_errors, job.learner_errors, job.business_errors) == (1, 1, 2, 5)
    codes = dict(job.errors.values_list("row_number", "codes"))
    assert codes == {
        3: "FD06",
        4: "LD01",
        5: "LD02",
        6: "BR01",
        7: "BR02",
        8: "BR04",
        9: "BR06",
        10: "BR03",
    }
    name, stream = achievement_job_errors_file(actor=ao_user, job=job)
    rows = list(csv.DictReader(io.StringIO(stream.read().decode("utf-8-sig"))))
    assert name.endswith("_ERRORS.CSV")
    assert [r["ErrorCode"] for r in rows] == [
        "FD06",
        "LD01",
        "LD02",
        "BR01",
        "BR02",
        "BR04",
        "BR06",
        "BR03",
    ]


def test_update_withdraw_reinstate_and_promote_act_on_the_event(ao_user, learner, gcse, centre):
    make_achievement_job(ao_user, [achievement_row(2, learner, gcse, centre, status="P")])
    event = LearningEvent.objects.get()
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(2, learner, gcse, centre, action="2", grade="8", status="P"),
            achievement_row(3, learner, gcse, centre, action="5"),
            achievement_row(4, learner, gcse, centre, action="3", action_reason="Awarded in error"),
            achievement_row(5, learner, gcse, centre, action="4", action_reason="Appeal upheld"),
            achievement_row(6, learner, gcse, centre, action="4", action_reason="Again"),
        ],
    )
    assert (job.updated, job.promoted, job.withdrawn, job.reinstated) == (1, 1, 1, 1)
    assert dict(job.errors.values_list("row_number", "codes")) == {6: "BR08"}
    event.refresh_from_db()
    assert (event.grade, event.status, event.withdrawn) == ("8", "F", False)
    assert [c.action for c in event.changes.order_by("version_number")] == [
        "create",
        "update",
        "promote",
        "withdraw",
        "reinstate",
    ]


def test_acting_on_an_event_that_does_not_exist_is_br05(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user, [achievement_row(2, learner, gcse, centre, action="3", action_reason="x")]
    )
    assert dict(job.errors.values_list("row_number", "codes")) == {2: "BR05"}


def test_a_linked_uln_is_followed_to_its_master_and_reported(
    ao_user, provider_user, learner, gcse, centre
):
    from lrs.learners.services import learner_register
    from tests.factories import OLIVIA

    old = learner_register(
        actor=provider_user,
        data={**OLIVIA, "given_name": "Olivia", "last_known_postcode": "B15 2TT"},
        confirm_new_learner=True,
        confirmation_reason="test",
    ).learner
    Learner.objects.filter(pk=old.pk).update(status=LearnerStatus.LINKED, master=learner)
    job = make_achievement_job(ao_user, [achievement_row(2, old, gcse, centre)])
    assert (job.created, job.linked_followed) == (1, 1)
    assert LearningEvent.objects.get().learner == learner


def test_a_bad_file_applies_nothing(ao_user, learner, gcse, centre):
    job = make_achievement_job(ao_user, [achievement_row(2, learner, gcse, centre)], count=7)
    assert job.status == JobStatus.FAILED
    assert "RecordCount" in job.rejection_reason or job.file_problems
    assert LearningEvent.objects.count() == 0


def test_a_file_for_another_awarding_organisation_is_refused(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user, [achievement_row(2, learner, gcse, centre)], ukprn="10999999"
    )
    assert job.status == JobStatus.FAILED


def test_running_the_same_job_again_never_doubles_an_event(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(2, learner, gcse, centre),
            achievement_row(3, learner, gcse, centre, award_date="2023-08-24"),
        ],
    )
    AchievementJob.objects.filter(pk=job.pk).update(status=JobStatus.WAITING)
    process(job.pk)
    assert LearningEvent.objects.count() == 2
    again = make_achievement_job(ao_user, [achievement_row(2, learner, gcse, centre)])
    assert (again.created, again.business_errors) == (0, 1)
    assert LearningEvent.objects.count() == 2


def test_only_awarding_organisations_upload(provider_user):
    with pytest.raises(NotPermitted):
        achievement_job_submit(
            actor=provider_user,
            upload=SimpleUploadedFile(f"ACH_{provider_user.organisation.ukprn}_{STAMP}.CSV", b""),
        )


def test_a_waiting_job_can_be_cancelled_once(ao_user, learner, gcse, centre):
    upload = achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)])
    job = achievement_job_submit(actor=ao_user, upload=upload)
    assert achievement_job_cancel(actor=ao_user, job=job).status == JobStatus.CANCELLED
    assert process(job.pk) == "not claimed"
    with pytest.raises(Conflict):
        achievement_job_cancel(actor=ao_user, job=job)


@pytest.mark.parametrize("fmt", ["XML", "XLSX"])
def test_xml_and_xlsx_files_work_like_csv(ao_user, learner, gcse, centre, fmt):
    job = make_achievement_job(ao_user, [achievement_row(2, learner, gcse, centre)], fmt=fmt)
    assert (job.status, job.created) == (JobStatus.SUCCESSFUL, 1)


def test_a_file_named_with_an_impossible_date_is_refused_on_arrival_not_in_the_worker(
    ao_user,
):
    name = f"ACH_{ao_user.organisation.ukprn}_310220261200.CSV"  # 31 February
    with pytest.raises(ValidationFailed) as refused:
        achievement_job_submit(actor=ao_user, upload=SimpleUploadedFile(name, b"x"))
    [problem] = refused.value.problems
    assert problem.field == "file"
    assert "date" in problem.rule.lower()
    assert not AchievementJob.objects.exists()

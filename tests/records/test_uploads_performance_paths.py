"""What the fast paths of lrs.records.uploads rely on, pinned.

Processing an achievement file inserts new events with COPY or executemany instead of
``bulk_create``, reads the file without the reader's field check (parse_record checks
each row, and a refused row is checked again for its problems), and skips the crosswise
name comparisons for a row that names the learner exactly as registered. Each must give
what the plain paths give.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from lrs.achievementfiles import (
    parse_record,
    validate_achievement_file,
)
from lrs.core.filejobs import file_storage
from lrs.learners.models import Learner
from lrs.matching.verify import StoredPerson, verify_person
from lrs.records.models import AchievementJob, JobStatus, LearningEvent, LearningEventChange
from lrs.records.services import EventValues, achievement_job_submit, event_create
from lrs.records.uploads import _learner_problems, process
from tests.factories import STAMP, achievement_row, make_achievement_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    settings.LRS_BATCH_CHUNK_SIZE = 4


@pytest.fixture
def centre(provider_user):
    return provider_user.organisation


def _stored(table, pk):
    """A row as the database holds it (no field conversion), by column name."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])  # noqa: S608
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_an_uploaded_event_is_stored_as_event_create_stores_it(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user, [achievement_row(2, learner, gcse, centre, credits="12", grade="8")]
    )
    assert job.created == 1
    uploaded = LearningEvent.objects.get()
    made = event_create(
        actor=ao_user,
        learner=learner,
        values=EventValues(
            qualification=gcse,
            grade="8",
            award_date=dt.date(2023, 8, 24),
            credits=12,
            provider=centre,
            mis_identifier="C2",
        ),
    )
    a, b = _stored("records_learningevent", uploaded.pk), _stored("records_learningevent", made.pk)
    varying = {"id", "public_id", "award_date", "date_loaded", "updated_at"}
    assert {k: v for k, v in a.items() if k not in varying} == {
        k: v for k, v in b.items() if k not in varying
    }
    # The same representation of the values that differ (text on SQLite, native on PostgreSQL).
    for column in varying - {"id"}:
        assert type(a[column]) is type(b[column]), column
    assert len(str(a["public_id"])) == len(str(b["public_id"]))
    assert uploaded.award_date == dt.date(2022, 8, 25)
    assert uploaded.date_loaded == uploaded.updated_at


def test_each_history_row_belongs_to_its_own_event(ao_user, learner, gcse, centre):
    grades = ["4", "5", "6", "7", "8", "9"]
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(n, learner, gcse, centre, grade=g, award_date=f"20{n + 10}-08-2{n}")
            for n, g in enumerate(grades, start=2)
        ],
    )
    assert job.created == len(grades)
    for event in LearningEvent.objects.all():
        change = LearningEventChange.objects.get(event=event)
        assert (change.version_number, change.action, change.actor) == (1, "create", ao_user)
        assert change.organisation == ao_user.organisation
        assert change.changed_at == event.date_loaded
        assert change.changes == {
            "grade": [None, event.grade],
            "award_date": [None, event.award_date.isoformat()],
            "status": [None, event.status],
        }
        assert change.reason == ""


def test_a_create_then_an_update_in_one_chunk_sees_the_new_event(ao_user, learner, gcse, centre):
    job = make_achievement_job(
        ao_user,
        [
            achievement_row(2, learner, gcse, centre, status="P"),
            achievement_row(3, learner, gcse, centre, action="2", grade="9", status="F"),
        ],
    )
    assert (job.created, job.updated, job.rejected_records) == (1, 1, 0)
    event = LearningEvent.objects.get()
    assert (event.grade, event.status, event.version_number) == ("9", "F", 2)


@pytest.mark.parametrize("fmt", ["CSV", "XLSX"])
def test_rejected_rows_carry_the_problems_a_checking_reader_gives(
    ao_user, learner, gcse, centre, fmt
):
    records = [
        achievement_row(2, learner, gcse, centre),
        achievement_row(3, learner, gcse, centre, gender="7", grade=""),
        achievement_row(4, learner, gcse, centre, award_date="25/08/2022"),  # as Excel writes dates
        achievement_row(5, learner, gcse, centre, reference="6014702X", credits="-1"),
        achievement_row(6, learner, gcse, centre, action="9"),
        achievement_row(7, learner, gcse, centre, event_id="3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"),
    ]
    job = make_achievement_job(ao_user, records, fmt=fmt)
    assert (job.status, job.created, job.field_errors) == (JobStatus.SUCCESSFUL, 1, 5)
    report = validate_achievement_file(
        file_storage().path(job.stored_name), filename=job.file_name, business_rules=False
    )
    expected = {
        outcome.row: [
            {"field": p.field or "", "rule": p.rule, "code": p.code} for p in outcome.problems
        ]
        for outcome in report.rejected
    }
    assert dict(job.errors.values_list("row_number", "problems")) == expected
    assert set(expected) == {3, 4, 5, 6, 7}


def test_a_file_with_bad_rows_is_accepted_and_a_bad_file_is_not(ao_user, learner, gcse, centre):
    job = make_achievement_job(ao_user, [achievement_row(2, learner, gcse, centre, gender="7")])
    assert (job.status, job.records, job.field_errors) == (JobStatus.SUCCESSFUL, 1, 1)
    name = f"ACH_{ao_user.organisation.ukprn}_{STAMP}.CSV"
    broken = achievement_job_submit(
        actor=ao_user, upload=SimpleUploadedFile(name, b"\x00\x01not a file")
    )
    assert process(broken.pk) == "failed"
    broken.refresh_from_db()
    assert broken.status == JobStatus.FAILED
    assert broken.file_problems
    assert AchievementJob.objects.filter(status=JobStatus.SUCCESSFUL).count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"gender": ""},
        {"gender": "1"},
        {"date_of_birth": "2006-03-15"},
        {"given_name": "OLIVIA"},
        {"given_name": "Livvy"},
        {"family_name": "Thornbery"},
        {"given_name": "Thornbury", "family_name": "Olivia"},
        {"given_name": "Zed", "family_name": "Quill", "gender": "1"},
    ],
)
def test_the_learner_check_agrees_with_verify_person(learner, gcse, centre, changes):
    a = parse_record(achievement_row(2, learner, gcse, centre, **changes))
    stored = Learner.objects.get(pk=learner.pk)
    check = verify_person(
        StoredPerson(
            stored.given_name,
            stored.family_name,
            stored.previous_family_name,
            stored.date_of_birth,
            stored.gender,
        ),
        given_name=a.given_name,
        family_name=a.family_name,
        date_of_birth=a.date_of_birth,
        gender=a.gender or None,
    )
    codes = [p.code for p in _learner_problems(a, stored)]
    expected = (
        (["LD02"] if check.names == 0 else [])
        + ([] if check.dob_matches else ["LD03"])
        + ([] if check.gender_matches else ["LD04"])
    )
    assert codes == expected

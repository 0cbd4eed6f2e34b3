"""The achievement-file pages with the test client: list, upload, the job page with its
result and rejected rows, the error file in every format, cancelling, progress.json and
who may see what. No worker runs in tests: each test processes its job itself."""

from __future__ import annotations

import csv
import io
import re

import defusedxml.ElementTree as SafeET
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.access import OrganisationType, Role
from lrs.records.models import AchievementJob, JobStatus, LearningEvent
from lrs.records.uploads import process
from tests.factories import STAMP, achievement_file, achievement_row, make_organisation, make_user
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    settings.LRS_BATCH_CHUNK_SIZE = 3


@pytest.fixture
def centre(provider_user):
    return provider_user.organisation


@pytest.fixture
def ao_client(client, ao_user):
    return sign_in_as(client, ao_user)


def upload(client, upload_file):
    return client.post("/achievements/upload/", {"file": upload_file})


def mixed_rows(learner, gcse, centre):
    return [
        achievement_row(2, learner, gcse, centre),
        achievement_row(3, learner, gcse, centre, award_date="2023-08-24", status="P", grade="8"),
        achievement_row(4, learner, gcse, centre, gender="7"),  # FD06
        achievement_row(5, learner, gcse, centre, uln="9276308686"),  # LD01
        achievement_row(6, learner, gcse, centre, reference="601/0000/0"),  # BR01
    ]


def result_value(response, label: str) -> str:
    html = response.content.decode()
    match = re.search(
        rf'<dt class="govuk-summary-list__key">{re.escape(label)}</dt>\s*'
        r'<dd class="govuk-summary-list__value">(.*?)</dd>',
        html,
        flags=re.S,
    )
    assert match, f"no {label!r} in the job result"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_list_is_empty_at_first_and_offers_the_upload(ao_client):
    response = ao_client.get("/achievements/")
    assert response.status_code == 200
    assert title("Achievement files") in response.content.decode()
    text = text_of(response)
    assert "has not uploaded any achievement files yet" in text
    assert 'href="/achievements/upload/"' in response.content.decode()


def test_the_home_page_and_navigation_link_to_achievement_files(ao_client):
    html = ao_client.get("/").content.decode()
    assert re.search(r'href="/achievements/">\s*Upload achievements', html)
    nav = ao_client.get("/achievements/").content.decode()
    assert re.search(r'href="/achievements/" aria-current="page">\s*<strong[^>]*>Achievements', nav)


def test_upload_then_process_shows_the_counts_and_the_rejected_rows(
    ao_client, ao_user, learner, gcse, centre
):
    response = upload(ao_client, achievement_file(ao_user, mixed_rows(learner, gcse, centre)))
    job = AchievementJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/achievements/{job.public_id}/"

    waiting = ao_client.get(response["Location"])
    assert title(job.file_name) in waiting.content.decode()
    text = text_of(waiting)
    assert "uploaded: it will be processed shortly" in text
    assert "Status: Waiting" in text
    assert result_value(waiting, "Records") == "Not counted yet"
    assert 'id="job-progress"' in waiting.content.decode()
    assert "Download the errors" not in text

    assert process(job.pk) == "successful"
    page = ao_client.get(f"/achievements/{job.public_id}/")
    html = page.content.decode()
    # The service calls the job "Successful", but 3 of its 5 rows were not applied: the
    # tag and the heading say so, with the counts, never a green "Successful".
    assert "Status: Some rows rejected" in text_of(page)
    assert '<strong class="govuk-tag govuk-tag--orange">Some rows rejected</strong>' in html
    assert (
        '<h2 class="govuk-heading-m" id="job-outcome">3 of 5 rows were rejected, 2 applied</h2>'
        in html
    )
    assert "govuk-tag--green" not in html
    listing = ao_client.get("/achievements/").content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">Some rows rejected</strong>' in listing
    assert "3 rejected" in listing
    assert 'id="job-progress"' not in html
    assert "progress.js" not in html
    expected = {
        "Records": "5",
        "Percentage successful": "40%",
        "Created": "2",
        "Updated": "0",
        "Withdrawn": "0",
        "Reinstated": "0",
        "Promoted to final": "0",
        "Final": "1",
        "Provisional": "1",
        "Field data errors": "1",
        "Learner data errors": "1",
        "Business rule errors": "1",
        "Linked ULNs followed": "0",
    }
    assert {label: result_value(page, label) for label in expected} == expected
    for label in ("Submitted", "Started", "Ended"):
        assert result_value(page, label)
    table = html[html.index('id="rejected-rows"') :]
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r'<td class="govuk-table__cell"[^>]*>(.*?)</td>', table, flags=re.S)
    ]
    assert cells[:3] == ["4", "Field data", "FD06"]
    assert cells[4:7] == ["5", "Learner data", "LD01"]
    assert cells[8:11] == ["6", "Business rule", "BR01"]
    assert "Gender" in cells[3]
    assert "The error file has every row we could not apply" in text_of(page)
    for fmt in ("csv", "xml", "xlsx"):
        assert f'href="/achievements/{job.public_id}/errors.{fmt}"' in html

    listing = text_of(ao_client.get("/achievements/"))
    assert job.file_name in listing
    assert "Successful" in listing
    assert "40%" in listing
    assert ao_user.display_name in listing


def test_the_error_file_downloads_in_csv_xml_and_xlsx(ao_client, ao_user, learner, gcse, centre):
    upload(ao_client, achievement_file(ao_user, mixed_rows(learner, gcse, centre)))
    job = AchievementJob.objects.get()
    process(job.pk)
    base = job.file_name.rsplit(".", 1)[0]

    response = ao_client.get(f"/achievements/{job.public_id}/errors.csv")
    assert response.status_code == 200
    assert f'filename="{base}_ERRORS.CSV"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["InputRow"], r["ErrorCode"]) for r in rows] == [
        ("4", "FD06"),
        ("5", "LD01"),
        ("6", "BR01"),
    ]

    response = ao_client.get(f"/achievements/{job.public_id}/errors.xml")
    assert f'filename="{base}_ERRORS.XML"' in response["Content-Disposition"]
    root = SafeET.fromstring(b"".join(response.streaming_content))
    ns = {"e": "urn:lrs:achievements:errors:1"}
    assert [e.text for e in root.findall("e:Achievement/e:Error/e:ErrorCode", ns)] == [
        "FD06",
        "LD01",
        "BR01",
    ]

    response = ao_client.get(f"/achievements/{job.public_id}/errors.xlsx")
    assert f'filename="{base}_ERRORS.XLSX"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheet = list(book["Errors"].iter_rows(values_only=True))
    code = sheet[0].index("ErrorCode")
    assert [r[code] for r in sheet[1:]] == ["FD06", "LD01", "BR01"]

    assert ao_client.get(f"/achievements/{job.public_id}/errors.pdf").status_code == 404


def test_a_job_without_rejected_rows_has_no_error_file(ao_client, ao_user, learner, gcse, centre):
    upload(ao_client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)]))
    job = AchievementJob.objects.get()
    process(job.pk)
    page = ao_client.get(f"/achievements/{job.public_id}/")
    assert result_value(page, "Percentage successful") == "100%"
    assert "Download the errors" not in text_of(page)
    assert 'id="rejected-rows"' not in page.content.decode()
    assert ao_client.get(f"/achievements/{job.public_id}/errors.csv").status_code == 404


def test_a_refused_file_shows_its_reason_and_every_problem(
    ao_client, ao_user, learner, gcse, centre
):
    upload(
        ao_client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)], count=7)
    )
    job = AchievementJob.objects.get()
    assert process(job.pk) == "failed"
    page = ao_client.get(f"/achievements/{job.public_id}/")
    html = page.content.decode()
    text = text_of(page)
    assert "Status: Failed" in text
    assert "The file was refused" in text
    job.refresh_from_db()
    assert job.rejection_reason in text
    problems = html[html.index('id="file-problems"') :]
    for problem in job.file_problems:
        assert problem["code"] in problems
    assert "FL05" in problems
    assert "Percentage successful" not in text
    assert "Download the errors" not in text
    assert LearningEvent.objects.count() == 0
    assert "File refused" in text_of(ao_client.get("/achievements/"))


def test_an_empty_upload_is_an_error_in_the_summary(ao_client):
    response = ao_client.post("/achievements/upload/", {})
    assert response.status_code == 200
    assert "<title>Error: Upload an achievement file" in response.content.decode()
    assert error_summary_links(response) == [("#file", "Select an achievement file")]
    assert AchievementJob.objects.count() == 0


def test_a_file_with_a_wrong_extension_is_refused_on_the_form(ao_client, ao_user):
    bad = SimpleUploadedFile(f"ACH_{ao_user.organisation.ukprn}_{STAMP}.PDF", b"%PDF-1.4")
    response = upload(ao_client, bad)
    assert response.status_code == 200
    links = error_summary_links(response)
    assert [href for href, _text in links] == ["#file"]
    assert AchievementJob.objects.count() == 0


def test_the_upload_page_describes_the_file_name(ao_client, ao_user):
    response = ao_client.get("/achievements/upload/")
    assert title("Upload an achievement file") in response.content.decode()
    text = text_of(response)
    assert "ACH_<UKPRN>_<DDMMYYYYHHMM>" in text
    assert f"ACH_{ao_user.organisation.ukprn}_010920241030.CSV" in text
    assert 'aria-describedby="file-hint"' in response.content.decode()


def test_a_waiting_job_can_be_cancelled_after_confirming(ao_client, ao_user, learner, gcse, centre):
    upload(ao_client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)]))
    job = AchievementJob.objects.get()
    page = ao_client.get(f"/achievements/{job.public_id}/")
    assert f'href="/achievements/{job.public_id}/cancel/"' in page.content.decode()

    confirm = ao_client.get(f"/achievements/{job.public_id}/cancel/")
    assert confirm.status_code == 200
    assert "Are you sure you want to cancel this achievement file?" in text_of(confirm)
    assert AchievementJob.objects.get().status == JobStatus.WAITING

    done = ao_client.post(f"/achievements/{job.public_id}/cancel/", follow=True)
    assert done.redirect_chain == [(f"/achievements/{job.public_id}/", 302)]
    assert "cancelled: nothing in it was applied" in text_of(done)
    assert "Status: Cancelled" in text_of(done)
    assert result_value(done, "Started") == "Not started"
    assert result_value(done, "Records") == "Not counted"
    assert "/cancel/" not in done.content.decode()
    assert AchievementJob.objects.get().status == JobStatus.CANCELLED
    assert process(job.pk) == "not claimed"

    again = ao_client.post(f"/achievements/{job.public_id}/cancel/", follow=True)
    assert "can no longer be cancelled" in text_of(again)


def test_a_processed_job_cannot_be_cancelled(ao_client, ao_user, learner, gcse, centre):
    upload(ao_client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)]))
    job = AchievementJob.objects.get()
    process(job.pk)
    assert "/cancel/" not in ao_client.get(f"/achievements/{job.public_id}/").content.decode()
    response = ao_client.post(f"/achievements/{job.public_id}/cancel/", follow=True)
    assert "can no longer be cancelled: it is successful" in text_of(response)
    assert AchievementJob.objects.get().status == JobStatus.SUCCESSFUL


def test_progress_json_follows_the_job(ao_client, ao_user, learner, gcse, centre):
    upload(ao_client, achievement_file(ao_user, mixed_rows(learner, gcse, centre)))
    job = AchievementJob.objects.get()
    url = f"/achievements/{job.public_id}/progress.json"
    response = ao_client.get(url)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = response.json()
    assert (data["status"], data["finished"], data["progress"]) == (
        "Waiting",
        False,
        "Waiting to start",
    )
    process(job.pk)
    data = ao_client.get(url).json()
    assert (data["status"], data["finished"], data["processed"], data["total"]) == (
        "Successful",
        True,
        5,
        5,
    )
    assert data["percentage_successful"] == 40.0
    assert data["counts"]["created"] == 2
    assert data["counts"]["business_errors"] == 1

    AchievementJob.objects.filter(pk=job.pk).update(
        status=JobStatus.IN_PROGRESS, processed_records=3
    )
    data = ao_client.get(url).json()
    assert (data["finished"], data["progress"]) == (False, "Processing 3 of 5")


def test_another_organisation_gets_404_everywhere(client, ao_user, learner, gcse, centre):
    sign_in_as(client, ao_user)
    upload(client, achievement_file(ao_user, mixed_rows(learner, gcse, centre)))
    job = AchievementJob.objects.get()
    process(job.pk)
    other = make_user(
        make_organisation(OrganisationType.AWARDING_ORGANISATION), Role.AWARDING_ORGANISATION_USER
    )
    sign_in_as(client, other)
    base = f"/achievements/{job.public_id}"
    for url in (f"{base}/", f"{base}/progress.json", f"{base}/errors.csv", f"{base}/cancel/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{base}/cancel/").status_code == 404
    assert job.file_name not in text_of(client.get("/achievements/"))


def test_a_learning_provider_is_refused(client, provider_user, ao_user, learner, gcse, centre):
    sign_in_as(client, ao_user)
    upload(client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)]))
    job = AchievementJob.objects.get()
    sign_in_as(client, provider_user)
    for url in (
        "/achievements/",
        "/achievements/upload/",
        f"/achievements/{job.public_id}/",
        f"/achievements/{job.public_id}/progress.json",
        f"/achievements/{job.public_id}/errors.csv",
        f"/achievements/{job.public_id}/cancel/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/achievements/upload/", {}).status_code == 403
    assert "/achievements/" not in client.get("/").content.decode()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get("/achievements/")
    assert response.status_code == 302
    assert "next=/achievements/" in response["Location"]


def test_the_list_is_newest_first_and_paginated(ao_client, ao_user, learner, gcse, centre):
    from lrs.records import views_jobs

    for _ in range(views_jobs.JOBS_PER_PAGE + 2):
        upload(ao_client, achievement_file(ao_user, [achievement_row(2, learner, gcse, centre)]))
    newest = AchievementJob.objects.order_by("-submitted_at", "-id").first()
    assert newest is not None
    first = ao_client.get("/achievements/")
    html = first.content.decode()
    links = re.findall(r'href="/achievements/([0-9a-f-]{36})/"', html)
    assert links[0] == str(newest.public_id)
    assert len(links) == views_jobs.JOBS_PER_PAGE
    assert "Showing 1 to 25 of 27 achievement files" in text_of(first)
    second = ao_client.get("/achievements/?page=2")
    assert len(re.findall(r'href="/achievements/([0-9a-f-]{36})/"', second.content.decode())) == 2

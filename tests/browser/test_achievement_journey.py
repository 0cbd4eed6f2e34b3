"""An awarding organisation's achievement-file journey in a real browser, checked with axe
on every page: upload a file with good and bad rows, watch the job page notice by itself
that it has been processed, read the job result and the rejected rows, download the
errors, and cancel another file while it waits.

The background worker does not run in tests: the test processes the job itself while the
page polls progress.json (the live server runs in another thread of this process)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lrs.access import OrganisationType, Role
from lrs.achievementfiles import make_header, write_achievements
from lrs.learners.services import learner_register
from lrs.records.models import AchievementJob, JobStatus, LearningEvent, Qualification
from lrs.records.uploads import process
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import OLIVIA, STAMP, achievement_row, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def _write_file(directory: Path, ukprn: str, records, *, stamp: str = STAMP) -> Path:
    name = f"ACH_{ukprn}_{stamp}.CSV"
    path = directory / name
    with path.open("wb") as out:
        write_achievements(out, make_header(name, ukprn, len(records)), records, fmt="CSV")
    return path


def _result(page, label: str) -> str:
    return page.locator(
        f"#job-result .govuk-summary-list__row:has(dt:text-is('{label}')) dd"
    ).inner_text()


def test_an_awarding_organisation_uploads_achievements_and_downloads_the_errors(page, tmp_path):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    make_user(ao, Role.AWARDING_ORGANISATION_USER, username="ao.one")
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER)
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        awarding_organisation=ao,
    )
    olivia = learner_register(actor=provider, data=OLIVIA).learner
    path = _write_file(
        tmp_path,
        ao.ukprn,
        [
            achievement_row(2, olivia, gcse, college),
            achievement_row(
                3, olivia, gcse, college, award_date="2023-08-24", status="P", grade="8"
            ),
            achievement_row(4, olivia, gcse, college, gender="7"),
            achievement_row(5, olivia, gcse, college, reference="601/0000/0"),
        ],
    )

    sign_in(page, "ao.one")
    page.get_by_role("link", name="Upload achievements").click()
    check_accessibility(page)
    assert page.title() == "Achievement files \N{EN DASH} Learning Records Service"
    assert "has not uploaded any achievement files" in page.locator("main").inner_text()
    nav = page.get_by_role("navigation", name="Menu").get_by_role("link", name="Achievements")
    assert nav.get_attribute("aria-current") == "page"

    # An empty submit shows the error summary; then the real file.
    page.get_by_role("button", name="Upload an achievement file").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Upload an achievement file"
    assert f"ACH_{ao.ukprn}_010920241030.CSV" in page.locator("#file-hint").inner_text()
    page.get_by_text("What goes in an achievement file").click()
    check_accessibility(page)
    page.get_by_role("button", name="Upload file").click()
    check_accessibility(page)
    assert page.title().startswith("Error: ")
    assert "Select an achievement file" in page.locator(".govuk-error-summary").inner_text()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload file").click()
    check_accessibility(page)

    job = AchievementJob.objects.get()
    assert page.url.endswith(f"/achievements/{job.public_id}/")
    assert page.locator("#job-status .govuk-tag").inner_text().strip() == "Waiting"
    assert page.locator("progress#job-progress").is_visible()
    assert page.locator("#job-progress-text").get_attribute("aria-live") == "polite"
    assert page.get_by_role("button", name=re.compile("^Cancel")).is_visible()

    # The worker's part, here: the page notices by itself and reloads.
    assert process(job.pk) == "successful"
    # Two of the four rows were rejected: the tag says so, never a green "Successful".
    page.locator("#job-status .govuk-tag", has_text="Some rows rejected").wait_for(timeout=15_000)
    check_accessibility(page)
    assert not page.locator("progress").count()
    assert not page.get_by_role("button", name=re.compile("^Cancel")).count()
    assert _result(page, "Records") == "4"
    assert _result(page, "Percentage successful") == "50%"
    assert _result(page, "Created") == "2"
    assert _result(page, "Final") == "1"
    assert _result(page, "Provisional") == "1"
    assert _result(page, "Field data errors") == "1"
    assert _result(page, "Learner data errors") == "0"
    assert _result(page, "Business rule errors") == "1"
    rejected = page.locator("#rejected-rows tbody tr")
    assert rejected.count() == 2
    assert "FD06" in rejected.nth(0).inner_text()
    assert "BR01" in rejected.nth(1).inner_text()
    assert LearningEvent.objects.filter(learner=olivia).count() == 2

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the errors (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"{path.stem}_ERRORS.CSV"
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["InputRow"], r["ErrorKind"], r["ErrorCode"]) for r in rows] == [
        ("4", "field", "FD06"),
        ("5", "business", "BR01"),
    ]
    for fmt in ("XML", "XLSX"):
        with page.expect_download() as info:
            page.get_by_role("link", name=f"Download the errors ({fmt})").click()
        assert info.value.suggested_filename == f"{path.stem}_ERRORS.{fmt}"

    # The list shows the job; a second file is cancelled while it waits.
    page.get_by_role("link", name="Achievement files").first.click()
    check_accessibility(page)
    listing = page.locator("#jobs").inner_text()
    assert path.name in listing
    assert "Some rows rejected" in listing
    assert "50%" in listing

    second = _write_file(
        tmp_path, ao.ukprn, [achievement_row(2, olivia, gcse, college)], stamp="020920241030"
    )
    visit(page, "/achievements/upload/")
    page.set_input_files("#file", str(second))
    page.get_by_role("button", name="Upload file").click()
    check_accessibility(page)
    page.get_by_role("button", name=re.compile("^Cancel")).click()
    check_accessibility(page)
    assert "Are you sure" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_role("button", name="Yes, cancel the file").click()
    check_accessibility(page)
    assert page.locator("#job-status .govuk-tag").inner_text().strip() == "Cancelled"
    assert AchievementJob.objects.get(file_name=second.name).status == JobStatus.CANCELLED

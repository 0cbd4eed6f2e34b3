"""A batch user's journey in a real browser, checked with axe on every page: upload a file
with a new learner, an existing one and a possible match, watch it complete, download the
output, resolve the exception by choosing the candidate, and see the batch page reflect it.

The background worker does not run in tests: the test processes the batch itself while
the page polls for progress (the live server runs in another thread of this process)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from lrs.access import OrganisationType, Role
from lrs.batches.models import Batch, BatchRow
from lrs.batches.processing import process
from lrs.batchfiles import BatchHeader, write_batch
from lrs.learners.services import learner_register
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import batch_file_name, batch_record, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def _write_file(directory: Path, ukprn: str) -> Path:
    records = [
        batch_record(2, given_name="Zed", family_name="Newperson", date_of_birth="1999-01-02"),
        batch_record(
            3,
            given_name="Bob",
            family_name="Jones",
            date_of_birth="2000-11-30",
            gender="1",
        ),
        batch_record(4, given_name="Anne", last_known_postcode="B15 2TT"),
    ]
    name = batch_file_name(ukprn)
    path = directory / name
    with path.open("wb") as out:
        header = BatchHeader(
            file_version="2A", file_name=name, ukprn=ukprn, learner_record_count=len(records)
        )
        write_batch(out, header, records, fmt="CSV")
    return path


def _output_rows(download) -> list[dict[str, str]]:
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_batch_user_uploads_watches_downloads_and_resolves_an_exception(page, tmp_path):
    organisation = make_organisation(
        OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College"
    )
    user = make_user(organisation, Role.BATCH_USER, username="batch.one")
    bob = learner_register(
        actor=user,
        data=batch_record(
            3, given_name="Bob", family_name="Jones", date_of_birth="2000-11-30", gender="1"
        ).learner_data(),
    ).learner
    ann = learner_register(actor=user, data=batch_record(4).learner_data()).learner
    path = _write_file(tmp_path, organisation.ukprn)

    sign_in(page, "batch.one")
    page.get_by_role("link", name="Submit batch files").click()
    check_accessibility(page)
    assert page.title() == "Batch files \N{EN DASH} Learning Records Service"
    assert "has not uploaded any batch files" in page.locator("main").inner_text()

    # Check it first, without sending it.
    page.get_by_role("link", name="Check a file without sending it").click()
    check_accessibility(page)
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Check file").click()
    check_accessibility(page)
    assert "No problems found" in page.locator("#verdict").inner_text()
    assert Batch.objects.count() == 0

    # Upload it: an empty submit first shows the error summary.
    visit(page, "/batches/upload/")
    page.get_by_role("button", name="Upload file").click()
    check_accessibility(page)
    assert "Select a batch file" in page.locator(".govuk-error-summary").inner_text()
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name="Upload file").click()
    check_accessibility(page)
    batch = Batch.objects.get()
    assert page.url.endswith(f"/batches/{batch.public_id}/")
    assert page.locator("#batch-status .govuk-tag").inner_text().strip() == "Queued"
    assert page.locator("progress#batch-progress").is_visible()
    assert page.locator("#batch-progress-text").get_attribute("aria-live") == "polite"

    # The worker's part, here: the page notices by itself and reloads.
    assert process(batch.pk) == "complete"
    page.locator("#batch-status .govuk-tag", has_text="Complete").wait_for(timeout=15_000)
    check_accessibility(page)
    assert not page.locator("progress").count()
    counts = page.locator("#batch-counts").inner_text()
    assert re.search(r"New learners\s+1", counts)
    assert re.search(r"Existing or updated learners\s+1", counts)
    assert re.search(r"Possible matches\s+1", counts)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the output file (CSV)").click()
    download = info.value
    assert download.suggested_filename == f"{path.stem}_OUTPUT.CSV"
    rows = _output_rows(download)
    assert [row["ReturnCode"] for row in rows] == ["RC001", "RC002", "RC007"]
    assert rows[1]["ULN"] == bob.uln

    # Resolve the possible match by choosing the candidate.
    page.get_by_role("link", name="Resolve the exceptions in this file").click()
    check_accessibility(page)
    assert "Anne Example" in page.locator("#exceptions").inner_text()
    page.get_by_role("link", name=re.compile(r"Resolve row 4")).click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Resolve the exception for row 4"
    assert page.locator(f"#candidate-{ann.uln}").is_visible()
    candidate = page.get_by_label(re.compile(rf"ULN {ann.uln}"))
    assert not candidate.is_visible()
    page.get_by_label("It is the learner above").check()
    assert candidate.is_visible()
    assert page.locator("#given_name").is_hidden()
    candidate.check()
    check_accessibility(page)
    page.get_by_role("button", name="Save decision").click()
    check_accessibility(page)
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert f"Row 4 resolved: it is the existing learner with ULN {ann.uln}" in banner
    assert "RC014" not in banner
    assert "There are no open exceptions in this file" in page.locator("main").inner_text()

    # The batch page and the output file reflect the decision.
    page.get_by_role("link", name=f"Back to {batch.file_name}").click()
    check_accessibility(page)
    counts = page.locator("#batch-counts").inner_text()
    assert re.search(r"Existing or updated learners\s+2", counts)
    assert re.search(r"Possible matches\s+0", counts)
    assert page.locator("#no-exceptions").is_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the output file (CSV)").click()
    rows = _output_rows(info.value)
    assert (rows[2]["ReturnCode"], rows[2]["ULN"]) == ("RC014", ann.uln)
    assert BatchRow.objects.get(batch=batch, row_number=4).resolved_by == user

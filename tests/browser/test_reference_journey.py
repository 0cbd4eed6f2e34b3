"""Reference pages in a browser: from a return code in a batch to its reference page, the
code lookup, and axe on every reference page."""

from __future__ import annotations

import pytest

from lrs.access import OrganisationType, Role
from lrs.batches.models import BatchRow
from lrs.batches.processing import process
from lrs.batches.services import batch_submit
from lrs.guidance.reference_views import CLOSE, OPEN
from lrs.learners.services import learner_register
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import batch_record, batch_upload, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def test_a_batch_user_follows_a_return_code_from_the_exceptions_to_its_reference_page(page):
    organisation = make_organisation(
        OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College"
    )
    user = make_user(organisation, Role.BATCH_USER, username="batch.ref")
    learner_register(actor=user, data=batch_record(2).learner_data())
    records = [batch_record(2, given_name="Anne", last_known_postcode="B15 2TT")]
    batch = batch_submit(actor=user, upload=batch_upload(organisation.ukprn, records))
    process(batch.pk)
    assert BatchRow.objects.get(batch=batch, row_number=2).return_code == "RC007"

    sign_in(page, "batch.ref")
    visit(page, f"/batches/{batch.public_id}/exceptions/")
    page.locator("#exceptions").get_by_role(
        "link", name="Possible matches: a person must choose"
    ).click()
    check_accessibility(page)
    assert page.url.endswith("/guidance/reference/codes/RC007/")
    assert page.locator("h1").inner_text() == "RC007"
    assert "Possible matches: a person must choose" in page.locator("#code-meaning").inner_text()
    assert "Open the batch's exceptions" in page.locator("#code-next").inner_text()


def test_anyone_can_look_up_a_code_without_signing_in(page):
    visit(page, "/guidance/reference/codes/")
    page.get_by_label("Look up a code").fill("  rc011 ")
    page.get_by_role("button", name="Look up").click()
    check_accessibility(page)
    assert page.url.endswith("/guidance/reference/codes/RC011/")
    assert "Incorrect format" in page.locator("#code-meaning").inner_text()

    visit(page, "/guidance/reference/codes/")
    page.get_by_label("Look up a code").fill("ZZ99")
    page.get_by_role("button", name="Look up").click()
    check_accessibility(page)
    summary = page.locator(".govuk-error-summary")
    assert f"There is no code {OPEN}ZZ99{CLOSE}" in summary.inner_text()
    assert page.title().startswith("Error: ")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "code"


@pytest.mark.parametrize(
    "path",
    [
        "/guidance/reference/",
        "/guidance/reference/batch-files/",
        "/guidance/reference/achievement-files/",
        "/guidance/reference/challenges/",
    ],
)
def test_every_reference_page_passes_axe(page, path):
    response = visit(page, path)
    assert response.status == 200

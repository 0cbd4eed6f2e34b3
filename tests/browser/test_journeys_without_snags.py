"""What a first-time provider, awarding organisation and service desk user tripped on,
checked in a real browser: wide pages at 320 px and 1,280 px, honest job statuses,
context carried to the PLR, the upload progress wording, the API docs, the desk's header
and its charts. Every page here is also checked by check_accessibility (axe, landmarks,
keyboard-reachable scrolling, internal links)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.access import OrganisationType, Role
from lrs.achievementfiles import make_header, write_achievements
from lrs.learners.services import learner_register
from lrs.records.models import Qualification
from lrs.records.services import EventValues, achievement_job_submit, event_create
from lrs.records.uploads import process
from tests.browser.conftest import assert_fits, check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import OLIVIA, STAMP, achievement_row, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


@pytest.fixture
def register(db):
    """An awarding organisation and a college, a learner with a GCSE from the first."""
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    awards = make_user(ao, Role.AWARDING_ORGANISATION_USER, username="awards.one")
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    online = make_user(college, Role.ONLINE_USER, username="online.one")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics and Further Statistics for Long Titles",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )
    olivia = learner_register(actor=online, data=OLIVIA).learner
    for year in (2021, 2022):
        event_create(
            actor=awards,
            learner=olivia,
            values=EventValues(
                qualification=gcse,
                grade="7",
                award_date=dt.date(year, 8, 25),
                provider=college,
                language_for_assessment="English",
            ),
        )
    return {"awards": awards, "online": online, "college": college, "gcse": gcse, "olivia": olivia}


def test_the_plr_and_the_find_result_fit_any_screen_with_challenge_this_in_view(page, register):
    olivia = register["olivia"]
    sign_in(page, "online.one")

    # From the learner's page, their record opens with what the page already knows.
    visit(page, f"/learners/{olivia.uln}/")
    page.get_by_role("button", name="View their learning record").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Olivia Thornbury"
    assert_fits(page, visible=("a[data-event]",))
    assert page.locator("#events .govuk-summary-card").count() == 2

    # The find result's comparison of each detail stacks on a narrow screen.
    page.get_by_role("link", name="Find a learner").first.click()
    check_accessibility(page)
    page.fill("#given_name", "Olivia")
    page.fill("#family_name", "Thornbury")
    page.fill("#date_of_birth_day", "14")
    page.fill("#date_of_birth_month", "3")
    page.fill("#date_of_birth_year", "2006")
    page.get_by_label("Female").check()
    page.fill("#last_known_postcode", "CV4 9EE")
    page.get_by_role("button", name="Find learner").click()
    check_accessibility(page)
    assert page.locator(".lrs-candidate").count() >= 1
    assert_fits(page, visible=(".lrs-candidate .govuk-summary-card__action a",))


def test_an_achievement_job_with_rejected_rows_says_so_and_fits_any_screen(page, register):
    awards, olivia, gcse = register["awards"], register["olivia"], register["gcse"]
    centre = register["college"]
    records = [
        achievement_row(2, olivia, gcse, centre, award_date="2023-08-24"),
        achievement_row(3, olivia, gcse, centre, gender="7"),
        achievement_row(4, olivia, gcse, centre, uln="9276308686"),
        achievement_row(5, olivia, gcse, centre, reference="601/0000/0"),
        achievement_row(6, olivia, gcse, centre, family_name="Someone-Else"),
    ]
    name = f"ACH_{awards.organisation.ukprn}_{STAMP}.CSV"
    buffer = io.BytesIO()
    write_achievements(buffer, make_header(name, awards.organisation.ukprn, 5), records, fmt="CSV")
    job = achievement_job_submit(actor=awards, upload=SimpleUploadedFile(name, buffer.getvalue()))
    process(job.pk)

    sign_in(page, "awards.one")
    page.get_by_role("link", name="Achievements").first.click()
    check_accessibility(page)
    tag = page.locator("#jobs .govuk-tag").inner_text()
    assert tag == "Some rows rejected"
    assert "govuk-tag--green" not in page.locator("#jobs").inner_html()
    assert_fits(page, visible=(f"#jobs a[href='/achievements/{job.public_id}/']",))

    page.get_by_role("link", name=name).click()
    check_accessibility(page)
    assert page.locator("#job-status .govuk-tag").inner_text() == "Some rows rejected"
    assert page.locator("#job-outcome").inner_text() == "4 of 5 rows were rejected, 1 applied"
    assert_fits(page, visible=("#error-downloads a",))


def test_the_progress_page_says_it_updates_itself_and_never_also_asks_for_a_refresh(page, register):
    awards, olivia, gcse = register["awards"], register["olivia"], register["gcse"]
    name = f"ACH_{awards.organisation.ukprn}_{STAMP}.CSV"
    buffer = io.BytesIO()
    records = [achievement_row(2, olivia, gcse, register["college"], award_date="2023-08-24")]
    write_achievements(buffer, make_header(name, awards.organisation.ukprn, 1), records, fmt="CSV")
    job = achievement_job_submit(actor=awards, upload=SimpleUploadedFile(name, buffer.getvalue()))

    sign_in(page, "awards.one")
    visit(page, f"/achievements/{job.public_id}/")
    wording = page.locator("[data-progress-refresh]").inner_text()
    assert wording == "This page updates itself while the file is processed."
    assert "Refresh" not in wording


def test_the_api_docs_pass_axe_and_fit_a_narrow_screen(page):
    visit(page, "/api/v1/docs")
    assert page.evaluate("() => document.documentElement.lang") == "en-GB"
    assert page.get_by_role("heading", level=1).inner_text() == "Learning Records Service API"
    assert page.locator(".lrs-operation").count() > 10
    assert_fits(page, visible=("#openapi-json",))


def test_the_service_desks_header_fits_on_two_rows_and_its_dashboard_draws_charts(page):
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SUPER_USER, username="desk.super")
    sign_in(page, "desk.super")
    rows = page.evaluate(
        """() => new Set([...document.querySelectorAll('.govuk-service-navigation__item')]
             .map(item => Math.round(item.getBoundingClientRect().top))).size"""
    )
    assert rows <= 2
    assert "Report a problem with a ULN" not in page.locator("#available-actions").inner_text()

    page.get_by_role("link", name="Dashboard").first.click()
    check_accessibility(page)
    charts = page.locator("#volume-charts svg[role=img]")
    assert charts.count() == 10
    assert page.locator("#chart-finds-title").text_content() == "Finds per day"
    assert "None in the last 14 days" in page.locator("#chart-finds-desc").text_content()
    assert_fits(page, visible=("#chart-finds",))


def test_the_apply_forms_error_summary_offers_no_sign_in_wall(page):
    visit(page, "/organisations/apply")
    page.get_by_role("button", name="Send application").click()
    check_accessibility(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "ask the service desk" not in summary.inner_text()

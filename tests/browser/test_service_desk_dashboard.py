"""The service desk dashboard and a suspended account's page in a real browser, checked
with axe: the desk opens its dashboard with something in every panel, follows the
suspended account to the activity that triggered it, keeps it suspended with a reason,
and the dashboard then says there is nothing left to decide there."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.batches.models import BatchStatus
from lrs.misuse.services import misuse_check
from lrs.records.models import JobStatus
from tests.browser.conftest import check_accessibility
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_organisation, make_user
from tests.servicedesk.factories import (
    ChallengeWorld,
    make_application,
    make_batch,
    make_job,
    record,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_desk_reads_its_dashboard_and_decides_about_a_suspended_account(page, settings):
    settings.LRS_MISUSE_DAILY_LIMIT = 3
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    searcher = make_user(college, Role.ONLINE_USER, username="busy.searcher")
    ao_user = make_user(make_organisation(OrganisationType.AWARDING_ORGANISATION))
    now = timezone.now()
    record(searcher, "learner.find", now, n=2, detail={"response_code": "WSRC0001"})
    record(searcher, "plr.view", now, n=2, outcome="refused", detail={"response_code": "WSEC0208"})
    [alert] = misuse_check(now=now)
    make_application("Ashgrove College", submitted_at=now - dt.timedelta(days=2))
    ChallengeWorld().challenge(acknowledge_due=timezone.localdate() - dt.timedelta(days=10))
    make_batch(searcher, status=BatchStatus.QUEUED, created_at=now - dt.timedelta(minutes=40))
    make_batch(
        searcher,
        status=BatchStatus.PROCESSING,
        file_name="LRB-AUTUMN.csv",
        total_records=400,
        processed_records=100,
        progressed_at=now - dt.timedelta(hours=1),
    )
    make_job(
        ao_user,
        status=JobStatus.FAILED,
        file_name="results.xml",
        rejection_reason="The file is not well-formed XML",
        ended_at=now - dt.timedelta(hours=2),
    )

    sign_in(page, "desk.one")
    page.get_by_role("link", name="Dashboard").first.click()
    check_accessibility(page)
    assert page.title() == "Service desk dashboard \N{EN DASH} Learning Records Service"
    assert page.locator("#misuse-count").inner_text() == "1"
    assert page.locator("#applications-count").inner_text() == "1"
    assert "1 open challenge is past the date" in page.locator("#overdue-count").inner_text()
    assert "No background worker is running" in page.locator("#no-workers").inner_text()
    assert "LRB-AUTUMN.csv" in page.locator("#stalled").inner_text()
    assert "results.xml" in page.locator("#failed").inner_text()
    # Two finds today, and the learner the challenge is about was registered today.
    # The figures behind the charts, day by day.
    page.locator("#volume-figures summary").click()
    totals = page.locator("#volumes-online-total").inner_text().split()
    assert totals[:5] == ["All", "14", "days", "2", "1"]
    # The table of volumes scrolls sideways on a narrow screen rather than overflowing.
    page.set_viewport_size({"width": 375, "height": 800})
    check_accessibility(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("#panel-misuse").get_by_role("link", name="busy.searcher").click()
    check_accessibility(page)
    assert page.url.endswith(f"/suspended-accounts/{alert.pk}/")
    assert page.locator("#activity-total").inner_text().split() == [
        "Whole",
        "day",
        "2",
        "0",
        "2",
        "4",
    ]
    assert "2 of the 4 were refused" in page.locator("#activity-breakdown").inner_text()
    rows = page.locator("#entries tbody tr")
    assert rows.count() == 4
    assert "Learner could not be verified" in page.locator("#entries").inner_text()

    page.get_by_label("Keep the account suspended").check()
    page.get_by_label("Reason").fill("The college could not explain the searches")
    page.get_by_role("button", name="Save decision").click()
    check_accessibility(page)
    assert "The account busy.searcher has been kept suspended" in page.content()

    page.get_by_role("link", name="Dashboard").first.click()
    check_accessibility(page)
    assert page.locator("#misuse-none").is_visible()

"""The published lists in a real browser: a visitor who never signs in searches the list
and downloads it; the service desk publishes an edition with a newly approved
organisation. Every page is checked with axe."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lrs.access import OrganisationType, Role
from lrs.organisations.services import organisation_change_status
from lrs.publications.models import ListEdition
from lrs.publications.services import list_edition_publish
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_visitor_searches_the_learning_providers_list_and_downloads_it(page):
    fenland = make_organisation(name="Fenland College")
    make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    make_organisation(OrganisationType.LOCAL_AUTHORITY, name="Westshire County Council")
    list_edition_publish(actor=None, kind="learning_providers")

    visit(page, "/lists/")
    assert page.get_by_role("heading", level=1).inner_text() == "Published lists"
    assert page.get_by_role("button", name="Sign out").count() == 0
    page.get_by_role("link", name="Learning providers", exact=True).click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Learning providers"
    assert "It lists 3 organisations" in page.locator("#edition").inner_text()

    page.get_by_label("Search by name or UKPRN").fill("FENLAND")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    assert "1 organisation matching" in page.locator("#count").inner_text()
    table = page.locator("#entries").inner_text()
    assert "Fenland College" in table
    assert fenland.ukprn in table
    assert "Oakfield Academy" not in table

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download edition 1 as CSV").click()
    download = downloading.value
    assert download.suggested_filename.startswith("lrs-learning-providers-")
    assert download.suggested_filename.endswith("-edition-1.csv")
    with Path(download.path()).open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0][:2] == ["Name", "UKPRN"]
    assert [row[0] for row in rows[1:]] == [
        "Fenland College",
        "Oakfield Academy",
        "Westshire County Council",
    ]


def test_the_service_desk_publishes_an_edition_showing_a_newly_approved_organisation(page):
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    desk_user = make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    make_organisation(name="Fenland College")
    list_edition_publish(actor=None, kind="learning_providers")
    applicant = make_organisation(
        OrganisationType.TRAINING_PROVIDER, name="Northgate Training Ltd", status="applying"
    )
    organisation_change_status(
        actor=desk_user, organisation=applicant, status="active", reason="Checks passed"
    )

    sign_in(page, "desk.one")
    visit(page, "/lists/learning-providers/")
    page.get_by_role("button", name="Publish a new edition").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Are you sure you want to publish edition 2?"
    )
    assert page.locator("#preview-changes").inner_text() == "1 added, 0 removed, 0 changed"
    page.get_by_role("button", name="Publish edition 2").click()
    check_accessibility(page)

    assert (
        "Edition 2 of the learning providers list has been published"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert page.get_by_role("heading", level=1).inner_text() == "Edition 2"
    added = page.locator("#added").inner_text()
    assert "Northgate Training Ltd" in added
    assert applicant.ukprn in added
    assert ListEdition.objects.get(number=2).published_by == desk_user

    page.get_by_role("link", name="Editions", exact=True).click()
    check_accessibility(page)
    assert "1 added" in page.locator("#edition-2").inner_text()

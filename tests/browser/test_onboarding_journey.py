"""Onboarding in a real browser: an organisation applies, the service desk approves it,
the new super user chooses a password from the emailed link and signs in. Every page is
checked with axe."""

from __future__ import annotations

import re

import pytest
from django_tasks_db.models import DBTaskResult

from lrs.access import OrganisationStatus, OrganisationType, Role
from lrs.organisations.models import Organisation, OrganisationApplication
from lrs.users.models import User
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_organisation, make_user
from tests.organisations.factories import submit
from tests.twofactor_helpers import code_for_key

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-perfectly-fine-passphrase"
LINK = re.compile(r"https?://\S+/account/set-password/\S+")


def banner(page) -> str:
    return page.locator(".govuk-notification-banner").inner_text()


def emailed_link(to: str) -> str:
    """The sign-in link in the latest email queued for ``to`` (the worker would send it)."""
    emails = [
        row.args_kwargs["kwargs"]
        for row in DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email").order_by(
            "enqueued_at"
        )
        if row.args_kwargs["kwargs"]["to"] == [to]
    ]
    assert emails, f"no email queued for {to}"
    match = LINK.search(emails[-1]["body"])
    assert match is not None
    return match.group(0)


def test_an_organisation_applies_is_approved_and_its_super_user_signs_in(page):
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.user")

    # The applicant finds the form from the sign-in page.
    visit(page, "/sign-in")
    page.get_by_role("link", name="Apply for your organisation to use LRS").click()
    check_accessibility(page)
    assert (
        page.title()
        == "Apply to use the Learning Records Service \N{EN DASH} Learning Records Service"
    )

    # Sending it empty lists every problem, and each link goes to its question.
    page.get_by_role("button", name="Send application").click()
    check_accessibility(page)
    summary = page.locator(".govuk-error-summary")
    assert "Enter the organisation's name" in summary.inner_text()
    assert "Enter your ICO registration number" in summary.inner_text()
    page.locator(".govuk-error-summary a", has_text="Enter your ICO registration number").click()
    assert page.evaluate("() => document.activeElement.id") == "ico_number"

    page.get_by_label("Organisation name").fill("Brookfield College")
    page.get_by_label("Further education college").check()
    page.get_by_label("UK Provider Reference Number (UKPRN)").fill("10654321")
    page.get_by_label("ICO registration number").fill("ZA123456")
    page.get_by_label("Companies House number (if you have one)").fill("01234567")
    page.get_by_label("What will you use LRS for?").fill(
        "To register our learners at enrolment and get their ULNs."
    )
    page.get_by_label("501 to 5,000").check()
    page.get_by_label("Full name").fill("Priya Shah")
    page.get_by_label("Job title").fill("MIS manager")
    page.get_by_label("Email address").fill("priya.shah@brookfield.example")
    page.get_by_label("Telephone number").fill("01632 960 001")
    page.get_by_role("button", name="Send application").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Application sent"
    reference = page.locator("#reference").inner_text().strip()
    assert reference == OrganisationApplication.objects.get().reference

    # The service desk finds it in the queue and approves it.
    sign_in(page, "desk.user")
    page.get_by_role("link", name="Organisations", exact=True).first.click()
    check_accessibility(page)
    page.locator("#applications-link").click()
    check_accessibility(page)
    page.get_by_role("link", name=reference).click()
    check_accessibility(page)
    assert "MIS manager" in page.locator("#application-contact").inner_text()
    page.get_by_role("button", name="Approve").click()
    check_accessibility(page)
    assert page.get_by_label("Username for their first super user").input_value() == "priya.shah"
    page.get_by_role("button", name="Approve application").click()
    check_accessibility(page)
    assert "Brookfield College can now use LRS" in banner(page)
    assert "Active" in page.locator("#organisation-status").inner_text()
    assert "has not chosen a password yet" in page.locator("main").inner_text()
    organisation = Organisation.objects.get(ukprn="10654321")
    assert organisation.status == OrganisationStatus.ACTIVE
    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)

    # The new super user follows the emailed link and chooses a password.
    link = emailed_link("priya.shah@brookfield.example")
    page.goto(link)
    check_accessibility(page)
    assert page.title() == "Choose your password \N{EN DASH} Learning Records Service"
    assert "/set" in page.url  # the token is no longer in the address bar
    assert page.locator("#username").inner_text() == "priya.shah"
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill("not-the-same-passphrase")
    page.get_by_role("button", name="Save password").click()
    check_accessibility(page)
    assert "The passwords do not match" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    check_accessibility(page)
    assert page.title() == "Sign in \N{EN DASH} Learning Records Service"
    assert "Your password has been set" in banner(page)

    # ... and signs in to their organisation's home page.
    page.get_by_label("Username").fill("priya.shah")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    check_accessibility(page)
    # As a super user they first set up an authenticator app and keep recovery codes.
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    key = page.locator("#two-factor-key").inner_text().replace(" ", "")
    page.get_by_role("textbox", name="Code").fill(code_for_key(key))
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page)
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do"
    header = page.locator("header").inner_text()
    assert "Priya Shah" in header
    assert "Brookfield College" in header
    assert page.get_by_role("link", name="Manage users").first.is_visible()
    assert User.objects.get(username="priya.shah").has_usable_password()

    # The link worked once.
    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)
    visit(page, link)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "This link has expired or has already been used"
    )


def test_the_service_desk_rejects_and_closes_and_the_pages_pass_axe(page):
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.user")
    application = submit(name="Doubtful Training Ltd", type="training_provider")
    college = make_organisation(name="Fenland College")

    sign_in(page, "desk.user")
    visit(page, f"/organisations/applications/{application.reference}/")
    page.get_by_role("button", name="Reject").click()
    check_accessibility(page)
    page.get_by_role("button", name="Reject application").click()
    check_accessibility(page)
    assert "Enter the reason for rejecting it" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Why are you rejecting it?").fill("We could not find your ICO entry.")
    page.get_by_role("button", name="Reject application").click()
    check_accessibility(page)
    assert f"Application {application.reference} has been rejected" in banner(page)

    visit(page, "/organisations/")
    page.get_by_label("Name or UKPRN").fill("Fenland")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    page.get_by_role("link", name="Fenland College").click()
    check_accessibility(page)
    page.get_by_role("button", name="Suspend").click()
    check_accessibility(page)
    page.get_by_label("Reason").fill("Their ICO registration has lapsed")
    page.get_by_role("button", name="Suspend organisation").click()
    check_accessibility(page)
    assert "Fenland College has been suspended" in banner(page)
    page.get_by_role("button", name="Close").click()
    check_accessibility(page)
    assert "Closing is final" in page.locator(".govuk-warning-text").inner_text()
    page.get_by_label("Reason").fill("The college has closed")
    page.get_by_role("button", name="Close organisation").click()
    check_accessibility(page)
    assert "Fenland College has been closed" in banner(page)
    history = page.locator("#history").inner_text()
    assert "The college has closed" in history
    assert "Their ICO registration has lapsed" in history
    college.refresh_from_db()
    assert college.status == OrganisationStatus.CLOSED

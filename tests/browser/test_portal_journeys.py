"""The portal in a real browser: a super user's day, checked with axe on every page."""

from __future__ import annotations

import re

import pytest

from lrs.access import OrganisationType, Role
from lrs.twofactor.services import two_factor_enrolled, two_factor_required
from lrs.users.models import ApiToken, User
from tests.browser.conftest import check_accessibility, visit
from tests.factories import PASSWORD, make_organisation, make_user
from tests.twofactor_helpers import enrol, next_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOKEN = re.compile(r"lrs_[a-z0-9]{12}_[A-Za-z0-9_-]{43}")
NEW_PASSWORD = "a-perfectly-fine-passphrase"


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in as ``username``, entering a code from their authenticator app when asked
    (a user who must use two-factor sign-in and has none is given one first: setting it
    up is tested in tests/browser/test_two_factor_journeys.py)."""
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is not None and two_factor_required(user=user) and not two_factor_enrolled(user=user):
        enrol(user)
    visit(page, "/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    check_accessibility(page)
    if user is not None and page.url.endswith("/sign-in/code"):
        page.get_by_label("Code").fill(next_code(user))
        page.get_by_role("button", name="Continue").click()
        check_accessibility(page)


def test_the_sign_in_page_passes_axe_and_refuses_wrong_details_generically(page):
    visit(page, "/sign-in")
    assert page.title() == "Sign in \N{EN DASH} Learning Records Service"
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password", exact=True).fill("wrong-password-1")
    page.get_by_role("button", name="Sign in").click()
    check_accessibility(page)
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
    # GOV.UK Frontend's JavaScript moves focus to the error summary.
    assert page.evaluate("() => document.activeElement.closest('.govuk-error-summary') !== null")


def test_the_404_page_passes_axe(page):
    response = visit(page, "/no/such/page")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"


def test_a_super_user_manages_users_and_api_tokens(page):
    organisation = make_organisation(
        OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College"
    )
    admin = make_user(organisation, Role.SUPER_USER, username="admin.one")

    sign_in(page, "admin.one")
    assert page.get_by_role("heading", level=1).inner_text() == "What you can do"
    header = page.locator("header").inner_text()
    assert "Test Person" in header
    assert "Fenland College" in header

    # Create a user, after first getting the errors for an empty form.
    page.get_by_role("link", name="Manage users").first.click()
    check_accessibility(page)
    page.get_by_role("button", name="Add a user").click()
    check_accessibility(page)
    page.get_by_role("button", name="Add user").click()
    check_accessibility(page)
    assert page.title().startswith("Error: Add a user")
    page.locator(".govuk-error-summary a", has_text="Enter a username").click()
    assert page.evaluate("() => document.activeElement.id") == "username"

    page.get_by_label("Username").fill("jo.bloggs")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Email address").fill("jo@example.com")
    page.get_by_label("Batch user").check()
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Add user").click()
    check_accessibility(page)
    assert (
        "jo.bloggs can now sign in as a batch user"
        in page.locator(".govuk-notification-banner").inner_text()
    )

    # Change their role.
    page.get_by_role("link", name="Change role").click()
    check_accessibility(page)
    page.get_by_label("Online user").check()
    page.get_by_role("button", name="Change role").click()
    check_accessibility(page)
    assert (
        "jo.bloggs is now an online user" in page.locator(".govuk-notification-banner").inner_text()
    )
    assert User.objects.get(username="jo.bloggs").role == Role.ONLINE_USER

    # The last super user can be neither demoted nor deactivated.
    visit(page, f"/users/{admin.pk}/")
    page.get_by_role("link", name="Change role").click()
    page.get_by_label("Online user").check()
    page.get_by_role("button", name="Change role").click()
    check_accessibility(page)
    assert "last active super user" in page.locator(".govuk-error-summary").inner_text()
    visit(page, f"/users/{admin.pk}/deactivate")
    page.get_by_role("button", name="Deactivate user").click()
    check_accessibility(page)
    assert "last active super user" in page.locator(".govuk-error-summary").inner_text()
    admin.refresh_from_db()
    assert admin.is_active
    assert admin.role == Role.SUPER_USER

    # Create an API token and see it exactly once: from the home page (the service name
    # leads there), as the header keeps to the everyday sections.
    page.get_by_role("link", name="Learning Records Service").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="API tokens").click()
    check_accessibility(page)
    page.get_by_role("button", name="Create an API token").click()
    check_accessibility(page)
    page.get_by_label("Name").fill("MIS sync")
    page.get_by_role("button", name="Create token").click()
    check_accessibility(page)
    plaintext = page.locator("#api-token").inner_text().strip()
    assert TOKEN.fullmatch(plaintext)
    assert (
        "You will not be able to see it again" in page.locator(".govuk-warning-text").inner_text()
    )
    page.get_by_role("link", name="Back to your API tokens").click()
    check_accessibility(page)
    assert plaintext not in page.content()
    key_id = ApiToken.objects.get(user=admin).key_id
    assert f"lrs_{key_id}_…" in page.locator("#api-tokens").inner_text()

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)
    assert page.title() == "Sign in \N{EN DASH} Learning Records Service"
    assert "You have signed out" in page.locator(".govuk-notification-banner").inner_text()


def test_the_service_desk_audit_search_passes_axe(page):
    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    sign_in(page, desk.username)
    page.get_by_role("link", name="Search the audit log").click()
    check_accessibility(page)
    page.get_by_label("Username").fill(desk.username)
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    assert "user.sign_in" in page.locator("#audit-entries").inner_text()


def test_a_batch_user_sees_the_403_page_for_user_management(page):
    organisation = make_organisation()
    make_user(organisation, Role.SUPER_USER)
    batch = make_user(organisation, Role.BATCH_USER)
    sign_in(page, batch.username)
    response = visit(page, "/users/")
    assert response.status == 403
    assert "You do not have permission" in page.get_by_role("heading", level=1).inner_text()

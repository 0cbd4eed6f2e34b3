"""Two-factor sign-in in a real browser: setting up an app, codes, recovery codes, the
lockout and a super user's reset. Every page is checked with axe at 320 px."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache

from lrs.access import Role
from lrs.twofactor.services import two_factor_new_recovery_codes
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import PASSWORD, make_organisation, make_user
from tests.twofactor_helpers import code_for_key, enrol, next_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def enter_password(page, username: str) -> None:
    visit(page, "/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    check_accessibility(page)


def enter_code(page, code: str) -> None:
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page)


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_a_super_user_sets_up_an_app_then_signs_in_with_its_codes(page):
    user = make_user(make_organisation(), Role.SUPER_USER, username="first.super")

    enter_password(page, "first.super")
    assert page.url.endswith("/sign-in/set-up-two-factor")
    assert heading(page) == "Set up two-factor sign-in"
    key = page.locator("#two-factor-key").inner_text().replace(" ", "")
    # A wrong code is refused on the form, and nothing is signed in.
    enter_code(page, "000000" if code_for_key(key) != "000000" else "111111")
    assert "The code is not right" in page.locator(".govuk-error-summary").inner_text()
    enter_code(page, code_for_key(key))
    assert heading(page) == "Save your recovery codes"
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page)
    assert heading(page) == "What you can do"
    page.get_by_role("link", name="Two-factor sign-in").click()
    check_accessibility(page)
    assert "On" in page.locator("#two-factor-status").inner_text()

    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)
    enter_password(page, "first.super")
    assert heading(page) == "Enter the code from your authenticator app"
    enter_code(page, "12345")
    assert "The code is not right" in page.locator(".govuk-error-summary").inner_text()
    enter_code(page, next_code(user))
    assert heading(page) == "What you can do"


def test_a_recovery_code_signs_in_and_too_many_wrong_codes_lock_the_account(page):
    user = make_user(make_organisation(), Role.SUPER_USER, username="lost.phone")
    enrol(user)
    codes = two_factor_new_recovery_codes(user=user)

    enter_password(page, "lost.phone")
    enter_code(page, codes[0])
    assert heading(page) == "What you can do"
    assert "You used a recovery code. You have 9 left" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sign out").click()
    check_accessibility(page)

    enter_password(page, "lost.phone")
    for _ in range(settings.LRS_TWO_FACTOR_FAILURE_LIMIT):
        enter_code(page, "999999" if next_code(user) != "999999" else "888888")
    assert heading(page) == "Your account is locked"
    # Even the right password and a good recovery code wait for the lock to end.
    enter_password(page, "lost.phone")
    assert heading(page) == "Your account is locked"


def test_a_super_user_resets_a_colleagues_second_factor(page):
    organisation = make_organisation()
    make_user(organisation, Role.SUPER_USER, username="reset.admin")
    colleague = make_user(organisation, Role.SUPER_USER, username="reset.colleague")
    enrol(colleague)

    sign_in(page, "reset.admin")
    visit(page, f"/users/{colleague.pk}/")
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    check_accessibility(page)
    assert "Are you sure" in heading(page)
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    check_accessibility(page)
    assert "two-factor sign-in has been reset" in page.locator("main").inner_text()

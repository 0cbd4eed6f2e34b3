"""An online user's learner journey in a real browser, checked with axe on every page:
find (no match), register, find again (exact), register a similar person after checking
the possible match, update, and verify."""

from __future__ import annotations

import re

import pytest

from lrs.access import OrganisationType, Role
from lrs.learners.models import Learner
from tests.browser.conftest import check_accessibility
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_person(page, *, postcode: str, given_name: str = "Olivia") -> None:
    page.fill("#given_name", given_name)
    page.fill("#family_name", "Thornbury")
    page.fill("#date_of_birth_day", "14")
    page.fill("#date_of_birth_month", "3")
    page.fill("#date_of_birth_year", "2008")
    page.get_by_label("Female", exact=True).check()
    page.fill("#last_known_postcode", postcode)


def check(page) -> None:
    check_accessibility(page)


def submit(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    check(page)


def outcome(page) -> str:
    return page.locator("#outcome .govuk-tag").inner_text().strip()


def test_an_online_user_finds_registers_updates_and_verifies_a_learner(page):
    organisation = make_organisation(
        OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College"
    )
    make_user(organisation, Role.ONLINE_USER, username="online.one")
    sign_in(page, "online.one")

    # Find: nobody is registered yet.
    page.get_by_role("link", name="Find a learner").first.click()
    check(page)
    assert page.title() == "Find a learner \N{EN DASH} Learning Records Service"
    fill_person(page, postcode="cv4 9ee")
    submit(page, "Find learner")
    assert page.get_by_role("heading", level=1).inner_text() == "No learner found"
    assert outcome(page) == "WSRC0001"
    assert page.url.endswith("/learners/find")

    # Register them, with the details carried forward from the find.
    submit(page, "Register a new learner")
    assert page.input_value("#given_name") == "Olivia"
    assert page.input_value("#date_of_birth_year") == "2008"
    assert page.get_by_label("Female", exact=True).is_checked()
    description = page.locator("#other_verification_description")
    assert not description.is_visible()
    page.get_by_label("Other (described)").check()
    assert description.is_visible()
    page.get_by_label("Passport").check()
    assert not description.is_visible()
    page.get_by_label("Privacy notice seen: may share").check()
    submit(page, "Register learner")
    assert page.locator(".govuk-panel__title").inner_text() == "Learner registered"
    uln = page.locator("#registered-uln").inner_text().strip()
    assert re.fullmatch(r"[0-9]{10}", uln)
    assert page.url.endswith(f"/learners/{uln}/registered")

    # Find them again: an exact match, with how each detail compared.
    page.get_by_role("link", name="Find a learner").first.click()
    check(page)
    fill_person(page, postcode="CV4 9EE")
    submit(page, "Find learner")
    assert page.get_by_role("heading", level=1).inner_text() == "Learner found"
    assert outcome(page) == "WSRC0004"
    card = page.locator(f"#candidate-{uln}")
    assert "Match score" in card.inner_text()
    assert card.get_by_role("row", name=re.compile(r"Given name Exact \+\d")).is_visible()

    # Register a similar person (another given name that is close, living elsewhere):
    # the possible match is shown first, and registering them anyway needs a reason. (The
    # same person at a new address is an exact match, not a possible.)
    page.get_by_role("link", name="Register a learner").first.click()
    check(page)
    fill_person(page, postcode="B15 2TT", given_name="Olive")
    page.get_by_label("Passport").check()
    page.get_by_label("Privacy notice seen: may share").check()
    submit(page, "Register learner")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Check if this learner is already registered"
    )
    assert outcome(page) == "WSRC0003"
    assert page.locator(f"#candidate-{uln}").is_visible()
    submit(page, "This is a different person: register them")
    assert (
        "Enter why this is a different person" in page.locator(".govuk-error-summary").inner_text()
    )
    page.get_by_label("Why is this a different person?").fill(
        "Her sister Olive: checked with the school"
    )
    submit(page, "This is a different person: register them")
    assert page.locator(".govuk-panel__title").inner_text() == "Learner registered"
    assert page.locator("#registered-uln").inner_text().strip() != uln
    assert Learner.objects.count() == 2

    # Update the first learner, from their record.
    page.goto(f"/learners/{uln}/")
    check(page)
    page.get_by_role("button", name="Update learner details").click()
    check(page)
    page.fill("#last_known_postcode", "PE13 2QX")
    submit(page, "Save changes")
    banner = page.locator(".govuk-notification-banner--success").inner_text()
    assert "Learner details updated" in banner
    assert "WSRC" not in banner
    assert "Postcode: CV4 9EE → PE13 2QX" in page.locator("#history").inner_text()

    # Verify their ULN and names.
    page.get_by_role("link", name="Verify a learner").first.click()
    check(page)
    page.fill("#uln", uln)
    page.fill("#given_name", "Olivia")
    page.fill("#family_name", "Thornbury")
    submit(page, "Verify learner")
    assert page.get_by_role("heading", level=1).inner_text() == "The details match this ULN"
    assert outcome(page) == "WSVRC001"

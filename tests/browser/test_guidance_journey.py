"""The guidance in a real browser, checked with axe on every page: a provider user follows
"Help with this page" from three portal pages and lands on the section about each; a
visitor who is not signed in searches the guidance and opens a result."""

from __future__ import annotations

import pytest

from lrs.access import OrganisationType, Role
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def follow_help(page) -> None:
    page.get_by_role("link", name="Help with this page").click()
    check_accessibility(page)


@pytest.mark.parametrize(
    ("portal_path", "guide_path", "section_id", "section_heading"),
    [
        (
            "/learners/find",
            "/guidance/providers/finding-learners/",
            "finding-a-learner",
            "Finding a learner",
        ),
        (
            "/batches/",
            "/guidance/providers/batch-files/",
            "following-your-batch-files",
            "Following your batch files",
        ),
        ("/plr/", "/guidance/providers/viewing-plrs/", "viewing-a-plr", "Viewing a PLR"),
    ],
)
def test_a_provider_follows_help_with_this_page_to_the_section_about_it(
    page, portal_path, guide_path, section_id, section_heading
):
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    make_user(college, Role.SUPER_USER, username="super.one")
    sign_in(page, "super.one")
    visit(page, portal_path)
    follow_help(page)
    assert page.url.endswith(f"{guide_path}#{section_id}")
    heading = page.locator(f"#{section_id}")
    assert heading.inner_text().strip() == section_heading
    assert heading.is_visible()
    # The contents list links to the same section.
    assert page.locator(f'nav a[href="#{section_id}"]').count() == 1


def test_a_visitor_searches_the_guidance_and_opens_a_result(page):
    visit(page, "/sign-in")
    page.get_by_role("link", name="Guidance").first.click()
    check_accessibility(page)
    assert page.title().startswith("Guidance")
    page.get_by_label("Search the guidance").fill("possible matches")
    page.get_by_role("button", name="Search").click()
    check_accessibility(page)
    assert "results for" in page.locator("#results-title").inner_text()
    page.locator(".lrs-search-results a").first.click()
    check_accessibility(page)
    assert "/guidance/" in page.url
    assert page.locator("h1").inner_text()
    # Every guidance page has its own search form.
    assert page.get_by_role("search").count() >= 1

"""A learner's own record in a real browser, at 320 px and 1,280 px, checked with axe on
every LRS page: sign in through the local OpenID Connect provider (panva's
oidc-provider, standing in for GOV.UK One Login), see the PLR, download the PDF (its text
checked), share part of it, open the share as its recipient in a fresh browser, see the
view listed, end the share, and see the recipient refused. A person whose proven
identity only possibly matches sees no record.

The provider's own "choose who to sign in as" page is the stand-in for One Login's
screens, not an LRS page, so axe is not run on it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from lrs.access import OrganisationType, Role
from lrs.learners.services import learner_register
from lrs.records.services import plr_get
from tests.browser.conftest import check_accessibility, visit
from tests.factories import (
    GCSE_ENGLISH,
    GCSE_MATHS,
    OLIVIA,
    make_organisation,
    make_qualification,
    make_user,
)
from tests.learnerportal.helpers import make_events, pdf_text
from tests.learnerportal.oidc_helpers import LocalProvider, person, person_from, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [320, 1280]


@pytest.fixture(scope="session")
def browser_provider(live_server: Any, tmp_path_factory: Any) -> Iterator[LocalProvider]:
    with running_provider(tmp_path_factory.mktemp("oidc-browser"), [live_server.url]) as provider:
        yield provider


@pytest.fixture
def one_login(browser_provider: LocalProvider, settings: Any) -> LocalProvider:
    settings.LRS_OIDC_PROVIDERS = {"one_login": browser_provider.settings()}
    return browser_provider


@pytest.fixture
def record():
    """Olivia's two GCSEs from Meridian Awards; Fenland College has looked at her PLR."""
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER)
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider_user = make_user(college, Role.ONLINE_USER)
    olivia = learner_register(actor=provider_user, data=OLIVIA).learner
    qualifications = [make_qualification(ao, *GCSE_MATHS), make_qualification(ao, *GCSE_ENGLISH)]
    make_events(ao_user=ao_user, learner=olivia, qualifications=qualifications)
    plr_get(actor=provider_user, uln=olivia.uln, given_name="Olivia", family_name="Thornbury")
    return olivia


def fits(page: Any, width: int) -> None:
    """Nothing sticks out sideways: the page scrolls only downwards."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= width, f"{page.url} is {overflow} px wide at {width} px"


def check(page: Any, width: int) -> None:
    check_accessibility(page)
    fits(page, width)


def sign_in_through_the_provider(page: Any, width: int, person_label: str) -> None:
    visit(page, "/learner/sign-in")
    fits(page, width)
    page.get_by_role("button", name="Sign in with GOV.UK One Login").click()
    page.get_by_label(person_label).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_learner_signs_in_sees_downloads_shares_and_ends_a_share(
    browser: Any,
    page: Any,
    live_server: Any,
    one_login: LocalProvider,
    record: Any,
    width: int,
    tmp_path: Path,
):
    page.set_viewport_size({"width": width, "height": 900})
    one_login.people([person_from(OLIVIA, "olivia", label="Olivia Thornbury")])

    sign_in_through_the_provider(page, width, "Olivia Thornbury")
    assert page.url.endswith("/learner/")
    check(page, width)
    assert page.locator("#uln").inner_text() == record.uln

    page.get_by_role("link", name="See your whole record and download it as a PDF").click()
    check(page, width)
    cards = page.locator(".govuk-summary-card__title").all_inner_texts()
    assert cards == ["GCSE (9 to 1) in Mathematics", "GCSE (9 to 1) in English Language"]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download as a PDF").click()
    saved = tmp_path / "record.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert "Olivia Thornbury" in text
    assert record.uln in text
    assert "GCSE (9 to 1) in Mathematics" in text
    reference = re.search(r"LRS-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)

    # Share only the mathematics GCSE.
    page.goto("/learner/shares/")
    check(page, width)
    page.get_by_role("button", name="Share your record").click()
    check(page, width)
    page.get_by_label("Who are you sharing your record with?").fill("Northgate Training Ltd")
    page.get_by_label("Only the learning events I choose").check()
    page.get_by_label(re.compile("GCSE \\(9 to 1\\) in Mathematics")).check()
    ends = timezone.localdate() + dt.timedelta(days=30)
    page.get_by_label("Day").fill(str(ends.day))
    page.get_by_label("Month").fill(str(ends.month))
    page.get_by_label("Year").fill(str(ends.year))
    page.get_by_role("button", name="Create the link and code").click()
    check(page, width)
    link = page.locator("#share-link").inner_text().strip()
    code = page.locator("#share-code").inner_text().strip()

    # The recipient, in a browser of their own with no account.
    recipient = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    recipient.set_default_timeout(10_000)
    theirs = recipient.new_page()
    theirs.axe_source = page.axe_source
    theirs.goto(link)
    check(theirs, width)
    assert "Thornbury" not in theirs.content()
    theirs.get_by_label("Access code").fill("WRNG-CODE")
    theirs.get_by_role("button", name="See the record").click()
    check(theirs, width)
    assert "The access code is not right" in theirs.locator(".govuk-error-summary").inner_text()
    theirs.get_by_label("Access code").fill(code)
    theirs.get_by_role("button", name="See the record").click()
    check(theirs, width)
    assert "Shared by the learner on" in theirs.locator("#shared-by").inner_text()
    shown = theirs.locator(".govuk-summary-card__title").all_inner_texts()
    assert shown == ["GCSE (9 to 1) in Mathematics"]

    # Anyone with the PDF checks it.
    theirs.goto("/check/")
    check(theirs, width)
    theirs.get_by_label("Reference").fill(reference)
    theirs.get_by_role("button", name="Check").click()
    check(theirs, width)
    assert "This is a genuine record" in theirs.content()

    # The learner sees the view, and who else looked.
    page.goto("/learner/viewers/")
    check(page, width)
    viewers = page.locator("#viewers").inner_text()
    assert "The person you shared with: Northgate Training Ltd" in viewers
    assert "Fenland College" in viewers
    assert "Checked the PDF" in viewers
    page.goto("/learner/shares/")
    check(page, width)
    page.get_by_role("link", name="Northgate Training Ltd").click()
    check(page, width)
    assert page.locator("#share-views li").count() == 1
    assert page.locator("#failed-attempts").inner_text() == "1"
    page.get_by_role("button", name="End this share").click()
    check(page, width)
    page.get_by_role("button", name="End the share").click()
    check(page, width)
    assert "Ended by you" in page.locator("#share-status").inner_text()

    # The recipient's link no longer works, code or no code.
    theirs.goto(link)
    theirs.get_by_label("Access code").fill(code)
    theirs.get_by_role("button", name="See the record").click()
    check(theirs, width)
    assert theirs.get_by_role("heading", name="This link does not work").is_visible()
    assert "Thornbury" not in theirs.content()
    recipient.close()

    # Signing out (on a small screen, from behind the menu button).
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        menu.click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state("load")
    if "/session/end" in page.url:  # the provider asks before ending its own session
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state("load")
    check(page, width)
    assert page.get_by_role("heading", name="You have signed out").is_visible()
    page.goto("/learner/record/")
    assert page.url.endswith("/learner/sign-in")
    check(page, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_person_whose_identity_only_possibly_matches_sees_no_record(
    page: Any, one_login: LocalProvider, record: Any, width: int
):
    page.set_viewport_size({"width": width, "height": 900})
    one_login.people(
        [
            person(
                "liv",
                given=["Liv"],
                family="Thornbury",
                born="2006-03-14",
                postcodes=["CV4 9EE"],
                label="Liv Thornbury",
            )
        ]
    )
    sign_in_through_the_provider(page, width, "Liv Thornbury")
    assert page.url.endswith("/learner/no-record")
    check(page, width)
    assert page.get_by_role("heading", name="We could not find your record").is_visible()
    assert record.uln not in page.content()
    page.get_by_role("link", name="ask for a copy of your record").first.click()
    check(page, width)
    page.goto("/learner/record/")
    assert page.url.endswith("/learner/sign-in")
    check(page, width)

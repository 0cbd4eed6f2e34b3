"""A provider's PLR journey in a real browser, checked with axe on every page: view a
PLR, be refused for a learner who opted out before May 2018, record that the learner was
given the privacy notice, see their PLR, and open who has viewed it."""

from __future__ import annotations

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.learners.models import Learner
from lrs.learners.services import learner_register
from lrs.records.models import Qualification
from lrs.records.services import EventValues, event_create
from tests.browser.conftest import check_accessibility
from tests.browser.test_portal_journeys import sign_in
from tests.factories import OLIVIA, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    check_accessibility(page)


def fill_plr(page, learner: Learner, given_name: str) -> None:
    page.fill("#uln", learner.uln)
    page.fill("#given_name", given_name)
    page.fill("#family_name", learner.family_name)


def outcome(page) -> str:
    return page.locator("#outcome .govuk-tag").inner_text().strip()


def test_a_provider_views_a_plr_records_a_privacy_notice_and_sees_who_has_viewed(page):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER)
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )
    olivia = learner_register(actor=provider, data=OLIVIA).learner
    event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    opted_out = learner_register(
        actor=provider,
        data={
            **OLIVIA,
            "given_name": "Marcus",
            "family_name": "Ashdown",
            "gender": "1",
            "last_known_postcode": "PE13 1AA",
        },
    ).learner
    Learner.objects.filter(pk=opted_out.pk).update(ability_to_share="2")
    event_create(
        actor=ao_user,
        learner=opted_out,
        values=EventValues(qualification=gcse, grade="5", award_date=dt.date(2023, 8, 24)),
    )

    sign_in(page, "online.one")

    # View Olivia's PLR from the navigation.
    page.get_by_role("link", name="View a PLR").first.click()
    check_accessibility(page)
    assert page.title() == "View a Personal Learning Record \N{EN DASH} Learning Records Service"
    assert page.get_by_label("Full").is_checked()

    # A mistake first: the error summary passes axe too.
    submit(page, "View PLR")
    assert page.locator(".govuk-error-summary").is_visible()

    fill_plr(page, olivia, "Olivia")
    submit(page, "View PLR")
    assert page.get_by_role("heading", level=1).inner_text() == "Olivia Thornbury"
    assert outcome(page) == "WSRC0004"
    events = page.locator("#events")
    assert "GCSE (9 to 1) in Mathematics" in events.inner_text()
    assert "Meridian Awards" in events.inner_text()
    assert page.url.endswith("/plr/")

    # Marcus opted out before May 2018: refused until the privacy notice is recorded.
    page.get_by_role("link", name="View another PLR").click()
    check_accessibility(page)
    fill_plr(page, opted_out, "Marcus")
    page.get_by_label("Brief").check()
    submit(page, "View PLR")
    assert outcome(page) == "WSEC0206"
    assert "opted out" in page.get_by_role("heading", level=1).inner_text()

    # Forgetting to confirm is an error on the checkbox.
    submit(page, "I have given the learner the current privacy notice")
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("I have given the learner the current LRS privacy notice").check()
    submit(page, "I have given the learner the current privacy notice")
    assert page.locator("#notice-recorded").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Marcus Ashdown"
    assert outcome(page) == "WSRC0004"
    assert "Meridian Awards" not in page.locator("#events").inner_text()  # brief
    opted_out.refresh_from_db()
    assert opted_out.ability_to_share == "1"

    # Who has viewed Marcus's record: the refusal, the notice and the view.
    page.get_by_role("link", name="Who has viewed this record").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Who has viewed this record"
    rows = page.locator("#viewers tbody tr")
    assert rows.count() == 3  # the refusal, the notice and the view
    assert "PLR viewed" in rows.nth(0).inner_text()
    assert "Privacy notice recorded" in rows.nth(1).inner_text()
    assert "Fenland College" in rows.nth(0).inner_text()

    # And on to the learner's record.
    page.get_by_role("link", name=f"ULN {opted_out.uln}").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Marcus Ashdown"


def test_the_usage_page_and_the_suspended_accounts_queue_pass_axe(page, settings):
    """The misuse watch's pages, reached as people reach them: usage from Manage users,
    the queue from the navigation, and a decision on one account."""
    from lrs.audit.services import audit_record
    from lrs.misuse.services import misuse_check

    settings.LRS_MISUSE_DAILY_LIMIT = 3
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    make_user(college, Role.SUPER_USER, username="college.admin")
    searcher = make_user(college, Role.ONLINE_USER, username="busy.searcher")
    for action in ("learner.find", "learner.find", "learner.lookup", "plr.view", "plr.view"):
        audit_record(action=action, actor=searcher, object_type="uln", object_id="")
    make_user(
        make_organisation(OrganisationType.SERVICE_DESK),
        Role.SERVICE_DESK_USER,
        username="desk.one",
    )

    sign_in(page, "college.admin")
    page.get_by_role("link", name="Manage users").first.click()
    check_accessibility(page)
    page.get_by_role(
        "link", name="See each user\N{RIGHT SINGLE QUOTATION MARK}s searches and PLR views per day"
    ).click()
    check_accessibility(page)
    assert "Over the limit" in page.locator("#usage-summary").inner_text()
    page.get_by_role("button", name="Sign out").click()

    [alert] = misuse_check()
    sign_in(page, "desk.one")
    page.get_by_role("link", name="Suspended accounts").first.click()
    check_accessibility(page)
    page.get_by_role("link", name="busy.searcher").click()
    check_accessibility(page)
    assert "Whole day 2 1 2 5" in " ".join(page.locator("#activity-total").inner_text().split())
    submit(page, "Save decision")
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("Reinstate the account").check()
    page.get_by_label("Reason").fill("Enrolment week: the college confirmed it")
    submit(page, "Save decision")
    assert "has been reinstated" in page.locator("main").inner_text()
    searcher.refresh_from_db()
    assert searcher.is_active
    alert.refresh_from_db()
    assert alert.status == "reinstated"

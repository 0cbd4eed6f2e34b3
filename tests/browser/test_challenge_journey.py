"""The event data challenge journey in a real browser, checked with axe on every page: a
provider views a PLR and challenges a grade (making a mistake first), the awarding
organisation acknowledges the challenge and amends the grade, the provider sees the
resolution and the new grade on the PLR; then a challenge nobody acknowledges escalates on
its due date, and the service desk sees it in its queue and its reports."""

from __future__ import annotations

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.challenges.models import Challenge
from lrs.challenges.services import challenges_check_deadlines
from lrs.learners.services import learner_register
from lrs.records.models import Qualification
from lrs.records.services import EventValues, event_create
from tests.browser.conftest import check_accessibility
from tests.browser.test_portal_journeys import sign_in
from tests.factories import OLIVIA, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path / "uploads"


def click(page, role: str, name: str) -> None:
    page.get_by_role(role, name=name).first.click()
    check_accessibility(page)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()


def view_plr(page, uln: str) -> None:
    click(page, "link", "View a PLR")
    page.fill("#uln", uln)
    page.fill("#given_name", "Olivia")
    page.fill("#family_name", "Thornbury")
    click(page, "button", "View PLR")


def status(page) -> str:
    return page.locator("#status").inner_text().strip()


def test_a_provider_challenges_a_grade_and_the_awarding_organisation_amends_it(page):
    ao = make_organisation(OrganisationType.AWARDING_ORGANISATION, name="Meridian Awards")
    ao_user = make_user(ao, Role.AWARDING_ORGANISATION_USER, username="ao.one")
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    gcse = Qualification.objects.create(
        reference="601/4702/5",
        kind="qualification",
        title="GCSE (9 to 1) in Mathematics",
        qualification_type="GCSE (9 to 1)",
        level="Level 1/2",
        awarding_organisation=ao,
    )
    olivia = learner_register(actor=provider, data=OLIVIA).learner
    maths = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25)),
    )
    english = event_create(
        actor=ao_user,
        learner=olivia,
        values=EventValues(qualification=gcse, grade="4", award_date=dt.date(2021, 8, 12)),
    )

    # The provider views Olivia's PLR and challenges the maths grade.
    sign_in(page, "online.one")
    view_plr(page, olivia.uln)
    page.locator(f"a[data-event='{maths.public_id}']").click()
    check_accessibility(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Challenge a learning event"
    assert page.get_by_label("Contact email address").input_value() == "someone@example.com"

    # Forgetting to say what is wrong: the error summary passes axe too.
    page.get_by_label("Explain what is wrong").fill("The certificate shows grade 8.")
    click(page, "button", "Send challenge")
    assert (
        "Select what is wrong with the learning event"
        in page.locator(".govuk-error-summary").inner_text()
    )

    # Choosing the type reveals the questions that go with it.
    assert not page.get_by_label("Correct grade").is_visible()
    page.get_by_label("The details are wrong").check()
    assert page.get_by_label("Correct grade").is_visible()
    check_accessibility(page)
    page.get_by_label("Correct grade").fill("8")
    page.set_input_files(
        "#evidence",
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}],
    )
    click(page, "button", "Send challenge")
    assert page.locator(".govuk-panel__title").inner_text() == "Challenge sent"
    reference = page.locator("#reference").inner_text().strip()
    challenge = Challenge.objects.get(reference=reference)
    assert challenge.evidence.count() == 1
    assert "Meridian Awards must acknowledge the challenge by" in page.locator("#next").inner_text()

    # The PLR shows the event under data challenge.
    view_plr(page, olivia.uln)
    assert "Under data challenge" in page.locator("#events").inner_text()

    # The raiser's queue lists it.
    click(page, "link", "Challenges")
    assert reference in page.locator("#challenges").inner_text()
    sign_out(page)

    # The awarding organisation acknowledges it, then amends the grade.
    sign_in(page, "ao.one")
    click(page, "link", "Challenges")
    click(page, "link", reference)
    assert status(page) == "Submitted"
    assert "certificate.pdf" in page.locator("#evidence").inner_text()
    page.get_by_label("Note for the organisation that raised it (optional)").fill(
        "Checking with the exam board"
    )
    click(page, "button", "Acknowledge challenge")
    assert status(page) == "Acknowledged"
    assert "Checking with the exam board" in page.locator("#timeline").inner_text()
    click(page, "button", "Resolve challenge")
    assert page.get_by_role("heading", level=1).inner_text() == "Resolve the challenge"
    page.get_by_label("Amend the learning event").check()
    assert page.get_by_label("Grade", exact=True).input_value() == "8"  # as the raiser asked
    check_accessibility(page)
    page.get_by_label("Reason").fill("The certificate was right: grade 8")
    click(page, "button", "Resolve challenge")
    assert status(page) == "Resolved"
    sign_out(page)

    # The provider sees the resolution and the new grade.
    sign_in(page, "online.one")
    click(page, "link", "Challenges")
    click(page, "link", reference)
    assert status(page) == "Resolved"
    resolution = page.locator("#resolution").inner_text()
    assert "Amend the learning event" in resolution
    assert "The certificate was right: grade 8" in resolution
    view_plr(page, olivia.uln)
    events = page.locator("#events").inner_text()
    assert "Under data challenge" not in events
    maths_card = page.locator(f"#event-{maths.public_id}")
    assert maths_card.locator("[data-field=grade]").inner_text().strip() == "8"

    # A second challenge that nobody acknowledges escalates on its due date.
    page.locator(f"a[data-event='{english.public_id}']").click()
    check_accessibility(page)
    page.get_by_label("The learner did not achieve it").check()
    page.get_by_label("Explain what is wrong").fill("Olivia did not sit English.")
    click(page, "button", "Send challenge")
    ignored = Challenge.objects.get(reference=page.locator("#reference").inner_text().strip())
    challenges_check_deadlines(today=ignored.acknowledge_due + dt.timedelta(days=1))
    click(page, "link", f"View challenge {ignored.reference}")
    assert status(page) == "Escalated"
    assert "LRS, automatically" in page.locator("#timeline").inner_text()
    sign_out(page)

    # The service desk sees it in its queue and in its reports.
    sign_in(page, "desk.one")
    click(page, "link", "Challenges")
    page.get_by_label("Status").select_option("escalated")
    click(page, "button", "Apply filters")
    assert "status=escalated" in page.url
    assert ignored.reference in page.locator("#challenges").inner_text()
    assert reference not in page.locator("#challenges").inner_text()
    click(page, "link", "Challenge reports by owner")
    assert "Meridian Awards" in page.locator("#by-owner").inner_text()

"""The support journeys in a real browser, checked with axe on every page: a college
reports that one learner has two ULNs, the service desk merges them from the duplicate
review queue and the college sees its report resolved; and a general question with a
reply on each side."""

from __future__ import annotations

import pytest

from lrs.access import OrganisationType, Role
from lrs.learners.models import Learner, LearnerStatus
from lrs.support.models import SupportRequest
from tests.browser.conftest import check_accessibility, visit
from tests.browser.test_portal_journeys import sign_in
from tests.factories import make_learner, make_organisation, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click(page, role: str, name: str) -> None:
    page.get_by_role(role, name=name).first.click()
    check_accessibility(page)


def register(actor, **values: str) -> Learner:
    return make_learner(
        actor,
        confirmation_reason="Test data: the college registered her again by mistake",
        **values,
    )


def sign_out(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def people(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    college = make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")
    provider = make_user(college, Role.ONLINE_USER, username="online.one")
    desk = make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")
    make_user(desk, Role.SERVICE_DESK_USER, username="desk.one")
    return provider


def test_a_two_ulns_report_is_merged_by_the_service_desk_and_the_college_sees_the_outcome(
    page, people
):
    olivia = register(people)
    again = register(people, given_name="Olivai")

    # The college reports the two ULNs.
    sign_in(page, "online.one")
    click(page, "link", "Support")
    click(page, "link", "Report a problem with a ULN")
    click(page, "button", "Continue")
    assert "Select what the problem is" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("This person has two ULNs").check()
    click(page, "button", "Continue")
    page.get_by_label("The person's ULNs").fill(f"{olivia.uln}\n{again.uln}")
    click(page, "button", "Send report")
    report = SupportRequest.objects.get()
    assert (
        f"Your report {report.reference} has been sent"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert "Open" in page.locator("#request-status").inner_text()
    sign_out(page)

    # The service desk finds the reported pair in the duplicate queue and merges it.
    sign_in(page, "desk.one")
    click(page, "link", "Duplicates")
    pair = report.pairs.get()
    assert "Reported by a user" in page.locator(f"#pair-{pair.pk}").inner_text()
    page.locator(f"#pair-{pair.pk}").get_by_role("link").click()
    check_accessibility(page)
    assert report.reference in page.locator("#reports").inner_text()
    page.get_by_label(f"ULN {olivia.uln}, Olivia Thornbury").check()
    page.get_by_label("Reason for merging").fill("Reported by the college: registered twice")
    click(page, "button", "Merge")
    again.refresh_from_db()
    assert again.status == LearnerStatus.LINKED

    # The desk's own view of the report shows it resolved.
    visit(page, "/service-desk/support/?status=resolved")
    assert report.reference in page.locator("#queue").inner_text()
    sign_out(page)

    # The college sees the outcome.
    sign_in(page, "online.one")
    click(page, "link", "Support")
    assert "Resolved" in page.locator("#requests").inner_text()
    click(page, "link", report.reference)
    assert "Resolved" in page.locator("#request-status").inner_text()
    assert f"use ULN {olivia.uln} from now on" in page.locator("#request-outcome").inner_text()
    assert "LRS service desk (automatic)" in page.locator("#conversation").inner_text()


def test_a_general_question_gets_a_reply_from_the_desk_and_one_back(page, people):
    sign_in(page, "online.one")
    click(page, "link", "Support")
    click(page, "link", "Ask for help")
    click(page, "button", "Send")
    assert "Enter a description" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("Batch files").check()
    page.get_by_label("Summary").fill("Results file will not open")
    page.get_by_label("Describe what you need").fill("The results of this morning's batch")
    page.get_by_label("Attachments (optional)").set_input_files(
        files=[{"name": "error.txt", "mimeType": "text/plain", "buffer": b"Error 42"}]
    )
    click(page, "button", "Send")
    question = SupportRequest.objects.get()
    assert "error.txt" in page.locator("main").inner_text()
    sign_out(page)

    sign_in(page, "desk.one")
    click(page, "link", "Support requests")
    assert question.reference in page.locator("#queue").inner_text()
    click(page, "link", question.reference)
    click(page, "button", "Assign to me")
    page.get_by_label("Your reply").fill("Which batch file was it?")
    click(page, "button", "Send reply")
    assert "Waiting for the user" in page.locator("#request-status").inner_text()
    sign_out(page)

    sign_in(page, "online.one")
    click(page, "link", "Support")
    assert "Waiting for you" in page.locator("#requests").inner_text()
    click(page, "link", question.reference)
    assert "Which batch file was it?" in page.locator("#conversation").inner_text()
    page.get_by_label("Your reply").fill("The one sent at 9am")
    click(page, "button", "Send reply")
    assert "Open" in page.locator("#request-status").inner_text()
    assert "The one sent at 9am" in page.locator("#conversation").inner_text()

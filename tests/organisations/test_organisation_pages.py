"""The organisation pages: the public application form and its confirmation, and the
service desk's applications queue, decisions, organisations list and status changes."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from lrs.access import OrganisationStatus, OrganisationType, Role
from lrs.organisations.models import ApplicationStatus, Organisation, OrganisationApplication
from lrs.organisations.services import (
    organisation_application_approve,
    organisation_application_reject,
    organisation_suspend,
)
from tests.factories import PASSWORD, make_organisation, make_user
from tests.organisations.factories import application_data, desk_user, queued_emails, submit
from tests.portal.helpers import error_summary_links, sign_in_as, text_of, title

pytestmark = pytest.mark.django_db

APPLY = "/organisations/apply"


@pytest.fixture(autouse=True)
def no_earlier_applications_counted():
    # The apply form's per-address limit counts in the cache, which outlives a test.
    cache.clear()


@pytest.fixture
def desk():
    return desk_user()


@pytest.fixture
def desk_client(client, desk):
    return sign_in_as(client, desk)


def row_text(response, row_id: str) -> str:
    """The visible text of one table row."""
    html = response.content.decode()
    start = html.index(f'id="{row_id}"')
    row = html[html.index(">", start) + 1 : html.index("</tr>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", row).split())


def test_the_url_names():
    assert reverse("portal:organisation-apply") == APPLY
    assert reverse("portal:organisation-apply-done") == "/organisations/apply/submitted"
    assert reverse("portal:organisation-list") == "/organisations/"
    assert reverse("portal:organisation-applications") == "/organisations/applications/"
    assert (
        reverse("portal:organisation-application", args=["ORG-ABC234"])
        == "/organisations/applications/ORG-ABC234/"
    )
    assert (
        reverse("portal:organisation-application-approve", args=["ORG-ABC234"])
        == "/organisations/applications/ORG-ABC234/approve"
    )
    assert (
        reverse("portal:organisation-application-reject", args=["ORG-ABC234"])
        == "/organisations/applications/ORG-ABC234/reject"
    )
    assert reverse("portal:organisation-detail", args=["10012345"]) == "/organisations/10012345/"
    assert (
        reverse("portal:organisation-change-status", args=["10012345", "close"])
        == "/organisations/10012345/close"
    )
    assert (
        reverse("portal:organisation-sign-in-link", args=["10012345", 7])
        == "/organisations/10012345/users/7/sign-in-link"
    )


# --- Applying -------------------------------------------------------------------------------


def test_one_address_sending_too_many_application_forms_is_told_to_wait_and_nothing_is_stored(
    client, monkeypatch
):
    from lrs.organisations import views

    monkeypatch.setattr(views, "APPLY_THROTTLE", views.ApplyThrottle("2/h"))
    client.post(APPLY, {})
    assert client.post(APPLY, application_data()).status_code == 302
    before = OrganisationApplication.objects.count()

    response = client.post(APPLY, application_data())

    assert response.status_code == 429
    assert "Too many applications have been sent from your network" in text_of(response)
    assert OrganisationApplication.objects.count() == before
    other_address = client.post(APPLY, application_data(), REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302


def test_anyone_can_open_the_application_form_without_signing_in(client):
    response = client.get(APPLY)
    assert response.status_code == 200
    html = response.content.decode()
    assert title("Apply to use the Learning Records Service") in html
    assert "Sign out" not in html  # no navigation for someone not signed in
    text = text_of(response)
    for question in (
        "Organisation name",
        "Type of organisation",
        "UK Provider Reference Number (UKPRN)",
        "Unique Reference Number (URN), if you are a school",
        "Local authority code, if you are a local authority",
        "ICO registration number",
        "Companies House number (if you have one)",
        "What will you use LRS for?",
        "How many learners a year do you expect to register or look up?",
        "Full name",
        "Job title",
        "Email address",
        "Telephone number",
    ):
        assert question in text
    assert "LRS service desk" not in text.split("Type of organisation")[1].split("UKPRN")[0]
    assert 'type="tel"' in html


def test_an_empty_form_lists_every_problem_in_the_order_of_the_questions(client):
    response = client.post(APPLY, {})
    assert response.status_code == 200
    assert title("Error: Apply to use the Learning Records Service") in response.content.decode()
    assert [href for href, _ in error_summary_links(response)] == [
        "#name",
        "#type",
        "#ukprn",
        "#ico_number",
        "#purpose",
        "#expected_volumes",
        "#contact_name",
        "#contact_job_title",
        "#contact_email",
        "#contact_telephone",
    ]
    assert not OrganisationApplication.objects.exists()


def test_what_was_typed_is_kept_when_something_is_wrong(client):
    response = client.post(APPLY, application_data(ico_number="Z12"))
    assert error_summary_links(response) == [
        (
            "#ico_number",
            "An ICO registration number is Z and 7 digits, like Z1234567, or Z, a letter and "
            "6 digits, like ZA123456",
        )
    ]
    html = response.content.decode()
    assert 'value="Brookfield College"' in html
    assert 'value="Z12"' in html


def test_a_sent_application_shows_its_reference_and_what_happens_next(client):
    response = client.post(APPLY, application_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:organisation-apply-done")
    application = OrganisationApplication.objects.get()
    response = client.get(response["Location"])
    assert title("Application sent") in response.content.decode()
    text = text_of(response)
    assert f"Your reference number {application.reference}" in text
    assert "What happens next" in text
    assert "a link to choose a password" in text
    # Nothing about the application itself, and nothing in the address.
    assert application.contact_email not in text


def test_the_confirmation_page_without_an_application_goes_back_to_the_form(client):
    response = client.get(reverse("portal:organisation-apply-done"))
    assert response.status_code == 302
    assert response["Location"] == APPLY


# --- Who may see the service desk's pages ---------------------------------------------------


def test_the_service_desk_pages_need_signing_in_and_the_service_desk(client):
    application = submit()
    college = make_organisation()
    urls = [
        "/organisations/",
        "/organisations/applications/",
        f"/organisations/applications/{application.reference}/",
        f"/organisations/applications/{application.reference}/approve",
        f"/organisations/applications/{application.reference}/reject",
        f"/organisations/{college.ukprn}/",
        f"/organisations/{college.ukprn}/suspend",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in?next=")
    sign_in_as(client, make_user(college, Role.SUPER_USER))
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            f"/organisations/applications/{application.reference}/approve", {"username": "x.y.z"}
        ).status_code
        == 403
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_unknown_applications_and_organisations_are_not_found(desk_client):
    assert desk_client.get("/organisations/applications/ORG-NOSUCH/").status_code == 404
    assert desk_client.get("/organisations/19999999/").status_code == 404


# --- The applications queue and decisions ---------------------------------------------------


def test_the_queue_lists_waiting_applications_first_and_filters(desk_client, desk):
    decided = submit(name="Decided College")
    organisation_application_reject(actor=desk, application=decided, reason="No")
    waiting = submit(name="Waiting College")
    response = desk_client.get("/organisations/applications/")
    assert response.status_code == 200
    text = text_of(response)
    assert "1 application waiting for a decision, oldest first." in text
    assert text.index("Waiting College") < text.index("Decided College")
    assert "Waiting for a decision" in row_text(response, f"application-{waiting.reference}")
    assert "Rejected" in row_text(response, f"application-{decided.reference}")
    html = response.content.decode()
    assert 'aria-current="true"' in html  # the Organisations section of the navigation

    response = desk_client.get("/organisations/applications/", {"status": "rejected"})
    assert "Waiting College" not in text_of(response).split("Applications Reference")[-1]
    response = desk_client.get("/organisations/applications/", {"search": waiting.ukprn})
    assert f"application-{decided.reference}" not in response.content.decode()
    assert f"application-{waiting.reference}" in response.content.decode()


def test_an_application_shows_everything_the_organisation_sent(desk_client):
    application = submit(companies_house_number="SC123456")
    response = desk_client.get(f"/organisations/applications/{application.reference}/")
    assert response.status_code == 200
    text = text_of(response)
    for shown in (
        "Brookfield College",
        "Further education college",
        application.ukprn,
        "ZA123456",
        "SC123456",
        "To register our learners at enrolment",
        "501 to 5,000",
        "Priya Shah",
        "MIS manager",
        "priya.shah@brookfield.example",
        "01632 960 001",
        "Waiting for a decision",
        "Approve",
        "Reject",
    ):
        assert shown in text


def test_approving_from_the_page_suggests_a_username_and_creates_the_organisation(
    desk_client,
):
    application = submit()
    url = f"/organisations/applications/{application.reference}/approve"
    response = desk_client.get(url)
    assert title("Approve Brookfield College") in response.content.decode()
    assert 'value="priya.shah"' in response.content.decode()

    response = desk_client.post(url, {"username": "priya.shah"})
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{application.ukprn}/"
    organisation = Organisation.objects.get(ukprn=application.ukprn)
    assert organisation.status == OrganisationStatus.ACTIVE
    response = desk_client.get(response["Location"])
    text = text_of(response)
    assert (
        "Brookfield College can now use LRS. We have emailed priya.shah@brookfield.example a "
        "link to choose a password and sign in as priya.shah." in text
    )
    assert "priya.shah has not chosen a password yet" in text
    [email] = queued_emails()
    # The link points at the portal the service desk used.
    assert "http://testserver/account/set-password/" in email["body"]

    response = desk_client.get(url)
    assert response.status_code == 302
    response = desk_client.get(response["Location"])
    assert f"Application {application.reference} has already been decided" in text_of(response)


def test_a_taken_username_is_shown_on_the_approve_form(desk_client):
    make_user(username="priya.shah")
    application = submit()
    url = f"/organisations/applications/{application.reference}/approve"
    assert 'value="priya.shah2"' in desk_client.get(url).content.decode()
    response = desk_client.post(url, {"username": "priya.shah"})
    assert error_summary_links(response) == [
        ("#username", "The username 'priya.shah' is already taken")
    ]
    assert desk_client.post(url, {"username": ""}).status_code == 200
    assert not Organisation.objects.filter(ukprn=application.ukprn).exists()


def test_rejecting_from_the_page_needs_a_reason(desk_client):
    application = submit()
    url = f"/organisations/applications/{application.reference}/reject"
    response = desk_client.post(url, {"reason": ""})
    assert error_summary_links(response) == [("#reason", "Enter the reason for rejecting it")]
    response = desk_client.post(url, {"reason": "We could not find your ICO registration."})
    assert response["Location"] == "/organisations/applications/"
    response = desk_client.get(response["Location"])
    assert (
        f"Application {application.reference} has been rejected. We have emailed the reason "
        "to priya.shah@brookfield.example." in text_of(response)
    )
    response = desk_client.get(f"/organisations/applications/{application.reference}/")
    text = text_of(response)
    assert "We could not find your ICO registration." in text
    assert "Approve" not in text.split("Reason")[0].split("Status")[-1]


# --- Organisations --------------------------------------------------------------------------


def test_the_organisations_list_searches_and_filters(desk_client):
    make_organisation(name="Fenland College")
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    response = desk_client.get("/organisations/")
    text = text_of(response)
    assert "Fenland College" in text
    assert "Oakfield Academy" in text
    response = desk_client.get("/organisations/", {"search": "fenland"})
    assert "Oakfield Academy" not in text_of(response)
    response = desk_client.get("/organisations/", {"search": school.ukprn})
    assert "Fenland College" not in text_of(response)
    assert "Oakfield Academy" in text_of(response)
    response = desk_client.get("/organisations/", {"type": "school", "status": "active"})
    assert f"organisation-{school.ukprn}" in response.content.decode()
    assert "Fenland College" not in text_of(response)
    response = desk_client.get("/organisations/", {"status": "closed"})
    assert "No organisations match." in text_of(response)


def test_the_organisations_list_is_paginated(desk_client):
    for number in range(26):
        make_organisation(name=f"College {number:02d}")
    response = desk_client.get("/organisations/")
    text = text_of(response)
    assert "27 organisations" in text  # with the service desk's own
    assert "College 24" in text
    assert "College 25" not in text
    response = desk_client.get("/organisations/", {"page": 2})
    assert "College 25" in text_of(response)
    assert "College 24" not in text_of(response)


def test_an_organisations_page_shows_its_users_status_and_history(desk_client, desk):
    college = make_organisation(name="Fenland College")
    make_user(college, Role.SUPER_USER, username="fen.admin")
    make_user(college, Role.ONLINE_USER)
    organisation_suspend(actor=desk, organisation=college, reason="ICO registration lapsed")
    response = desk_client.get(f"/organisations/{college.ukprn}/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Users 2 (2 active)" in text
    assert "fen.admin (Test Person)" in text
    assert "Suspended" in text
    assert "ICO registration lapsed" in text
    assert "Created (active)" in text
    assert "Reinstate" in text
    assert "Suspend " not in text.split("History")[0].split("Added to LRS")[-1]


def test_suspending_reinstating_and_closing_from_the_page(desk_client):
    college = make_organisation(name="Fenland College")
    base = f"/organisations/{college.ukprn}/"

    response = desk_client.post(base + "suspend", {"reason": ""})
    assert error_summary_links(response) == [("#reason", "Enter the reason for the change")]
    response = desk_client.post(base + "suspend", {"reason": "Asked by the college"})
    assert response["Location"] == base
    assert "Fenland College has been suspended" in text_of(desk_client.get(base))

    # Suspending again is not offered; asking for it explains why.
    response = desk_client.get(base + "suspend")
    assert response["Location"] == base
    assert "Fenland College is suspended: it cannot be suspended" in text_of(desk_client.get(base))

    desk_client.post(base + "reinstate", {"reason": "Sorted out"})
    college.refresh_from_db()
    assert college.status == OrganisationStatus.ACTIVE

    response = desk_client.get(base + "close")
    assert title("Close Fenland College") in response.content.decode()
    text = text_of(response)
    assert "Are you sure you want to close Fenland College?" in text
    assert "Closing is final" in text
    desk_client.post(base + "close", {"reason": "Merged"})
    college.refresh_from_db()
    assert college.status == OrganisationStatus.CLOSED
    text = text_of(desk_client.get(base))
    assert "Closing is final" in text
    assert "Merged" in text
    assert "Sorted out" in text
    response = desk_client.post(base + "reinstate", {"reason": "Please"})
    assert error_summary_links(response) == [
        ("#reason", "A closed organisation cannot be reinstated")
    ]
    college.refresh_from_db()
    assert college.status == OrganisationStatus.CLOSED


def test_the_service_desk_is_not_offered_changes_to_its_own_organisation(desk_client, desk):
    html = desk_client.get(f"/organisations/{desk.organisation.ukprn}/").content.decode()
    assert 'id="status-actions"' not in html
    response = desk_client.post(
        f"/organisations/{desk.organisation.ukprn}/suspend", {"reason": "x"}
    )
    assert error_summary_links(response)[0][1] == (
        "You cannot change the status of your own organisation"
    )


def test_a_new_sign_in_link_can_be_sent_until_the_password_is_chosen(desk_client, desk):
    application = organisation_application_approve(actor=desk, application=submit())
    assert application.super_user is not None
    user = application.super_user
    url = f"/organisations/{application.ukprn}/users/{user.pk}/sign-in-link"
    assert desk_client.get(url).status_code == 405
    response = desk_client.post(url)
    assert response["Location"] == f"/organisations/{application.ukprn}/"
    assert (
        "We have emailed priya.shah@brookfield.example a new sign-in link for priya.shah"
        in text_of(desk_client.get(response["Location"]))
    )
    assert len(queued_emails()) == 2

    user.set_password(PASSWORD)
    user.save()
    text = text_of(desk_client.get(f"/organisations/{application.ukprn}/"))
    assert "has not chosen a password yet" not in text
    response = desk_client.post(url)
    assert "priya.shah has already chosen a password" in text_of(
        desk_client.get(response["Location"])
    )
    assert len(queued_emails()) == 2
    # Only users of that organisation.
    other = make_user()
    assert (
        desk_client.post(
            f"/organisations/{application.ukprn}/users/{other.pk}/sign-in-link"
        ).status_code
        == 404
    )

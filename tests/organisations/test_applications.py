"""Organisations applying to use LRS, and the service desk's decisions: every rule of the
application, duplicates, approval (organisation, first super user, sign-in link),
rejection, decisions made twice, who may decide, and suspending, reinstating and closing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError
from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

from lrs.access import OrganisationStatus, OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.organisations import selectors
from lrs.organisations.models import ApplicationStatus, Organisation, OrganisationApplication
from lrs.organisations.services import (
    organisation_application_approve,
    organisation_application_reject,
    organisation_application_submit,
    organisation_close,
    organisation_create,
    organisation_reinstate,
    organisation_sign_in_link_resend,
    organisation_suspend,
    username_suggestion,
)
from lrs.users.models import User
from lrs.users.services import user_set_password_with_link
from tests.factories import PASSWORD, make_organisation, make_user
from tests.organisations.factories import (
    application_data,
    desk_user,
    queued_emails,
    school_data,
    send_queued_emails,
    service_desk,
    submit,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/account/set-password/(?P<uidb64>[^/\s]+)/(?P<token>[^/\s]+)")
NEW_PASSWORD = "a-perfectly-fine-passphrase"


def problems(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {p.field: p.rule for p in excinfo.value.problems}


def refused(**changes) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_application_submit(**application_data(**changes))
    return problems(excinfo)


@pytest.fixture
def desk():
    return desk_user()


# --- Applying -----------------------------------------------------------------------------


def test_an_application_is_stored_waiting_for_a_decision_with_a_short_reference_and_audited():
    application = submit(ukprn="10600500")
    assert re.fullmatch(r"ORG-[A-HJ-NP-Z2-9]{6}", application.reference)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at is not None
    assert (application.name, application.type, application.ukprn) == (
        "Brookfield College",
        "further_education_college",
        "10600500",
    )
    assert application.urn is None
    assert application.la_code is None
    assert application.organisation is None
    assert application.super_user is None
    entry = AuditEntry.objects.get(action="organisation_application.submit")
    assert entry.actor is None
    assert entry.object_id == application.reference
    assert entry.detail == {
        "name": "Brookfield College",
        "type": "further_education_college",
        "ukprn": "10600500",
    }
    # Nothing is emailed to an address typed into a public form.
    assert queued_emails() == []


def test_an_empty_application_reports_every_missing_answer_at_once_and_stores_nothing():
    empty = dict.fromkeys(application_data(), "")
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_application_submit(**empty)
    assert problems(excinfo) == {
        "name": "Enter the organisation's name",
        "type": "Select the type of organisation",
        "ukprn": "Enter your organisation's UKPRN",
        "ico_number": "Enter your ICO registration number",
        "purpose": "Tell us what you will use LRS for",
        "expected_volumes": "Select how many learners a year you expect to work with",
        "contact_name": "Enter the contact's full name",
        "contact_job_title": "Enter the contact's job title",
        "contact_email": "Enter the contact's email address",
        "contact_telephone": "Enter the contact's telephone number",
    }
    assert not OrganisationApplication.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_organisation_fields_follow_the_rules_of_organisations():
    assert refused(ukprn="2001234")["ukprn"].startswith("A UKPRN is 8 digits")
    assert refused(type="castle")["type"].startswith("Unknown organisation type")
    assert refused(name="x" * 256)["name"] == "The name must be 255 characters or fewer"
    assert refused(type="school", urn="")["urn"] == "A school must have a URN (6 digits)"
    assert refused(urn="100001")["urn"] == "Only schools have a URN"
    assert refused(type="school", urn="12345")["urn"] == "A URN is 6 digits, like 100001"
    assert refused(type="local_authority")["la_code"] == "A local authority must have an LA code"
    assert refused(type="local_authority", la_code="12")["la_code"].startswith(
        "A local authority code is 3 digits"
    )


def test_nobody_can_apply_to_be_the_service_desk():
    assert refused(type="service_desk") == {
        "type": "The LRS service desk cannot be applied for: choose your type"
    }


def test_a_school_and_a_local_authority_apply_with_their_own_identifiers():
    school = organisation_application_submit(**school_data())
    assert school.urn is not None
    assert len(school.urn) == 6
    council = submit(name="Westshire County Council", type="local_authority", la_code="201")
    assert council.la_code == "201"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Z1234567", "Z1234567"),  # older register entries: Z and 7 digits
        ("ZA123456", "ZA123456"),  # newer ones: Z, a letter and 6 digits
        ("ZB654321", "ZB654321"),
        (" za 123 456 ", "ZA123456"),  # spaces and case do not matter
    ],
)
def test_ico_registration_numbers_in_either_format_are_accepted_and_tidied(typed, stored):
    assert submit(ico_number=typed).ico_number == stored


@pytest.mark.parametrize(
    "typed",
    [
        "Z123456",
        "Z12345678",
        "A1234567",
        "ZA12345",
        "ZA1234567",
        "ZAB12345",
        "Z1A23456",
        "12345678",
    ],
)
def test_ico_registration_numbers_in_any_other_format_are_refused(typed):
    assert refused(ico_number=typed) == {
        "ico_number": "An ICO registration number is Z and 7 digits, like Z1234567, "
        "or Z, a letter and 6 digits, like ZA123456"
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01234567", "01234567"),  # England and Wales
        ("SC123456", "SC123456"),  # Scotland
        ("NI123456", "NI123456"),  # Northern Ireland
        ("OC123456", "OC123456"),  # limited liability partnership
        ("R0123456", "R0123456"),  # Northern Ireland, before 1922
        ("sc 123456", "SC123456"),
        ("", ""),  # not every organisation is a company
    ],
)
def test_companies_house_numbers_are_optional_and_accepted_in_their_formats(typed, stored):
    assert submit(companies_house_number=typed).companies_house_number == stored


@pytest.mark.parametrize(
    "typed", ["1234567", "123456789", "S1234567", "SC12345", "SC1234567", "ABC12345", "SC12345X"]
)
def test_companies_house_numbers_that_are_not_eight_characters_of_the_right_kind_are_refused(
    typed,
):
    assert refused(companies_house_number=typed) == {
        "companies_house_number": "A Companies House number is 8 characters: 8 digits, "
        "like 01234567, or 2 letters and 6 digits, like SC123456"
    }


def test_the_contact_needs_a_real_looking_email_address_and_telephone_number():
    assert refused(contact_email="priya.example") == {
        "contact_email": "Enter an email address like name@example.com"
    }
    for telephone in ("12345", "call me", "0163296000100000000", "01632 960 001 ext 4"):
        assert set(refused(contact_telephone=telephone)) == {"contact_telephone"}
    for telephone in ("01632 960 001", "07700 900 982", "+44 808 157 0192", "(01632) 960-001"):
        assert submit(contact_telephone=telephone).contact_telephone == telephone


def test_lengths_and_choices_are_checked():
    assert refused(purpose="x" * 2001) == {
        "purpose": "The purpose must be 2,000 characters or fewer"
    }
    assert set(refused(expected_volumes="lots")) == {"expected_volumes"}
    assert set(refused(contact_name="x" * 151)) == {"contact_name"}
    assert set(refused(contact_job_title="x" * 101)) == {"contact_job_title"}


def test_a_ukprn_already_registered_with_lrs_is_refused_with_a_clear_message():
    existing = make_organisation()
    assert refused(ukprn=existing.ukprn) == {
        "ukprn": f"An organisation with UKPRN {existing.ukprn} is already registered with "
        "LRS: ask its super user for an account, or contact the LRS service desk"
    }


def test_a_ukprn_with_an_application_waiting_for_a_decision_is_refused():
    first = submit()
    assert refused(ukprn=first.ukprn) == {
        "ukprn": f"An application for UKPRN {first.ukprn} is already waiting for a decision"
    }


def test_a_urn_already_registered_or_waiting_is_refused():
    school = make_organisation(OrganisationType.SCHOOL)
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_application_submit(**school_data(urn=school.urn))
    assert problems(excinfo)["urn"].startswith(f"A school with URN {school.urn} is already")
    waiting = organisation_application_submit(**school_data())
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_application_submit(**school_data(urn=waiting.urn))
    assert problems(excinfo) == {
        "urn": f"An application for URN {waiting.urn} is already waiting for a decision"
    }


def test_after_a_rejection_the_organisation_may_apply_again(desk):
    first = submit()
    organisation_application_reject(actor=desk, application=first, reason="No ICO entry")
    again = submit(ukprn=first.ukprn)
    assert again.status == ApplicationStatus.SUBMITTED


def test_the_database_itself_refuses_two_pending_applications_for_one_ukprn():
    # What protects two applicants who press send at the same moment.
    first = submit()
    duplicate = OrganisationApplication.objects.get(pk=first.pk)
    duplicate.pk = None
    duplicate.reference = "ORG-TWIN22"
    with pytest.raises(IntegrityError):
        duplicate.save()


def test_an_application_that_loses_a_race_for_its_urn_is_told_which_field_clashed(
    monkeypatch,
):
    # Another application for the same school commits between the checks and the insert:
    # the first check sees nothing, the database refuses, and the message names the URN.
    from lrs.organisations import services

    waiting = organisation_application_submit(**school_data())
    real_check = services._refuse_duplicates
    calls = []

    def check_missing_the_other_one(**kwargs):
        calls.append(kwargs)
        if len(calls) > 1:
            real_check(**kwargs)

    monkeypatch.setattr(services, "_refuse_duplicates", check_missing_the_other_one)
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_application_submit(**school_data(urn=waiting.urn))
    assert problems(excinfo) == {
        "urn": f"An application for URN {waiting.urn} is already waiting for a decision"
    }
    assert OrganisationApplication.objects.count() == 1


# --- Approving ----------------------------------------------------------------------------


def test_approval_activates_the_organisation_and_creates_its_super_user_without_a_password(
    desk,
):
    application = submit(contact_name="Priya Anjali Shah")
    approved = organisation_application_approve(
        actor=desk, application=application, portal_url="https://lrs.example.org/"
    )

    organisation = Organisation.objects.get(ukprn=application.ukprn)
    assert organisation.status == OrganisationStatus.ACTIVE
    assert (organisation.name, organisation.type) == (application.name, application.type)
    super_user = User.objects.get(organisation=organisation)
    assert super_user.role == Role.SUPER_USER
    assert super_user.username == "priya.shah"
    assert super_user.email == "priya.shah@brookfield.example"
    assert super_user.get_full_name() == "Priya Anjali Shah"
    assert super_user.is_active
    assert not super_user.has_usable_password()
    assert (
        authenticate(RequestFactory().post("/sign-in"), username="priya.shah", password="") is None
    )

    approved.refresh_from_db()
    assert approved.status == ApplicationStatus.APPROVED
    assert approved.decided_by == desk
    assert approved.decided_at is not None
    assert approved.organisation == organisation
    assert approved.super_user == super_user

    actions = set(
        AuditEntry.objects.filter(organisation=organisation).values_list("action", flat=True)
    )
    assert actions == {"organisation.create", "user.create", "organisation_application.approve"}
    decision = AuditEntry.objects.get(action="organisation_application.approve")
    assert decision.actor == desk
    assert decision.object_id == application.reference
    assert decision.detail == {"ukprn": organisation.ukprn, "super_user": "priya.shah"}


def test_approval_emails_the_contact_their_username_and_a_working_one_time_link(desk, mailoutbox):
    application = submit()
    organisation_application_approve(
        actor=desk, application=application, portal_url="https://lrs.example.org/"
    )
    [email] = queued_emails()
    assert email["to"] == ["priya.shah@brookfield.example"]
    assert email["subject"] == "LRS: choose your password and sign in"
    assert application.reference in email["body"]
    assert "Your username is: priya.shah" in email["body"]
    assert "expires after 3 days" in email["body"]

    send_queued_emails()
    [sent] = mailoutbox
    link = LINK.search(sent.body)
    assert link is not None
    assert link.group(0).startswith("https://lrs.example.org/account/set-password/")
    assert resolve(link.group(0).removeprefix("https://lrs.example.org")).url_name == (
        "set-password"
    )
    user = user_set_password_with_link(
        uidb64=link["uidb64"], token=link["token"], password=NEW_PASSWORD
    )
    assert user.check_password(NEW_PASSWORD)


def test_the_username_is_made_from_the_email_and_numbered_when_taken(desk):
    make_user(username="priya.shah")
    make_user(username="priya.shah2")
    assert username_suggestion(email="Priya.Shah@brookfield.example") == "priya.shah3"
    assert username_suggestion(email="o'neil+lrs@example.org") == "o.neil+lrs"
    assert username_suggestion(email="jo@example.org") == "jo@example.org"
    application = submit()
    organisation_application_approve(actor=desk, application=application)
    application.refresh_from_db()
    assert application.super_user is not None
    assert application.super_user.username == "priya.shah3"


def test_the_service_desk_may_choose_the_username(desk):
    application = submit()
    organisation_application_approve(actor=desk, application=application, username="bc.admin")
    application.refresh_from_db()
    assert application.super_user is not None
    assert application.super_user.username == "bc.admin"


def test_a_taken_or_bad_username_refuses_the_approval_and_creates_nothing(desk):
    make_user(username="taken.name")
    application = submit()
    for username, rule in (
        ("taken.name", "The username 'taken.name' is already taken"),
        ("a b", "A username is 3 to 150 characters: letters, digits and . @ + _ - only"),
    ):
        with pytest.raises(ValidationFailed) as excinfo:
            organisation_application_approve(actor=desk, application=application, username=username)
        assert problems(excinfo) == {"username": rule}
    assert not Organisation.objects.filter(ukprn=application.ukprn).exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert queued_emails() == []


def test_an_application_whose_ukprn_was_registered_meanwhile_cannot_be_approved(desk):
    application = submit()
    organisation_create(
        actor=None, name="Brookfield College", type="training_provider", ukprn=application.ukprn
    )
    with pytest.raises(Conflict) as excinfo:
        organisation_application_approve(actor=desk, application=application)
    assert excinfo.value.code == "ukprn_taken"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- Rejecting ----------------------------------------------------------------------------


def test_rejection_needs_a_reason_which_is_kept_audited_and_emailed_to_the_contact(desk):
    application = submit()
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as excinfo:
            organisation_application_reject(actor=desk, application=application, reason=reason)
        assert problems(excinfo) == {"reason": "Enter the reason for rejecting it"}
    with pytest.raises(ValidationFailed):
        organisation_application_reject(actor=desk, application=application, reason="x" * 2001)

    organisation_application_reject(
        actor=desk, application=application, reason="  The ICO register has no such number. "
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "The ICO register has no such number."
    assert application.decided_by == desk
    assert application.organisation is None
    assert not Organisation.objects.filter(ukprn=application.ukprn).exists()
    entry = AuditEntry.objects.get(action="organisation_application.reject")
    assert entry.actor == desk
    assert entry.detail["reason"] == "The ICO register has no such number."
    [email] = queued_emails()
    assert email["to"] == ["priya.shah@brookfield.example"]
    assert application.reference in email["subject"]
    assert "The ICO register has no such number." in email["body"]


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")],
)
def test_an_application_is_decided_only_once(desk, first, second):
    application = submit()

    def decide(how):
        if how == "approve":
            return organisation_application_approve(actor=desk, application=application)
        return organisation_application_reject(actor=desk, application=application, reason="No")

    decide(first)
    with pytest.raises(Conflict) as excinfo:
        decide(second)
    assert excinfo.value.code == "application_decided"
    assert len(queued_emails()) == 1


# --- Who may decide -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SUPER_USER, Role.SERVICE_DESK_USER])
def test_the_service_desks_super_users_and_service_desk_users_decide(role):
    person = make_user(service_desk(), role)
    application = submit()
    organisation_application_approve(actor=person, application=application)
    assert Organisation.objects.filter(ukprn=application.ukprn).exists()


def test_nobody_outside_an_active_service_desk_decides_or_reads_applications():
    college_admin = make_user(make_organisation(), Role.SUPER_USER)
    suspended_desk = make_organisation(OrganisationType.SERVICE_DESK, status="suspended")
    suspended_desk_user = make_user(suspended_desk, Role.SERVICE_DESK_USER)
    application = submit()
    for person in (college_admin, suspended_desk_user):
        with pytest.raises(NotPermitted):
            organisation_application_approve(actor=person, application=application)
        with pytest.raises(NotPermitted):
            organisation_application_reject(actor=person, application=application, reason="x")
        with pytest.raises(NotPermitted):
            selectors.organisation_application_list(actor=person)
        with pytest.raises(NotPermitted):
            selectors.organisation_application_get(actor=person, reference=application.reference)
        with pytest.raises(NotPermitted):
            selectors.organisation_list(actor=person)
        with pytest.raises(NotPermitted):
            selectors.organisation_detail(actor=person, ukprn=college_admin.organisation.ukprn)
        with pytest.raises(NotPermitted):
            organisation_suspend(actor=person, organisation=college_admin.organisation, reason="x")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- A new sign-in link -------------------------------------------------------------------


def _approved(desk) -> OrganisationApplication:
    application = submit()
    return organisation_application_approve(
        actor=desk, application=application, portal_url="https://lrs.example.org"
    )


def test_a_new_sign_in_link_replaces_the_old_one_and_is_audited(desk):
    application = _approved(desk)
    assert application.super_user is not None
    [first] = queued_emails()
    old = LINK.search(first["body"])
    assert old is not None

    organisation_sign_in_link_resend(
        actor=desk, user=application.super_user, portal_url="https://lrs.example.org"
    )
    second = queued_emails()[-1]
    new = LINK.search(second["body"])
    assert new is not None
    assert second["to"] == ["priya.shah@brookfield.example"]
    assert "Earlier links no longer work" in second["body"]
    entry = AuditEntry.objects.get(action="user.sign_in_link_send")
    assert (entry.actor, entry.object_id) == (desk, "priya.shah")

    from lrs.users.services import SignInLinkInvalid

    with pytest.raises(SignInLinkInvalid):
        user_set_password_with_link(uidb64=old["uidb64"], token=old["token"], password=PASSWORD)
    user_set_password_with_link(uidb64=new["uidb64"], token=new["token"], password=PASSWORD)


def test_no_new_link_once_the_password_is_chosen_or_while_the_organisation_is_suspended(desk):
    application = _approved(desk)
    user = application.super_user
    assert user is not None
    assert application.organisation is not None
    organisation_suspend(actor=desk, organisation=application.organisation, reason="Checks")
    with pytest.raises(Conflict) as excinfo:
        organisation_sign_in_link_resend(actor=desk, user=user)
    assert excinfo.value.code == "cannot_sign_in"
    organisation_reinstate(actor=desk, organisation=application.organisation, reason="Done")
    user.set_password(PASSWORD)
    user.save()
    with pytest.raises(Conflict) as excinfo:
        organisation_sign_in_link_resend(actor=desk, user=user)
    assert excinfo.value.code == "password_already_set"
    with pytest.raises(NotPermitted):
        organisation_sign_in_link_resend(actor=user, user=user)


# --- Suspending, reinstating and closing --------------------------------------------------


def test_suspend_reinstate_and_close_each_need_a_reason_and_are_kept_in_the_history(desk):
    college = make_organisation(name="Fenland College")
    with pytest.raises(ValidationFailed):
        organisation_suspend(actor=desk, organisation=college, reason=" ")
    organisation_suspend(actor=desk, organisation=college, reason="Unpaid ICO fee")
    college.refresh_from_db()
    assert college.status == OrganisationStatus.SUSPENDED
    organisation_reinstate(actor=desk, organisation=college, reason="Fee paid")
    organisation_close(actor=desk, organisation=college, reason="Merged with another college")
    college.refresh_from_db()
    assert college.status == OrganisationStatus.CLOSED

    detail = selectors.organisation_detail(actor=desk, ukprn=college.ukprn)
    assert [(item.event, item.by, item.reason) for item in detail.history] == [
        ("Closed", desk.username, "Merged with another college"),
        ("Reinstated", desk.username, "Fee paid"),
        ("Suspended", desk.username, "Unpaid ICO fee"),
        ("Created (active)", "LRS (console)", ""),
    ]
    assert detail.status_actions == []


def test_only_sensible_status_changes_are_allowed_and_closed_is_final(desk):
    college = make_organisation()
    with pytest.raises(Conflict, match="An active organisation cannot be reinstated"):
        organisation_reinstate(actor=desk, organisation=college, reason="x")
    organisation_suspend(actor=desk, organisation=college, reason="x")
    with pytest.raises(Conflict, match="A suspended organisation cannot be suspended"):
        organisation_suspend(actor=desk, organisation=college, reason="x")
    organisation_close(actor=desk, organisation=college, reason="x")
    for change in (organisation_suspend, organisation_reinstate, organisation_close):
        with pytest.raises(Conflict):
            change(actor=desk, organisation=college, reason="x")
    assert AuditEntry.objects.filter(action="organisation.change_status").count() == 2


def test_the_service_desk_cannot_suspend_or_close_its_own_organisation(desk):
    assert (
        selectors.organisation_detail(actor=desk, ukprn=desk.organisation.ukprn).status_actions
        == []
    )
    with pytest.raises(Conflict) as excinfo:
        organisation_suspend(actor=desk, organisation=desk.organisation, reason="Oops")
    assert excinfo.value.code == "own_organisation"


def test_closing_keeps_the_organisation_its_users_and_its_application(desk):
    application = _approved(desk)
    assert application.organisation is not None
    organisation_close(actor=desk, organisation=application.organisation, reason="Closed down")
    detail = selectors.organisation_detail(actor=desk, ukprn=application.ukprn)
    assert detail.organisation.status == OrganisationStatus.CLOSED
    assert detail.users_count == 1
    assert detail.application == application
    assert detail.awaiting_password == []  # a link is no use to a closed organisation
    assert [item.event for item in detail.history] == [
        "Closed",
        f"Application {application.reference} approved; first super user priya.shah",
        "Created (active)",
    ]


# --- Reading ------------------------------------------------------------------------------


def test_the_queue_shows_waiting_applications_oldest_first_then_the_latest_decisions(desk):
    a, b, c, d = (submit() for _ in range(4))
    organisation_application_reject(actor=desk, application=b, reason="No")
    organisation_application_reject(actor=desk, application=d, reason="No")
    OrganisationApplication.objects.filter(pk=a.pk).update(
        submitted_at=timezone.now() + timezone.timedelta(minutes=1)
    )
    queue = list(selectors.organisation_application_list(actor=desk))
    assert queue == [c, a, d, b]
    assert selectors.organisation_applications_waiting(actor=desk) == 2
    waiting = selectors.organisation_application_list(actor=desk, status="submitted")
    assert list(waiting) == [c, a]
    assert list(selectors.organisation_application_list(actor=desk, search=b.ukprn)) == [b]
    assert list(
        selectors.organisation_application_list(actor=desk, search=c.reference.lower())
    ) == [c]
    assert len(selectors.organisation_application_list(actor=desk, search="brookfield")) == 4


def test_the_organisations_list_searches_by_name_or_ukprn_filters_and_counts_users(desk):
    fenland = make_organisation(name="Fenland College")
    make_user(fenland)
    make_user(fenland, Role.ONLINE_USER)
    school = make_organisation(OrganisationType.SCHOOL, name="Oakfield Academy")
    organisation_suspend(actor=desk, organisation=school, reason="x")

    def names(**filters):
        return [o.name for o in selectors.organisation_list(actor=desk, **filters)]

    assert names(search="fenland") == ["Fenland College"]
    assert names(search=school.ukprn) == ["Oakfield Academy"]
    assert names(type="school") == ["Oakfield Academy"]
    assert names(status="suspended") == ["Oakfield Academy"]
    assert names(status="active", type="further_education_college") == ["Fenland College"]
    [counted] = selectors.organisation_list(actor=desk, search="Fenland")
    assert counted.users_count == 2
    detail = selectors.organisation_detail(actor=desk, ukprn=fenland.ukprn)
    assert (detail.users_count, detail.active_users_count, len(detail.super_users)) == (2, 2, 1)
    assert detail.status_actions == ["suspend", "close"]

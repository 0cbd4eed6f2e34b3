from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from lrs.access import Capability, OrganisationStatus, OrganisationType, Role
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotPermitted, ValidationFailed
from lrs.core.tasks import send_email
from lrs.identifiers.organisation import (
    IdentifierError,
    validate_la_code,
    validate_ukprn,
    validate_urn,
)
from lrs.organisations.models import (
    ApplicationStatus,
    ExpectedVolume,
    Organisation,
    OrganisationApplication,
)
from lrs.users.models import User
from lrs.users.services import (
    email_footer,
    sign_in_link_email,
    user_create,
)


def _require(actor: User | None, capability: Capability) -> None:
    # actor None means the operator's own console (`lrs org create`), trusted by access to
    # the server itself.
    if actor is not None and not actor.can(capability):
        raise NotPermitted()


@dataclass(frozen=True)
class OrganisationFields:
    name: str
    type: str
    ukprn: str
    urn: str | None
    la_code: str | None


def organisation_validate(
    *, name: str, type: str, ukprn: str, urn: str | None, la_code: str | None
) -> OrganisationFields:
    """Check an organisation's fields together; return them cleaned or raise."""
    problems: list[FieldProblem] = []
    clean: dict[str, str | None] = {"urn": None, "la_code": None}
    name = (name or "").strip()
    if not name:
        problems.append(FieldProblem("name", "Enter the organisation's name"))
    elif len(name) > 255:
        problems.append(FieldProblem("name", "The name must be 255 characters or fewer"))
    clean["name"] = name
    try:
        org_type = OrganisationType(type)
    except ValueError:
        allowed = ", ".join(t.value for t in OrganisationType)
        problems.append(FieldProblem("type", f"Unknown organisation type; use one of: {allowed}"))
        org_type = None
    clean["type"] = org_type.value if org_type else None
    for field, value, validator in (
        ("ukprn", ukprn, validate_ukprn),
        ("urn", urn, validate_urn),
        ("la_code", la_code, validate_la_code),
    ):
        if field != "ukprn" and not value:
            continue
        try:
            clean[field] = validator(value or "")
        except IdentifierError as exc:
            problems.append(FieldProblem(exc.field, exc.rule))
    if org_type is OrganisationType.SCHOOL and not urn:
        problems.append(FieldProblem("urn", "A school must have a URN (6 digits)"))
    if org_type is not OrganisationType.SCHOOL and urn:
        problems.append(FieldProblem("urn", "Only schools have a URN"))
    if org_type is OrganisationType.LOCAL_AUTHORITY and not la_code:
        problems.append(FieldProblem("la_code", "A local authority must have an LA code"))
    if problems:
        raise ValidationFailed(problems)
    return OrganisationFields(
        name=name,
        type=str(clean["type"]),
        ukprn=str(clean["ukprn"]),
        urn=clean["urn"],
        la_code=clean["la_code"],
    )


@transaction.atomic
def organisation_create(
    *,
    actor: User | None,
    name: str,
    type: str,
    ukprn: str,
    urn: str | None = None,
    la_code: str | None = None,
    status: str = OrganisationStatus.ACTIVE,
) -> Organisation:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    clean = organisation_validate(name=name, type=type, ukprn=ukprn, urn=urn, la_code=la_code)
    status = OrganisationStatus(status)
    if Organisation.objects.filter(ukprn=clean.ukprn).exists():
        raise Conflict("ukprn_taken", f"An organisation with UKPRN {clean.ukprn} exists")
    if clean.urn and Organisation.objects.filter(urn=clean.urn).exists():
        raise Conflict("urn_taken", f"An organisation with URN {clean.urn} exists")
    organisation = Organisation.objects.create(
        name=clean.name,
        type=clean.type,
        ukprn=clean.ukprn,
        urn=clean.urn,
        la_code=clean.la_code,
        status=status,
        status_changed_at=timezone.now(),
    )
    audit_record(
        action="organisation.create",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
        detail={"name": organisation.name, "type": organisation.type, "status": status},
    )
    return organisation


@transaction.atomic
def organisation_change_status(
    *, actor: User | None, organisation: Organisation, status: str, reason: str
) -> Organisation:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    new_status = OrganisationStatus(status)
    if not reason.strip():
        raise ValidationFailed([FieldProblem("reason", "Give a reason for the change")])
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    old_status = organisation.status
    if old_status == OrganisationStatus.CLOSED:
        raise Conflict("organisation_closed", "A closed organisation cannot be changed")
    organisation.status = new_status
    organisation.status_changed_at = timezone.now()
    organisation.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        action="organisation.change_status",
        actor=actor,
        organisation=organisation,
        object_type="organisation",
        object_id=organisation.ukprn,
        detail={"from": old_status, "to": new_status, "reason": reason.strip()},
    )
    return organisation


# --- Applications to use LRS ------------------------------------------------------------

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
# The ICO's register of fee payers: "Z" and 7 digits (e.g. Z5347709) for older entries,
# "Z", a letter and 6 digits (e.g. ZA123456, ZB654321) for newer ones.
_ICO_NUMBER = re.compile(r"Z(?:[0-9]{7}|[A-Z][0-9]{6})")
# Companies House: 8 characters. England and Wales companies are 8 digits (with leading
# zeros); the others have a 2-letter prefix and 6 digits (SC Scotland, NI Northern
# Ireland, OC/SO/NC limited liability partnerships, FC overseas, ...), and Northern Irish
# companies registered before 1922 have "R0" and 6 digits.
_COMPANIES_HOUSE_NUMBER = re.compile(r"[0-9]{8}|[A-Z]{2}[0-9]{6}|R0[0-9]{6}")
_TELEPHONE = re.compile(r"\+?[0-9 ()-]+")
_SPACES = re.compile(r"\s+")
_USERNAME_UNSAFE = re.compile(r"[^a-z0-9.@+_-]+")

ICO_NUMBER_RULE = (
    "An ICO registration number is Z and 7 digits, like Z1234567, "
    "or Z, a letter and 6 digits, like ZA123456"
)
COMPANIES_HOUSE_NUMBER_RULE = (
    "A Companies House number is 8 characters: 8 digits, like 01234567, "
    "or 2 letters and 6 digits, like SC123456"
)
TELEPHONE_RULE = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"

PURPOSE_MAX = 2000
REASON_MAX = 2000


def _new_reference() -> str:
    while True:
        code = "ORG-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        if not OrganisationApplication.objects.filter(reference=code).exists():
            return code


def _compact(value: str | None) -> str:
    return _SPACES.sub("", value or "").upper()


def _validate_contact(
    *, name: str, job_title: str, email: str, telephone: str, problems: list[FieldProblem]
) -> tuple[str, str, str, str]:
    name, job_title, email = (name or "").strip(), (job_title or "").strip(), (email or "").strip()
    telephone = " ".join((telephone or "").split())
    if not name:
        problems.append(FieldProblem("contact_name", "Enter the contact's full name"))
    elif len(name) > 150:
        problems.append(FieldProblem("contact_name", "The name must be 150 characters or fewer"))
    if not job_title:
        problems.append(FieldProblem("contact_job_title", "Enter the contact's job title"))
    elif len(job_title) > 100:
        problems.append(
            FieldProblem("contact_job_title", "The job title must be 100 characters or fewer")
        )
    if not email:
        problems.append(FieldProblem("contact_email", "Enter the contact's email address"))
    else:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                FieldProblem("contact_email", "Enter an email address like name@example.com")
            )
    digits = sum(ch.isdigit() for ch in telephone)
    if not telephone:
        problems.append(FieldProblem("contact_telephone", "Enter the contact's telephone number"))
    elif not _TELEPHONE.fullmatch(telephone) or not 10 <= digits <= 15:
        problems.append(FieldProblem("contact_telephone", TELEPHONE_RULE))
    return name, job_title, email, telephone


def _refuse_duplicates(*, ukprn: str | None, urn: str | None, problems: list[FieldProblem]) -> None:
    """A UKPRN or URN that an organisation already has, or a pending application has."""
    if ukprn:
        if Organisation.objects.filter(ukprn=ukprn).exists():
            problems.append(
                FieldProblem(
                    "ukprn",
                    f"An organisation with UKPRN {ukprn} is already registered with LRS: "
                    "ask its super user for an account, or contact the LRS service desk",
                )
            )
        elif OrganisationApplication.objects.filter(
            ukprn=ukprn, status=ApplicationStatus.SUBMITTED
        ).exists():
            problems.append(
                FieldProblem(
                    "ukprn", f"An application for UKPRN {ukprn} is already waiting for a decision"
                )
            )
    if urn:
        if Organisation.objects.filter(urn=urn).exists():
            problems.append(
                FieldProblem(
                    "urn",
                    f"A school with URN {urn} is already registered with LRS: "
                    "ask its super user for an account, or contact the LRS service desk",
                )
            )
        elif OrganisationApplication.objects.filter(
            urn=urn, status=ApplicationStatus.SUBMITTED
        ).exists():
            problems.append(
                FieldProblem(
                    "urn", f"An application for URN {urn} is already waiting for a decision"
                )
            )


def _clean_or_none(validator: Callable[[str], str], value: str | None) -> str | None:
    try:
        return validator(value or "")
    except IdentifierError:
        return None


_NOT_THE_SERVICE_DESK = "The LRS service desk cannot be applied for: choose your type"


def _check_application_details(
    *,
    ico_number: str,
    companies_house_number: str,
    purpose: str,
    expected_volumes: str,
    problems: list[FieldProblem],
) -> tuple[str, str, str]:
    """Check an application's registrations, purpose and volumes, adding to
    ``problems``; returns the ICO and Companies House numbers and the purpose, tidied."""
    ico_number = _compact(ico_number)
    if not ico_number:
        problems.append(FieldProblem("ico_number", "Enter your ICO registration number"))
    elif not _ICO_NUMBER.fullmatch(ico_number):
        problems.append(FieldProblem("ico_number", ICO_NUMBER_RULE))
    companies_house_number = _compact(companies_house_number)
    if companies_house_number and not _COMPANIES_HOUSE_NUMBER.fullmatch(companies_house_number):
        problems.append(FieldProblem("companies_house_number", COMPANIES_HOUSE_NUMBER_RULE))
    purpose = (purpose or "").strip()
    if not purpose:
        problems.append(FieldProblem("purpose", "Tell us what you will use LRS for"))
    elif len(purpose) > PURPOSE_MAX:
        problems.append(
            FieldProblem("purpose", f"The purpose must be {PURPOSE_MAX:,} characters or fewer")
        )
    if expected_volumes not in ExpectedVolume.values:
        problems.append(
            FieldProblem(
                "expected_volumes", "Select how many learners a year you expect to work with"
            )
        )
    return ico_number, companies_house_number, purpose


def _application_create(clean: OrganisationFields, **details: str) -> OrganisationApplication:
    try:
        # A savepoint: a simultaneous application for the same UKPRN or URN breaks the
        # pending-uniqueness constraint, and the transaction must stay usable to say so.
        with transaction.atomic():
            application = OrganisationApplication.objects.create(
                reference=_new_reference(),
                status=ApplicationStatus.SUBMITTED,
                submitted_at=timezone.now(),
                name=clean.name,
                type=clean.type,
                ukprn=clean.ukprn,
                urn=clean.urn,
                la_code=clean.la_code,
                **details,
            )
    except IntegrityError:
        # The other application has committed by now, so the usual checks name the field.
        problems: list[FieldProblem] = []
        _refuse_duplicates(ukprn=clean.ukprn, urn=clean.urn, problems=problems)
        raise ValidationFailed(
            problems
            or [
                FieldProblem(
                    "ukprn",
                    f"An application for UKPRN {clean.ukprn} is already waiting for a decision",
                )
            ]
        ) from None
    return application


@transaction.atomic
def organisation_application_submit(
    *,
    name: str,
    type: str,
    ukprn: str,
    urn: str | None = None,
    la_code: str | None = None,
    ico_number: str,
    companies_house_number: str = "",
    purpose: str,
    expected_volumes: str,
    contact_name: str,
    contact_job_title: str,
    contact_email: str,
    contact_telephone: str,
) -> OrganisationApplication:
    """An organisation applies to use LRS (public: nobody is signed in).

    Every field is checked together, so the applicant sees every problem at once.
    """
    problems: list[FieldProblem] = []
    urn = (urn or "").strip() or None
    la_code = (la_code or "").strip() or None
    type = (type or "").strip()
    clean = None
    try:
        clean = organisation_validate(name=name, type=type, ukprn=ukprn, urn=urn, la_code=la_code)
    except ValidationFailed as exc:
        for problem in exc.problems:
            if problem.field == "type" and not type:
                continue  # reported below in the words of the form
            if problem.field == "ukprn" and not (ukprn or "").strip():
                problem = FieldProblem("ukprn", "Enter your organisation's UKPRN")
            problems.append(problem)
    if not type:
        problems.append(FieldProblem("type", "Select the type of organisation"))
    elif type == OrganisationType.SERVICE_DESK:
        problems.append(FieldProblem("type", _NOT_THE_SERVICE_DESK))
    _refuse_duplicates(
        ukprn=_clean_or_none(validate_ukprn, ukprn),
        urn=_clean_or_none(validate_urn, urn) if urn else None,
        problems=problems,
    )
    ico_number, companies_house_number, purpose = _check_application_details(
        ico_number=ico_number,
        companies_house_number=companies_house_number,
        purpose=purpose,
        expected_volumes=expected_volumes,
        problems=problems,
    )
    contact_name, contact_job_title, contact_email, contact_telephone = _validate_contact(
        name=contact_name,
        job_title=contact_job_title,
        email=contact_email,
        telephone=contact_telephone,
        problems=problems,
    )
    if problems or clean is None:
        raise ValidationFailed(problems)

    application = _application_create(
        clean,
        ico_number=ico_number,
        companies_house_number=companies_house_number,
        purpose=purpose,
        expected_volumes=expected_volumes,
        contact_name=contact_name,
        contact_job_title=contact_job_title,
        contact_email=contact_email,
        contact_telephone=contact_telephone,
    )
    audit_record(
        action="organisation_application.submit",
        object_type="organisation_application",
        object_id=application.reference,
        # The organisation's identifiers only: the contact's details stay on the application.
        detail={"name": application.name, "type": application.type, "ukprn": application.ukprn},
    )
    return application


def username_suggestion(*, email: str) -> str:
    """A free username from an email address: its local part, made safe, numbered if taken."""
    local = email.strip().lower().partition("@")[0]
    base = _USERNAME_UNSAFE.sub(".", local).strip(".")[:140]
    if len(base) < 3:
        base = _USERNAME_UNSAFE.sub(".", email.strip().lower()).strip(".")[:140] or "user"
        base = base.ljust(3, "0")
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _lock_pending(application: OrganisationApplication) -> OrganisationApplication:
    application = OrganisationApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            "application_decided",
            f"Application {application.reference} has already been {application.status}",
        )
    return application


def _email_sign_in_link(*, user: User, portal_url: str, opening: str) -> None:
    sign_in_link_email(
        user=user,
        portal_url=portal_url,
        opening=opening,
        sender="the LRS service desk",
        closing="As your organisation's super user you add its other users once you have "
        "signed in.",
    )


@transaction.atomic
def organisation_application_approve(
    *,
    actor: User | None,
    application: OrganisationApplication,
    username: str | None = None,
    portal_url: str = "",
) -> OrganisationApplication:
    """Approve an application: the organisation becomes active, its contact its first super
    user, who is emailed a one-time link to choose a password."""
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    application = _lock_pending(application)
    organisation = organisation_create(
        actor=actor,
        name=application.name,
        type=application.type,
        ukprn=application.ukprn,
        urn=application.urn,
        la_code=application.la_code,
        status=OrganisationStatus.ACTIVE,
    )
    first_name, _, last_name = application.contact_name.partition(" ")
    # Not the actor: user_create lets only an organisation's own super users add its users,
    # and this organisation has none yet. The approval above is the permission.
    super_user = user_create(
        actor=None,
        organisation=organisation,
        username=(username or "").strip() or username_suggestion(email=application.contact_email),
        role=Role.SUPER_USER,
        password=None,
        email=application.contact_email,
        first_name=first_name,
        last_name=last_name.strip(),
    )
    application.status = ApplicationStatus.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.organisation = organisation
    application.super_user = super_user
    application.save(
        update_fields=["status", "decided_at", "decided_by", "organisation", "super_user"]
    )
    audit_record(
        action="organisation_application.approve",
        actor=actor,
        organisation=organisation,
        object_type="organisation_application",
        object_id=application.reference,
        detail={"ukprn": organisation.ukprn, "super_user": super_user.username},
    )
    _email_sign_in_link(
        user=super_user,
        portal_url=portal_url,
        opening=(
            f"Your application {application.reference} for {organisation.name} "
            f"(UKPRN {organisation.ukprn}) to use the Learning Records Service has been "
            "approved, and you are its first super user."
        ),
    )
    return application


@transaction.atomic
def organisation_application_reject(
    *, actor: User | None, application: OrganisationApplication, reason: str
) -> OrganisationApplication:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldProblem("reason", "Enter the reason for rejecting it")])
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            [FieldProblem("reason", f"The reason must be {REASON_MAX:,} characters or fewer")]
        )
    application = _lock_pending(application)
    application.status = ApplicationStatus.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit_record(
        action="organisation_application.reject",
        actor=actor,
        object_type="organisation_application",
        object_id=application.reference,
        detail={"ukprn": application.ukprn, "reason": reason[:500]},
    )
    send_email.enqueue(
        to=[application.contact_email],
        subject=f"LRS: your application {application.reference} has not been approved",
        body=(
            f"Your application {application.reference} for {application.name} "
            f"(UKPRN {application.ukprn}) to use the Learning Records Service has not been "
            f"approved.\n\nThe reason the LRS service desk gave:\n\n{reason}\n\n"
            "You can apply again once the reason is dealt with. If you have questions, "
            "contact the LRS service desk and quote the reference."
        )
        + email_footer(),
        kind="organisation_application_rejected",
    )
    return application


@transaction.atomic
def organisation_sign_in_link_resend(
    *, actor: User | None, user: User, portal_url: str = ""
) -> User:
    """Email a new sign-in link to a user who has not yet chosen a password.

    Earlier links stop working: they were signed with the old (unusable) password hash.
    """
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    user = User.objects.select_for_update().select_related("organisation").get(pk=user.pk)
    if user.has_usable_password():
        raise Conflict(
            "password_already_set",
            f"{user.username} has already chosen a password: they sign in as usual",
        )
    if not user.is_active or not user.organisation.is_active:
        raise Conflict(
            "cannot_sign_in",
            f"{user.username} cannot sign in: the account or its organisation is not active",
        )
    if not user.email:
        raise Conflict("no_email", f"{user.username} has no email address to send a link to")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(
        action="user.sign_in_link_send",
        actor=actor,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
    )
    _email_sign_in_link(
        user=user,
        portal_url=portal_url,
        opening=(
            f"Here is a new link to sign in to the Learning Records Service for "
            f"{user.organisation.name}. Earlier links no longer work."
        ),
    )
    return user


# --- Suspending, reinstating and closing --------------------------------------------------

# What each action on the organisation page does: the statuses it applies to and the
# status it sets. Closing is final (organisation_change_status refuses to leave it).
STATUS_ACTIONS: dict[str, tuple[frozenset[OrganisationStatus], OrganisationStatus]] = {
    "suspend": (frozenset({OrganisationStatus.ACTIVE}), OrganisationStatus.SUSPENDED),
    "reinstate": (frozenset({OrganisationStatus.SUSPENDED}), OrganisationStatus.ACTIVE),
    "close": (
        frozenset(
            {OrganisationStatus.ACTIVE, OrganisationStatus.SUSPENDED, OrganisationStatus.APPLYING}
        ),
        OrganisationStatus.CLOSED,
    ),
}


_DONE = {"suspend": "suspended", "reinstate": "reinstated", "close": "closed"}


def organisation_status_actions(*, actor: User | None, organisation: Organisation) -> list[str]:
    """The actions of STATUS_ACTIONS the actor may take on the organisation now."""
    if actor is not None and actor.organisation_id == organisation.pk:
        return []  # the service desk must not lock itself out from its own pages
    return [
        action
        for action, (sources, _) in STATUS_ACTIONS.items()
        if OrganisationStatus(organisation.status) in sources
    ]


def _status_action(
    *, actor: User | None, organisation: Organisation, action: str, reason: str
) -> Organisation:
    _require(actor, Capability.APPROVE_ORGANISATIONS)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if action not in organisation_status_actions(actor=actor, organisation=organisation):
        if actor is not None and actor.organisation_id == organisation.pk:
            raise Conflict(
                "own_organisation", "You cannot change the status of your own organisation"
            )
        raise Conflict(
            "illegal_transition",
            f"{'An' if organisation.status[:1] in 'aeiou' else 'A'} {organisation.status} "
            f"organisation cannot be {_DONE[action]}",
        )
    _, target = STATUS_ACTIONS[action]
    return organisation_change_status(
        actor=actor, organisation=organisation, status=target, reason=reason
    )


@transaction.atomic
def organisation_suspend(
    *, actor: User | None, organisation: Organisation, reason: str
) -> Organisation:
    """Its users are signed out at once and cannot sign in or use the API until reinstated."""
    return _status_action(actor=actor, organisation=organisation, action="suspend", reason=reason)


@transaction.atomic
def organisation_reinstate(
    *, actor: User | None, organisation: Organisation, reason: str
) -> Organisation:
    return _status_action(actor=actor, organisation=organisation, action="reinstate", reason=reason)


@transaction.atomic
def organisation_close(
    *, actor: User | None, organisation: Organisation, reason: str
) -> Organisation:
    """Final: the organisation, its users and its history stay, but nobody signs in again."""
    return _status_action(actor=actor, organisation=organisation, action="close", reason=reason)

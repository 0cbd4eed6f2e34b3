"""Helpers for the tests of organisation applications: a complete, valid application
(synthetic: the ICO, Companies House and telephone numbers are made up or reserved for
drama) and the service desk people who decide them."""

from __future__ import annotations

import itertools
from typing import Any

from django_tasks_db.models import DBTaskResult

from lrs.access import OrganisationType, Role
from lrs.core.tasks import send_email
from lrs.organisations.models import Organisation, OrganisationApplication
from lrs.organisations.services import organisation_application_submit
from lrs.users.models import User
from tests.factories import make_organisation, make_user

_ukprns = itertools.count(10_600_000)
_urns = itertools.count(600_000)


def application_data(**changes: Any) -> dict[str, Any]:
    """What an applicant types for a further education college, with ``changes``."""
    data: dict[str, Any] = {
        "name": "Brookfield College",
        "type": OrganisationType.FURTHER_EDUCATION_COLLEGE.value,
        "ukprn": str(next(_ukprns)),
        "urn": "",
        "la_code": "",
        "ico_number": "ZA123456",
        "companies_house_number": "01234567",
        "purpose": "To register our learners at enrolment and get their ULNs for our ILR.",
        "expected_volumes": "501_to_5000",
        "contact_name": "Priya Shah",
        "contact_job_title": "MIS manager",
        "contact_email": "priya.shah@brookfield.example",
        "contact_telephone": "01632 960 001",
    }
    data.update(changes)
    return data


def school_data(**changes: Any) -> dict[str, Any]:
    school = {
        "name": "Oakfield Primary School",
        "type": OrganisationType.SCHOOL.value,
        "urn": str(next(_urns)),
        "companies_house_number": "",
    }
    return application_data(**{**school, **changes})


def submit(**changes: Any) -> OrganisationApplication:
    return organisation_application_submit(**application_data(**changes))


def service_desk() -> Organisation:
    return make_organisation(OrganisationType.SERVICE_DESK, name="LRS Service Desk")


def desk_user(desk: Organisation | None = None, **kwargs: Any) -> User:
    return make_user(desk or service_desk(), Role.SERVICE_DESK_USER, **kwargs)


def queued_emails() -> list[dict[str, Any]]:
    """The keyword arguments of every email queued for the worker, oldest first."""
    rows = DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email").order_by(
        "enqueued_at"
    )
    return [row.args_kwargs["kwargs"] for row in rows]


def send_queued_emails() -> None:
    """Do the worker's job for the queued emails, so they reach django.core.mail.outbox."""
    for kwargs in queued_emails():
        send_email.call(**kwargs)

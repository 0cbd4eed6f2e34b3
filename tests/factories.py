"""Small factories that build test data through the real services."""

from __future__ import annotations

import itertools

from lrs.access import OrganisationType, Role
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_create
from lrs.users.models import User
from lrs.users.services import api_token_create, user_create

PASSWORD = "correct-horse-battery"
_ukprns = itertools.count(10_100_000)
_urns = itertools.count(200_000)
_names = itertools.count(1)


def make_organisation(
    type: OrganisationType | str = OrganisationType.FURTHER_EDUCATION_COLLEGE,
    *,
    name: str | None = None,
    status: str = "active",
) -> Organisation:
    org_type = OrganisationType(type)
    return organisation_create(
        actor=None,
        name=name or f"Test {org_type.value} {next(_names)}",
        type=org_type,
        ukprn=str(next(_ukprns)),
        urn=str(next(_urns)) if org_type is OrganisationType.SCHOOL else None,
        la_code="123" if org_type is OrganisationType.LOCAL_AUTHORITY else None,
        status=status,
    )


def make_user(
    organisation: Organisation | None = None,
    role: Role | str = Role.SUPER_USER,
    *,
    username: str | None = None,
    password: str = PASSWORD,
) -> User:
    organisation = organisation or make_organisation()
    return user_create(
        actor=None,
        organisation=organisation,
        username=username or f"user{next(_names)}",
        role=role,
        password=password,
        email="someone@example.com",
        first_name="Test",
        last_name="Person",
    )


def make_token(user: User) -> str:
    _, plaintext = api_token_create(actor=None, user=user, name="test token")
    return plaintext

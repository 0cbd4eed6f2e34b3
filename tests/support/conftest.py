from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from lrs.access import OrganisationType, Role
from tests.duplicates.factories import make_desk_user, make_learner
from tests.factories import make_organisation, make_user
from tests.upload_samples import PNG


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path
    settings.LRS_SERVICE_DESK_EMAIL = "desk@lrs.test"
    settings.LRS_PORTAL_URL = "https://lrs.test"


def _user(organisation, role, email: str):
    user = make_user(organisation, role)
    user.email = email
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def college():
    return make_organisation(OrganisationType.FURTHER_EDUCATION_COLLEGE, name="Fenland College")


@pytest.fixture
def provider_user(college):
    return _user(college, Role.ONLINE_USER, "online@fenland.test")


@pytest.fixture
def colleague(college):
    return _user(college, Role.ONLINE_USER, "colleague@fenland.test")


@pytest.fixture
def college_super_user(college):
    return _user(college, Role.SUPER_USER, "super@fenland.test")


@pytest.fixture
def other_user():
    school = make_organisation(OrganisationType.SCHOOL, name="Hollybank School")
    return _user(school, Role.SUPER_USER, "super@hollybank.test")


@pytest.fixture
def desk_user():
    user = make_desk_user()
    user.email = "desk.one@lrs.test"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def twins(provider_user):
    """One person registered twice by the college, and someone else."""
    first = make_learner(provider_user)
    second = make_learner(provider_user, given_name="Olivai")
    third = make_learner(provider_user, given_name="Marcus", family_name="Ellingham")
    return first, second, third


def upload(name: str = "screenshot.png", content: bytes = PNG, kind: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=kind)


def queued_emails() -> list[dict[str, Any]]:
    rows = DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email").order_by(
        "enqueued_at"
    )
    return [row.args_kwargs["kwargs"] for row in rows]

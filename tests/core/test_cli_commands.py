import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lrs.audit.models import AuditEntry
from lrs.organisations.models import Organisation
from lrs.users.models import ApiToken, User

pytestmark = pytest.mark.django_db


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_uln_check_accepts_the_published_example():
    assert "is a valid ULN" in run("uln", "check", "9276308686")


def test_uln_check_says_why_a_number_is_invalid():
    with pytest.raises(CommandError, match="do not make up a real ULN"):
        run("uln", "check", "9276308687")


def test_uln_new_prints_the_requested_number_of_valid_recorded_ulns():
    lines = run("uln", "new", "--count", "5").split()
    assert len(set(lines)) == 5
    entry = AuditEntry.objects.get(action="uln.allocate")
    assert entry.channel == "cli"
    assert entry.detail["count"] == 5


def test_org_user_and_token_commands_create_what_they_say():
    run(
        "org",
        "create",
        "--name",
        "Lakeside College",
        "--type",
        "further_education_college",
        "--ukprn",
        "10034567",
    )
    run(
        "user",
        "create",
        "--org",
        "10034567",
        "--role",
        "super_user",
        "--username",
        "lake.admin",
        "--password",
        "a-long-enough-secret",
    )
    token = run("token", "create", "--user", "lake.admin").strip()
    assert Organisation.objects.get(ukprn="10034567").name == "Lakeside College"
    assert User.objects.get(username="lake.admin").role == "super_user"
    assert token.startswith("lrs_")
    assert ApiToken.objects.get().digest != token


def test_org_create_reports_every_bad_field():
    with pytest.raises(CommandError) as excinfo:
        run("org", "create", "--name", "X", "--type", "school", "--ukprn", "2000")
    assert "ukprn: A UKPRN is 8 digits" in str(excinfo.value)
    assert "urn: A school must have a URN" in str(excinfo.value)


def test_user_create_refuses_an_unknown_organisation():
    with pytest.raises(CommandError, match="No organisation has UKPRN 10099999"):
        run(
            "user",
            "create",
            "--org",
            "10099999",
            "--role",
            "super_user",
            "--username",
            "abc",
            "--password",
            "a-long-enough-secret",
        )

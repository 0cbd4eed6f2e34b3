import pytest

from lrs.access import OrganisationStatus, OrganisationType
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.organisations.models import Organisation
from lrs.organisations.services import organisation_change_status, organisation_create
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_stores_it_and_audits_it():
    org = organisation_create(
        actor=None, name="Riverside College", type="further_education_college", ukprn="10012345"
    )
    assert org.status == OrganisationStatus.ACTIVE
    entry = AuditEntry.objects.get(action="organisation.create")
    assert entry.object_id == "10012345"
    assert entry.detail["name"] == "Riverside College"


def test_every_bad_field_is_reported_by_name_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as excinfo:
        organisation_create(actor=None, name=" ", type="castle", ukprn="2001234")
    fields = {p.field for p in excinfo.value.problems}
    assert fields == {"name", "type", "ukprn"}
    assert Organisation.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_school_needs_a_urn_and_only_schools_have_one():
    with pytest.raises(ValidationFailed, match="A school must have a URN"):
        organisation_create(actor=None, name="Oak", type="school", ukprn="10000002")
    with pytest.raises(ValidationFailed, match="Only schools have a URN"):
        organisation_create(
            actor=None, name="Oak", type="training_provider", ukprn="10000002", urn="100001"
        )


def test_a_local_authority_needs_a_three_digit_la_code():
    with pytest.raises(ValidationFailed, match="LA code"):
        organisation_create(actor=None, name="Shire", type="local_authority", ukprn="10000005")
    with pytest.raises(ValidationFailed, match="3 digits"):
        organisation_create(
            actor=None, name="Shire", type="local_authority", ukprn="10000005", la_code="12"
        )


def test_a_ukprn_cannot_be_used_twice():
    make_organisation()
    existing = Organisation.objects.get()
    with pytest.raises(Conflict) as excinfo:
        organisation_create(actor=None, name="Copy", type="training_provider", ukprn=existing.ukprn)
    assert excinfo.value.code == "ukprn_taken"


def test_only_the_service_desk_creates_organisations_in_the_service():
    college_admin = make_user()
    with pytest.raises(NotPermitted):
        organisation_create(
            actor=college_admin, name="New", type="training_provider", ukprn="10099999"
        )
    desk_user = make_user(make_organisation(OrganisationType.SERVICE_DESK), "service_desk_user")
    org = organisation_create(
        actor=desk_user, name="New", type="training_provider", ukprn="10099999"
    )
    assert AuditEntry.objects.filter(action="organisation.create", actor=desk_user).exists()
    assert org.ukprn == "10099999"


def test_suspending_an_organisation_needs_a_reason_and_is_audited():
    org = make_organisation()
    with pytest.raises(ValidationFailed, match="reason"):
        organisation_change_status(actor=None, organisation=org, status="suspended", reason=" ")
    organisation_change_status(actor=None, organisation=org, status="suspended", reason="Misuse")
    org.refresh_from_db()
    assert org.status == "suspended"
    entry = AuditEntry.objects.get(action="organisation.change_status")
    assert entry.detail == {"from": "active", "to": "suspended", "reason": "Misuse"}


def test_a_closed_organisation_stays_closed():
    org = make_organisation()
    organisation_change_status(actor=None, organisation=org, status="closed", reason="Merged")
    with pytest.raises(Conflict):
        organisation_change_status(actor=None, organisation=org, status="active", reason="Oops")

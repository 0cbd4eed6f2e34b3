import pytest
from django.db import transaction

from lrs.access import OrganisationType
from lrs.audit.models import AuditEntry, AuditLogIsAppendOnly
from lrs.audit.selectors import AuditFilter, audit_search
from lrs.audit.services import audit_record
from lrs.core.context import call_context
from lrs.core.errors import NotPermitted
from lrs.organisations.services import organisation_create
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def test_an_entry_records_who_what_which_object_outcome_and_request():
    user = make_user()
    with call_context(channel="api", ip_address="203.0.113.9", request_id="req-12345678"):
        entry = audit_record(
            action="learner.find", actor=user, object_type="uln", object_id="9276308686"
        )
    assert entry.actor_username == user.username
    assert entry.organisation_ukprn == user.organisation.ukprn
    assert (entry.request_id, entry.ip_address, entry.channel) == (
        "req-12345678",
        "203.0.113.9",
        "api",
    )
    assert entry.outcome == "success"


def test_entries_cannot_be_changed_or_deleted_by_any_orm_path():
    entry = audit_record(action="test.action")
    entry.action = "tampered"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_the_entry_is_rolled_back_with_the_change_it_records():
    def create_then_fail():
        with transaction.atomic():
            organisation_create(
                actor=None, name="Doomed", type="training_provider", ukprn="10055555"
            )
            raise RuntimeError("the surrounding work failed")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert not AuditEntry.objects.filter(object_id="10055555").exists()


def test_only_the_service_desk_can_search_the_log():
    with pytest.raises(NotPermitted):
        audit_search(user=make_user(), filters=AuditFilter())


def test_service_desk_searches_by_username_action_and_object():
    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), "service_desk_user")
    someone = make_user(username="someone")
    audit_record(action="learner.find", actor=someone, object_type="uln", object_id="9276308686")
    audit_record(action="learner.register", actor=someone, object_id="1111111111")
    found = audit_search(user=desk, filters=AuditFilter(username="SOMEONE", action="learner.find"))
    assert [e.object_id for e in found] == ["9276308686"]
    assert audit_search(user=desk, filters=AuditFilter(object_id="1111111111")).count() == 1

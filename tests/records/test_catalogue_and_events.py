import datetime as dt

import pytest

from lrs.core.errors import Conflict, ValidationFailed
from lrs.records.models import Qualification
from lrs.records.services import (
    EventValues,
    event_promote,
    event_reinstate,
    event_update,
    event_withdraw,
    qualifications_import,
)

pytestmark = pytest.mark.django_db

HEADER = "reference,title,qualification_type,level,credits,awarding_organisation_ukprn,status\n"


def test_the_catalogue_imports_qualifications_and_units(ao):
    text = HEADER + (
        f"601/4702/5,GCSE Mathematics,GCSE (9 to 1),Level 1/2,,{ao.ukprn},available\n"
        f"k/501/5773,Principles of customer service,Unit,Level 2,3,{ao.ukprn},available\n"
    )
    assert qualifications_import(actor=None, text=text).created == 2
    unit = Qualification.objects.get(reference="K/501/5773")
    assert (unit.kind, unit.credits) == ("unit", 3)
    again = qualifications_import(actor=None, text=text.replace("GCSE Mathematics", "GCSE Maths"))
    assert (again.created, again.updated) == (0, 2)


def test_a_bad_row_imports_nothing_and_names_row_and_column(ao):
    text = HEADER + (
        f"601/4702/5,GCSE Mathematics,GCSE,Level 2,,{ao.ukprn},available\n"
        "60/1234/5,Broken,,,x,10999999,sideways\n"
    )
    with pytest.raises(ValidationFailed) as excinfo:
        qualifications_import(actor=None, text=text)
    fields = {p.field for p in excinfo.value.problems}
    assert {"row 3: reference", "row 3: credits", "row 3: status"} <= fields
    assert "row 3: awarding_organisation_ukprn" in fields
    assert Qualification.objects.count() == 0


def test_event_changes_are_versioned_with_history(ao_user, event, gcse):
    event_update(
        actor=ao_user,
        event=event,
        values=EventValues(qualification=gcse, grade="8", award_date=event.award_date),
        reason="Remark",
    )
    event_withdraw(actor=ao_user, event=event, reason="Error")
    event_reinstate(actor=ao_user, event=event, reason="Reinstated")
    event.refresh_from_db()
    assert event.version_number == 4
    history = list(event.changes.order_by("version_number"))
    assert [c.action for c in history] == ["create", "update", "withdraw", "reinstate"]
    assert history[1].changes == {"grade": ["7", "8"]}
    with pytest.raises(Conflict):
        event_reinstate(actor=ao_user, event=event, reason="again")


def test_only_provisional_events_are_promoted(ao_user, event, gcse):
    with pytest.raises(Conflict):
        event_promote(actor=ao_user, event=event)
    event_update(
        actor=ao_user,
        event=event,
        values=EventValues(
            qualification=gcse, grade="7", award_date=dt.date(2022, 8, 25), status="P"
        ),
    )
    event_promote(actor=ao_user, event=event)
    event.refresh_from_db()
    assert event.status == "F"

import datetime as dt

import pytest

from lrs.access import OrganisationType, Role
from lrs.audit.models import AuditEntry
from lrs.core import codes
from lrs.core.errors import Conflict, NotPermitted
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import LearnerError
from lrs.records.models import Qualification
from lrs.records.selectors import plr_viewers
from lrs.records.services import (
    EventValues,
    event_create,
    event_withdraw,
    learner_record_privacy_notice,
    plr_get,
)
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.django_db


def view(actor, learner, **kwargs):
    names = {"given_name": "Olivia", "family_name": "Thornbury", **kwargs}
    uln = names.pop("uln", learner.uln)
    return plr_get(actor=actor, uln=uln, **names)


def test_a_provider_sees_the_learners_events_wsrc0004_and_the_view_is_audited(
    provider_user, learner, event
):
    result = view(provider_user, learner)
    assert result.response_code == codes.EXACT
    assert [e.subject_code for e in result.events] == ["601/4702/5"]
    entry = AuditEntry.objects.get(action="plr.view")
    assert (entry.object_id, entry.actor) == (learner.uln, provider_user)


def test_names_that_do_not_match_the_uln_are_wsec0208(provider_user, learner, event):
    with pytest.raises(LearnerError) as excinfo:
        view(provider_user, learner, given_name="Someone", family_name="Else")
    assert excinfo.value.response_code == codes.NOT_VERIFIED
    assert AuditEntry.objects.get(action="plr.view").outcome == "refused"


def test_an_invalid_uln_is_wsec0136(provider_user, learner):
    with pytest.raises(LearnerError) as excinfo:
        view(provider_user, learner, uln="9276308687")
    assert excinfo.value.response_code == codes.INVALID_ULN


def test_a_linked_uln_answers_with_the_masters_events_wsrc0022(provider_user, learner, event):
    from lrs.learners.services import learner_register
    from tests.factories import OLIVIA

    old = learner_register(
        actor=provider_user,
        data={**OLIVIA, "given_name": "Livvy", "last_known_postcode": "B15 2TT"},
        confirm_new_learner=True,
        confirmation_reason="test",
    ).learner
    Learner.objects.filter(pk=old.pk).update(status=LearnerStatus.LINKED, master=learner)
    result = view(provider_user, learner, uln=old.uln)
    assert result.response_code == codes.MASTER_SUBSTITUTED
    assert (result.incoming_uln, result.found_uln) == (old.uln, learner.uln)
    assert len(result.events) == 1


def test_an_opted_out_learner_is_wsec0206_until_the_privacy_notice_is_recorded(
    provider_user, learner, event
):
    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    with pytest.raises(LearnerError) as excinfo:
        view(provider_user, learner)
    assert excinfo.value.response_code == codes.NOT_SHARED
    learner.refresh_from_db()
    learner_record_privacy_notice(actor=provider_user, learner=learner)
    assert view(provider_user, learner).response_code == codes.EXACT
    learner.refresh_from_db()
    change = learner.changes.get(action="privacy notice given")
    assert (change.actor, change.changes) == (provider_user, {"ability_to_share": ["2", "1"]})
    with pytest.raises(Conflict):
        learner_record_privacy_notice(actor=provider_user, learner=learner)


def test_awarding_organisations_see_only_their_own_events(ao_user, learner, event, gcse):
    other_ao = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    other_q = Qualification.objects.create(
        reference="601/9999/1", kind="qualification", title="Other", awarding_organisation=other_ao
    )
    event_create(
        actor=make_user(other_ao, Role.AWARDING_ORGANISATION_USER),
        learner=learner,
        values=EventValues(qualification=other_q, grade="A", award_date=dt.date(2023, 8, 17)),
    )
    result = view(ao_user, learner)
    assert [e.subject_code for e in result.events] == [gcse.reference]


def test_withdrawn_events_are_not_shown(provider_user, ao_user, learner, event):
    event_withdraw(actor=ao_user, event=event, reason="Awarded in error")
    assert view(provider_user, learner).events == []
    assert [c.action for c in event.changes.order_by("version_number")] == ["create", "withdraw"]


def test_only_providers_local_authorities_and_awarding_organisations_may_view(learner):
    desk_like = make_user(make_organisation(OrganisationType.SCHOOL), Role.SUPER_USER)
    assert desk_like.can  # a school's super user may view
    closed = make_organisation(OrganisationType.TRAINING_PROVIDER)
    user = make_user(closed, Role.ONLINE_USER)
    closed.status = "suspended"
    closed.save()
    user.refresh_from_db()
    with pytest.raises(NotPermitted):
        view(user, learner)


def test_the_viewers_page_lists_organisation_user_time_and_action(provider_user, learner, event):
    view(provider_user, learner)
    other = make_user(make_organisation(OrganisationType.LOCAL_AUTHORITY), Role.ONLINE_USER)
    view(other, learner)
    viewers = list(plr_viewers(actor=provider_user, learner=learner))
    assert {(v.organisation_id, v.actor_id) for v in viewers} == {
        (provider_user.organisation_id, provider_user.pk),
        (other.organisation_id, other.pk),
    }


def test_the_service_desk_does_not_read_plrs(learner, event):
    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    with pytest.raises(NotPermitted):
        view(desk, learner)

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from lrs.audit.models import AuditEntry
from lrs.challenges.lifecycle import TRANSITIONS, Party, Status, allowed
from lrs.challenges.models import Challenge
from lrs.challenges.selectors import challenge_get, challenge_list, challenge_report
from lrs.challenges.services import (
    challenge_acknowledge,
    challenge_raise,
    challenge_resolve,
    challenge_withdraw,
    challenges_check_deadlines,
)
from lrs.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from lrs.learners.services import learner_register
from lrs.records.models import EventSource
from tests.factories import OLIVIA, make_user, raise_args

pytestmark = pytest.mark.django_db


def test_a_provider_raises_a_challenge_routed_to_the_awarding_organisation(
    provider_user, ao_user, event
):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    assert challenge.reference.startswith("EDC-")
    assert challenge.status == Status.SUBMITTED
    assert challenge.owner_organisation == ao_user.organisation
    assert challenge.original_values["grade"] == "7"
    event.refresh_from_db()
    assert event.under_data_challenge
    assert AuditEntry.objects.filter(action="challenge.submitted").exists()
    # 10 and 25 working days from today.
    assert challenge.acknowledge_due > dt.date.today()
    assert challenge.resolve_due > challenge.acknowledge_due


def test_events_from_other_sources_go_to_the_service_desk(provider_user, desk_user, event):
    event.source = EventSource.ILR
    event.save()
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    assert challenge.owner_organisation == desk_user.organisation


def test_the_owner_acknowledges_then_amends_and_the_event_history_says_so(
    provider_user, ao_user, event
):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    with pytest.raises(Conflict):  # resolving before acknowledging is not allowed
        challenge_resolve(
            actor=ao_user, challenge=challenge, outcome="amend", reason="x", amended={"grade": "8"}
        )
    challenge_acknowledge(actor=ao_user, challenge=challenge)
    challenge = challenge_resolve(
        actor=ao_user,
        challenge=challenge,
        outcome="amend",
        reason="Remarked",
        amended={"grade": "8"},
    )
    event.refresh_from_db()
    assert (challenge.status, challenge.outcome) == (Status.RESOLVED, "amend")
    assert (event.grade, event.under_data_challenge) == ("8", False)
    last = event.changes.order_by("-version_number").first()
    assert last.action == "update"
    assert challenge.reference in last.reason
    assert [t.to_status for t in challenge.timeline.all()] == [
        "submitted",
        "acknowledged",
        "resolved",
    ]
    emails = DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email").count()
    assert emails >= 3


def test_withdraw_and_move_outcomes_act_on_the_event(provider_user, ao_user, event):
    other = learner_register(
        actor=provider_user,
        data={**OLIVIA, "given_name": "Noah", "family_name": "Pryce"},
    ).learner
    challenge = challenge_raise(
        actor=provider_user,
        **raise_args(event, type="not_this_learner", supplied_values={"correct_uln": other.uln}),
    )
    challenge_acknowledge(actor=ao_user, challenge=challenge)
    challenge_resolve(
        actor=ao_user,
        challenge=challenge,
        outcome="move",
        reason="Wrong ULN",
        correct_uln=other.uln,
    )
    event.refresh_from_db()
    assert event.learner == other


def test_no_change_needs_a_reason(provider_user, ao_user, event):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    challenge_acknowledge(actor=ao_user, challenge=challenge)
    with pytest.raises(ValidationFailed):
        challenge_resolve(actor=ao_user, challenge=challenge, outcome="no_change", reason=" ")
    challenge_resolve(
        actor=ao_user, challenge=challenge, outcome="no_change", reason="The grade is right"
    )
    event.refresh_from_db()
    assert event.grade == "7"


def test_the_raiser_withdraws_before_resolution_and_only_the_raiser(provider_user, ao_user, event):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    with pytest.raises(Conflict):
        challenge_withdraw(actor=ao_user, challenge=challenge)
    challenge_withdraw(actor=provider_user, challenge=challenge, reason="Raised in error")
    event.refresh_from_db()
    assert not event.under_data_challenge
    with pytest.raises(Conflict):
        challenge_acknowledge(actor=ao_user, challenge=challenge)


def test_an_event_can_have_only_one_open_challenge(provider_user, event):
    challenge_raise(actor=provider_user, **raise_args(event))
    with pytest.raises(Conflict):
        challenge_raise(actor=provider_user, **raise_args(event))


def test_bad_input_is_reported_by_field(provider_user, event):
    with pytest.raises(ValidationFailed) as excinfo:
        challenge_raise(
            actor=provider_user,
            **raise_args(event, type="grumble", contact_email="", supplied_values={}),
        )
    assert {p.field for p in excinfo.value.problems} >= {"type", "contact_email"}


def test_awarding_organisations_cannot_raise_challenges(ao_user, event):
    with pytest.raises(NotPermitted):
        challenge_raise(actor=ao_user, **raise_args(event))


def test_an_organisation_that_has_not_found_the_learner_cannot_challenge_its_events(event):
    stranger = make_user(role="online_user")
    with pytest.raises(ValidationFailed):
        challenge_raise(actor=stranger, **raise_args(event))


def test_challenges_are_visible_only_to_the_parties_and_the_desk(
    provider_user, ao_user, desk_user, event
):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    for party in (provider_user, ao_user, desk_user):
        assert challenge_get(actor=party, reference=challenge.reference) == challenge
        assert list(challenge_list(actor=party)) == [challenge]
    with pytest.raises(NotFound):
        challenge_get(actor=make_user(role="online_user"), reference=challenge.reference)


def test_evidence_is_checked_and_kept(provider_user, event):
    challenge = challenge_raise(
        actor=provider_user,
        **raise_args(event),
        evidence=[SimpleUploadedFile("certificate.pdf", b"%PDF-1.4", "application/pdf")],
    )
    assert challenge.evidence.get().original_name == "certificate.pdf"
    with pytest.raises(ValidationFailed):
        challenge_raise(
            actor=provider_user,
            **raise_args(event, type="not_achieved", supplied_values={}),
            evidence=[SimpleUploadedFile("x.exe", b"MZ", "application/x-msdownload")],
        )


def test_deadlines_remind_then_escalate_to_the_service_desk(provider_user, ao_user, event):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    day_before = challenge.acknowledge_due - dt.timedelta(days=1)
    assert challenges_check_deadlines(today=day_before)["reminded"] == 1
    assert challenges_check_deadlines(today=day_before)["reminded"] == 0
    after = challenge.acknowledge_due + dt.timedelta(days=1)
    assert challenges_check_deadlines(today=after)["escalated"] == 1
    challenge.refresh_from_db()
    assert challenge.status == Status.ESCALATED
    # Escalated: the owner (or the desk) can still act.
    challenge_acknowledge(actor=ao_user, challenge=challenge)


def test_every_transition_in_the_table_is_reachable_by_someone_and_terminals_are_final():
    for (frm, _to), parties in TRANSITIONS.items():
        assert parties
        assert frm not in (Status.RESOLVED, Status.WITHDRAWN)
    assert not allowed(Status.RESOLVED, Status.ACKNOWLEDGED, Party.SERVICE_DESK)
    assert not allowed(Status.SUBMITTED, Status.RESOLVED, Party.OWNER)


def test_the_report_gives_open_resolved_and_median_days_by_owner(
    provider_user, ao_user, desk_user, event
):
    challenge = challenge_raise(actor=provider_user, **raise_args(event))
    challenge_acknowledge(actor=ao_user, challenge=challenge)
    challenge_resolve(actor=ao_user, challenge=challenge, outcome="no_change", reason="Right")
    [row] = challenge_report(actor=desk_user)
    assert (row.open, row.resolved, row.overdue) == (0, 1, 0)
    assert row.median_days_to_resolve is not None
    assert Challenge.objects.count() == 1

"""The misuse watch's services: the daily limit, automatic suspension, the scheduled
claim that lets one worker at a time run the check, and the service desk's decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.core.errors import Conflict, NotPermitted, ValidationFailed
from lrs.core.models import ScheduledRun
from lrs.core.services import scheduled_run_claim
from lrs.misuse.models import AlertStatus, MisuseAlert
from lrs.misuse.services import (
    misuse_alert_decide,
    misuse_check,
    misuse_check_if_due,
)
from lrs.users.models import ApiToken
from tests.factories import make_token, make_user
from tests.misuse.conftest import DAY, LIMIT, NOW, record

pytestmark = pytest.mark.django_db


def emails():
    return DBTaskResult.objects.filter(task_path="lrs.core.tasks.send_email")


def test_the_worker_runs_the_check_and_the_settings_have_defaults():
    assert "lrs.misuse.services.misuse_check_if_due" in django_settings.LRS_WORKER_RECOVERY
    from lrs import settings as production

    assert production.LRS_MISUSE_DAILY_LIMIT == 1000
    assert production.LRS_MISUSE_CHECK_SECONDS == 300


def test_at_the_limit_nothing_happens(searcher, desk_user):
    record(searcher, 3, action="learner.find")
    record(searcher, 1, action="learner.lookup")
    record(searcher, 1, action="plr.view")
    assert misuse_check(now=NOW) == []
    searcher.refresh_from_db()
    assert searcher.is_active
    assert not MisuseAlert.objects.exists()
    assert not emails().exists()


def test_other_actions_and_other_days_do_not_count(searcher, desk_user):
    record(searcher, LIMIT)
    record(searcher, 10, action="learner.register")
    record(searcher, 10, at=NOW - dt.timedelta(days=1))
    record(searcher, 10, at=NOW + dt.timedelta(minutes=5))  # after the check's moment
    assert misuse_check(now=NOW) == []
    searcher.refresh_from_db()
    assert searcher.is_active


def test_over_the_limit_suspends_revokes_tokens_alerts_emails_the_desk_and_audits(
    searcher, desk_user, desk
):
    token = make_token(searcher)
    idle_desk_user = make_user(desk, Role.SERVICE_DESK_USER)
    idle_desk_user.is_active = False
    idle_desk_user.save(update_fields=["is_active"])
    record(searcher, 4, action="learner.find", at=NOW - dt.timedelta(hours=5))
    record(searcher, 2, action="plr.view")

    [alert] = misuse_check(now=NOW)

    searcher.refresh_from_db()
    assert not searcher.is_active
    assert searcher.deactivated_at == NOW
    assert ApiToken.objects.get(user=searcher).revoked_at == NOW
    assert token  # the plaintext is no use any more: see tests of token authentication
    assert (alert.user, alert.organisation, alert.day) == (searcher, searcher.organisation, DAY)
    assert (alert.count, alert.limit, alert.status) == (6, LIMIT, AlertStatus.OPEN)
    entry = AuditEntry.objects.get(action="misuse.suspend")
    assert entry.object_id == searcher.username
    assert entry.outcome == "success"
    assert entry.organisation == searcher.organisation
    assert entry.detail["count"] == 6
    assert entry.detail["limit"] == LIMIT
    assert entry.detail["tokens_revoked"] == 1
    [email] = emails()
    kwargs = email.args_kwargs["kwargs"]
    # Every active service desk user with an address, and nobody else.
    assert kwargs["to"] == ["desk.one@example.com"]
    assert searcher.username in kwargs["subject"]
    assert "Searches and PLR views on 02 March 2026: 6" in kwargs["body"]
    assert "Daily limit: 5" in kwargs["body"]


def test_the_check_is_idempotent_one_alert_per_user_and_day(searcher, desk_user):
    record(searcher, LIMIT + 1)
    assert len(misuse_check(now=NOW)) == 1
    assert misuse_check(now=NOW) == []
    assert MisuseAlert.objects.count() == 1
    assert AuditEntry.objects.filter(action="misuse.suspend").count() == 1
    assert emails().count() == 1


def test_a_reinstated_user_is_not_suspended_again_the_same_day(searcher, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    misuse_alert_decide(actor=desk_user, alert=alert, decision="reinstate", reason="Exam week")
    record(searcher, 20, at=NOW + dt.timedelta(minutes=1))
    assert misuse_check(now=NOW + dt.timedelta(minutes=10)) == []
    searcher.refresh_from_db()
    assert searcher.is_active
    assert MisuseAlert.objects.count() == 1
    # The next day counts afresh.
    tomorrow = NOW + dt.timedelta(days=1)
    record(searcher, LIMIT + 1, at=tomorrow)
    assert len(misuse_check(now=tomorrow)) == 1


def test_the_organisations_last_super_user_is_suspended_too(college_admin, desk_user):
    record(college_admin, LIMIT + 1, action="plr.view")
    [alert] = misuse_check(now=NOW)
    college_admin.refresh_from_db()
    assert not college_admin.is_active
    assert alert.user == college_admin


def test_several_users_over_the_limit_each_get_one_alert(searcher, college_admin, desk_user):
    record(searcher, LIMIT + 1)
    record(college_admin, LIMIT + 3, action="learner.lookup")
    alerts = misuse_check(now=NOW)
    assert sorted(a.count for a in alerts) == [LIMIT + 1, LIMIT + 3]
    assert emails().count() == 2


def test_the_due_check_runs_once_per_interval_however_often_it_is_asked(searcher, desk_user):
    record(searcher, LIMIT + 1)
    assert misuse_check_if_due(now=NOW) is not None  # first call: due, runs
    assert misuse_check_if_due(now=NOW + dt.timedelta(seconds=10)) is None  # not yet due
    assert misuse_check_if_due(now=NOW + dt.timedelta(seconds=299)) is None
    assert misuse_check_if_due(now=NOW + dt.timedelta(seconds=300)) == []  # due again
    assert ScheduledRun.objects.get(name="misuse_check").last_run_at == NOW + dt.timedelta(
        seconds=300
    )


def test_a_claim_is_won_by_one_caller_per_interval():
    every = dt.timedelta(minutes=5)
    assert scheduled_run_claim("job", every=every, now=NOW)
    assert not scheduled_run_claim("job", every=every, now=NOW)
    assert not scheduled_run_claim("job", every=every, now=NOW + dt.timedelta(minutes=4))
    assert scheduled_run_claim("other job", every=every, now=NOW)
    assert scheduled_run_claim("job", every=every, now=NOW + every)
    assert ScheduledRun.objects.count() == 2


def test_the_worker_can_call_the_due_check_with_no_arguments(searcher):
    assert misuse_check_if_due() == []
    assert misuse_check_if_due() is None


def test_the_desk_reinstates_an_account_with_a_reason(searcher, desk_user):
    make_token(searcher)
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    decided = misuse_alert_decide(
        actor=desk_user, alert=alert, decision="reinstate", reason="  Enrolment week  "
    )
    assert decided.status == AlertStatus.REINSTATED
    assert (decided.decided_by, decided.reason) == (desk_user, "Enrolment week")
    assert decided.decided_at is not None
    searcher.refresh_from_db()
    assert searcher.is_active
    assert searcher.deactivated_at is None
    # Revoked tokens stay revoked.
    assert ApiToken.objects.get(user=searcher).revoked_at is not None
    entry = AuditEntry.objects.get(action="misuse.reinstate")
    assert (entry.actor, entry.object_id) == (desk_user, searcher.username)
    assert entry.detail["reason"] == "Enrolment week"

    with pytest.raises(Conflict):
        misuse_alert_decide(actor=desk_user, alert=alert, decision="keep", reason="Changed mind")


def test_the_desk_keeps_an_account_suspended(searcher, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    decided = misuse_alert_decide(
        actor=desk_user, alert=alert, decision="keep", reason="Harvesting ULNs"
    )
    assert decided.status == AlertStatus.KEPT_SUSPENDED
    searcher.refresh_from_db()
    assert not searcher.is_active
    assert AuditEntry.objects.filter(action="misuse.keep_suspended").count() == 1


def test_a_decision_needs_a_reason_and_a_known_choice(searcher, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    with pytest.raises(ValidationFailed) as excinfo:
        misuse_alert_decide(actor=desk_user, alert=alert, decision="forget", reason=" ")
    assert [p.field for p in excinfo.value.problems] == ["decision", "reason"]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


def test_only_the_service_desk_decides(searcher, college_admin, desk_user):
    record(searcher, LIMIT + 1)
    [alert] = misuse_check(now=NOW)
    with pytest.raises(NotPermitted):
        misuse_alert_decide(actor=college_admin, alert=alert, decision="reinstate", reason="x")
    searcher.refresh_from_db()
    assert not searcher.is_active


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_both_run():
    """Workers in threads with their own connections, released together: one wins."""
    import threading

    from django.db import connection

    ScheduledRun.objects.create(name="race")
    barrier = threading.Barrier(4)
    results: list[bool] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(scheduled_run_claim("race", every=dt.timedelta(minutes=5), now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_super_user_cannot_lift_a_misuse_suspension_only_the_desk_can():
    from django.utils import timezone

    from lrs.core.errors import Conflict
    from lrs.misuse.models import MisuseAlert
    from lrs.users.services import user_deactivate, user_reactivate
    from tests.factories import make_organisation, make_user

    org = make_organisation()
    admin = make_user(org)
    member = make_user(org, "online_user")
    user_deactivate(actor=admin, user=member)
    MisuseAlert.objects.create(
        user=member,
        organisation=org,
        day=timezone.localdate(),
        count=5000,
        limit=1000,
        created_at=timezone.now(),
    )
    with pytest.raises(Conflict) as excinfo:
        user_reactivate(actor=admin, user=member)
    assert excinfo.value.code == "misuse_suspension"

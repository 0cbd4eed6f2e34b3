"""`lrs demo` brings weeks of plausible activity, made through the real services with the
clock set back, so the service desk's first look at its dashboard, the misuse watch and the
challenge reports shows something real."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lrs.audit.models import AuditEntry
from lrs.batches.models import Batch, BatchStatus
from lrs.challenges.models import Challenge
from lrs.demo.history import BUSY_SEARCHER, HISTORY_DAYS
from lrs.demo.services import demo_load
from lrs.misuse.models import MisuseAlert
from lrs.records.models import AchievementJob, JobStatus
from lrs.servicedesk.selectors import daily_volumes
from lrs.users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    uploads = settings.LRS_UPLOADS_DIR
    settings.LRS_UPLOADS_DIR = tmp_path_factory.mktemp("uploads")
    with django_db_blocker.unblock():
        demo_load()
    yield
    settings.LRS_UPLOADS_DIR = uploads
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def test_the_activity_is_spread_over_weeks_and_never_in_the_future(demo):
    now = timezone.now()
    days = {
        timezone.localdate(moment)
        for moment in AuditEntry.objects.values_list("occurred_at", flat=True)
    }
    assert len(days) >= HISTORY_DAYS * 0.7
    assert min(days) <= timezone.localdate(now) - dt.timedelta(days=HISTORY_DAYS - 2)
    assert not AuditEntry.objects.filter(occurred_at__gt=now).exists()


def test_the_dashboards_volumes_show_something_on_most_days(demo):
    desk = User.objects.get(username="desk.user")
    volumes = daily_volumes(actor=desk)
    busy_days = [row for row in volumes.rows if row.counts["finds"]]
    assert len(busy_days) >= 8
    for measure in ("plr_views", "verifications", "batch_files", "achievement_files"):
        assert volumes.totals.counts[measure] > 0, measure


def test_files_challenges_and_the_misuse_watch_have_a_history(demo):
    assert Batch.objects.filter(status=BatchStatus.COMPLETE).count() >= 3
    jobs = AchievementJob.objects.filter(status=JobStatus.SUCCESSFUL).order_by("submitted_at")
    assert [job.rejected_records for job in jobs] == [0, 3]
    statuses = set(Challenge.objects.values_list("status", flat=True))
    assert len(statuses) >= 2
    [alert] = MisuseAlert.objects.all()
    assert alert.user.username == BUSY_SEARCHER
    assert alert.status == "open"  # waiting for the service desk to decide
    assert not alert.user.is_active
    # The documented demo users are untouched by the history.
    assert not User.objects.filter(is_active=False).exclude(username=BUSY_SEARCHER).exists()

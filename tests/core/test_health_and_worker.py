import os
import subprocess
import sys

import pytest
from django.utils import timezone

from lrs.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_degraded_when_no_worker_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["worker"]["status"] == "down"


def test_healthz_reports_ok_with_a_recent_worker_heartbeat(client):
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=now, last_seen_at=now
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == {"status": "ok", "workers": 1, "queued_tasks": 0}


def test_healthz_treats_a_stale_heartbeat_as_down(client):
    old = timezone.now() - timezone.timedelta(minutes=10)
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=old, last_seen_at=old
    )
    assert client.get("/healthz").json()["worker"]["status"] == "down"


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_tasks_and_leaves_no_heartbeat_behind(mailoutbox):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from lrs.core.tasks import send_email

    result = send_email.enqueue(to=["someone@example.com"], subject="Hello", body="Body")
    call_command("worker", batch=True, interval=0.1, verbosity=0)
    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == "SUCCESSFUL"
    assert [m.subject for m in mailoutbox] == ["Hello"]
    assert WorkerHeartbeat.objects.count() == 0


def test_lrs_command_lists_help_for_every_subcommand():
    env = {**os.environ, "DEBUG": "true"}
    for args in (
        ["serve"],
        ["uln"],
        ["uln", "check"],
        ["org", "create"],
        ["user", "create"],
        ["token", "create"],
        ["demo"],
        ["worker"],
    ):
        completed = subprocess.run(
            [sys.executable, "-m", "lrs.cli", *args, "--help"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert completed.returncode == 0, (args, completed.stderr)
        assert "usage: lrs" in completed.stdout

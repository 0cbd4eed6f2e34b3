"""Readiness of the service: can it reach its database, and is a worker alive?"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lrs.core.models import WorkerHeartbeat


def check_database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; say which
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor}


def check_worker() -> dict[str, object]:
    try:
        stale_after = timedelta(seconds=settings.WORKER_HEARTBEAT_SECONDS * 3)
        alive = WorkerHeartbeat.objects.filter(last_seen_at__gte=timezone.now() - stale_after)
        workers = alive.count()
        queued = DBTaskResult.objects.ready().count()
    except Exception as exc:
        return {"status": "unknown", "error": exc.__class__.__name__}
    return {"status": "ok" if workers else "down", "workers": workers, "queued_tasks": queued}


def health() -> tuple[bool, dict[str, object]]:
    database = check_database()
    worker = check_worker() if database["status"] == "ok" else {"status": "unknown"}
    healthy = database["status"] == "ok" and worker["status"] == "ok"
    return healthy, {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "worker": worker,
    }

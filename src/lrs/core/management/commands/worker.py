"""`lrs worker`: the background worker (django-tasks-db's, as lrs.core.taskworker makes it
outlive a briefly locked or lost database) plus a liveness heartbeat."""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker

from lrs.core.models import WorkerHeartbeat
from lrs.core.taskworker import Worker

logger = logging.getLogger(__name__)


def _beat(worker_id: str, started_at: Any) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "last_seen_at": timezone.now(),
        },
    )


def _recover() -> None:
    """Work that every worker does on the side: e.g. resuming batches whose worker died."""
    for path in settings.LRS_WORKER_RECOVERY:
        try:
            import_string(path)()
        except Exception:
            logger.exception("Recovery step %s failed", path)


def _heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    started_at = timezone.now()
    while not stop.is_set():
        try:
            close_old_connections()
            _beat(worker_id, started_at)
        except Exception:  # noqa: S110 - a missed beat must never kill the worker
            pass
        _recover()
        stop.wait(settings.WORKER_HEARTBEAT_SECONDS)
    try:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Run a background worker that processes queued tasks (batches, uploads, emails)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue-name", default="*", help="Queues to process (default: all)")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls")
        parser.add_argument(
            "--batch", action="store_true", help="Process what is queued, then exit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = f"{socket.gethostname()[:20]}-{os.getpid()}-{get_random_string(8)}"
        # Before taking tasks, so that work left by a dead worker is queued for this one.
        _recover()
        stop = threading.Event()
        beat = threading.Thread(
            target=_heartbeat_loop, args=(worker_id, stop), name="heartbeat", daemon=True
        )
        beat.start()
        try:
            # What django-tasks-db's db_worker command does, with our Worker in its place.
            db_worker.Command().configure_logging(options["verbosity"])
            worker = Worker(
                queue_names=options["queue_name"].split(","),
                interval=options["interval"],
                batch=options["batch"],
                backend_name=DEFAULT_TASK_BACKEND_ALIAS,
                startup_delay=True,
                max_tasks=None,
                worker_id=worker_id[:64],
                excluded_queue_names=[],
            )
            worker.configure_signals()
            worker.run()
        finally:
            stop.set()
            beat.join(timeout=5)

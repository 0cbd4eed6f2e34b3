"""Background jobs that survive a dead worker: batch files and achievement files.

A run claims its job with a token; every step it stores moves the job's
``progressed_at`` on, but only while the job still carries that token. A job whose
progress has stalled for ``LRS_BATCH_STALL_SECONDS`` may be claimed again, and every
worker queues such jobs again (``requeue_stalled``). A model using this needs the fields
``worker_token``, ``progressed_at`` and ``requeued_at``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


class TakenOver(Exception):
    """Another run claimed the job after this one stalled; this one must stop."""


def stalled_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.LRS_BATCH_STALL_SECONDS)


def claim(model: type[M], pk: int, *, claimable: Q, token: str, **fields: Any) -> bool:
    """Give job ``pk`` to the run holding ``token`` if ``claimable`` (one UPDATE, so only
    one of several runs asking at once wins)."""
    with transaction.atomic():
        return bool(
            model._default_manager.filter(claimable, pk=pk).update(
                worker_token=token, progressed_at=timezone.now(), **fields
            )
        )


def touch(job: models.Model, token: str, **fields: Any) -> None:
    """Store ``fields`` on the job and mark progress, unless another run has taken it."""
    fields["progressed_at"] = timezone.now()
    if not type(job)._default_manager.filter(pk=job.pk, worker_token=token).update(**fields):
        raise TakenOver(job.pk)


def requeue_stalled(model: type[M], *, running: Q, enqueue: Callable[[int], Any]) -> int:
    """Queue again every running job that has shown no progress for the stall time."""
    stale = stalled_since()
    stalled = model._default_manager.filter(
        running,
        Q(requeued_at__isnull=True) | Q(requeued_at__lt=stale),
        progressed_at__lt=stale,
    )
    resumed = 0
    for job_id in list(stalled.values_list("pk", flat=True)):
        with transaction.atomic():
            if model._default_manager.filter(pk=job_id).update(requeued_at=timezone.now()):
                enqueue(job_id)
                resumed += 1
    return resumed

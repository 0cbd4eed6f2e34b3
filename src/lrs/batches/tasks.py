"""Kept for batches queued before file jobs shared one task (lrs.core.filejobs.file_job_run)."""

from __future__ import annotations

from django_tasks import task

from lrs.core.filejobs import runner_for


@task()
def process_batch(batch_id: int) -> str:
    return runner_for("batches.Batch").run(batch_id)

from __future__ import annotations

from django_tasks import task


@task()
def process_batch(batch_id: int) -> str:
    from lrs.batches.processing import process

    return process(batch_id)

from __future__ import annotations

from django_tasks import task


@task()
def process_achievement_job(job_id: int) -> str:
    from lrs.records.uploads import process

    return process(job_id)

"""Kept for files queued before file jobs shared one task (lrs.core.filejobs.file_job_run)."""

from __future__ import annotations

from django_tasks import task

from lrs.core.filejobs import runner_for


@task()
def process_achievement_job(job_id: int) -> str:
    return runner_for("records.AchievementJob").run(job_id)

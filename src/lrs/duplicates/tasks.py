from __future__ import annotations

from django_tasks import task

from lrs.duplicates.scan import scan_run


@task()
def run_duplicate_scan(scan_id: int) -> str:
    return scan_run(scan_id)

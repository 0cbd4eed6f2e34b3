from __future__ import annotations

from django_tasks import task


@task()
def run_duplicate_scan(scan_id: int) -> str:
    from lrs.duplicates.scan import scan_run

    return scan_run(scan_id)

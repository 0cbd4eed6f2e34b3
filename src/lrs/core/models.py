from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per background worker process, touched every few seconds while it lives."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.hostname}:{self.pid}"


class AllocatedUln(models.Model):
    """Every ULN ever issued. The primary key makes a ULN impossible to issue twice, even
    when two processes draw the same random number at the same moment."""

    uln = models.CharField(max_length=10, primary_key=True)
    allocated_at = models.DateTimeField()
    purpose = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.uln


class ScheduledRun(models.Model):
    """When a named periodic job last ran, claimed by an atomic conditional UPDATE so
    that however many workers ask, only one runs it in each interval."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} {self.last_run_at}"

import uuid
from typing import Any, ClassVar

from django.db import models


def storage_join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


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


class FileJob(models.Model):
    """The file and worker fields every file job has (a batch file, an achievement file)."""

    # The folder of the file storage this kind of job keeps its files in.
    upload_folder: ClassVar[str] = ""
    # The field naming who uploaded the file (told the outcome by email).
    uploader_field: ClassVar[str] = ""
    # The dotted path of its lrs.core.filejobs.FileJobRunner, which the worker runs.
    runner: ClassVar[str] = ""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)
    file_size = models.PositiveBigIntegerField()
    file_sha256 = models.CharField(max_length=64, db_index=True)
    # Its name in upload_folder of the file storage; never served to anyone directly.
    stored_path = models.CharField(max_length=255)
    started_at = models.DateTimeField(null=True)
    processed_records = models.PositiveIntegerField(default=0)
    # Touched as chunks complete, so a job whose worker died can be found and resumed.
    progressed_at = models.DateTimeField(null=True, db_index=True)
    # Which run of the worker owns the job; a run that loses it stops at its next chunk.
    worker_token = models.CharField(max_length=32, blank=True)
    requeued_at = models.DateTimeField(null=True)

    class Meta:
        abstract = True

    @property
    def stored_name(self) -> str:
        """The file's name in the file storage."""
        return storage_join(self.upload_folder, self.stored_path)

    @property
    def uploader(self) -> Any:
        return getattr(self, self.uploader_field)

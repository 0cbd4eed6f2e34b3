"""Uploaded batch files and the outcome of every record in them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from lrs.core.models import FileJob


class BatchKind(models.TextChoices):
    REGISTRATION = "LRB", "Learner registration batch"
    VERIFY = "LRV", "Verify batch"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    VALIDATING = "validating", "Validating"
    PROCESSING = "processing", "Processing"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class Batch(FileJob):
    upload_folder: ClassVar[str] = ""
    uploader_field: ClassVar[str] = "uploaded_by"
    runner: ClassVar[str] = "lrs.batches.processing.BatchRunner"

    kind = models.CharField(max_length=3, choices=BatchKind.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="batches"
    )
    uploaded_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED, db_index=True
    )
    declared_count = models.PositiveIntegerField(null=True)
    total_records = models.PositiveIntegerField(default=0)
    # The web-service batch answer's counts.
    new_learners = models.PositiveIntegerField(default=0)
    existing_learners = models.PositiveIntegerField(default=0)
    possible_matches = models.PositiveIntegerField(default=0)
    not_found = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_at"])]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.COMPLETE, BatchStatus.FAILED)


class BatchRow(models.Model):
    """One record of a batch file and what became of it."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    mis_identifier = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict)
    return_code = models.CharField(max_length=8, db_index=True)
    uln = models.CharField(max_length=10, blank=True, db_index=True)
    candidates = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    failure_flags = models.JSONField(default=list, blank=True)
    is_exception = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True)
    resolved_by = models.ForeignKey(
        "users.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["batch", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="one_row_per_number")
        ]
        indexes = [models.Index(fields=["batch", "is_exception", "row_number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number} {self.return_code}"

    @property
    def candidate_ulns(self) -> list[str]:
        return [c["uln"] for c in self.candidates]


class BatchUnit(models.Model):
    """A share of one batch's records that any worker may process on its own.

    Made when several workers process a file at once (``LRS_BATCH_WORKERS`` > 1): the
    records that could reach one another (a later record finding a learner an earlier one
    registers or updates, the same person twice, the same ULN twice) always land in one
    unit, so units can be decided in any order, at the same time, with the outcome of
    deciding the file in order. A unit carries its records (the file is not read again)
    and the validator's verdict on the rejected ones; it is claimed, touched and, when its
    worker stalls, claimed again like a file job, and done in one transaction.
    """

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="units")
    number = models.PositiveIntegerField()
    first_row = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    # [record data (BatchRow.data), ...] in row order, and {row: [return code, problems]}.
    records = models.JSONField(default=list, blank=True)
    rejected = models.JSONField(default=dict, blank=True)
    worker_token = models.CharField(max_length=32, blank=True)
    progressed_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="one_unit_per_number")
        ]
        indexes = [models.Index(fields=["batch", "done_at", "number"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.number} ({'done' if self.done_at else 'to do'})"

"""Personal Learning Records: the qualifications catalogue and learners' learning events."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.db import models

from lrs.core.models import FileJob


class QualificationKind(models.TextChoices):
    QUALIFICATION = "qualification", "Qualification"
    UNIT = "unit", "Unit"


class QualificationStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Qualification(models.Model):
    """A qualification (Ofqual number like 600/1166/X) or a unit (like K/501/5773)."""

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=16, choices=QualificationKind.choices)
    title = models.CharField(max_length=255)
    qualification_type = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=50, blank=True)
    credits = models.PositiveIntegerField(null=True, blank=True)
    awarding_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="qualifications"
    )
    status = models.CharField(
        max_length=16, choices=QualificationStatus.choices, default=QualificationStatus.AVAILABLE
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class EventSource(models.TextChoices):
    AO = "AO", "Awarding organisation"
    ILR = "ILR", "Individualised Learner Record"
    NPD = "NPD", "National Pupil Database"
    QCFU = "QCFU", "Unit"


class EventStatus(models.TextChoices):
    FINAL = "F", "Final"
    PROVISIONAL = "P", "Provisional"


class LearningEvent(models.Model):
    """One achievement on a learner's PLR, with where it came from."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Always the master learner: events of a linked learner belong to its master.
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="learning_events"
    )
    source = models.CharField(max_length=4, choices=EventSource.choices)
    subject_code = models.CharField(max_length=20)
    subject = models.CharField(max_length=255)
    qualification = models.ForeignKey(
        Qualification, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    qualification_type = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=50, blank=True)
    grade = models.CharField(max_length=20, blank=True)
    award_date = models.DateField()
    credits = models.PositiveIntegerField(null=True, blank=True)
    achievement_provider_ukprn = models.CharField(max_length=8, blank=True)
    achievement_provider_name = models.CharField(max_length=255, blank=True)
    awarding_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awarded_events",
    )
    awarding_organisation_ukprn = models.CharField(max_length=8, blank=True)
    awarding_organisation_name = models.CharField(max_length=255, blank=True)
    language_for_assessment = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=1, choices=EventStatus.choices, default=EventStatus.FINAL)
    withdrawn = models.BooleanField(default=False)
    under_data_challenge = models.BooleanField(default=False)
    restriction = models.CharField(max_length=100, blank=True)
    mis_identifier = models.CharField(max_length=128, blank=True)
    date_loaded = models.DateTimeField()
    updated_at = models.DateTimeField()
    version_number = models.PositiveIntegerField(default=1)
    recorded_by = models.ForeignKey(
        "users.User", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-award_date", "id"]
        indexes = [
            models.Index(fields=["learner", "award_date"]),
            models.Index(fields=["learner", "subject_code", "award_date"]),
            models.Index(fields=["awarding_organisation", "subject_code"]),
        ]

    def __str__(self) -> str:
        return f"{self.subject_code} {self.grade} ({self.award_date})"


class LearningEventChange(models.Model):
    """Every change to a learning event: who, when, what action, old and new values."""

    event = models.ForeignKey(LearningEvent, on_delete=models.PROTECT, related_name="changes")
    version_number = models.PositiveIntegerField()
    changed_at = models.DateTimeField()
    action = models.CharField(max_length=32)
    actor = models.ForeignKey("users.User", null=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["event", "version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "version_number"], name="one_change_per_event_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} v{self.version_number} {self.action}"


class JobStatus(models.TextChoices):
    # The real service's job statuses, as its clients know them.
    WAITING = "Waiting", "Waiting"
    IN_PROGRESS = "InProgress", "In progress"
    SUCCESSFUL = "Successful", "Successful"
    FAILED = "Failed", "Failed"
    CANCELLED = "Cancelled", "Cancelled"


class AchievementJob(FileJob):
    """An awarding organisation's achievement file, processed in the background."""

    upload_folder: ClassVar[str] = "achievements"
    uploader_field: ClassVar[str] = "submitted_by"
    runner: ClassVar[str] = "lrs.records.uploads.AchievementRunner"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.WAITING, db_index=True
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True)
    records = models.PositiveIntegerField(default=0)
    # The last row applied: a resumed run starts after it, so nothing is applied twice.
    last_row = models.PositiveIntegerField(default=0)
    rejection_reason = models.TextField(blank=True)
    file_problems = models.JSONField(default=list, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    reinstated = models.PositiveIntegerField(default=0)
    promoted = models.PositiveIntegerField(default=0)
    final_count = models.PositiveIntegerField(default=0)
    provisional_count = models.PositiveIntegerField(default=0)
    field_errors = models.PositiveIntegerField(default=0)
    learner_errors = models.PositiveIntegerField(default=0)
    business_errors = models.PositiveIntegerField(default=0)
    linked_followed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def successful_records(self) -> int:
        return self.processed_records - self.rejected_records

    @property
    def rejected_records(self) -> int:
        return self.field_errors + self.learner_errors + self.business_errors

    @property
    def percentage_successful(self) -> float:
        if not self.records:
            return 0.0
        return round(100.0 * self.successful_records / self.records, 2)


class AchievementError(models.Model):
    """A row of a job that was not applied, with its original values and why."""

    job = models.ForeignKey(AchievementJob, on_delete=models.CASCADE, related_name="errors")
    row_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    codes = models.CharField(max_length=100)
    message = models.TextField()
    data = models.JSONField(default=dict)
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="one_error_per_job_row")
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.codes}"

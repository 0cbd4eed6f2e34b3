"""Event data challenges: disputes about learning events on a PLR."""

from __future__ import annotations

from django.db import models

from lrs.challenges.lifecycle import STATUS_LABELS, TYPE_LABELS, ChallengeType, Outcome, Status


class Challenge(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    type = models.CharField(
        max_length=32, choices=[(t.value, TYPE_LABELS[t]) for t in ChallengeType]
    )
    status = models.CharField(
        max_length=16,
        choices=[(s.value, STATUS_LABELS[s]) for s in Status],
        default=Status.SUBMITTED,
        db_index=True,
    )
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        "records.LearningEvent", on_delete=models.PROTECT, related_name="challenges"
    )
    second_event = models.ForeignKey(
        "records.LearningEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    raising_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # The awarding organisation for its own events; the service desk for ILR/NPD ones.
    owner_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField(max_length=100)
    contact_telephone = models.CharField(max_length=30, blank=True)
    contact_email = models.EmailField()
    explanation = models.TextField(max_length=4000)
    original_values = models.JSONField(default=dict)
    supplied_values = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    acknowledge_due = models.DateField()
    resolve_due = models.DateField()
    acknowledged_at = models.DateTimeField(null=True)
    resolved_at = models.DateTimeField(null=True)
    withdrawn_at = models.DateTimeField(null=True)
    escalated_at = models.DateTimeField(null=True)
    acknowledge_reminder_sent = models.BooleanField(default=False)
    resolve_reminder_sent = models.BooleanField(default=False)
    outcome = models.CharField(
        max_length=16, blank=True, choices=[(o.value, o.value.replace("_", " ")) for o in Outcome]
    )
    outcome_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner_organisation", "status"]),
            models.Index(fields=["raising_organisation", "status"]),
            models.Index(fields=["status", "resolve_due"]),
        ]

    def __str__(self) -> str:
        return self.reference


class ChallengeTransition(models.Model):
    """The timeline: every change of status, who made it and why."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="timeline")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField()
    actor = models.ForeignKey("users.User", null=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["challenge", "at", "id"]

    def __str__(self) -> str:
        return f"{self.challenge_id}: {self.from_status} -> {self.to_status}"


class ChallengeEvidence(models.Model):
    """A file the raiser sent; stored privately and served only to the parties."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="evidence")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.original_name

"""The misuse watch: alerts raised when a user searches or views PLRs too much in a day,
and the claim that lets one worker at a time run a scheduled job."""

from __future__ import annotations

from django.db import models


class AlertStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    REINSTATED = "reinstated", "Reinstated"
    KEPT_SUSPENDED = "kept_suspended", "Kept suspended"


class MisuseAlert(models.Model):
    """A user was suspended automatically for exceeding the daily limit on ``day``."""

    user = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    count = models.PositiveIntegerField()
    limit = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    decided_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="one_misuse_alert_per_user_day")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.count}/{self.limit} {self.status}"

"""The misuse watch: alerts raised when a user searches or views PLRs too much in a day,
and the claim that lets one worker at a time run a scheduled job."""

from __future__ import annotations

from django.db import models


class AlertStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    REINSTATED = "reinstated", "Reinstated"
    KEPT_SUSPENDED = "kept_suspended", "Kept suspended"


class AlertKind(models.TextChoices):
    VOLUME = "volume", "Too many searches and PLR views"
    ENUMERATION = "enumeration", "Walking through ULNs"


class MisuseAlert(models.Model):
    """A user was suspended automatically on ``day``: for exceeding the daily limit on
    searches and PLR views (``volume``), or for touching too many distinct ULNs, or too
    many unknown ones, with verify, retrieve and look-up (``enumeration``; ``count`` is
    then the distinct ULNs and ``unknown`` how many of them were unknown or invalid)."""

    user = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField()
    count = models.PositiveIntegerField()
    limit = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=AlertKind.choices, default=AlertKind.VOLUME)
    unknown = models.PositiveIntegerField(default=0)
    # Set when the organisation's users together walked through the ULNs.
    whole_organisation = models.BooleanField(default=False)
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


class UlnKind(models.TextChoices):
    KNOWN = "known", "Held by a learner"
    UNKNOWN = "unknown", "Not held by any learner"
    INVALID = "invalid", "Not a valid ULN"


class UlnUsage(models.Model):
    """How many distinct ULNs a user (or, with ``user_key`` 0, a whole organisation)
    touched on ``day`` with verify, retrieve and look-up, and how many of them were
    unknown or invalid: the measure of someone walking through numbers."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    user_key = models.PositiveIntegerField()  # the user's id, or 0 for the organisation
    day = models.DateField()
    distinct_ulns = models.PositiveIntegerField(default=0)
    unknown_ulns = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user_key", "day"], name="one_uln_usage_per_scope_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.user_key} {self.day} {self.distinct_ulns}"


class UlnTouch(models.Model):
    """One ULN touched by a user (or organisation) on a day, so it counts once.

    Holds a keyed digest of the ULN, never the number: the watch must tell ULNs apart,
    not know them. Kept for a day or two, then pruned by the misuse check.
    """

    organisation_id = models.PositiveBigIntegerField()
    user_key = models.PositiveIntegerField()
    day = models.DateField()
    digest = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "user_key", "day", "digest"],
                name="one_uln_touch_per_scope_day",
            )
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.user_key} {self.day} {self.digest}"

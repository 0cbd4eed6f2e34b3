"""Verifiable credentials LRS issues: its signing keys, the credentials, their status lists.

The private key never enters the database: it lives in settings (LRS_ISSUER_KEY). Each key
LRS has signed with is recorded here by its public half, so the DID document keeps listing
retired keys (what they signed stays verifiable) and can mark a compromised one revoked.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from lrs.records.models import LearningEvent


class KeyState(models.TextChoices):
    ACTIVE = "active", "Signing new credentials"
    RETIRED = "retired", "Retired: still verifies what it signed"
    REVOKED = "revoked", "Revoked: nothing it signed verifies"


class IssuerKey(models.Model):
    public_key_multibase = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=8, choices=KeyState.choices, default=KeyState.ACTIVE)
    first_used_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["first_used_at", "id"]
        constraints = [
            # At most one key signs at a time.
            models.UniqueConstraint(
                fields=["state"],
                condition=models.Q(state="active"),
                name="one_active_issuer_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.public_key_multibase} ({self.state})"


class StatusList(models.Model):
    """One Bitstring Status List: ``size`` indexes handed out at random, never reused."""

    number = models.PositiveIntegerField(unique=True)
    purpose = models.CharField(max_length=16, default="revocation")
    size = models.PositiveIntegerField()
    used = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped whenever a bit is set; the signed list below is re-signed when it lags.
    version = models.PositiveIntegerField(default=1)
    signed_version = models.PositiveIntegerField(default=0)
    signed = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"status list {self.number} ({self.used}/{self.size})"


class CredentialKind(models.TextChoices):
    ACHIEVEMENT = "achievement", "Open Badges 3.0 achievement"
    CLR = "clr", "Comprehensive Learner Record 2.0"


class RevocationReason(models.TextChoices):
    WITHDRAWN = "withdrawn", "The awarding organisation withdrew the achievement"
    AMENDED = "amended", "The achievement's details were corrected"
    MOVED = "moved", "The achievement was moved to another learner's record"
    CHANGED = "changed", "The achievement's details changed"


class IssuedCredential(models.Model):
    """A credential LRS signed: for whom, by whose request, carrying which events."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=CredentialKind.choices)
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="credentials"
    )
    # The CLR an achievement credential was issued inside, if any.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    # Who asked: an organisation's user, or (with no user) the learner themselves.
    requested_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_learner = models.BooleanField(default=False)
    issued_at = models.DateTimeField()
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="credentials")
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="entries")
    status_index = models.PositiveIntegerField()
    events: models.ManyToManyField[LearningEvent, CredentialEvent] = models.ManyToManyField(
        "records.LearningEvent", through="CredentialEvent", related_name="credentials"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=12, choices=RevocationReason.choices, blank=True)
    document = models.JSONField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="one_credential_per_status_bit"
            )
        ]
        indexes = [models.Index(fields=["learner", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.public_id}"


class CredentialEvent(models.Model):
    """A learning event a credential carries, at the version it was signed."""

    credential = models.ForeignKey(
        IssuedCredential, on_delete=models.CASCADE, related_name="carried"
    )
    event = models.ForeignKey("records.LearningEvent", on_delete=models.PROTECT, related_name="+")
    event_version = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "event"], name="one_row_per_event")
        ]
        indexes = [models.Index(fields=["event", "credential"])]

    def __str__(self) -> str:
        return f"{self.credential_id}:{self.event_id}@{self.event_version}"

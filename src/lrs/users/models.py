from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from lrs.access import ROLE_LABELS, Capability, OrganisationType, Role, capabilities_for

ROLE_CHOICES = [(r.value, ROLE_LABELS[r]) for r in Role]


class User(AbstractUser):
    """A person signed in to LRS. Each belongs to exactly one organisation, with one role."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        indexes = [models.Index(fields=["organisation", "role", "is_active"])]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def capabilities(self) -> frozenset[Capability]:
        if not self.is_active:
            return frozenset()
        return capabilities_for(
            organisation_type=self.organisation.type,
            organisation_status=self.organisation.status,
            role=self.role,
        )

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities()

    def in_service_desk(self) -> bool:
        """An active user of an active LRS service desk organisation (a suspended or
        closed organisation, or a deactivated user, has no capabilities)."""
        return self.organisation.type == OrganisationType.SERVICE_DESK and bool(self.capabilities())


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The public part of the token, to find the row without a scan; not a secret.
    key_id = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (lrs_{self.key_id}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

from __future__ import annotations

from django.db import models

from lrs.access import (
    ORGANISATION_TYPE_LABELS,
    OrganisationStatus,
    OrganisationType,
)

ORGANISATION_TYPE_CHOICES = [(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]
ORGANISATION_STATUS_CHOICES = [(s.value, s.value.capitalize()) for s in OrganisationStatus]


class Organisation(models.Model):
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=ORGANISATION_TYPE_CHOICES)
    status = models.CharField(
        max_length=16, choices=ORGANISATION_STATUS_CHOICES, default=OrganisationStatus.ACTIVE
    )
    ukprn = models.CharField("UKPRN", max_length=8, unique=True)
    # NULL, not "", for organisations without one: unique must ignore the missing values.
    urn = models.CharField("URN", max_length=6, null=True, blank=True, unique=True)
    la_code = models.CharField("LA code", max_length=3, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["type", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.ukprn})"

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPE_LABELS[OrganisationType(self.type)]

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE

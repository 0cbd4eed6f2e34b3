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


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ExpectedVolume(models.TextChoices):
    """How many learners a year an applicant expects to register or look up, in bands:
    applicants rarely know an exact number, and the service desk only needs the scale."""

    UP_TO_500 = "up_to_500", "Up to 500"
    UP_TO_5000 = "501_to_5000", "501 to 5,000"
    UP_TO_50000 = "5001_to_50000", "5,001 to 50,000"
    OVER_50000 = "over_50000", "More than 50,000"


class OrganisationApplication(models.Model):
    """An organisation's request to use LRS, and the service desk's decision on it."""

    reference = models.CharField(max_length=16, unique=True)
    status = models.CharField(
        max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField()
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=32, choices=ORGANISATION_TYPE_CHOICES)
    ukprn = models.CharField("UKPRN", max_length=8)
    # NULL, not "", when absent, as on Organisation: the pending-uniqueness rule below must
    # ignore the missing values.
    urn = models.CharField("URN", max_length=6, null=True, blank=True)  # noqa: DJ001
    la_code = models.CharField("LA code", max_length=3, null=True, blank=True)  # noqa: DJ001
    ico_number = models.CharField("ICO registration number", max_length=8)
    companies_house_number = models.CharField("Companies House number", max_length=8, blank=True)
    purpose = models.TextField()
    expected_volumes = models.CharField(max_length=16, choices=ExpectedVolume.choices)
    contact_name = models.CharField(max_length=150)
    contact_job_title = models.CharField(max_length=100)
    contact_email = models.EmailField(max_length=254)
    contact_telephone = models.CharField(max_length=30)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    super_user = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            # Two pending applications for one provider would race to create it; the
            # service refuses the second with a message, this catches simultaneous ones.
            models.UniqueConstraint(
                fields=["ukprn"],
                condition=models.Q(status="submitted"),
                name="one_pending_application_per_ukprn",
            ),
            models.UniqueConstraint(
                fields=["urn"],
                condition=models.Q(status="submitted", urn__isnull=False),
                name="one_pending_application_per_urn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.name} ({self.ukprn})"

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPE_LABELS[OrganisationType(self.type)]

    @property
    def is_pending(self) -> bool:
        return self.status == ApplicationStatus.SUBMITTED

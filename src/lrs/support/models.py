"""Support requests to the service desk, their conversation and their attachments."""

from __future__ import annotations

from django.db import models

from lrs.support.lifecycle import CATEGORY_LABELS, STATUS_LABELS, Category, Status


class SupportRequest(models.Model):
    reference = models.CharField(max_length=16, unique=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(
        max_length=16, choices=[(c.value, CATEGORY_LABELS[c]) for c in Category], db_index=True
    )
    summary = models.CharField(max_length=100)
    description = models.TextField(max_length=4000, blank=True)
    # The ULNs a request is about, in the order the user gave them (none for most).
    ulns = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16,
        choices=[(s.value, STATUS_LABELS[s]) for s in Status],
        default=Status.OPEN.value,
        db_index=True,
    )
    assigned_to = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    # The pairs a "two ULNs" report put in the duplicate review queue.
    pairs = models.ManyToManyField(
        "duplicates.DuplicatePair", blank=True, related_name="support_requests"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_uln_problem(self) -> bool:
        return self.category in (Category.TWO_ULNS, Category.SHARED_ULN, Category.DETAILS_WRONG)


class SupportMessage(models.Model):
    """One turn of the conversation. No author: a note the service wrote itself (a merge
    or a decision about a reported pair)."""

    request = models.ForeignKey(SupportRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_service_desk = models.BooleanField()
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["request", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} at {self.created_at:%Y-%m-%d %H:%M}"


class SupportAttachment(models.Model):
    """A file sent with a request or a reply; stored privately, served only to those who
    may see the request."""

    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        SupportMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

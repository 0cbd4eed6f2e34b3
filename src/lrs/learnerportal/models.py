"""Learners' side of LRS: who signed in (and which ULN that proved them to be), the
shares they make and who opened them, PDFs issued, their reports of problems, paper
requests from people who cannot sign in, and tokens for apps acting for them."""

from __future__ import annotations

import uuid

from django.db import models


class LearnerIdentity(models.Model):
    """A person signed in with an identity provider, linked to the learner an exact match
    found. Only an exact match ever creates or changes the link."""

    provider = models.CharField(max_length=32)
    subject = models.CharField(max_length=255)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    # For emails that say something happened (never what): from the provider, verified.
    email = models.EmailField(blank=True)
    linked_at = models.DateTimeField()
    last_signed_in_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="one_identity_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.pk}"

    @property
    def audit_label(self) -> str:
        """How the audit log names this person: never their name or a ULN."""
        return f"learner:{self.pk}"


class Share(models.Model):
    """Part or all of a PLR, shared by its learner through a link and an access code."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The link's secret part; with the code, it opens the share.
    link_key = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=255)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(LearnerIdentity, on_delete=models.PROTECT, related_name="shares")
    recipient = models.CharField(max_length=100)
    all_events = models.BooleanField(default=True)
    events = models.ManyToManyField("records.LearningEvent", blank=True, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    # The learner lets the recipient download what is shared as a signed credential (a
    # CLR), which they keep after the share ends; those issued are listed here.
    offers_credential = models.BooleanField(default=False)
    credentials = models.ManyToManyField(
        "credentials.IssuedCredential", blank=True, related_name="shares"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share {self.public_id}"


class ShareView(models.Model):
    """A recipient entered the right code and saw the share."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-viewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.share_id} at {self.viewed_at:%Y-%m-%d %H:%M}"


class PlrDocument(models.Model):
    """A PDF of a PLR as issued: its reference lets anyone check it is genuine."""

    reference = models.CharField(max_length=24, unique=True)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    # "learner" (downloaded when signed in) or "paper" (sent after a paper request).
    issued_through = models.CharField(max_length=16)
    # What the PDF says, so a check shows exactly that even if the record changes later.
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class ReportKind(models.TextChoices):
    EVENT = "event", "A learning event is wrong"
    DETAILS = "details", "My personal details are wrong"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    CHALLENGE_RAISED = "challenge_raised", "Challenge raised"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class LearnerReport(models.Model):
    """A learner's report of a problem with their record, for the service desk."""

    reference = models.CharField(max_length=16, unique=True)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    identity = models.ForeignKey(LearnerIdentity, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=16, choices=ReportKind.choices)
    event = models.ForeignKey(
        "records.LearningEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explanation = models.TextField(max_length=4000)
    status = models.CharField(
        max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECEIVED, db_index=True
    )
    challenge = models.ForeignKey(
        "challenges.Challenge", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    handled_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class PaperStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    SENT = "sent", "Copy sent"
    REFUSED = "refused", "Refused"


class PaperRequest(models.Model):
    """A request for a copy of a PLR from someone who cannot sign in with One Login."""

    reference = models.CharField(max_length=16, unique=True)
    given_name = models.CharField(max_length=35)
    family_name = models.CharField(max_length=35)
    previous_family_name = models.CharField(max_length=35, blank=True)
    date_of_birth = models.DateField()
    postcode = models.CharField(max_length=9)
    uln = models.CharField(max_length=10, blank=True)
    email = models.EmailField()
    status = models.CharField(
        max_length=16, choices=PaperStatus.choices, default=PaperStatus.RECEIVED, db_index=True
    )
    learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_reason = models.TextField(blank=True)
    link_hash = models.CharField(max_length=64, blank=True, db_index=True)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    link_used_at = models.DateTimeField(null=True, blank=True)
    document = models.ForeignKey(
        PlrDocument, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.reference


class PaperEvidence(models.Model):
    """Proof of identity sent with a paper request; private, seen only by the desk."""

    request = models.ForeignKey(PaperRequest, on_delete=models.CASCADE, related_name="evidence")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_path = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class LearnerToken(models.Model):
    """A token an app uses to read the learner's own record through the API."""

    identity = models.ForeignKey(LearnerIdentity, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

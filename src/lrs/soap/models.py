"""Web-service credentials: one organisation password per organisation, as the real
service has it (UKPRN, user name and a 16-character organisation password)."""

from __future__ import annotations

from django.db import models


class WebServiceCredential(models.Model):
    """The organisation's web-service password, stored only as its SHA-256 digest (hex).

    The service generates the password (16 random letters and digits, about 95 bits), so
    a fast hash is safe, as for API tokens; see lrs.soap.services.password_digest.

    One row per organisation, kept when revoked (``password_hash`` emptied) so the page
    can still say who did what and when.
    """

    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="ws_credential"
    )
    password_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rotation_count = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "web service credential"

    def __str__(self) -> str:
        return f"Web service credential of {self.organisation_id}"

    @property
    def is_usable(self) -> bool:
        return bool(self.password_hash) and self.revoked_at is None

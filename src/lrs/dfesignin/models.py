from __future__ import annotations

from django.db import models


class DfeSignInAccount(models.Model):
    """An LRS user who signs in with DfE Sign-in: one per DfE Sign-in person and LRS
    organisation, so a person who works for two organisations has two LRS users and a
    sign-in for one never opens the other."""

    subject = models.CharField(max_length=255)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        "users.User", on_delete=models.PROTECT, related_name="dfe_sign_in_account"
    )
    dfe_organisation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "organisation"], name="dfe_sign_in_one_user_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"DfE Sign-in account of {self.user_id}"

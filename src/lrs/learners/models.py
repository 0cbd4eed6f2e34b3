"""The learner register: one row per ULN, with indexed blocking keys for matching."""

from __future__ import annotations

from django.db import models

from lrs.matching import KEY_MAX_LENGTHS
from lrs.validation.learner import ABILITY_TO_SHARE, GENDERS, VERIFICATION_TYPES


class LearnerStatus(models.TextChoices):
    # The wire codes of LearnerStatus: 0 active, 1 linked (merged into a master), 2 closed.
    ACTIVE = "0", "Active"
    LINKED = "1", "Linked"
    CLOSED = "2", "Closed"


class Learner(models.Model):
    uln = models.CharField("ULN", max_length=10, unique=True)
    status = models.CharField(
        max_length=1, choices=LearnerStatus.choices, default=LearnerStatus.ACTIVE
    )
    master = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="linked_learners",
        help_text="For a linked learner: the master record it was merged into",
    )

    title = models.CharField(max_length=35, blank=True)
    given_name = models.CharField(max_length=35)
    middle_other_name = models.CharField(max_length=35, blank=True)
    family_name = models.CharField(max_length=35)
    preferred_given_name = models.CharField(max_length=35, blank=True)
    previous_family_name = models.CharField(max_length=35, blank=True)
    family_name_at_16 = models.CharField(max_length=35, blank=True)
    school_at_16 = models.CharField(max_length=254, blank=True)
    last_known_address_line1 = models.CharField(max_length=50, blank=True)
    last_known_address_line2 = models.CharField(max_length=50, blank=True)
    last_known_address_town = models.CharField(max_length=50, blank=True)
    last_known_address_county_or_city = models.CharField(max_length=50, blank=True)
    last_known_postcode = models.CharField(max_length=9)
    date_of_address_capture = models.DateField(null=True, blank=True)
    date_of_birth = models.DateField()
    place_of_birth = models.CharField(max_length=35, blank=True)
    gender = models.CharField(max_length=1, choices=list(GENDERS.items()))
    email_address = models.CharField(max_length=254, blank=True)
    nationality = models.CharField(max_length=3, blank=True)
    scottish_candidate_number = models.CharField(max_length=9, blank=True)
    verification_type = models.CharField(max_length=3, choices=list(VERIFICATION_TYPES.items()))
    other_verification_description = models.CharField(max_length=255, blank=True)
    ability_to_share = models.CharField(max_length=1, choices=list(ABILITY_TO_SHARE.items()))
    notes = models.TextField(max_length=4000, blank=True)

    version_number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    created_by_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )

    # The five mandatory demographics, normalised, to refuse an exact re-registration
    # (WSRC0021) with one index lookup.
    demographics_key = models.CharField(max_length=64, db_index=True)
    # The normalised forms a find scores this learner by (lrs.matching.stored_form), so a
    # candidate is never normalised again. One compact column rather than one per form:
    # nothing queries them, a find reads them whole with the candidate, and a change to
    # what is stored is a new version tag and a re-key, not a schema change. NULL (or an
    # older tag) until ``lrs learners rekey`` has reached the row: the find then
    # normalises the candidate as it always did.
    match_form = models.TextField(null=True, blank=True)  # noqa: DJ001 (NULL: not re-keyed)

    class Meta:
        ordering = ["uln"]

    def __str__(self) -> str:
        return self.uln


# Blocking keys (see lrs.matching.keys): a find looks candidates up through these indexed
# columns and never scans the register. The engine names them; a change there needs a
# migration here (a test runs makemigrations --check).
for _column, _length in KEY_MAX_LENGTHS.items():
    Learner.add_to_class(_column, models.CharField(max_length=_length, null=True, db_index=True))


class LearnerChange(models.Model):
    """The history of a learner: every change, who made it and the old and new values."""

    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="changes")
    version_number = models.PositiveIntegerField()
    changed_at = models.DateTimeField()
    action = models.CharField(max_length=32)
    actor = models.ForeignKey("users.User", null=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["learner", "version_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "version_number"], name="one_change_per_learner_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} v{self.version_number} {self.action}"


class LearnerAccess(models.Model):
    """That an organisation has been shown a learner (by a find, register, update, batch).

    The portal opens a learner's record by ULN only for organisations that have already
    found that learner through the proper route (demographics, or a ULN with the right
    names): knowing a ULN alone never reveals whose it is.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="+")
    first_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "learner"], name="one_access_per_organisation_learner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} saw {self.learner_id}"


class LearnerRekey(models.Model):
    """Progress of ``lrs learners rekey`` towards one version of the keys and stored forms.

    The command walks the register in id order and commits ``next_id`` with each batch,
    so a run that is stopped carries on where it stopped. Until ``finished_at`` is set,
    finds also look up the keys older rows may still hold (lrs.matching.query_keys with
    ``legacy=True``), so a half re-keyed register still finds everyone.
    """

    version = models.CharField(max_length=16, unique=True)
    next_id = models.BigIntegerField(default=0)
    rows_rewritten = models.BigIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "finished" if self.finished_at else f"at id {self.next_id}"
        return f"rekey {self.version} {state}"

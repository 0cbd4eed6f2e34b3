"""Editions of the published lists.

An edition is frozen when it is published: its rows are copied into ``entries`` as the
text shown and downloaded, so an old edition reads and downloads exactly as it was
published, however the organisations change afterwards.
"""

from __future__ import annotations

from django.db import models


class ListKind(models.TextChoices):
    LEARNING_PROVIDERS = "learning_providers", "Learning providers"
    AWARDING_ORGANISATIONS = "awarding_organisations", "Awarding organisations"


class EditionReason(models.TextChoices):
    MONTHLY = "monthly", "Monthly edition"
    CHANGED = "changed", "The list changed"
    REQUESTED = "requested", "Published on request"


class ListEdition(models.Model):
    kind = models.CharField(max_length=32, choices=ListKind.choices)
    # 1, 2, 3… within the kind; the unique constraint is what stops two publishers who
    # read the same latest edition at the same moment from both publishing.
    number = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    # None when the service published it by itself (or the operator did, from the console:
    # the audit entry's channel says which).
    published_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=EditionReason.choices)
    # The first Tuesday a monthly edition is for; only monthly editions have one, and a
    # month has at most one (the constraint below), whatever number of workers race.
    due_on = models.DateField(null=True, blank=True)
    # [{"ukprn": …, "name": …, "type": …, "la_code": …, "status": …, "date_added": …}]
    # as text, in list order.
    entries = models.JSONField(default=list)
    # {"added": [row…], "removed": [row…], "changed": [{"ukprn", "name", "fields":
    # [{"field", "before", "after"}]}]} against the edition numbered one less; empty
    # for a first edition.
    changes = models.JSONField(default=dict)
    # SHA-256 of the entries, so "has the list changed?" needs no entries loaded.
    fingerprint = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField(default=0)
    added_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)
    changed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="one_list_edition_number"),
            models.UniqueConstraint(
                fields=["kind", "due_on"],
                condition=models.Q(due_on__isnull=False),
                name="one_monthly_list_edition",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} edition {self.number}"

    @property
    def kind_label(self) -> str:
        return ListKind(self.kind).label

    @property
    def is_first(self) -> bool:
        return self.number == 1

    @property
    def has_changes(self) -> bool:
        return bool(self.added_count or self.removed_count or self.changed_count)

    @property
    def changes_summary(self) -> str:
        """e.g. "2 added, 1 changed", for tables of editions."""
        if self.is_first:
            return "First edition"
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.added_count, "added"),
                (self.removed_count, "removed"),
                (self.changed_count, "changed"),
            )
            if count
        ]
        return ", ".join(parts) if parts else "No changes"

    @property
    def reason_text(self) -> str:
        # Public pages say who published in general terms, never which person.
        return {
            EditionReason.MONTHLY: "Monthly edition, on the first Tuesday of the month",
            EditionReason.CHANGED: "Published because the list changed",
            EditionReason.REQUESTED: "Published by the LRS service desk",
        }[EditionReason(self.reason)]

"""Merges of duplicate learners, the pairs proposed for review, and the scans that find
them."""

from __future__ import annotations

from django.db import models


class PairStatus(models.TextChoices):
    OPEN = "open", "Awaiting review"
    MERGED = "merged", "Merged"
    NOT_SAME = "not_same", "Not the same person"
    # One of the two was merged into a third learner or closed while the pair waited.
    SUPERSEDED = "superseded", "No longer applies"


class PairSource(models.TextChoices):
    SCAN = "scan", "Duplicate scan"
    REPORT = "report", "Reported by a user"
    SERVICE_DESK = "service_desk", "Service desk"


class DuplicatePair(models.Model):
    """Two learners who may be one person. One row per pair, ever: a pair marked "not the
    same person" keeps its row, so no later scan can propose it again."""

    # first.id < second.id, so a pair has exactly one row whichever way it was found.
    first = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    second = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    # The matching engine's per-field explanation: [{"field", "level", "weight"}, ...].
    explanation = models.JSONField(default=list)
    status = models.CharField(
        max_length=16, choices=PairStatus.choices, default=PairStatus.OPEN, db_index=True
    )
    source = models.CharField(max_length=16, choices=PairSource.choices)
    found_at = models.DateTimeField()
    scan = models.ForeignKey(
        "DuplicateScan", null=True, blank=True, on_delete=models.SET_NULL, related_name="pairs"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    merge = models.ForeignKey(
        "LearnerMerge", null=True, blank=True, on_delete=models.PROTECT, related_name="pairs"
    )

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_row_per_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="pair_in_id_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "score"]), models.Index(fields=["second"])]

    def __str__(self) -> str:
        return f"{self.first_id}~{self.second_id} ({self.status})"


class LearnerMerge(models.Model):
    """One merge: the master, who was linked to it, and everything that moved, so that an
    unmerge can put back exactly what was there before."""

    master = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    merged_by = models.ForeignKey("users.User", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    # What the merge changed, as it was before: {"learners": [{id, uln, status, master_id}],
    # "events": [[event id, learner id]], "challenges": [[id, learner id]],
    # "batch_rows": [[id, uln]], "access": [new LearnerAccess ids], "pairs": [[id, status]]}.
    before = models.JSONField(default=dict)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unmerge_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"merge {self.pk} into {self.master_id}"

    @property
    def linked_ulns(self) -> list[str]:
        return [entry["uln"] for entry in self.before.get("learners", [])]

    @property
    def is_undone(self) -> bool:
        return self.unmerged_at is not None


class ScanStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETE = "complete", "Complete"
    FAILED = "failed", "Failed"


class DuplicateScan(models.Model):
    """One pass of the duplicate finder over the whole register."""

    status = models.CharField(
        max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED, db_index=True
    )
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        "users.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progressed_at = models.DateTimeField(null=True, blank=True)
    # Blocking-key columns finished so far, of how many.
    columns_done = models.PositiveIntegerField(default=0)
    columns_total = models.PositiveIntegerField(default=0)
    learners = models.PositiveIntegerField(default=0)
    blocks = models.PositiveIntegerField(default=0)
    # Blocks too large to compare pair by pair (a key value shared by very many people).
    oversized_blocks = models.PositiveIntegerField(default=0)
    comparisons = models.PositiveBigIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    pairs_new = models.PositiveIntegerField(default=0)
    failure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ScanStatus.COMPLETE, ScanStatus.FAILED)

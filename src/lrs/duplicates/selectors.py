"""Reads for the service desk's duplicate review: pairs, merges and scans. Everything
here is for those who may merge learners (the service desk) and nobody else."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.duplicates.models import DuplicatePair, DuplicateScan, LearnerMerge, PairStatus
from lrs.learners.models import Learner
from lrs.users.models import User


def _require(actor: User) -> None:
    if not actor.can(Capability.MERGE_LEARNERS):
        raise NotPermitted("Only the service desk reviews duplicate learners")


def duplicate_pairs(
    *, actor: User, status: str | None = PairStatus.OPEN, uln: str = ""
) -> QuerySet[DuplicatePair]:
    """Pairs, best score first; ``uln`` narrows to pairs with that learner."""
    _require(actor)
    pairs = DuplicatePair.objects.select_related("first", "second", "decided_by", "scan")
    if status:
        pairs = pairs.filter(status=status)
    if uln:
        pairs = pairs.filter(Q(first__uln=uln) | Q(second__uln=uln))
    return pairs.order_by("-score", "id")


def duplicate_pair_get(*, actor: User, pair_id: int) -> DuplicatePair:
    _require(actor)
    pair = (
        DuplicatePair.objects.select_related("first", "second", "decided_by", "merge")
        .filter(pk=pair_id)
        .first()
    )
    if pair is None:
        raise NotFound("There is no such pair")
    return pair


def learner_merges(*, actor: User, uln: str = "") -> QuerySet[LearnerMerge]:
    """Merges, newest first; ``uln`` narrows to merges into or of that learner."""
    _require(actor)
    merges = LearnerMerge.objects.select_related("master", "merged_by", "unmerged_by")
    if uln:
        learner = Learner.objects.filter(uln=uln).first()
        if learner is None:
            return merges.none()
        if connection.features.supports_json_field_contains:
            linked = Q(before__learners__contains=[{"id": learner.pk}])
        else:
            linked = Q(pk__in=_merges_of(learner))
        merges = merges.filter(Q(master=learner) | linked)
    return merges.order_by("-merged_at", "-id")


def _merges_of(learner: Learner) -> list[int]:
    # SQLite has no JSON containment: the ULN's text narrows the merges down in the
    # database, and the learner's id in each one's list decides.
    return [
        merge.pk
        for merge in LearnerMerge.objects.filter(before__icontains=learner.uln).only("pk", "before")
        if any(entry["id"] == learner.pk for entry in merge.before.get("learners", []))
    ]


def learner_merge_get(*, actor: User, merge_id: int) -> LearnerMerge:
    _require(actor)
    merge = (
        LearnerMerge.objects.select_related("master", "merged_by", "unmerged_by")
        .filter(pk=merge_id)
        .first()
    )
    if merge is None:
        raise NotFound("There is no such merge")
    return merge


def learners_linked_to(*, actor: User, master: Learner) -> list[Learner]:
    """The learners merged into ``master``, listed on the master's record."""
    _require(actor)
    return list(Learner.objects.filter(master=master).order_by("uln"))


def duplicate_scans(*, actor: User) -> QuerySet[DuplicateScan]:
    _require(actor)
    return DuplicateScan.objects.select_related("requested_by").order_by("-requested_at", "-id")


def duplicate_queue_size(*, actor: User) -> int:
    _require(actor)
    return DuplicatePair.objects.filter(status=PairStatus.OPEN).count()

"""Merging duplicate learners, undoing a merge, and deciding about proposed pairs.

A merge makes one learner the master and links the others to it. Everything that hangs
off a linked learner and should follow the person moves to the master: learning events,
open challenges, batch results (the ULN a batch returned) and which organisations have
seen the learner. The merge keeps, in ``LearnerMerge.before``, exactly what it changed,
so an unmerge puts back what was there: nothing is inferred afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.services import audit_record
from lrs.batches.services import batch_rows_relabel, batch_rows_relabel_undo
from lrs.challenges.services import challenges_relink, challenges_relink_undo
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.core.services import scheduled_run_claim
from lrs.duplicates.models import (
    DuplicatePair,
    DuplicateScan,
    LearnerMerge,
    PairSource,
    PairStatus,
    ScanStatus,
)
from lrs.duplicates.signals import merge_undone, pairs_decided
from lrs.duplicates.tasks import run_duplicate_scan
from lrs.identifiers import uln as uln_rules
from lrs.learners.models import Learner, LearnerAccess, LearnerStatus
from lrs.learners.selectors import PERSON_FIELDS
from lrs.learners.services import (
    learner_access_copy,
    learner_access_copy_undo,
    learner_demographics,
    learner_link,
    learner_link_undo,
)
from lrs.matching import default_scorer
from lrs.records.models import LearningEvent
from lrs.records.services import event_move
from lrs.users.models import User

MAX_REASON = 1000
# At most this many ULNs in one merge: more is a sign of a mistake, not of one person.
MAX_MERGE = 10


def _require(actor: User) -> None:
    if not actor.can(Capability.MERGE_LEARNERS):
        raise NotPermitted("Only the service desk merges learners")


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldProblem(field, "Enter the reason")])
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            [FieldProblem(field, f"The reason must be {MAX_REASON:,} characters or fewer")]
        )
    return reason


def _lock_learners(ulns: Sequence[str]) -> dict[str, Learner]:
    # In ULN order, so two merges over the same learners wait for each other rather than
    # deadlock.
    return {
        learner.uln: learner
        for learner in Learner.objects.select_for_update()
        .filter(uln__in=sorted(ulns))
        .order_by("uln")
    }


def _lock_open_pair(pair: DuplicatePair) -> DuplicatePair:
    locked = DuplicatePair.objects.select_for_update().filter(pk=pair.pk).first()
    if locked is None:
        raise NotFound("There is no such pair")
    if locked.status != PairStatus.OPEN:
        raise Conflict("pair_decided", "Someone has already decided about this pair")
    return locked


def _check_merge(master_uln: str, other_ulns: Sequence[str]) -> tuple[str, list[str]]:
    problems: list[FieldProblem] = []
    master_uln = (master_uln or "").strip()
    others = [u.strip() for u in other_ulns if u and u.strip()]
    if not uln_rules.check(master_uln).valid:
        problems.append(FieldProblem("master_uln", "Enter the master's ULN: 10 digits"))
    if not others:
        problems.append(FieldProblem("other_ulns", "Enter at least one ULN to link to the master"))
    for uln in others:
        if not uln_rules.check(uln).valid:
            problems.append(FieldProblem("other_ulns", f"{uln} is not a valid ULN"))
    if master_uln in others:
        problems.append(FieldProblem("other_ulns", "The master cannot be linked to itself"))
    if len(set(others)) != len(others):
        problems.append(FieldProblem("other_ulns", "A ULN is listed twice"))
    if len(others) + 1 > MAX_MERGE:
        problems.append(
            FieldProblem("other_ulns", f"A merge joins at most {MAX_MERGE} ULNs at once")
        )
    if problems:
        raise ValidationFailed(problems)
    return master_uln, others


def _check_mergeable(
    locked: dict[str, Learner], wanted: Sequence[str], pair: DuplicatePair | None
) -> DuplicatePair | None:
    """Refuse a merge of missing, closed or already linked learners, or of a pair that
    is not theirs; returns the pair, locked, if there is one."""
    missing = [u for u in wanted if u not in locked]
    if missing:
        raise NotFound(f"No learner has the ULN {', '.join(missing)}")
    if pair is not None:
        pair = _lock_open_pair(pair)
        if not {pair.first_id, pair.second_id} <= {lr.pk for lr in locked.values()}:
            raise ValidationFailed(
                [FieldProblem("other_ulns", "Merge the two learners of the pair, not others")]
            )
    for learner in locked.values():
        if learner.status == LearnerStatus.CLOSED:
            raise Conflict("learner_closed", f"{learner.uln} is closed and cannot be merged")
        if learner.status == LearnerStatus.LINKED:
            raise Conflict(
                "learner_linked",
                f"{learner.uln} is already linked to another master; "
                "undo that merge first, or merge into its master",
            )
    return pair


def _decide_pairs(
    *, actor: User, merge: LearnerMerge, moved_ids: list[int], reason: str
) -> list[DuplicatePair]:
    """Open pairs with a learner now linked are decided: merged when both are in the
    group, no longer applying when the other is someone else (a scan compares that
    person with the master instead). Pairs of the master alone stay open: the master
    is still a learner in its own right."""
    group = {merge.master_id, *moved_ids}
    pairs = list(
        DuplicatePair.objects.select_for_update()
        .filter(Q(first_id__in=moved_ids) | Q(second_id__in=moved_ids), status=PairStatus.OPEN)
        .order_by("pk")
    )
    for p in pairs:
        inside = p.first_id in group and p.second_id in group
        p.status = PairStatus.MERGED if inside else PairStatus.SUPERSEDED
        p.decided_at = merge.merged_at
        p.decided_by = actor
        p.decision_reason = reason
        p.merge = merge
        p.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "merge"])
    _tell_reporters(actor, pairs, merge)
    return pairs


@transaction.atomic
def learners_merge(
    *,
    actor: User,
    master_uln: str,
    other_ulns: Sequence[str],
    reason: str,
    pair: DuplicatePair | None = None,
) -> LearnerMerge:
    """Link ``other_ulns`` to the master ``master_uln``: one person, one record.

    Each app moves what it owns (the learners, their events, open challenges, batch
    results and access); what each returns is kept in ``LearnerMerge.before`` for the
    undo, and the merge is audited as one.
    """
    _require(actor)
    master_uln, others = _check_merge(master_uln, other_ulns)
    reason = _reason(reason)
    locked = _lock_learners([master_uln, *others])
    pair = _check_mergeable(locked, [master_uln, *others], pair)
    master = locked[master_uln]
    linked_ids = [locked[u].pk for u in others]
    merge = LearnerMerge.objects.create(
        master=master, merged_at=timezone.now(), merged_by=actor, reason=reason
    )
    # A linked learner that was itself a master: its own linked learners now follow the
    # new master too, so that no query ever lands on a linked record.
    followers = list(
        Learner.objects.select_for_update().filter(master_id__in=linked_ids).order_by("uln")
    )
    before: dict[str, Any] = {
        "learners": [
            learner_link(actor=actor, learner=learner, master=master)
            for learner in [*(locked[u] for u in others), *followers]
        ]
    }
    moved_ids = [entry["id"] for entry in before["learners"]]
    moved_ulns = [entry["uln"] for entry in before["learners"]]
    before["events"] = []
    for event in (
        LearningEvent.objects.select_for_update().filter(learner_id__in=moved_ids).order_by("pk")
    ):
        before["events"].append([event.pk, event.learner_id])
        event_move(
            actor=actor, event=event, learner=master, reason=f"Learners merged: {reason}"[:255]
        )
    before["challenges"] = challenges_relink(learner_ids=moved_ids, to_learner_id=master.pk)
    before["batch_rows"] = batch_rows_relabel(ulns=moved_ulns, to_uln=master.uln)
    before["access"] = learner_access_copy(
        from_learner_ids=moved_ids, to_learner=master, now=merge.merged_at
    )
    pairs = _decide_pairs(actor=actor, merge=merge, moved_ids=moved_ids, reason=reason)
    before["pairs"] = [[p.pk, PairStatus.OPEN.value] for p in pairs]
    merge.before = before
    merge.save(update_fields=["before"])
    audit_record(
        action="learner.merge",
        actor=actor,
        object_type="uln",
        object_id=master.uln,
        detail={
            "merge": merge.pk,
            "master": master.uln,
            "linked": moved_ulns,
            "events": len(before["events"]),
            "challenges": len(before["challenges"]),
            "batch_rows": len(before["batch_rows"]),
            "access": len(before["access"]),
            "pairs": [p.pk for p in pairs],
            "reason": reason,
        },
    )
    return merge


def _lock_merged(merge: LearnerMerge, ids: list[int]) -> tuple[Learner, dict[int, Learner]]:
    """The master and the learners ``merge`` linked, locked; refused while a later merge
    builds on this one."""
    # All in ULN order, as a merge locks them, so that a merge and an unmerge of the same
    # learners wait for each other rather than deadlock.
    learners = {
        learner.pk: learner
        for learner in Learner.objects.select_for_update()
        .filter(pk__in=[merge.master_id, *ids])
        .order_by("uln")
    }
    master = learners.pop(merge.master_id)
    if master.status != LearnerStatus.ACTIVE or any(
        learners[i].master_id != master.pk or learners[i].status != LearnerStatus.LINKED
        for i in ids
    ):
        raise Conflict(
            "merge_superseded",
            "A later merge involves these learners; undo the later merge first",
        )
    return master, learners


def _events_back(
    *, actor: User, master: Learner, learners: dict[int, Learner], before: Any, reason: str
) -> tuple[dict[int, list[int]], list[str]]:
    """Events go back only if they are still where the merge put them: one a challenge
    has since moved to another learner stays there (and is reported in the audit entry).
    Returns the events returned, by learner id, and the public ids of those left alone."""
    back = {int(event_id): int(learner_id) for event_id, learner_id in before.get("events", [])}
    left_alone = []
    returned: dict[int, list[int]] = {}
    for event in LearningEvent.objects.select_for_update().filter(pk__in=list(back)).order_by("pk"):
        if event.learner_id != master.pk:
            left_alone.append(str(event.public_id))
            continue
        event_move(
            actor=actor,
            event=event,
            learner=learners[back[event.pk]],
            reason=f"Merge undone: {reason}"[:255],
        )
        returned.setdefault(back[event.pk], []).append(event.pk)
    return returned, left_alone


@transaction.atomic
def learners_unmerge(*, actor: User, merge: LearnerMerge, reason: str) -> LearnerMerge:
    """Put back exactly what ``merge`` changed.

    Refused while a later merge builds on this one (the master was itself merged since,
    or a linked learner was moved on): undo the later one first.
    """
    _require(actor)
    reason = _reason(reason)
    merge = LearnerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        raise Conflict("already_unmerged", "This merge has already been undone")
    before = merge.before
    entries = before.get("learners", [])
    master, learners = _lock_merged(merge, [entry["id"] for entry in entries])
    uln_of = {learner.pk: learner.uln for learner in learners.values()}
    for entry in entries:
        learner_link_undo(
            actor=actor,
            learner=learners[entry["id"]],
            master=master,
            before=entry,
            previous_master_uln=uln_of.get(entry["master_id"]),
        )
    returned, left_alone = _events_back(
        actor=actor, master=master, learners=learners, before=before, reason=reason
    )
    challenges_relink_undo(
        moved=before.get("challenges", []), master_id=master.pk, events_returned=returned
    )
    batch_rows_relabel_undo(rows=before.get("batch_rows", []), from_uln=master.uln)
    learner_access_copy_undo(master=master, access_ids=before.get("access", []))
    reopened = []
    for pair_id, status in before.get("pairs", []):
        if DuplicatePair.objects.filter(pk=pair_id, merge=merge).update(
            status=status, decided_at=None, decided_by=None, decision_reason="", merge=None
        ):
            reopened.append(pair_id)
    _tell_reporters_merge_undone(actor, merge, reopened)
    merge.unmerged_at = timezone.now()
    merge.unmerged_by = actor
    merge.unmerge_reason = reason
    merge.save(update_fields=["unmerged_at", "unmerged_by", "unmerge_reason"])
    audit_record(
        action="learner.unmerge",
        actor=actor,
        object_type="uln",
        object_id=master.uln,
        detail={
            "merge": merge.pk,
            "master": master.uln,
            "unlinked": [entry["uln"] for entry in entries],
            "events_left_alone": left_alone,
            "reason": reason,
        },
    )
    return merge


def _tell_reporters(
    actor: User, pairs: Sequence[DuplicatePair], merge: LearnerMerge | None
) -> None:
    pairs_decided.send(sender=DuplicatePair, actor=actor, pairs=pairs, merge=merge)


def _tell_reporters_merge_undone(actor: User, merge: LearnerMerge, pair_ids: list[int]) -> None:
    merge_undone.send(sender=LearnerMerge, actor=actor, merge=merge, pair_ids=pair_ids)


# --- Proposed pairs ---------------------------------------------------------------------


def _explanation(result: Any) -> list[dict[str, Any]]:
    return [{"field": e.field, "level": e.level, "weight": e.weight} for e in result.explanation]


def _pair_score(first: Learner, second: Learner) -> tuple[float, list[dict[str, Any]]]:
    # Scored as the scan scores a pair (the lower id as the query), so that a pair has
    # the same score and explanation however it reached the queue.
    values = {f: getattr(first, f) for f in PERSON_FIELDS}
    other = {f: getattr(second, f) for f in PERSON_FIELDS}
    result = default_scorer().score(learner_demographics(values), learner_demographics(other))
    return round(result.score, 4), _explanation(result)


@transaction.atomic
def duplicate_pair_propose(
    *, actor: User | None, first_uln: str, second_uln: str, source: str = PairSource.SERVICE_DESK
) -> DuplicatePair:
    """Put two learners in the review queue (a user's report, or the service desk's own
    suspicion). A pair already decided "not the same person" stays decided.

    A user reporting a pair (``PairSource.REPORT``) names learners their organisation has
    been shown; any other ULN is "not found", so a report never confirms that someone
    holds a number. Only active learners are proposed: a linked one has its master, and a
    closed one is gone.
    """
    if source not in PairSource.values:
        raise ValidationFailed([FieldProblem("source", "Unknown source of a proposed pair")])
    if actor is not None and source != PairSource.REPORT:
        _require(actor)
    problems = [
        FieldProblem(name, "Enter a valid ULN: 10 digits")
        for name, uln in (("first_uln", first_uln), ("second_uln", second_uln))
        if not uln_rules.check((uln or "").strip()).valid
    ]
    if problems:
        raise ValidationFailed(problems)
    ulns = sorted({first_uln.strip(), second_uln.strip()})
    if len(ulns) != 2:
        raise ValidationFailed([FieldProblem("second_uln", "Enter two different ULNs")])
    learners = {lr.uln: lr for lr in Learner.objects.filter(uln__in=ulns)}
    if (
        actor is not None
        and source == PairSource.REPORT
        and not actor.can(Capability.MERGE_LEARNERS)
    ):
        seen = set(
            LearnerAccess.objects.filter(
                organisation_id=actor.organisation_id,
                learner_id__in=[lr.pk for lr in learners.values()],
            ).values_list("learner_id", flat=True)
        )
        learners = {uln: lr for uln, lr in learners.items() if lr.pk in seen}
    missing = [u for u in ulns if u not in learners]
    if missing:
        raise NotFound(f"No learner has the ULN {', '.join(missing)}")
    a, b = sorted(learners.values(), key=lambda lr: lr.pk)
    existing = DuplicatePair.objects.filter(first=a, second=b).first()
    if existing is not None:
        return existing
    for learner in (a, b):
        if learner.status != LearnerStatus.ACTIVE:
            raise Conflict(
                "learner_not_active",
                f"{learner.uln} is {learner.get_status_display().lower()}: "
                "only active learners can be proposed as duplicates",
            )
    score, explanation = _pair_score(a, b)
    try:
        # A savepoint: the scan, or a second person reporting the same pair, may have
        # added it since the look-up above.
        with transaction.atomic():
            pair = DuplicatePair.objects.create(
                first=a,
                second=b,
                score=score,
                explanation=explanation,
                source=source,
                found_at=timezone.now(),
            )
    except IntegrityError:
        return DuplicatePair.objects.get(first=a, second=b)
    audit_record(
        action="duplicate.propose",
        actor=actor,
        object_type="duplicate_pair",
        object_id=str(pair.pk),
        detail={"ulns": [a.uln, b.uln], "source": source, "score": score},
    )
    return pair


@transaction.atomic
def duplicate_pair_mark_not_same(*, actor: User, pair: DuplicatePair, reason: str) -> DuplicatePair:
    """Remember that these two are different people: no scan proposes them again."""
    _require(actor)
    reason = _reason(reason)
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != PairStatus.OPEN:
        raise Conflict("pair_decided", "Someone has already decided about this pair")
    pair.status = PairStatus.NOT_SAME
    pair.decided_at = timezone.now()
    pair.decided_by = actor
    pair.decision_reason = reason
    pair.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    _tell_reporters(actor, [pair], None)
    audit_record(
        action="duplicate.not_same",
        actor=actor,
        object_type="duplicate_pair",
        object_id=str(pair.pk),
        detail={"ulns": [pair.first.uln, pair.second.uln], "reason": reason},
    )
    return pair


# --- Scans ------------------------------------------------------------------------------

DUPLICATE_SCAN = "duplicate_scan"


def _enqueue(scan: DuplicateScan) -> None:
    transaction.on_commit(lambda: run_duplicate_scan.enqueue(scan.pk))


@transaction.atomic
def duplicate_scan_request(*, actor: User | None) -> DuplicateScan:
    """Queue a scan of the whole register; refused while one is queued or running."""
    if actor is not None:
        _require(actor)
    if connection.vendor == "postgresql":
        # Locking the busy rows is not enough: when there are none, two requests at once
        # would both go ahead. SQLite's IMMEDIATE transactions serialise them already.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [DUPLICATE_SCAN])
    busy = DuplicateScan.objects.filter(status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING])
    if busy.exists():
        raise Conflict("scan_running", "A duplicate scan is already queued or running")
    scan = DuplicateScan.objects.create(requested_at=timezone.now(), requested_by=actor)
    audit_record(
        action="duplicate.scan_request",
        actor=actor,
        object_type="duplicate_scan",
        object_id=str(scan.pk),
    )
    _enqueue(scan)
    return scan


@transaction.atomic
def duplicate_scans_fail_stalled(*, now: dt.datetime | None = None) -> int:
    """Mark scans whose worker died as failed, so that the next one may start.

    A scan only adds pairs that are not yet in the queue, so starting over loses nothing.
    """
    now = now or timezone.now()
    stalled_before = now - dt.timedelta(seconds=settings.LRS_DUPLICATE_SCAN_STALL_SECONDS)
    return DuplicateScan.objects.filter(
        Q(status=ScanStatus.RUNNING)
        & (Q(progressed_at__lt=stalled_before) | Q(progressed_at__isnull=True))
        & Q(started_at__lt=stalled_before)
    ).update(
        status=ScanStatus.FAILED,
        finished_at=now,
        failure_reason="The worker stopped before the scan finished",
    )


def duplicate_scan_start_if_due(*, now: dt.datetime | None = None) -> DuplicateScan | None:
    """Called by every worker with each heartbeat: start the periodic scan when due."""
    duplicate_scans_fail_stalled(now=now)
    every = dt.timedelta(hours=settings.LRS_DUPLICATE_SCAN_HOURS)
    if every <= dt.timedelta(0):
        return None
    if DuplicateScan.objects.filter(status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING]).exists():
        # Claimed now, the interval would pass with nothing started: claim it once the
        # scan in hand has finished instead.
        return None
    if not scheduled_run_claim(DUPLICATE_SCAN, every=every, now=now):
        return None
    try:
        return duplicate_scan_request(actor=None)
    except Conflict:
        return None

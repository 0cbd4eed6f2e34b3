"""Raising support requests, the conversation with the service desk, and what happens to
a reported pair of ULNs when the service desk decides about it.

Every change is audited and emailed. Emails carry only the request's reference and a
link to it in the portal: never a ULN, a learner's details or what anyone wrote, which
stay inside the service.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lrs.access import Role
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.core.tasks import send_email
from lrs.core.uploads import upload_path, upload_store_all
from lrs.duplicates.models import DuplicatePair, LearnerMerge, PairSource, PairStatus
from lrs.duplicates.services import duplicate_pair_propose
from lrs.identifiers import uln as uln_rules
from lrs.learners.models import Learner, LearnerAccess
from lrs.support.lifecycle import (
    ACTIVE,
    CATEGORY_LABELS,
    FINISHED,
    STATUS_LABELS,
    ULN_COUNTS,
    Category,
    Party,
    Status,
    allowed,
)
from lrs.support.models import SupportAttachment, SupportMessage, SupportRequest
from lrs.users.models import User

MAX_SUMMARY = 100
MAX_TEXT = 4000
MAX_FILES = 5
UPLOAD_FOLDER = "support"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def party_of(actor: User, support_request: SupportRequest) -> Party | None:
    """Which side of the request the actor is on (None: they may not see it)."""
    if actor.in_service_desk():
        return Party.DESK
    if not actor.capabilities() or actor.organisation_id != support_request.organisation_id:
        return None
    if actor.pk == support_request.raised_by_id or actor.role == Role.SUPER_USER:
        return Party.USER
    return None


def _new_reference() -> str:
    while True:
        code = "SR-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if not SupportRequest.objects.filter(reference=code).exists():
            return code


def _text(value: str, *, field: str, label: str, required: bool, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed([FieldProblem(field, f"Enter {label}")])
    if len(value) > limit:
        raise ValidationFailed(
            [
                FieldProblem(
                    field, f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"
                )
            ]
        )
    return value


def _check_ulns(actor: User, category: Category, ulns: Sequence[str]) -> list[str]:
    """The ULNs, each valid and of a learner the actor's organisation has been shown.

    As for a reported duplicate pair, any other ULN is "not found": a request never
    confirms that someone holds a number.
    """
    cleaned = [u.strip() for u in ulns if u and u.strip()]
    least, most = ULN_COUNTS[category]
    if len(cleaned) < least:
        message = "Enter the ULN" if least == 1 else f"Enter at least {least} ULNs"
        raise ValidationFailed([FieldProblem("ulns", message)])
    if len(cleaned) > most:
        message = "Enter one ULN only" if most == 1 else f"Enter at most {most} ULNs"
        raise ValidationFailed([FieldProblem("ulns", message)])
    problems = [
        FieldProblem("ulns", f"{uln} is not a valid ULN: a ULN is 10 digits")
        for uln in cleaned
        if not uln_rules.check(uln).valid
    ]
    if problems:
        raise ValidationFailed(problems)
    if len(set(cleaned)) != len(cleaned):
        raise ValidationFailed([FieldProblem("ulns", "A ULN is listed twice")])
    learners = Learner.objects.filter(uln__in=cleaned)
    seen = set(
        LearnerAccess.objects.filter(
            organisation_id=actor.organisation_id, learner__in=learners
        ).values_list("learner__uln", flat=True)
    )
    missing = [uln for uln in cleaned if uln not in seen]
    if missing:
        raise ValidationFailed(
            [FieldProblem("ulns", f"No learner has the ULN {uln}") for uln in missing]
        )
    return cleaned


def _store_files(
    support_request: SupportRequest, message: SupportMessage | None, actor: User, files: list[Any]
) -> list[SupportAttachment]:
    stored = upload_store_all(
        uploads=files, folder=UPLOAD_FOLDER, field="attachments", noun="An attachment",
        each="attachment",
    )  # fmt: skip
    return [
        SupportAttachment.objects.create(
            request=support_request,
            message=message,
            **kept.fields(),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        for kept in stored
    ]


def _check_files(files: Iterable[Any]) -> list[Any]:
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            [FieldProblem("attachments", f"Attach at most {MAX_FILES} files at once")]
        )
    return files


def attachment_path(attachment: SupportAttachment) -> Path:
    return upload_path(UPLOAD_FOLDER, attachment.stored_path)


# --- Emails ---------------------------------------------------------------------------


def _link(support_request: SupportRequest, *, desk: bool) -> str:
    name = "portal:support-request-manage" if desk else "portal:support-request"
    path = reverse(name, args=[support_request.reference])
    return getattr(settings, "LRS_PORTAL_URL", "").rstrip("/") + path


def _footer() -> str:
    return f"\n\n-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"


def _email(to: Iterable[str], subject: str, body: str) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    # The queue is in the database, so the email exists only if the change commits.
    send_email.enqueue(to=recipients, subject=subject, body=body + _footer(), kind="support_update")


def _tell_desk(support_request: SupportRequest, what: str) -> None:
    to = [getattr(settings, "LRS_SERVICE_DESK_EMAIL", "")]
    if support_request.assigned_to is not None:
        to.append(support_request.assigned_to.email)
    _email(
        to,
        f"LRS support request {support_request.reference}: {what}",
        f"Support request {support_request.reference}: {what}.\n\n"
        f"Sign in to LRS to read it:\n{_link(support_request, desk=True)}",
    )


def _tell_raiser(support_request: SupportRequest, what: str) -> None:
    _email(
        [support_request.raised_by.email],
        f"LRS support request {support_request.reference}: {what}",
        f"Your support request {support_request.reference}: {what}.\n\n"
        f"Sign in to LRS to read it:\n{_link(support_request, desk=False)}",
    )


# --- Raising and the conversation ---------------------------------------------------------


@transaction.atomic
def support_request_create(
    *,
    actor: User,
    category: str,
    description: str,
    summary: str = "",
    ulns: Sequence[str] = (),
    attachments: Iterable[Any] = (),
) -> SupportRequest:
    """A signed-in user asks the service desk for help, or reports a problem with a ULN.

    A "two ULNs" report puts each reported ULN, paired with the first, in the duplicate
    review queue, where the service desk's decision resolves the request.
    """
    if actor.in_service_desk():
        raise NotPermitted("The service desk does not raise support requests")
    if not actor.capabilities():
        raise NotPermitted("Your account cannot raise support requests")
    if category not in Category.__members__.values():
        raise ValidationFailed([FieldProblem("category", "Select what you need help with")])
    kind = Category(category)
    uln_problem = ULN_COUNTS[kind][0] > 0
    if uln_problem:
        summary = CATEGORY_LABELS[kind]
    summary = _text(summary, field="summary", label="a summary", required=True, limit=MAX_SUMMARY)
    description = _text(
        description,
        field="description",
        label="what is wrong" if kind == Category.DETAILS_WRONG else "a description",
        required=kind not in (Category.TWO_ULNS, Category.SHARED_ULN),
    )
    checked = _check_ulns(actor, kind, ulns)
    files = _check_files(attachments)
    now = timezone.now()
    support_request = SupportRequest.objects.create(
        reference=_new_reference(),
        organisation=actor.organisation,
        raised_by=actor,
        category=kind.value,
        summary=summary,
        description=description,
        ulns=checked,
        created_at=now,
        updated_at=now,
    )
    pairs = []
    if kind == Category.TWO_ULNS:
        for other in checked[1:]:
            try:
                pair = duplicate_pair_propose(
                    actor=actor, first_uln=checked[0], second_uln=other, source=PairSource.REPORT
                )
            except (ValidationFailed, NotFound, Conflict) as exc:
                raise ValidationFailed([FieldProblem("ulns", exc.message)]) from exc
            pairs.append(pair)
        support_request.pairs.set(pairs)
    _store_files(support_request, None, actor, files)
    audit_record(
        action="support.create",
        actor=actor,
        object_type="support_request",
        object_id=support_request.reference,
        detail={
            "category": kind.value,
            "ulns": checked,
            "pairs": [p.pk for p in pairs],
            "attachments": len(files),
        },
    )
    _tell_desk(support_request, "new request")
    return support_request


def _lock(support_request: SupportRequest) -> SupportRequest:
    return SupportRequest.objects.select_for_update().get(pk=support_request.pk)


def _move(support_request: SupportRequest, target: Status, now: Any) -> str:
    previous = support_request.status
    support_request.status = target.value
    support_request.updated_at = now
    if target in FINISHED:
        support_request.resolved_at = now
    elif previous in FINISHED:
        support_request.resolved_at = None
        support_request.outcome = ""
    return previous


@transaction.atomic
def support_request_reply(
    *,
    actor: User,
    support_request: SupportRequest,
    body: str,
    attachments: Iterable[Any] = (),
    wait_for_user: bool = True,
) -> SupportMessage:
    """Add to the conversation. The service desk's reply waits for the user unless told
    otherwise; the user's reply to a request waiting for them opens it again."""
    party = party_of(actor, support_request)
    if party is None:
        raise NotFound("There is no such support request")
    body = _text(body, field="body", label="your reply", required=True)
    files = _check_files(attachments)
    support_request = _lock(support_request)
    if support_request.status in FINISHED:
        raise Conflict(
            "request_finished",
            "This request is finished: reopen it first"
            if party is Party.DESK
            else "This request is finished: raise a new request if you still need help",
        )
    now = timezone.now()
    desk = party is Party.DESK
    message = SupportMessage.objects.create(
        request=support_request, author=actor, from_service_desk=desk, body=body, created_at=now
    )
    _store_files(support_request, message, actor, files)
    previous = support_request.status
    if desk:
        if support_request.assigned_to_id is None:
            support_request.assigned_to = actor
        if wait_for_user and support_request.status != Status.WAITING:
            _move(support_request, Status.WAITING, now)
        elif not wait_for_user and support_request.status == Status.OPEN:
            _move(support_request, Status.IN_PROGRESS, now)
    elif support_request.status == Status.WAITING:
        _move(support_request, Status.OPEN, now)
    support_request.updated_at = now
    support_request.save(
        update_fields=["status", "assigned_to", "updated_at", "resolved_at", "outcome"]
    )
    audit_record(
        action="support.reply",
        actor=actor,
        object_type="support_request",
        object_id=support_request.reference,
        detail={
            "from_service_desk": desk,
            "status": [previous, support_request.status],
            "attachments": len(files),
        },
    )
    if desk:
        _tell_raiser(support_request, "the service desk has replied")
    else:
        _tell_desk(support_request, "the user has replied")
    return message


@transaction.atomic
def support_request_assign(
    *, actor: User, support_request: SupportRequest, assignee: User | None
) -> SupportRequest:
    """Give the request to a member of the service desk (None: to nobody). An open
    request someone takes is in progress."""
    if not actor.in_service_desk():
        raise NotPermitted("Only the service desk assigns support requests")
    if assignee is not None and not assignee.in_service_desk():
        raise ValidationFailed([FieldProblem("assignee", "Choose someone in the service desk")])
    support_request = _lock(support_request)
    before = support_request.assigned_to.username if support_request.assigned_to else None
    support_request.assigned_to = assignee
    now = timezone.now()
    if assignee is not None and support_request.status == Status.OPEN:
        _move(support_request, Status.IN_PROGRESS, now)
    support_request.updated_at = now
    support_request.save(update_fields=["assigned_to", "status", "updated_at"])
    audit_record(
        action="support.assign",
        actor=actor,
        object_type="support_request",
        object_id=support_request.reference,
        detail={"assigned_to": [before, assignee.username if assignee else None]},
    )
    return support_request


@transaction.atomic
def support_request_set_status(
    *, actor: User, support_request: SupportRequest, status: str, outcome: str = ""
) -> SupportRequest:
    """Move the request on. Resolving needs the outcome, which the user reads."""
    party = party_of(actor, support_request)
    if party is None:
        raise NotFound("There is no such support request")
    if status not in Status.__members__.values():
        raise ValidationFailed([FieldProblem("status", "Select the new status")])
    target = Status(status)
    support_request = _lock(support_request)
    if not allowed(support_request.status, target, party):
        raise Conflict(
            "status_not_allowed",
            f"A request that is {STATUS_LABELS[Status(support_request.status)].lower()} "
            f"cannot be made {STATUS_LABELS[target].lower()}",
        )
    outcome = _text(
        outcome, field="outcome", label="the outcome", required=target == Status.RESOLVED
    )
    now = timezone.now()
    previous = _move(support_request, target, now)
    if target in FINISHED:
        support_request.outcome = outcome
    support_request.save(update_fields=["status", "updated_at", "resolved_at", "outcome"])
    audit_record(
        action="support.status",
        actor=actor,
        object_type="support_request",
        object_id=support_request.reference,
        detail={"status": [previous, target.value], "outcome": outcome},
    )
    if party is Party.DESK:
        _tell_raiser(support_request, f"now {STATUS_LABELS[target].lower()}")
    else:
        _tell_desk(support_request, f"the user has made it {STATUS_LABELS[target].lower()}")
    return support_request


# --- Reported pairs decided ---------------------------------------------------------------


def _pair_line(pair: DuplicatePair, merges: dict[int, LearnerMerge]) -> str:
    ulns = f"ULNs {pair.first.uln} and {pair.second.uln}"
    if pair.status == PairStatus.MERGED:
        merge = merges.get(pair.merge_id or 0) or pair.merge
        master = merge.master.uln if merge else ""
        return (
            f"{ulns} are one person. The records are merged: use ULN {master} from now on; "
            "the other ULN is linked to it."
        )
    if pair.status == PairStatus.NOT_SAME:
        return f"{ulns} belong to different people. Both ULNs stay in use."
    if pair.status == PairStatus.SUPERSEDED:
        return f"{ulns}: one of them was merged with another record, so this no longer applies."
    return f"{ulns} are still waiting for the service desk to check them."


@transaction.atomic(savepoint=False)
def support_requests_pairs_decided(
    *, actor: User, pairs: Sequence[DuplicatePair], merge: LearnerMerge | None = None
) -> list[SupportRequest]:
    """Run on lrs.duplicates' ``pairs_decided`` once reported pairs are decided (merged,
    not the same person, or no longer applying): each active request that reported them
    hears about it, and is resolved once none of its pairs is waiting any more."""
    pair_ids = [p.pk for p in pairs]
    if not pair_ids:
        return []
    # Found first, then locked: PostgreSQL locks no rows of a DISTINCT query.
    ids = set(
        SupportRequest.objects.filter(
            pairs__in=pair_ids, status__in=[s.value for s in ACTIVE]
        ).values_list("pk", flat=True)
    )
    requests = list(
        SupportRequest.objects.select_for_update()
        .filter(pk__in=ids, status__in=[s.value for s in ACTIVE])
        .order_by("pk")
    )
    merges = {merge.pk: merge} if merge is not None else {}
    now = timezone.now()
    for support_request in requests:
        its_pairs = list(
            support_request.pairs.select_related("first", "second", "merge__master").order_by("pk")
        )
        outcome = "\n".join(_pair_line(pair, merges) for pair in its_pairs)
        SupportMessage.objects.create(
            request=support_request,
            author=None,
            from_service_desk=True,
            body="\n".join(_pair_line(p, merges) for p in its_pairs if p.pk in pair_ids),
            created_at=now,
        )
        previous = support_request.status
        if all(pair.status != PairStatus.OPEN for pair in its_pairs):
            _move(support_request, Status.RESOLVED, now)
            support_request.outcome = outcome
        support_request.updated_at = now
        support_request.save(update_fields=["status", "updated_at", "resolved_at", "outcome"])
        audit_record(
            action="support.pairs_decided",
            actor=actor,
            object_type="support_request",
            object_id=support_request.reference,
            detail={"pairs": pair_ids, "status": [previous, support_request.status]},
        )
        _tell_raiser(
            support_request,
            "resolved" if support_request.status == Status.RESOLVED else "there is news",
        )
    return requests


@transaction.atomic(savepoint=False)
def support_requests_merge_undone(
    *, actor: User, merge: LearnerMerge, pair_ids: Sequence[int]
) -> list[SupportRequest]:
    """Run on lrs.duplicates' ``merge_undone`` when the service desk undoes a merge that
    decided reported pairs (their pairs are open again): each report the merge resolved
    is reopened, in progress with the service desk, and its raiser is told. A request
    the user has closed stays closed."""
    if not pair_ids:
        return []
    ids = set(
        SupportRequest.objects.filter(
            pairs__in=list(pair_ids), status=Status.RESOLVED.value
        ).values_list("pk", flat=True)
    )
    requests = list(
        SupportRequest.objects.select_for_update()
        .filter(pk__in=ids, status=Status.RESOLVED.value)
        .order_by("pk")
    )
    now = timezone.now()
    for support_request in requests:
        SupportMessage.objects.create(
            request=support_request,
            author=None,
            from_service_desk=True,
            body=(
                f"The service desk has undone the merge into ULN {merge.master.uln}. Both "
                "ULNs are in use again while it looks at your report once more."
            ),
            created_at=now,
        )
        previous = _move(support_request, Status.IN_PROGRESS, now)
        support_request.save(update_fields=["status", "updated_at", "resolved_at", "outcome"])
        audit_record(
            action="support.merge_undone",
            actor=actor,
            object_type="support_request",
            object_id=support_request.reference,
            detail={"merge": merge.pk, "status": [previous, support_request.status]},
        )
        _tell_raiser(support_request, "reopened")
    return requests

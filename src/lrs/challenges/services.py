"""Raising, acknowledging, resolving, withdrawing and escalating event data challenges.

Every transition follows lrs.challenges.lifecycle, is audited, goes on the challenge's
timeline and emails the other party. Resolutions act on the event through
lrs.records.services, so the event's history reads the same as for an upload.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lrs.access import Capability, OrganisationStatus, OrganisationType
from lrs.audit.services import audit_record
from lrs.challenges.lifecycle import (
    OPEN,
    ChallengeType,
    Outcome,
    Party,
    Status,
    allowed,
)
from lrs.challenges.models import Challenge, ChallengeEvidence, ChallengeTransition
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.core.services import scheduled_run_claim
from lrs.core.tasks import send_email
from lrs.core.uploads import upload_store_all
from lrs.learners.selectors import learner_resolve_uln
from lrs.organisations.models import Organisation
from lrs.records.models import EventSource, LearningEvent
from lrs.records.selectors import learning_event_get
from lrs.records.services import EventValues, event_move, event_update, event_withdraw
from lrs.users.models import User
from lrs.validation.learner import parse_date
from lrs.workingdays import add_working_days, working_days_between

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_reference() -> str:
    while True:
        code = "EDC-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        if not Challenge.objects.filter(reference=code).exists():
            return code


def _service_desk() -> Organisation:
    desk = Organisation.objects.filter(
        type=OrganisationType.SERVICE_DESK, status=OrganisationStatus.ACTIVE
    ).first()
    if desk is None:
        raise Conflict("no_service_desk", "No active service desk organisation is set up")
    return desk


def party_of(actor: User | None, challenge: Challenge) -> Party | None:
    """Which side of the challenge the actor is on (None: not a party)."""
    if actor is None:
        return Party.SYSTEM
    if actor.can(Capability.MEDIATE_CHALLENGES):
        return Party.SERVICE_DESK
    if actor.organisation_id == challenge.owner_organisation_id and actor.can(
        Capability.RESOLVE_CHALLENGE
    ):
        return Party.OWNER
    if actor.organisation_id == challenge.raising_organisation_id and actor.can(
        Capability.RAISE_CHALLENGE
    ):
        return Party.RAISER
    return None


def _original_values(event: LearningEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.public_id),
        "source": event.source,
        "accreditation_number": event.subject_code,
        "title": event.subject,
        "awarding_body": event.awarding_organisation_name,
        "level": event.level,
        "type": event.qualification_type,
        "achieved_date": event.award_date.isoformat(),
        "grade": event.grade,
        "credits": event.credits,
        "language": event.language_for_assessment,
        "provider": event.achievement_provider_name,
    }


SUPPLIED_FIELDS = (
    "grade",
    "achieved_date",
    "credits",
    "level",
    "language",
    "provider_ukprn",
    "correct_uln",
)


def _recipients(challenge: Challenge, to: Party) -> list[str]:
    if to is Party.RAISER:
        emails = {challenge.contact_email, challenge.raised_by.email}
    else:
        org_ids = [challenge.owner_organisation_id]
        emails = set(
            User.objects.filter(organisation_id__in=org_ids, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if to is Party.SERVICE_DESK:
            emails |= set(
                User.objects.filter(
                    organisation__type=OrganisationType.SERVICE_DESK, is_active=True
                )
                .exclude(email="")
                .values_list("email", flat=True)
            )
    return sorted(e for e in emails if e)


def _notify(challenge: Challenge, to: Party, subject: str, body: str) -> None:
    recipients = _recipients(challenge, to)
    if not recipients:
        return
    # Never a ULN or any demographics in email: the reference is enough to find it. The
    # queue is in the database, so the email exists only if the change commits.
    send_email.enqueue(
        to=recipients,
        subject=f"LRS challenge {challenge.reference}: {subject}",
        body=body + "\n\nSign in to LRS to see the challenge.",
        kind="challenge_update",
    )


def _move(challenge: Challenge, *, actor: User | None, to: Status, note: str = "") -> Challenge:
    party = party_of(actor, challenge)
    if party is None:
        raise NotPermitted("You are not a party to this challenge")
    current = Status(challenge.status)
    if not allowed(current, to, party):
        raise Conflict(
            "illegal_transition",
            f"A {current.value} challenge cannot be {to.value} "
            f"by the {party.value.replace('_', ' ')}",
        )
    now = timezone.now()
    challenge.status = to
    stamp = {
        Status.ACKNOWLEDGED: "acknowledged_at",
        Status.RESOLVED: "resolved_at",
        Status.WITHDRAWN: "withdrawn_at",
        Status.ESCALATED: "escalated_at",
    }[to]
    setattr(challenge, stamp, now)
    challenge.save()
    ChallengeTransition.objects.create(
        challenge=challenge,
        from_status=current,
        to_status=to,
        at=now,
        actor=actor,
        organisation=actor.organisation if actor else None,
        note=note,
    )
    audit_record(
        action=f"challenge.{to.value}",
        actor=actor,
        organisation=actor.organisation if actor else challenge.owner_organisation,
        object_type="challenge",
        object_id=challenge.reference,
        detail={"from": current.value, "to": to.value, "note": note[:500]},
    )
    return challenge


def _set_under_challenge(events: Iterable[LearningEvent]) -> None:
    for event in events:
        under = Challenge.objects.filter(
            Q(event=event) | Q(second_event=event), status__in=list(OPEN)
        ).exists()
        if event.under_data_challenge != under:
            LearningEvent.objects.filter(pk=event.pk).update(under_data_challenge=under)


def _store_evidence(
    challenge: Challenge, actor: User, uploads: Iterable[Any]
) -> list[ChallengeEvidence]:
    stored = upload_store_all(
        uploads=uploads, folder="evidence", field="evidence", noun="Evidence", each="evidence file"
    )
    return [
        ChallengeEvidence.objects.create(
            challenge=challenge,
            **kept.fields(),
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        for kept in stored
    ]


def _event_for(actor: User, public_id: str, field: str) -> LearningEvent:
    try:
        return learning_event_get(actor=actor, public_id=public_id)
    except NotFound:
        # Only events of learners the organisation has found (e.g. by viewing the PLR).
        raise ValidationFailed([FieldProblem(field, "No learning event has this id")]) from None


def _raise_checked(
    *,
    type: str,
    contact_name: str,
    contact_email: str,
    explanation: str,
    second_event_id: str,
    supplied_values: Mapping[str, Any] | None,
    evidence: list[Any],
) -> tuple[ChallengeType, dict[str, Any]]:
    """Every problem with a challenge being raised, at once; else its type and the
    correct values the raiser supplied."""
    problems: list[FieldProblem] = []
    try:
        kind = ChallengeType(type)
    except ValueError:
        allowed_types = ", ".join(t.value for t in ChallengeType)
        problems.append(FieldProblem("type", f"Use one of: {allowed_types}"))
        kind = None
    for name, value, limit in (
        ("contact_name", contact_name, 100),
        ("contact_email", contact_email, 254),
        ("explanation", explanation, 4000),
    ):
        if not (value or "").strip():
            problems.append(FieldProblem(name, "This field is mandatory"))
        elif len(value) > limit:
            problems.append(FieldProblem(name, f"Must be {limit} characters or fewer"))
    if contact_email and "@" not in contact_email:
        problems.append(FieldProblem("contact_email", "Enter an email address"))
    supplied = {k: v for k, v in (supplied_values or {}).items() if k in SUPPLIED_FIELDS and v}
    if "achieved_date" in supplied:
        try:
            parse_date(supplied["achieved_date"])
        except ValueError as exc:
            problems.append(FieldProblem("supplied_values.achieved_date", str(exc)))
    if kind is ChallengeType.INCORRECT_DETAILS and not supplied:
        problems.append(FieldProblem("supplied_values", "Say what the correct values are"))
    if kind is ChallengeType.NOT_THIS_LEARNER and "correct_uln" in supplied:
        learner, _ = learner_resolve_uln(str(supplied["correct_uln"]))
        if learner is None:
            problems.append(FieldProblem("supplied_values.correct_uln", "No learner has this ULN"))
    problems.extend(
        FieldProblem(
            "evidence",
            f"{getattr(upload, 'name', 'A file')}: evidence must be a PDF, "
            "PNG, JPEG or plain text file",
        )
        for upload in evidence
        if (getattr(upload, "content_type", "") or "").split(";")[0].strip()
        not in settings.LRS_EVIDENCE_TYPES
    )
    if kind is ChallengeType.DUPLICATE_EVENT and not second_event_id:
        problems.append(FieldProblem("second_event_id", "Give the event it duplicates"))
    if problems or kind is None:
        raise ValidationFailed(problems)
    return kind, supplied


def _challenge_create(
    *,
    actor: User,
    kind: ChallengeType,
    event: LearningEvent,
    second: LearningEvent | None,
    owner: Organisation,
    contact: tuple[str, str, str],
    explanation: str,
    supplied: dict[str, Any],
    evidence: list[Any],
) -> Challenge:
    """The new challenge, submitted, with its evidence, its first transition and its due
    dates."""
    contact_name, contact_telephone, contact_email = contact
    today = timezone.localdate()
    challenge = Challenge.objects.create(
        reference=_new_reference(),
        type=kind,
        learner=event.learner,
        event=event,
        second_event=second,
        raised_by=actor,
        raising_organisation=actor.organisation,
        owner_organisation=owner,
        contact_name=contact_name.strip(),
        contact_telephone=contact_telephone.strip()[:30],
        contact_email=contact_email.strip(),
        explanation=explanation.strip(),
        original_values=_original_values(event),
        supplied_values=supplied,
        created_at=timezone.now(),
        acknowledge_due=add_working_days(today, settings.LRS_CHALLENGE_ACKNOWLEDGE_DAYS),
        resolve_due=add_working_days(today, settings.LRS_CHALLENGE_RESOLVE_DAYS),
    )
    _store_evidence(challenge, actor, evidence)
    ChallengeTransition.objects.create(
        challenge=challenge,
        from_status="",
        to_status=Status.SUBMITTED,
        at=challenge.created_at,
        actor=actor,
        organisation=actor.organisation,
        note=explanation.strip()[:500],
    )
    return challenge


@transaction.atomic
def challenge_raise(
    *,
    actor: User,
    type: str,
    event_id: str,
    contact_name: str,
    contact_email: str,
    explanation: str,
    contact_telephone: str = "",
    second_event_id: str = "",
    supplied_values: Mapping[str, Any] | None = None,
    evidence: Iterable[Any] = (),
    for_learner: bool = False,
) -> Challenge:
    """A learning provider or local authority disputes a learning event; or, with
    ``for_learner``, the service desk raises one for a learner who reported the event
    from their own account (lrs.learnerportal)."""
    if for_learner:
        if not actor.can(Capability.MEDIATE_CHALLENGES):
            raise NotPermitted("Only the service desk raises challenges for learners")
    elif not actor.can(Capability.RAISE_CHALLENGE):
        raise NotPermitted("Only learning providers and local authorities raise challenges")
    evidence = list(evidence)
    kind, supplied = _raise_checked(
        type=type,
        contact_name=contact_name,
        contact_email=contact_email,
        explanation=explanation,
        second_event_id=second_event_id,
        supplied_values=supplied_values,
        evidence=evidence,
    )
    event = _event_for(actor, event_id, "event_id")
    second = _event_for(actor, second_event_id, "second_event_id") if second_event_id else None
    if second is not None and second.learner_id != event.learner_id:
        raise ValidationFailed(
            [FieldProblem("second_event_id", "The two events must be on the same PLR")]
        )
    if Challenge.objects.filter(event=event, status__in=list(OPEN)).exists():
        raise Conflict("already_challenged", "This event already has an open challenge")
    owner = (
        event.awarding_organisation
        if event.source in (EventSource.AO, EventSource.QCFU) and event.awarding_organisation
        else _service_desk()
    )
    challenge = _challenge_create(
        actor=actor,
        kind=kind,
        event=event,
        second=second,
        owner=owner,
        contact=(contact_name, contact_telephone, contact_email),
        explanation=explanation,
        supplied=supplied,
        evidence=evidence,
    )
    _set_under_challenge([event, *([second] if second else [])])
    audit_record(
        action="challenge.submitted",
        actor=actor,
        object_type="challenge",
        object_id=challenge.reference,
        detail={
            "type": challenge.type,
            "event": str(event.public_id),
            "owner": owner.ukprn,
            **({"for_learner": True} if for_learner else {}),
        },
    )
    _notify(
        challenge,
        Party.OWNER,
        "new challenge",
        f"{actor.organisation.name} has challenged a learning event you own "
        f"({event.subject_code}). Acknowledge it by {challenge.acknowledge_due:%d %B %Y} and "
        f"resolve it by {challenge.resolve_due:%d %B %Y}.",
    )
    return challenge


@transaction.atomic
def challenge_acknowledge(*, actor: User, challenge: Challenge, note: str = "") -> Challenge:
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _move(challenge, actor=actor, to=Status.ACKNOWLEDGED, note=note)
    _notify(
        challenge,
        Party.RAISER,
        "acknowledged",
        f"Your challenge has been acknowledged by {challenge.owner_organisation.name}.",
    )
    return challenge


@transaction.atomic
def challenge_withdraw(*, actor: User, challenge: Challenge, reason: str = "") -> Challenge:
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    _move(challenge, actor=actor, to=Status.WITHDRAWN, note=reason)
    _set_under_challenge(_events_of(challenge))
    _notify(challenge, Party.OWNER, "withdrawn", "The organisation that raised it withdrew it.")
    return challenge


def _events_of(challenge: Challenge) -> list[LearningEvent]:
    return [e for e in (challenge.event, challenge.second_event) if e is not None]


@transaction.atomic
def challenge_resolve(
    *,
    actor: User,
    challenge: Challenge,
    outcome: str,
    reason: str,
    amended: Mapping[str, Any] | None = None,
    correct_uln: str = "",
) -> Challenge:
    """Settle the challenge: amend, withdraw or move the event, or change nothing."""
    challenge = Challenge.objects.select_for_update().select_related("event").get(pk=challenge.pk)
    try:
        result = Outcome(outcome)
    except ValueError:
        raise ValidationFailed(
            [FieldProblem("outcome", f"Use one of: {', '.join(o.value for o in Outcome)}")]
        ) from None
    if not reason.strip():
        raise ValidationFailed([FieldProblem("reason", "Give the reason for the outcome")])
    event = LearningEvent.objects.select_for_update().get(pk=challenge.event_id)
    note = f"{result.value}: {reason.strip()}"
    if result is Outcome.AMEND:
        values = dict(amended or {})
        if not values:
            raise ValidationFailed([FieldProblem("amended", "Give the corrected values")])
        try:
            award_date = (
                parse_date(values["achieved_date"])
                if values.get("achieved_date")
                else event.award_date
            )
        except ValueError as exc:
            raise ValidationFailed([FieldProblem("amended.achieved_date", str(exc))]) from None
        if event.qualification is None:
            raise Conflict("not_amendable", "Only catalogue events can be amended here")
        event_update(
            actor=actor,
            event=event,
            values=EventValues(
                qualification=event.qualification,
                grade=str(values.get("grade") or event.grade),
                award_date=award_date,
                status=event.status,
                credits=int(values["credits"])
                if str(values.get("credits", "")).isdigit()
                else event.credits,
                language_for_assessment=str(
                    values.get("language") or event.language_for_assessment
                ),
            ),
            reason=f"Challenge {challenge.reference}: {reason.strip()}",
        )
    elif result is Outcome.WITHDRAW:
        event_withdraw(
            actor=actor, event=event, reason=f"Challenge {challenge.reference}: {reason.strip()}"
        )
    elif result is Outcome.MOVE:
        target, _ = learner_resolve_uln(correct_uln.strip())
        if target is None:
            raise ValidationFailed([FieldProblem("correct_uln", "No learner has this ULN")])
        event_move(
            actor=actor,
            event=event,
            learner=target,
            reason=f"Challenge {challenge.reference}: {reason.strip()}",
        )
    challenge.outcome = result
    challenge.outcome_reason = reason.strip()
    _move(challenge, actor=actor, to=Status.RESOLVED, note=note)
    _set_under_challenge(_events_of(challenge))
    _notify(
        challenge,
        Party.RAISER,
        "resolved",
        f"Your challenge has been resolved: {result.value.replace('_', ' ')}. "
        f"Reason: {reason.strip()}",
    )
    return challenge


# --- Deadlines ---------------------------------------------------------------------------


def challenges_check_deadlines(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind owners before a deadline; escalate to the service desk after it."""
    today = today or timezone.localdate()
    reminded = escalated = 0
    for challenge in Challenge.objects.filter(
        status__in=[Status.SUBMITTED, Status.ACKNOWLEDGED]
    ).select_related("owner_organisation", "raised_by"):
        with transaction.atomic():
            due = (
                challenge.acknowledge_due
                if challenge.status == Status.SUBMITTED
                else challenge.resolve_due
            )
            if today > due:
                _move(
                    challenge,
                    actor=None,
                    to=Status.ESCALATED,
                    note=f"Deadline {due:%d %B %Y} passed",
                )
                _notify(
                    challenge,
                    Party.SERVICE_DESK,
                    "escalated",
                    f"The deadline of {due:%d %B %Y} passed: the service desk now mediates.",
                )
                escalated += 1
                continue
            flag = (
                "acknowledge_reminder_sent"
                if challenge.status == Status.SUBMITTED
                else "resolve_reminder_sent"
            )
            if (
                not getattr(challenge, flag)
                and working_days_between(today, due) <= settings.LRS_CHALLENGE_REMINDER_DAYS
            ):
                Challenge.objects.filter(pk=challenge.pk).update(**{flag: True})
                _notify(
                    challenge,
                    Party.OWNER,
                    "deadline approaching",
                    f"This challenge is due by {due:%d %B %Y}.",
                )
                reminded += 1
    return {"reminded": reminded, "escalated": escalated}


def challenges_check_deadlines_if_due() -> dict[str, int] | None:
    every = dt.timedelta(seconds=settings.LRS_CHALLENGE_CHECK_SECONDS)
    if not scheduled_run_claim("challenge_deadlines", every=every):
        return None
    return challenges_check_deadlines()


def evidence_path(evidence: ChallengeEvidence) -> Path:
    return Path(settings.LRS_UPLOADS_DIR) / "evidence" / evidence.stored_path


@transaction.atomic
def challenge_add_evidence(*, actor: User, challenge: Challenge, upload: Any) -> ChallengeEvidence:
    if party_of(actor, challenge) is not Party.RAISER or challenge.status not in OPEN:
        raise NotPermitted("Only the raiser adds evidence, while the challenge is open")
    [evidence] = _store_evidence(challenge, actor, [upload])
    audit_record(
        action="challenge.evidence",
        actor=actor,
        object_type="challenge",
        object_id=challenge.reference,
        detail={"file": evidence.original_name, "size": evidence.size},
    )
    return evidence


# --- A merge of learners moves their open challenges ---------------------------------


@transaction.atomic(savepoint=False)
def challenges_relink(*, learner_ids: list[int], to_learner_id: int) -> list[list[int]]:
    """Move the open challenges of ``learner_ids`` to the master of a merge. Returns
    ``[challenge id, learner id it had]`` of each, for the undo; the merge audits it."""
    moved = [
        [pk, learner_id]
        for pk, learner_id in Challenge.objects.select_for_update()
        .filter(learner_id__in=learner_ids, status__in=[s.value for s in OPEN])
        .values_list("pk", "learner_id")
    ]
    Challenge.objects.filter(pk__in=[pk for pk, _ in moved]).update(learner_id=to_learner_id)
    return moved


@transaction.atomic(savepoint=False)
def challenges_relink_undo(
    *, moved: list[list[int]], master_id: int, events_returned: Mapping[int, list[int]]
) -> None:
    """Put back the challenges ``challenges_relink`` moved (those still on the master).

    A challenge raised against the master after the merge, about an event that now goes
    back (``events_returned``: learner id -> event ids), goes back with its event: a
    challenge is about the learner its event is on.
    """
    for challenge_id, learner_id in moved:
        Challenge.objects.filter(pk=challenge_id, learner_id=master_id).update(
            learner_id=learner_id
        )
    open_statuses = [s.value for s in OPEN]
    for learner_id, event_ids in events_returned.items():
        Challenge.objects.filter(
            event_id__in=event_ids, learner_id=master_id, status__in=open_statuses
        ).update(learner_id=learner_id)

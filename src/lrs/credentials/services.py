"""Issuing and revoking verifiable credentials, and the keys and status lists behind them.

Every function here is one transaction and writes its audit entries inside it. Revocation
is called by lrs.records.services whenever a learning event changes (an awarding
organisation withdraws or updates it, a challenge amends it, a merge moves it), inside the
transaction of that change: a credential never outlives the values it states.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lrs.access import Capability, OrganisationType
from lrs.audit.services import audit_record
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.credentials.issuer import Issuer, issuer, signing_key
from lrs.credentials.models import (
    CredentialEvent,
    CredentialKind,
    IssuedCredential,
    IssuerKey,
    KeyState,
    RevocationReason,
    StatusList,
)
from lrs.learners.models import Learner, LearnerAccess
from lrs.records.models import EventStatus, LearningEvent, QualificationKind
from lrs.users.models import User
from lrs.vc import documents, statuslist
from lrs.vc.multikey import SigningKey
from lrs.vc.proof import add_proof

# Learners have an old opt-out flag (see lrs.records.services.OPTED_OUT).
_OPTED_OUT = "2"
# A list is closed to new credentials once half its indexes are taken, so a random free
# index is found in a try or two and every list keeps its herd privacy.
_LIST_FILL = 0.5


@dataclass(frozen=True)
class LearnerActor:
    """The learner themselves, asking from their own PLR page (learner sign-in).

    The learner sign-in builds one from the signed-in learner; organisations' users are
    passed as their User.
    """

    learner: Learner
    # How the audit log names them ("learner:<identity id>"), never a name or a ULN.
    label: str = ""


Requester = User | LearnerActor


# --- Who may issue and see credentials ---------------------------------------------------


def plr_owner(learner: Learner) -> Learner:
    """The master learner, whose PLR holds the events (a linked learner's go to it)."""
    return learner.master if learner.master_id and learner.master else learner


def check_may_see_plr(actor: Requester, learner: Learner) -> None:
    """Refuse unless ``actor`` may see this learner's PLR (and so its credentials).

    The learner always may; an organisation's user needs to view PLRs, to have been shown
    this learner (LearnerAccess, as the PLR page records) and the learner not opted out.
    """
    if isinstance(actor, LearnerActor):
        if plr_owner(actor.learner).pk != plr_owner(learner).pk:
            raise NotFound("No such learner")
        return
    if not actor.can(Capability.VIEW_PLR):
        raise NotPermitted("Your organisation may not view Personal Learning Records")
    if not LearnerAccess.objects.filter(
        organisation_id=actor.organisation_id, learner_id__in={learner.pk, plr_owner(learner).pk}
    ).exists():
        # As everywhere: a ULN alone never opens a record.
        raise NotFound("No learner has this ULN")
    if Learner.objects.filter(pk=plr_owner(learner).pk, ability_to_share=_OPTED_OUT).exists():
        raise NotPermitted(
            "This learner has not agreed to share their learning record: record the privacy "
            "notice on the PLR page first"
        )


def _actor_label(actor: Requester) -> str:
    return actor.label if isinstance(actor, LearnerActor) else ""


def _is_awarding_organisation(actor: Requester) -> bool:
    return (
        isinstance(actor, User)
        and actor.organisation.type == OrganisationType.AWARDING_ORGANISATION
    )


# --- Keys -------------------------------------------------------------------------------------


def _current_key(key: SigningKey, now: dt.datetime) -> IssuerKey:
    """The IssuerKey row of the configured key, retiring the one it replaces (rotation)."""
    public = key.public_multibase
    active = IssuerKey.objects.select_for_update().filter(state=KeyState.ACTIVE).first()
    if active is not None and active.public_key_multibase == public:
        return active
    known = IssuerKey.objects.select_for_update().filter(public_key_multibase=public).first()
    if known is not None and known.state == KeyState.REVOKED:
        raise Conflict(
            "issuer_key_revoked",
            "The configured LRS_ISSUER_KEY was revoked and may not sign again: configure a "
            "new key (`lrs credential new-key`)",
        )
    if active is not None:
        active.state = KeyState.RETIRED
        active.retired_at = now
        active.save(update_fields=["state", "retired_at"])
        audit_record(
            action="credential.key_retire",
            object_type="issuer_key",
            object_id=active.public_key_multibase,
            detail={"replaced_by": public},
        )
    if known is None:
        known = IssuerKey.objects.create(public_key_multibase=public, first_used_at=now)
    else:
        known.state = KeyState.ACTIVE
        known.retired_at = None
        known.save(update_fields=["state", "retired_at"])
    audit_record(action="credential.key_activate", object_type="issuer_key", object_id=public)
    return known


@transaction.atomic
def issuer_key_revoke(*, actor: User | None, public_key: str, reason: str) -> IssuerKey:
    """Revoke a (compromised) key: everything it signed stops verifying.

    Status lists it signed are signed again with the configured key. The configured key
    itself cannot be revoked while configured: configure a new one first.
    """
    if actor is not None and not actor.can(Capability.APPROVE_ORGANISATIONS):
        raise NotPermitted("Only the service desk manages LRS's signing keys")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldProblem("reason", "Say why the key is revoked")])
    key = IssuerKey.objects.select_for_update().filter(public_key_multibase=public_key).first()
    if key is None:
        raise NotFound(f"LRS has never signed with the key {public_key}")
    if key.state == KeyState.REVOKED:
        raise Conflict("already_revoked", "That key is already revoked")
    if key.state == KeyState.ACTIVE:
        raise Conflict(
            "key_in_use",
            "That key is the one configured to sign: configure a new LRS_ISSUER_KEY and "
            "issue once (or run `lrs credential keys`) so it retires, then revoke it",
        )
    now = timezone.now()
    key.state = KeyState.REVOKED
    key.revoked_at = now
    key.revoked_reason = reason[:255]
    key.save(update_fields=["state", "revoked_at", "revoked_reason"])
    audit_record(
        action="credential.key_revoke",
        actor=actor,
        object_type="issuer_key",
        object_id=public_key,
        detail={"reason": key.revoked_reason, "credentials": key.credentials.count()},
    )
    for status_list in StatusList.objects.select_for_update().filter(signed__isnull=False):
        status_list.version += 1
        status_list.save(update_fields=["version"])
        _sign_status_list(status_list, now)
    return key


@transaction.atomic
def issuer_key_sync() -> IssuerKey:
    """Record the configured key (retiring the previous one): run after changing it."""
    return _current_key(signing_key(), timezone.now())


# --- Status lists ---------------------------------------------------------------------------


def _sign_status_list(status_list: StatusList, now: dt.datetime) -> None:
    """Sign the list's current bits (inside the caller's transaction, row locked)."""
    the_issuer = issuer()
    key = signing_key()
    _current_key(key, now)
    bits = IssuedCredential.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_index", flat=True)
    unsigned = statuslist.list_credential(
        list_url=the_issuer.status_list_url(status_list.number),
        issuer=the_issuer.did,
        set_bits=list(bits),
        length=status_list.size,
        valid_from=now,
        purpose=status_list.purpose,
    )
    status_list.signed = add_proof(
        unsigned,
        key=key,
        verification_method=the_issuer.method_id(key.public_multibase),
        created=now,
    )
    status_list.signed_version = status_list.version
    status_list.save(update_fields=["signed", "signed_version"])


def _allocate_status(now: dt.datetime) -> tuple[StatusList, int]:
    status_list = (
        StatusList.objects.select_for_update()
        .filter(used__lt=F("size") * _LIST_FILL)
        .order_by("number")
        .first()
    )
    if status_list is None:
        last = StatusList.objects.select_for_update().order_by("-number").first()
        status_list = StatusList.objects.create(
            number=(last.number + 1) if last else 1, size=statuslist.MIN_BITS
        )
        _sign_status_list(status_list, now)
    taken = IssuedCredential.objects.filter(status_list=status_list)
    while True:
        index = secrets.randbelow(status_list.size)
        if not taken.filter(status_index=index).exists():
            break
    status_list.used += 1
    status_list.save(update_fields=["used"])
    return status_list, index


# --- Issuing ---------------------------------------------------------------------------------


def _award(event: LearningEvent) -> documents.Award:
    qualification = event.qualification
    return documents.Award(
        reference=event.subject_code,
        title=event.subject,
        is_unit=bool(qualification and qualification.kind == QualificationKind.UNIT),
        qualification_type=event.qualification_type,
        level=event.level,
        grade=event.grade,
        award_date=event.award_date,
        credits=event.credits,
        awarding_organisation_name=event.awarding_organisation_name,
        awarding_organisation_ukprn=event.awarding_organisation_ukprn,
        provider_name=event.achievement_provider_name,
    )


def _identity(learner: Learner) -> documents.LearnerIdentity:
    return documents.LearnerIdentity(
        uln=learner.uln, given_name=learner.given_name, family_name=learner.family_name
    )


@dataclass
class _Signer:
    issuer: Issuer
    key: SigningKey
    key_row: IssuerKey
    now: dt.datetime

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        return add_proof(
            document,
            key=self.key,
            verification_method=self.issuer.method_id(self.key.public_multibase),
            created=self.now,
        )


def _record(
    signer: _Signer,
    *,
    kind: str,
    learner: Learner,
    actor: Requester,
    events: Sequence[LearningEvent],
    build: Any,
    parent: IssuedCredential | None = None,
) -> IssuedCredential:
    status_list, index = _allocate_status(signer.now)
    public_id = uuid.uuid4()
    status = statuslist.entry(
        list_url=signer.issuer.status_list_url(status_list.number), index=index
    )
    document = signer.sign(build(credential_id=f"urn:uuid:{public_id}", status=status))
    user = actor if isinstance(actor, User) else None
    credential = IssuedCredential.objects.create(
        public_id=public_id,
        kind=kind,
        learner=learner,
        parent=parent,
        requested_by=user,
        organisation=user.organisation if user else None,
        by_learner=isinstance(actor, LearnerActor),
        issued_at=signer.now,
        key=signer.key_row,
        status_list=status_list,
        status_index=index,
        document=document,
    )
    CredentialEvent.objects.bulk_create(
        [
            CredentialEvent(credential=credential, event=e, event_version=e.version_number)
            for e in events
        ]
    )
    return credential


def _events_to_issue(
    actor: Requester, learner: Learner, event_ids: Sequence[uuid.UUID | str]
) -> list[LearningEvent]:
    wanted = [str(i).strip() for i in event_ids if str(i).strip()]
    if not wanted:
        raise ValidationFailed([FieldProblem("events", "Choose at least one learning event")])
    valid: list[str] = []
    for value in wanted:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            raise ValidationFailed(
                [FieldProblem("events", f"{value} is not a learning event's id")]
            ) from None
    found = LearningEvent.objects.select_for_update(of=("self",)).filter(
        learner=learner, public_id__in=valid, withdrawn=False
    )
    if _is_awarding_organisation(actor):
        assert isinstance(actor, User)
        found = found.filter(awarding_organisation_id=actor.organisation_id)
    events = {str(e.public_id): e for e in found.select_related("qualification")}
    problems = [
        FieldProblem("events", f"{value} is not a current learning event on this PLR")
        for value in dict.fromkeys(valid)
        if value not in events
    ]
    for event in events.values():
        if event.status == EventStatus.PROVISIONAL:
            problems.append(
                FieldProblem(
                    "events",
                    f"{event.subject} ({event.subject_code}) is provisional: only final "
                    "results are issued as credentials",
                )
            )
        if event.under_data_challenge:
            problems.append(
                FieldProblem(
                    "events",
                    f"{event.subject} ({event.subject_code}) is under a data challenge: issue "
                    "it once the challenge is resolved",
                )
            )
    if problems:
        raise ValidationFailed(problems)
    return sorted(events.values(), key=lambda e: (e.award_date, e.pk), reverse=True)


@transaction.atomic
def credentials_issue(
    *,
    actor: Requester,
    learner: Learner,
    event_ids: Sequence[uuid.UUID | str],
    kind: str,
) -> list[IssuedCredential]:
    """Issue credentials of learning events on a learner's PLR, signed now.

    ``kind`` "achievement": one Open Badges 3.0 AchievementCredential per event.
    ``kind`` "clr": one CLR 2.0 ClrCredential holding an AchievementCredential per event.
    ``actor`` is an organisation's user who may view this PLR (an awarding organisation
    only its own events), or a LearnerActor for the learner themselves. Returns the
    credentials to hand over (the CLR, or the achievement credentials).
    """
    if kind not in CredentialKind.values:
        raise ValidationFailed([FieldProblem("kind", "Use achievement or clr")])
    check_may_see_plr(actor, learner)
    learner = Learner.objects.get(pk=plr_owner(learner).pk)
    events = _events_to_issue(actor, learner, event_ids)
    now = timezone.now().replace(microsecond=0)
    the_issuer, key = issuer(), signing_key()
    signer = _Signer(the_issuer, key, _current_key(key, now), now)
    identity = _identity(learner)

    def achievement(event: LearningEvent, parent: IssuedCredential | None) -> IssuedCredential:
        def build(*, credential_id: str, status: dict[str, Any]) -> dict[str, Any]:
            return documents.achievement_credential(
                credential_id=credential_id,
                issuer=the_issuer.profile,
                learner=identity,
                award=_award(event),
                status=status,
                issued_at=now,
            )

        return _record(
            signer,
            kind=CredentialKind.ACHIEVEMENT,
            learner=learner,
            actor=actor,
            events=[event],
            build=build,
            parent=parent,
        )

    if kind == CredentialKind.ACHIEVEMENT:
        issued = [achievement(event, None) for event in events]
    else:
        parts: list[IssuedCredential] = []

        def build_clr(*, credential_id: str, status: dict[str, Any]) -> dict[str, Any]:
            for event in events:
                parts.append(achievement(event, None))
            return documents.clr_credential(
                credential_id=credential_id,
                issuer=the_issuer.profile,
                learner=identity,
                credentials=[p.document for p in parts],
                status=status,
                issued_at=now,
            )

        clr = _record(
            signer,
            kind=CredentialKind.CLR,
            learner=learner,
            actor=actor,
            events=events,
            build=build_clr,
        )
        IssuedCredential.objects.filter(pk__in=[p.pk for p in parts]).update(parent=clr)
        issued = [clr]
    _audit_issued(actor, learner, issued, events)
    return issued


def _audit_issued(
    actor: Requester,
    learner: Learner,
    issued: list[IssuedCredential],
    events: Sequence[LearningEvent],
) -> None:
    for credential in issued:
        audit_record(
            action="credential.issue",
            actor=actor if isinstance(actor, User) else None,
            actor_label=_actor_label(actor),
            object_type="uln",
            object_id=learner.uln,
            detail={
                "credential": str(credential.public_id),
                "kind": credential.kind,
                "events": [str(e.public_id) for e in events],
                "by_learner": isinstance(actor, LearnerActor),
            },
        )


# --- Revoking ------------------------------------------------------------------------------

_REASONS = {
    "withdraw": RevocationReason.WITHDRAWN,
    "update": RevocationReason.AMENDED,
    "move": RevocationReason.MOVED,
}


def credentials_revoke_for_event(*, event: LearningEvent, action: str, actor: User | None) -> int:
    """Revoke every credential carrying ``event``'s old values; returns how many.

    Called by lrs.records.services inside the transaction that changes the event, so the
    status bits are set (and the status lists re-signed) in that same transaction.
    """
    carrying = IssuedCredential.objects.filter(
        carried__event=event, revoked_at__isnull=True
    ).order_by("pk")
    if not carrying.exists():
        return 0
    with transaction.atomic():
        now = timezone.now()
        reason = _REASONS.get(action, RevocationReason.CHANGED)
        credentials = list(carrying.select_for_update())
        for credential in credentials:
            credential.revoked_at = now
            credential.revoked_reason = reason
            credential.save(update_fields=["revoked_at", "revoked_reason"])
            audit_record(
                action="credential.revoke",
                actor=actor,
                object_type="credential",
                object_id=str(credential.public_id),
                detail={"reason": reason.value, "event": str(event.public_id), "change": action},
            )
        for status_list in StatusList.objects.select_for_update().filter(
            pk__in={c.status_list_id for c in credentials}
        ):
            status_list.version += 1
            status_list.save(update_fields=["version"])
            _sign_status_list(status_list, now)
    return len(credentials)


# --- Handing over ---------------------------------------------------------------------------


def check_may_get(actor: Requester, credential: IssuedCredential) -> None:
    check_may_see_plr(actor, credential.learner)
    if _is_awarding_organisation(actor):
        assert isinstance(actor, User)
        # An awarding organisation sees only its own events on a PLR.
        if credential.carried.exclude(
            event__awarding_organisation_id=actor.organisation_id
        ).exists():
            raise NotFound("No such credential")


@transaction.atomic
def credential_download(*, actor: Requester, public_id: uuid.UUID | str) -> IssuedCredential:
    """A credential's signed document, for someone who may see the learner's PLR. Audited."""
    try:
        credential = IssuedCredential.objects.select_related("learner").get(
            public_id=public_id, parent__isnull=True
        )
    except (IssuedCredential.DoesNotExist, ValueError):
        raise NotFound("No such credential") from None
    try:
        check_may_get(actor, credential)
    except NotPermitted:
        raise
    except NotFound:
        raise NotFound("No such credential") from None
    audit_record(
        action="credential.download",
        actor=actor if isinstance(actor, User) else None,
        actor_label=_actor_label(actor),
        object_type="uln",
        object_id=credential.learner.uln,
        detail={
            "credential": str(credential.public_id),
            "by_learner": isinstance(actor, LearnerActor),
        },
    )
    return credential

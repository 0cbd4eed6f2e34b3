"""Every write of the learners' side: signing in (and linking to a ULN), sharing, PDFs,
reports of problems, paper requests and app tokens. Each is atomic and audited; the
learner acting is named in the audit log as "learner:<id>", never by name or ULN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.challenges.services import challenge_raise
from lrs.core.errors import Conflict, FieldProblem, NotFound, NotPermitted, ValidationFailed
from lrs.core.tasks import send_email
from lrs.core.uploads import upload_store_all
from lrs.credentials.models import IssuedCredential
from lrs.credentials.services import LearnerActor, credential_download, credentials_issue
from lrs.learnerportal.models import (
    LearnerIdentity,
    LearnerReport,
    LearnerToken,
    PaperEvidence,
    PaperRequest,
    PaperStatus,
    PlrDocument,
    ReportKind,
    ReportStatus,
    Share,
    ShareView,
)
from lrs.learnerportal.pdf import plr_content, plr_pdf
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_match
from lrs.oidc.onelogin import ProvenIdentity
from lrs.records.models import EventStatus, LearningEvent
from lrs.records.services import learner_ability_to_share_change
from lrs.users import tokens
from lrs.users.models import User
from lrs.users.services import email_footer, portal_address
from lrs.validation.learner import Purpose, validate_learner

# Access codes and references are read aloud and typed: no 0/O, 1/I/L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHARE_CODE_LENGTH = 8
# Attempts with one proven identity: its current and a few previous addresses.
MAX_POSTCODES = 4
# "Not known": One Login does not tell LRS a person's gender, and the matching engine
# never lets an unknown gender count for or against a match.
GENDER_NOT_KNOWN = "0"


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _reference(prefix: str, model: Any, length: int = 8) -> str:
    while True:
        code = f"{prefix}-{_random(length)}"
        if not model.objects.filter(reference=code).exists():
            return code


def _audit(
    action: str,
    *,
    identity: LearnerIdentity | None,
    uln: str = "",
    outcome: str = Outcome.SUCCESS,
    detail: dict[str, Any] | None = None,
    actor: User | None = None,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        actor_label=identity.audit_label if identity is not None else "",
        object_type="uln" if uln else "",
        object_id=uln,
        outcome=outcome,
        detail=detail,
    )


def _email(to: Iterable[str], subject: str, body: str) -> None:
    """Emails say that something happened and where to look, never what or about whom.
    The queue is in the database: an email exists only if the change commits."""
    recipients = sorted({address for address in to if address})
    if recipients:
        send_email.enqueue(
            to=recipients, subject=subject, body=body + email_footer(), kind="learner_notice"
        )


def record_of(identity: LearnerIdentity) -> Learner:
    """The learner whose record the identity sees: the master if theirs was merged."""
    learner = identity.learner
    return learner.master if learner.master_id is not None and learner.master else learner


def learner_actor(identity: LearnerIdentity) -> LearnerActor:
    """The signed-in learner as the credentials services know them."""
    return LearnerActor(record_of(identity), label=identity.audit_label)


# --- Verifiable credentials of the learner's own record ---------------------------------


def learner_credentials_issue(
    *, identity: LearnerIdentity, event_ids: Iterable[str], kind: str
) -> list[IssuedCredential]:
    """Issue credentials of the learner's own events (a CLR, or one badge per event):
    signed, recorded, audited as the learner's, in one transaction."""
    return credentials_issue(
        actor=learner_actor(identity),
        learner=record_of(identity),
        event_ids=list(event_ids),
        kind=kind,
    )


def learner_credential_download(*, identity: LearnerIdentity, public_id: str) -> IssuedCredential:
    """One of the learner's credentials to download (any issued of their record). Audited."""
    return credential_download(actor=learner_actor(identity), public_id=public_id)


# --- Signing in -------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInOutcome:
    # "exact" (linked), "possible", "none" or "conflict" (two different exact matches).
    outcome: str
    identity: LearnerIdentity | None = None

    @property
    def linked(self) -> bool:
        return self.identity is not None


def _match_attempts(proven: ProvenIdentity) -> list[dict[str, Any]]:
    """The finds to run: the current name with each date of birth and each of the
    current and recent postcodes (a register may hold an address the person has left)."""
    name = proven.current_name
    if name is None or not name.given_names or not name.family_name:
        return []
    previous = proven.previous_family_names
    postcodes = list(proven.postcodes[:MAX_POSTCODES]) or ["ZZ99 9ZZ"]
    attempts = []
    for born in proven.dates_of_birth:
        for postcode in postcodes:
            values, problems = validate_learner(
                {
                    "given_name": name.given_names[0],
                    "middle_other_name": " ".join(name.given_names[1:]) or None,
                    "family_name": name.family_name,
                    "previous_family_name": previous[0] if previous else None,
                    "date_of_birth": born,
                    "gender": GENDER_NOT_KNOWN,
                    "last_known_postcode": postcode,
                },
                purpose=Purpose.FIND,
            )
            if not problems:
                attempts.append(values)
    return attempts


def _subject_digest(provider: str, subject: str) -> str:
    # Lets the audit log tell repeated attempts of one person apart without holding
    # their identifier at the provider.
    return hashlib.sha256(f"{provider}:{subject}".encode()).hexdigest()[:16]


@transaction.atomic
def learner_sign_in(*, provider: str, proven: ProvenIdentity) -> SignInOutcome:
    """Match a proven identity to the register: only one exact match, to one learner,
    links the sign-in to that learner's ULN. Anything else shows no record at all."""
    exact: dict[int, str] = {}
    possible = False
    for values in _match_attempts(proven):
        result = learner_match(values)
        if result.outcome == "exact_match" and result.candidates:
            exact[result.candidates[0].learner_id] = result.candidates[0].uln
        elif result.outcome in ("possible_matches", "too_many"):
            possible = True
    digest = _subject_digest(provider, proven.subject)
    if len(exact) != 1:
        outcome = "conflict" if len(exact) > 1 else ("possible" if possible else "none")
        audit_record(
            action="learner.sign_in",
            actor_label=f"{provider}:{digest}",
            outcome=Outcome.REFUSED,
            detail={"match": outcome, "subject": digest},
        )
        return SignInOutcome(outcome)
    learner_id, uln = next(iter(exact.items()))
    learner = Learner.objects.get(pk=learner_id)
    now = timezone.now()
    identity = (
        LearnerIdentity.objects.select_for_update()
        .filter(provider=provider, subject=proven.subject)
        .first()
    )
    relinked_from = ""
    if identity is None:
        identity = LearnerIdentity.objects.create(
            provider=provider,
            subject=proven.subject,
            learner=learner,
            email=proven.email,
            linked_at=now,
            last_signed_in_at=now,
        )
        _audit("learner.link", identity=identity, uln=uln, detail={"subject": digest})
    else:
        if identity.learner_id != learner.pk:
            relinked_from = identity.learner.uln
            identity.learner = learner
            identity.linked_at = now
        identity.email = proven.email or identity.email
        identity.last_signed_in_at = now
        identity.save()
        if relinked_from:
            _audit(
                "learner.relink",
                identity=identity,
                uln=uln,
                detail={"from_uln": relinked_from, "subject": digest},
            )
    _audit("learner.sign_in", identity=identity, uln=uln, detail={"match": "exact"})
    return SignInOutcome("exact", identity)


# --- The learner's choice about sharing --------------------------------------------------

SHARE = "1"
DO_NOT_SHARE = "2"


@transaction.atomic
def learner_choose_sharing(*, identity: LearnerIdentity, share: bool) -> Learner:
    """The learner has read the privacy notice and chosen whether organisations may see
    their learning events (ability to share 1 or 2)."""
    learner = Learner.objects.select_for_update().get(pk=record_of(identity).pk)
    chosen = SHARE if share else DO_NOT_SHARE
    if learner.ability_to_share == chosen:
        return learner
    before = learner_ability_to_share_change(
        learner=learner, value=chosen, action="learner's choice", actor=None
    )
    _audit(
        "learner.ability_to_share",
        identity=identity,
        uln=learner.uln,
        detail={"ability_to_share": [before, chosen]},
    )
    return learner


# --- Shares ----------------------------------------------------------------------------------


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


@transaction.atomic
def share_create(
    *,
    identity: LearnerIdentity,
    recipient: str,
    expires_on: dt.date | None,
    event_ids: Iterable[str] | None = None,
    offers_credential: bool = False,
) -> tuple[Share, str]:
    """Share all (``event_ids`` None) or some learning events until the end of
    ``expires_on``; with ``offers_credential`` the recipient may also download them as a
    signed credential. Returns the share and its access code, shown this once."""
    learner = record_of(identity)
    problems: list[FieldProblem] = []
    recipient = (recipient or "").strip()
    if not recipient:
        problems.append(FieldProblem("recipient", "Enter who you are sharing your record with"))
    elif len(recipient) > 100:
        problems.append(FieldProblem("recipient", "Who it is for must be 100 characters or fewer"))
    today = timezone.localdate()
    limit = settings.LRS_SHARE_MAX_DAYS
    if expires_on is None:
        problems.append(FieldProblem("expires_on", "Enter the date the share ends"))
    elif expires_on < today:
        problems.append(
            FieldProblem("expires_on", "The date the share ends must be today or later")
        )
    elif expires_on > today + dt.timedelta(days=limit):
        problems.append(
            FieldProblem(
                "expires_on",
                f"The date the share ends must be within {limit} days, on or before "
                f"{today + dt.timedelta(days=limit):%-d %B %Y}",
            )
        )
    current = LearningEvent.objects.filter(learner=learner, withdrawn=False)
    chosen: list[LearningEvent] = []
    if event_ids is not None:
        wanted = {str(event_id) for event_id in event_ids}
        chosen = [event for event in current if str(event.public_id) in wanted]
        if not wanted:
            problems.append(FieldProblem("events", "Select the learning events to share"))
        elif len(chosen) != len(wanted):
            problems.append(FieldProblem("events", "Select only learning events on your record"))
    elif not current.exists():
        problems.append(FieldProblem("events", "Your record has no learning events to share yet"))
    if problems or expires_on is None:
        raise ValidationFailed(problems)
    code = _random(SHARE_CODE_LENGTH)
    share = Share.objects.create(
        link_key=secrets.token_urlsafe(24),
        code_hash=make_password(code),
        learner=learner,
        created_by=identity,
        recipient=recipient,
        all_events=event_ids is None,
        offers_credential=offers_credential,
        created_at=timezone.now(),
        expires_at=_end_of(expires_on),
    )
    if event_ids is not None:
        share.events.set(chosen)
    _audit(
        "share.create",
        identity=identity,
        uln=learner.uln,
        detail={
            "share": str(share.public_id),
            "events": "all" if event_ids is None else len(chosen),
            "expires": expires_on.isoformat(),
            "offers_credential": offers_credential,
        },
    )
    return share, code


@transaction.atomic
def share_revoke(*, identity: LearnerIdentity, share: Share) -> Share:
    share = Share.objects.select_for_update().select_related("learner").get(pk=share.pk)
    if share.learner_id != record_of(identity).pk:
        raise NotFound("No such share")
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        _audit(
            "share.revoke",
            identity=identity,
            uln=share.learner.uln,
            detail={"share": str(share.public_id)},
        )
    return share


def share_state(share: Share, now: dt.datetime | None = None) -> str:
    """active, revoked, expired or locked (too many wrong codes)."""
    now = now or timezone.now()
    if share.revoked_at is not None:
        return "revoked"
    if share.expires_at <= now:
        return "expired"
    if share.locked_at is not None:
        return "locked"
    return "active"


@dataclass(frozen=True)
class ShareOpening:
    # "open", "wrong_code" or "unavailable" (no such link, revoked, expired or locked:
    # a stranger is told nothing about which).
    status: str
    share: Share | None = None
    attempts_left: int = 0


def _share_unlock(link_key: str, code: str) -> ShareOpening:
    """The share behind a link and code, locked for update, or why not. Refusals are
    audited; wrong codes are counted on the share, which locks after
    LRS_SHARE_CODE_ATTEMPTS."""
    share = (
        Share.objects.select_for_update()
        .select_related("learner", "created_by")
        .filter(link_key=link_key)
        .first()
        if link_key
        else None
    )
    if share is None:
        audit_record(
            action="share.open",
            outcome=Outcome.REFUSED,
            detail={"reason": "unknown_link"},
        )
        return ShareOpening("unavailable")
    state = share_state(share)
    uln = share.learner.uln
    if state != "active":
        _audit(
            "share.open",
            identity=None,
            uln=uln,
            outcome=Outcome.REFUSED,
            detail={"share": str(share.public_id), "reason": state},
        )
        return ShareOpening("unavailable")
    if not check_password(_normalise_code(code), share.code_hash):
        share.failed_attempts += 1
        limit = settings.LRS_SHARE_CODE_ATTEMPTS
        if share.failed_attempts >= limit:
            share.locked_at = timezone.now()
        share.save(update_fields=["failed_attempts", "locked_at"])
        _audit(
            "share.open",
            identity=None,
            uln=uln,
            outcome=Outcome.REFUSED,
            detail={
                "share": str(share.public_id),
                "reason": "wrong_code",
                "failed_attempts": share.failed_attempts,
            },
        )
        if share.locked_at is not None:
            return ShareOpening("unavailable")
        return ShareOpening("wrong_code", attempts_left=limit - share.failed_attempts)
    return ShareOpening("open", share)


@transaction.atomic
def share_open(*, link_key: str, code: str, portal_url: str = "") -> ShareOpening:
    """A recipient enters the access code of a share's link. Every attempt is audited;
    wrong codes are counted on the share, which locks after LRS_SHARE_CODE_ATTEMPTS."""
    opening = _share_unlock(link_key, code)
    if opening.share is None:
        return opening
    share = opening.share
    uln = share.learner.uln
    ShareView.objects.create(share=share, viewed_at=timezone.now())
    _audit("share.view", identity=None, uln=uln, detail={"share": str(share.public_id)})
    _email(
        [share.created_by.email],
        "LRS: a record you shared has been viewed",
        "Someone has opened a record you shared through the Learning Records Service, "
        "using its link and access code.\n\n"
        "Sign in to see when, and to end the share if you did not expect this:\n\n"
        f"{portal_address(portal_url, reverse('learner:shares'))}",
    )
    return ShareOpening("open", share)


@transaction.atomic
def share_credential_issue(
    *, link_key: str, code: str
) -> tuple[ShareOpening, IssuedCredential | None]:
    """A recipient downloads what a share shows as one signed CLR, if its learner offered
    that: the share's current events that can be issued (final, not being checked).

    The same link and code as opening the share, with the same refusals and counting.
    The credential is the learner's (issued at their word, when they made the share),
    recorded on the share and audited as the share's.
    """
    opening = _share_unlock(link_key, code)
    share = opening.share
    if share is None:
        return opening, None
    if not share.offers_credential:
        raise NotPermitted("The learner did not offer this share as a credential")
    current = LearningEvent.objects.filter(learner=share.learner, withdrawn=False)
    if not share.all_events:
        current = current.filter(pk__in=share.events.values("pk"))
    issuable = current.exclude(status=EventStatus.PROVISIONAL).exclude(under_data_challenge=True)
    event_ids = [str(event.public_id) for event in issuable]
    if not event_ids:
        raise Conflict(
            "nothing_to_issue",
            "Nothing in this share can be issued as a credential yet: provisional results "
            "and results being checked cannot",
        )
    [credential] = credentials_issue(
        actor=LearnerActor(share.learner, label=f"share:{share.public_id}"),
        learner=share.learner,
        event_ids=event_ids,
        kind="clr",
    )
    share.credentials.add(credential)
    _audit(
        "share.credential",
        identity=None,
        uln=share.learner.uln,
        detail={"share": str(share.public_id), "credential": str(credential.public_id)},
    )
    return opening, credential


# --- PDFs and checking them ------------------------------------------------------------------


@transaction.atomic
def plr_document_issue(
    *,
    learner: Learner,
    issued_through: str,
    identity: LearnerIdentity | None = None,
    portal_url: str = "",
) -> tuple[PlrDocument, bytes]:
    """A PDF of the learner's whole current record, with a reference anyone can check."""
    reference = "LRS-" + "-".join(_random(4) for _ in range(3))
    while PlrDocument.objects.filter(reference=reference).exists():
        reference = "LRS-" + "-".join(_random(4) for _ in range(3))
    issued_at = timezone.now()
    content = plr_content(learner, reference=reference, issued_at=issued_at, portal_url=portal_url)
    pdf = plr_pdf(content)
    document = PlrDocument.objects.create(
        reference=reference,
        learner=learner,
        issued_at=issued_at,
        issued_through=issued_through,
        content=content,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    _audit(
        "plr_document.issue",
        identity=identity,
        uln=learner.uln,
        detail={"reference": reference, "through": issued_through},
    )
    return document, pdf


def _normalise_reference(text: str) -> str:
    letters = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if letters.startswith("LRS"):
        letters = letters[3:]
    if len(letters) != 12:
        return ""
    return "LRS-" + "-".join(letters[i : i + 4] for i in range(0, 12, 4))


@transaction.atomic
def plr_document_check(*, reference: str) -> PlrDocument | None:
    """The PDF issued with ``reference``, for anyone holding it. Audited either way: a
    check counts as a view of the learner's record, and failed ones as guesses."""
    wanted = _normalise_reference(reference)
    document = (
        PlrDocument.objects.select_related("learner").filter(reference=wanted).first()
        if wanted
        else None
    )
    if document is None:
        audit_record(action="plr_document.check", outcome=Outcome.REFUSED, detail={})
        return None
    _audit(
        "plr_document.check",
        identity=None,
        uln=document.learner.uln,
        detail={"reference": document.reference},
    )
    return document


# --- Reports of problems ---------------------------------------------------------------------


def _tell_desk(subject: str, reference: str, path: str) -> None:
    _email(
        [settings.LRS_SERVICE_DESK_EMAIL],
        f"LRS: {subject} {reference}",
        f"{subject[0].upper()}{subject[1:]} has arrived: {reference}.\n\n"
        f"{portal_address('', path)}",
    )


def _tell_reporter(report: LearnerReport, what: str) -> None:
    _email(
        [report.identity.email],
        f"LRS: your report {report.reference} has been updated",
        f"{what}\n\nSign in to see your report:\n\n"
        f"{portal_address('', reverse('learner:report', args=[report.reference]))}",
    )


@transaction.atomic
def learner_report_create(
    *, identity: LearnerIdentity, kind: str, explanation: str, event_id: str = ""
) -> LearnerReport:
    """The learner reports a wrong learning event, or wrong personal details."""
    learner = record_of(identity)
    problems: list[FieldProblem] = []
    if kind not in ReportKind.values:
        problems.append(FieldProblem("kind", "Select what is wrong"))
    explanation = (explanation or "").strip()
    if not explanation:
        problems.append(FieldProblem("explanation", "Tell us what is wrong"))
    elif len(explanation) > 4000:
        problems.append(FieldProblem("explanation", "Must be 4,000 characters or fewer"))
    event = None
    if kind == ReportKind.EVENT:
        event = (
            LearningEvent.objects.filter(
                learner=learner, withdrawn=False, public_id=event_id
            ).first()
            if _is_uuid(event_id)
            else None
        )
        if event is None:
            problems.append(FieldProblem("event", "Select a learning event on your record"))
        elif LearnerReport.objects.filter(
            event=event, status__in=[ReportStatus.RECEIVED, ReportStatus.IN_PROGRESS]
        ).exists():
            raise Conflict("already_reported", "You have already reported this learning event")
    if problems:
        raise ValidationFailed(problems)
    now = timezone.now()
    report = LearnerReport.objects.create(
        reference=_reference("LR", LearnerReport),
        learner=learner,
        identity=identity,
        kind=kind,
        event=event,
        explanation=explanation,
        created_at=now,
        updated_at=now,
    )
    _audit(
        "learner_report.create",
        identity=identity,
        uln=learner.uln,
        detail={"reference": report.reference, "kind": kind},
    )
    _tell_desk("a learner's report", report.reference, reverse("portal:learner-requests"))
    return report


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def _require_desk(actor: User) -> None:
    if not actor.can(Capability.MEDIATE_CHALLENGES):
        raise NotPermitted("Only the LRS service desk handles learners' reports")


@transaction.atomic
def learner_report_raise_challenge(
    *,
    actor: User,
    report: LearnerReport,
    type: str,
    explanation: str,
    supplied_values: Mapping[str, Any] | None = None,
) -> LearnerReport:
    """The service desk raises an event data challenge for the learner who reported a
    wrong event; the learner follows the challenge's status on their report."""
    _require_desk(actor)
    report = LearnerReport.objects.select_for_update().select_related("identity").get(pk=report.pk)
    if report.kind != ReportKind.EVENT or report.event is None:
        raise Conflict("not_an_event_report", "Only a report about a learning event can be")
    if report.status not in (ReportStatus.RECEIVED, ReportStatus.IN_PROGRESS):
        raise Conflict("report_finished", "This report has already been dealt with")
    challenge = challenge_raise(
        actor=actor,
        type=type,
        event_id=str(report.event.public_id),
        contact_name="The learner (reported through their own LRS account)",
        # The learner hears of the challenge's progress from the challenge's own emails.
        contact_email=report.identity.email or settings.LRS_SERVICE_DESK_EMAIL,
        explanation=explanation,
        supplied_values=supplied_values,
        for_learner=True,
    )
    report.challenge = challenge
    report.status = ReportStatus.CHALLENGE_RAISED
    report.handled_by = actor
    report.updated_at = timezone.now()
    report.save()
    audit_record(
        action="learner_report.challenge",
        actor=actor,
        object_type="uln",
        object_id=report.learner.uln,
        detail={"reference": report.reference, "challenge": challenge.reference},
    )
    _tell_reporter(
        report,
        "The LRS service desk has raised a challenge about the learning event you reported. "
        "The organisation that recorded it has to answer it.",
    )
    return report


@transaction.atomic
def learner_report_decide(
    *, actor: User, report: LearnerReport, status: str, outcome: str
) -> LearnerReport:
    """The service desk moves a report on (in progress, resolved or closed), saying why."""
    _require_desk(actor)
    report = LearnerReport.objects.select_for_update().select_related("identity").get(pk=report.pk)
    if status not in (ReportStatus.IN_PROGRESS, ReportStatus.RESOLVED, ReportStatus.CLOSED):
        raise ValidationFailed([FieldProblem("status", "Choose in progress, resolved or closed")])
    outcome = (outcome or "").strip()
    if status != ReportStatus.IN_PROGRESS and not outcome:
        raise ValidationFailed([FieldProblem("outcome", "Tell the learner what happened")])
    if report.status in (ReportStatus.RESOLVED, ReportStatus.CLOSED):
        raise Conflict("report_finished", "This report has already been dealt with")
    report.status = status
    report.outcome = outcome[:4000]
    report.handled_by = actor
    report.updated_at = timezone.now()
    report.save()
    audit_record(
        action=f"learner_report.{status}",
        actor=actor,
        object_type="uln",
        object_id=report.learner.uln,
        detail={"reference": report.reference},
    )
    _tell_reporter(report, f"Its status is now: {ReportStatus(status).label}.")
    return report


# --- Paper requests (for people who cannot use One Login) ----------------------------------


PAPER_FIELDS = (
    "given_name",
    "family_name",
    "previous_family_name",
    "date_of_birth",
    "postcode",
    "uln",
    "email",
)


@transaction.atomic
def paper_request_submit(*, data: Mapping[str, Any], evidence: Iterable[Any]) -> PaperRequest:
    """A person asks for a copy of their record with proof of identity; it joins the
    service desk's queue. ``data`` has been checked by the form."""
    files = list(evidence)
    if not files:
        raise ValidationFailed([FieldProblem("evidence", "Attach proof of your identity")])
    if len(files) > 5:
        raise ValidationFailed([FieldProblem("evidence", "Attach no more than 5 files")])
    stored = upload_store_all(
        uploads=files, folder="paper-requests", field="evidence", noun="Proof", each="file"
    )
    now = timezone.now()
    request = PaperRequest.objects.create(
        reference=_reference("PR", PaperRequest),
        created_at=now,
        **{field: data.get(field) or "" for field in PAPER_FIELDS},
    )
    for kept in stored:
        PaperEvidence.objects.create(request=request, uploaded_at=now, **kept.fields())
    audit_record(
        action="paper_request.submit",
        object_type="paper_request",
        object_id=request.reference,
        detail={"files": len(stored)},
    )
    _email(
        [request.email],
        f"LRS: we have your request {request.reference}",
        "We have your request for a copy of your Personal Learning Record. The LRS "
        "service desk will check your proof of identity, usually within 5 working days, "
        f"and email you again. Your reference is {request.reference}.",
    )
    _tell_desk("a request for a copy of a record", request.reference, "/service-desk/learners/")
    return request


def paper_request_candidates(*, actor: User, request: PaperRequest) -> list[Learner]:
    """Who the register says the person may be, for the desk to check against the proof:
    a find on the details given (and the ULN, if they gave one)."""
    _require_desk(actor)
    values, problems = validate_learner(
        {
            "given_name": request.given_name,
            "family_name": request.family_name,
            "previous_family_name": request.previous_family_name or None,
            "date_of_birth": request.date_of_birth,
            "gender": GENDER_NOT_KNOWN,
            "last_known_postcode": request.postcode,
        },
        purpose=Purpose.FIND,
    )
    found: list[Learner] = []
    if not problems:
        result = learner_match(values)
        ids = [candidate.learner_id for candidate in result.candidates]
        by_id = Learner.objects.in_bulk(ids)
        found = [by_id[i] for i in ids if i in by_id]
    if request.uln:
        given = Learner.objects.filter(uln=request.uln).exclude(status=LearnerStatus.CLOSED).first()
        if given is not None and given not in found:
            found.append(given)
    with transaction.atomic():
        audit_record(
            action="paper_request.find",
            actor=actor,
            object_type="paper_request",
            object_id=request.reference,
            detail={"returned_ulns": [learner.uln for learner in found]},
        )
    return found


def _link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def paper_request_send(
    *, actor: User, request: PaperRequest, uln: str, portal_url: str = ""
) -> PaperRequest:
    """The desk has checked the proof and found the person: email a one-time link to
    a PDF of their record."""
    _require_desk(actor)
    request = PaperRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PaperStatus.RECEIVED:
        raise Conflict("paper_request_decided", "This request has already been dealt with")
    learner = Learner.objects.select_related("master").filter(uln=(uln or "").strip()).first()
    if learner is None or learner.status == LearnerStatus.CLOSED:
        raise ValidationFailed([FieldProblem("uln", "No learner has this ULN")])
    if learner.master_id is not None and learner.master is not None:
        learner = learner.master
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    request.learner = learner
    request.status = PaperStatus.SENT
    request.decided_at = now
    request.decided_by = actor
    request.link_hash = _link_digest(token)
    request.link_expires_at = now + dt.timedelta(days=settings.LRS_PAPER_LINK_DAYS)
    request.save()
    audit_record(
        action="paper_request.send",
        actor=actor,
        object_type="uln",
        object_id=learner.uln,
        detail={"reference": request.reference},
    )
    days = settings.LRS_PAPER_LINK_DAYS
    _email(
        [request.email],
        f"LRS: your Personal Learning Record ({request.reference})",
        "The LRS service desk has checked your proof of identity. Use this link to "
        f"download a copy of your Personal Learning Record. It works once, for {days} "
        "days:\n\n"
        f"{portal_address(portal_url, reverse('learner:paper-copy', args=[token]))}",
    )
    return request


@transaction.atomic
def paper_request_refuse(*, actor: User, request: PaperRequest, reason: str) -> PaperRequest:
    _require_desk(actor)
    request = PaperRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PaperStatus.RECEIVED:
        raise Conflict("paper_request_decided", "This request has already been dealt with")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldProblem("reason", "Say why, so the person can try again")])
    request.status = PaperStatus.REFUSED
    request.refusal_reason = reason[:4000]
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.save()
    audit_record(
        action="paper_request.refuse",
        actor=actor,
        object_type="paper_request",
        object_id=request.reference,
    )
    _email(
        [request.email],
        f"LRS: your request {request.reference}",
        "The LRS service desk could not send you a copy of your record. The reason is:\n\n"
        f"{request.refusal_reason}\n\nYou can send a new request with the right proof.",
    )
    return request


def paper_copy_find(token: str) -> PaperRequest | None:
    """The request a one-time link is for, while it still works."""
    if not token:
        return None
    request = (
        PaperRequest.objects.select_related("learner")
        .filter(link_hash=_link_digest(token), status=PaperStatus.SENT)
        .first()
    )
    if (
        request is None
        or request.link_used_at is not None
        or request.link_expires_at is None
        or request.link_expires_at <= timezone.now()
        or not hmac.compare_digest(request.link_hash, _link_digest(token))
    ):
        return None
    return request


@transaction.atomic
def paper_copy_download(*, token: str, portal_url: str = "") -> tuple[PlrDocument, bytes] | None:
    """Use the one-time link: the PDF, once. None if the link does not work (any more)."""
    found = paper_copy_find(token)
    if found is None:
        audit_record(action="paper_copy.download", outcome=Outcome.REFUSED, detail={})
        return None
    request = PaperRequest.objects.select_for_update().get(pk=found.pk)
    if request.link_used_at is not None or request.learner is None:
        return None
    document, pdf = plr_document_issue(
        learner=request.learner, issued_through="paper", portal_url=portal_url
    )
    request.link_used_at = timezone.now()
    request.document = document
    request.save(update_fields=["link_used_at", "document"])
    audit_record(
        action="paper_copy.download",
        object_type="uln",
        object_id=request.learner.uln,
        detail={"reference": request.reference, "document": document.reference},
    )
    return document, pdf


# --- Tokens for apps (the learner's own API) --------------------------------------------------

LEARNER_TOKEN_PREFIX = "lrsl_"  # noqa: S105 - a prefix, not a secret


@transaction.atomic
def learner_token_create(
    *, identity: LearnerIdentity, name: str, expires_on: dt.date | None
) -> tuple[LearnerToken, str]:
    problems: list[FieldProblem] = []
    name = (name or "").strip()
    if not name or len(name) > 100:
        problems.append(FieldProblem("name", "Give the token a name of 1 to 100 characters"))
    today = timezone.localdate()
    limit = settings.LRS_LEARNER_TOKEN_MAX_DAYS
    if expires_on is None:
        problems.append(FieldProblem("expires_on", "Enter the date the token stops working"))
    elif not today < expires_on <= today + dt.timedelta(days=limit):
        problems.append(
            FieldProblem("expires_on", f"The date must be after today and within {limit} days")
        )
    if problems or expires_on is None:
        raise ValidationFailed(problems)
    new = tokens.generate()
    plaintext = LEARNER_TOKEN_PREFIX + new.plaintext.removeprefix("lrs_")
    token = LearnerToken.objects.create(
        identity=identity,
        name=name,
        key_id=new.key_id,
        digest=tokens.digest(plaintext),
        created_at=timezone.now(),
        expires_at=_end_of(expires_on),
    )
    _audit(
        "learner_token.create",
        identity=identity,
        uln=record_of(identity).uln,
        detail={"key_id": new.key_id},
    )
    return token, plaintext


@transaction.atomic
def learner_token_revoke(*, identity: LearnerIdentity, token: LearnerToken) -> LearnerToken:
    token = LearnerToken.objects.select_for_update().get(pk=token.pk)
    if token.identity_id != identity.pk:
        raise NotFound("No such token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(
            "learner_token.revoke",
            identity=identity,
            uln=record_of(identity).uln,
            detail={"key_id": token.key_id},
        )
    return token


class LearnerTokenRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def learner_token_authenticate(*, plaintext: str) -> LearnerIdentity:
    """The learner an app's bearer token speaks for, or LearnerTokenRefused."""
    text = (plaintext or "").strip()
    if not text.startswith(LEARNER_TOKEN_PREFIX):
        raise LearnerTokenRefused("The bearer token is not an LRS learner token")
    key_id = tokens.parse("lrs_" + text.removeprefix(LEARNER_TOKEN_PREFIX))
    token = (
        LearnerToken.objects.select_related("identity", "identity__learner")
        .filter(key_id=key_id)
        .first()
        if key_id
        else None
    )
    if token is None or not tokens.matches(text, token.digest):
        raise LearnerTokenRefused("The learner token is not recognised")
    now = timezone.now()
    if token.revoked_at is not None:
        raise LearnerTokenRefused("The learner token has been revoked")
    if token.expires_at <= now:
        raise LearnerTokenRefused("The learner token has expired")
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        with transaction.atomic():
            LearnerToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.identity

"""Reads of the learners' side, each scoped to the person asking: a learner sees only
their own record, shares, viewers and reports; the service desk sees the queue."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import AuditEntry, Outcome
from lrs.core.errors import NotFound, NotPermitted
from lrs.credentials.models import IssuedCredential
from lrs.credentials.selectors import credentials_for_learner
from lrs.learnerportal.models import (
    LearnerIdentity,
    LearnerReport,
    LearnerToken,
    PaperEvidence,
    PaperRequest,
    PaperStatus,
    ReportStatus,
    Share,
    ShareView,
)
from lrs.learnerportal.pdf import record_events
from lrs.learnerportal.services import learner_actor, record_of, share_state
from lrs.learners.models import Learner
from lrs.records.models import EventStatus, LearningEvent
from lrs.records.selectors import plr_view_entries
from lrs.users.models import User


def learner_record(*, identity: LearnerIdentity) -> Learner:
    return record_of(identity)


def learner_events(*, identity: LearnerIdentity) -> list[LearningEvent]:
    """Every current learning event on the learner's own record, newest first."""
    return record_events(record_of(identity))


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        raise NotFound("Not found") from None


def learner_event_get(*, identity: LearnerIdentity, public_id: str) -> LearningEvent:
    event = LearningEvent.objects.filter(
        learner=record_of(identity), withdrawn=False, public_id=_uuid(public_id)
    ).first()
    if event is None:
        raise NotFound("No such learning event on your record")
    return event


# --- Verifiable credentials ------------------------------------------------------------------


def learner_credentials(*, identity: LearnerIdentity) -> QuerySet[IssuedCredential]:
    """Every credential issued of the learner's record, by them or by an organisation."""
    return credentials_for_learner(actor=learner_actor(identity), learner=record_of(identity))


def credential_blocker(event: LearningEvent) -> str:
    """Why an event cannot be issued as a credential yet ("" when it can)."""
    if event.status == EventStatus.PROVISIONAL:
        return "the result is provisional: you can get a credential once it is final"
    if event.under_data_challenge:
        return "it is being checked: you can get a credential once the check is finished"
    return ""


# --- Who has viewed the record --------------------------------------------------------------


@dataclass(frozen=True)
class Viewing:
    at: dt.datetime
    who: str
    what: str
    shown: bool
    kind: str  # organisation, share, check


_ORGANISATION_ACTIONS = {
    "plr.view": "Looked at your record",
    "learner.privacy_notice": "Recorded that you were given the privacy notice",
}


def _ulns_of(learner: Learner) -> list[str]:
    """The learner's ULN and any merged into it: views of either are views of them."""
    return [learner.uln, *Learner.objects.filter(master=learner).values_list("uln", flat=True)]


def learner_viewers(*, identity: LearnerIdentity) -> list[Viewing]:
    """Everyone who has looked at the learner's record, newest first: organisations
    (from the PLR audit the service desk reads), recipients of shares, and people
    checking a PDF. Individual staff are not named: the organisation answers for them."""
    learner = record_of(identity)
    ulns = _ulns_of(learner)
    rows: list[Viewing] = []
    for entry in plr_view_entries(ulns=ulns):
        organisation = entry.organisation.name if entry.organisation else "LRS"
        shown = entry.outcome == Outcome.SUCCESS
        what = _ORGANISATION_ACTIONS.get(entry.action, entry.action)
        if not shown and entry.action == "plr.view":
            what = "Tried to look at your record and was refused"
        rows.append(Viewing(entry.occurred_at, organisation, what, shown, "organisation"))
    for view in ShareView.objects.filter(share__learner=learner).select_related("share"):
        rows.append(
            Viewing(
                view.viewed_at,
                f"The person you shared with: {view.share.recipient}",
                "Opened your share with its code",
                True,
                "share",
            )
        )
    for share in Share.objects.filter(learner=learner, credentials__isnull=False).distinct():
        for credential in share.credentials.all():
            rows.append(
                Viewing(
                    credential.issued_at,
                    f"The person you shared with: {share.recipient}",
                    "Downloaded what you shared as a verifiable credential",
                    True,
                    "share",
                )
            )
    checks = AuditEntry.objects.filter(
        action="plr_document.check", object_type="uln", object_id__in=ulns
    )
    for entry in checks:
        rows.append(
            Viewing(
                entry.occurred_at,
                "Someone holding a PDF of your record",
                "Checked the PDF's reference",
                True,
                "check",
            )
        )
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows


# --- Shares ------------------------------------------------------------------------------------


def learner_shares(*, identity: LearnerIdentity) -> QuerySet[Share]:
    return Share.objects.filter(learner=record_of(identity)).prefetch_related("views")


def learner_share_get(*, identity: LearnerIdentity, public_id: str) -> Share:
    share = learner_shares(identity=identity).filter(public_id=_uuid(public_id)).first()
    if share is None:
        raise NotFound("No such share")
    return share


def share_events(share: Share) -> list[LearningEvent]:
    """What a share shows now: withdrawn events drop out of it."""
    if share.all_events:
        return record_events(share.learner)
    return list(share.events.filter(withdrawn=False).order_by("-award_date", "subject", "id"))


def share_status(share: Share) -> str:
    return share_state(share, timezone.now())


# --- Reports and tokens ------------------------------------------------------------------------


def learner_reports(*, identity: LearnerIdentity) -> QuerySet[LearnerReport]:
    return LearnerReport.objects.filter(learner=record_of(identity)).select_related(
        "event", "challenge"
    )


def learner_report_get(*, identity: LearnerIdentity, reference: str) -> LearnerReport:
    report = learner_reports(identity=identity).filter(reference=reference).first()
    if report is None:
        raise NotFound("No such report")
    return report


def learner_tokens(*, identity: LearnerIdentity) -> QuerySet[LearnerToken]:
    return LearnerToken.objects.filter(identity=identity)


def learner_token_get(*, identity: LearnerIdentity, token_id: int) -> LearnerToken:
    token = learner_tokens(identity=identity).filter(pk=token_id).first()
    if token is None:
        raise NotFound("No such token")
    return token


# --- The service desk's queue ----------------------------------------------------------------


def _require_desk(actor: User) -> None:
    if not actor.can(Capability.MEDIATE_CHALLENGES):
        raise NotPermitted("Only the LRS service desk sees learners' reports and requests")


OPEN_REPORTS = (ReportStatus.RECEIVED, ReportStatus.IN_PROGRESS)


def desk_learner_reports(*, actor: User, open_only: bool = True) -> QuerySet[LearnerReport]:
    _require_desk(actor)
    reports = LearnerReport.objects.select_related("learner", "event", "challenge")
    if open_only:
        reports = reports.filter(status__in=OPEN_REPORTS)
    return reports.order_by("created_at", "id")


def desk_paper_requests(*, actor: User, open_only: bool = True) -> QuerySet[PaperRequest]:
    _require_desk(actor)
    requests = PaperRequest.objects.prefetch_related("evidence")
    if open_only:
        requests = requests.filter(status=PaperStatus.RECEIVED)
    return requests.order_by("created_at", "id")


def desk_learner_report_get(*, actor: User, reference: str) -> LearnerReport:
    report = desk_learner_reports(actor=actor, open_only=False).filter(reference=reference).first()
    if report is None:
        raise NotFound("No such report")
    return report


def desk_paper_request_get(*, actor: User, reference: str) -> PaperRequest:
    found = desk_paper_requests(actor=actor, open_only=False).filter(reference=reference).first()
    if found is None:
        raise NotFound("No such request")
    return found


def desk_paper_evidence_get(
    *, actor: User, request: PaperRequest, evidence_id: int
) -> PaperEvidence:
    _require_desk(actor)
    evidence = PaperEvidence.objects.filter(request=request, pk=evidence_id).first()
    if evidence is None:
        raise NotFound("No such file")
    return evidence

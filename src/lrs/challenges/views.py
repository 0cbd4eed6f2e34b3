"""Portal pages for event data challenges: raising one from a PLR, the queues of the
raiser, the owner and the service desk, a challenge's page (with its timeline and the
actions its reader may take now), evidence downloads and the service desk's reports.

Views only call the challenge services and selectors, which decide who may see and do
what; a challenge that is not the reader's is not found. Only a learning event's public
id, a challenge's reference and filter codes appear in these URLs.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.access import Capability
from lrs.batchfiles.writers import neutralise
from lrs.challenges import selectors, services
from lrs.challenges.forms import (
    OUTCOME_LABELS,
    AcknowledgeForm,
    EvidenceForm,
    FilterForm,
    RaiseForm,
    ResolveForm,
    WithdrawForm,
    evidence_limit_mb,
)
from lrs.challenges.lifecycle import (
    OPEN,
    STATUS_LABELS,
    TYPE_LABELS,
    ChallengeType,
    Outcome,
    Party,
    Status,
    moves_from,
)
from lrs.challenges.models import Challenge, ChallengeTransition
from lrs.core.errors import NotFound, NotPermitted, ServiceError
from lrs.core.forms import add_service_error
from lrs.core.uploads import upload_response
from lrs.records.models import LearningEvent
from lrs.records.selectors import learning_event_get, learning_events_beside
from lrs.users.decorators import capability_required, signed_in_user, translate_refusals
from lrs.users.models import User

C = Capability
CHALLENGES_PER_PAGE = 25
CHALLENGE_CAPABILITIES = (C.RAISE_CHALLENGE, C.RESOLVE_CHALLENGE, C.MEDIATE_CHALLENGES)

STATUS_COLOURS = {
    Status.SUBMITTED: "blue",
    Status.ACKNOWLEDGED: "turquoise",
    Status.ESCALATED: "red",
    Status.RESOLVED: "green",
    Status.WITHDRAWN: "grey",
}
PARTY_LABELS = {
    Party.RAISER: "Your organisation raised it",
    Party.OWNER: "Your organisation owns the record",
    Party.SERVICE_DESK: "LRS service desk",
}

View = Callable[..., HttpResponse]


def any_challenge_capability(view: View) -> View:
    """Signed in and dealing with challenges in some way (else 403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = signed_in_user(request)
        if not any(user.can(capability) for capability in CHALLENGE_CAPABILITIES):
            raise NotPermitted("Your role does not deal with event data challenges")
        return view(request, *args, **kwargs)

    return login_required(translate_refusals(wrapped))


# --- Presenting a challenge -----------------------------------------------------------


def status_label(status: str) -> str:
    return STATUS_LABELS[Status(status)]


def type_label(kind: str) -> str:
    return TYPE_LABELS[ChallengeType(kind)]


def due_date(challenge: Challenge) -> dt.date | None:
    """The next deadline of an open challenge: to acknowledge it, then to resolve it."""
    if challenge.status == Status.SUBMITTED:
        return challenge.acknowledge_due
    if challenge.status in (Status.ACKNOWLEDGED, Status.ESCALATED):
        return challenge.resolve_due
    return None


def is_overdue(challenge: Challenge, today: dt.date | None = None) -> bool:
    due = due_date(challenge)
    return due is not None and due < (today or timezone.localdate())


def _date_text(value: Any) -> str:
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Row:
    challenge: Challenge
    type: str
    status: str
    colour: str
    due: dt.date | None
    overdue: bool
    part: str


def _rows(actor: User, challenges: Iterable[Challenge]) -> list[Row]:
    today = timezone.localdate()
    rows = []
    for challenge in challenges:
        party = services.party_of(actor, challenge)
        rows.append(
            Row(
                challenge=challenge,
                type=type_label(challenge.type),
                status=status_label(challenge.status),
                colour=STATUS_COLOURS[Status(challenge.status)],
                due=due_date(challenge),
                overdue=is_overdue(challenge, today),
                part=PARTY_LABELS[party] if party in (Party.RAISER, Party.OWNER) else "",
            )
        )
    return rows


# (label, key in original_values, key in supplied_values)
_COMPARED = (
    ("Subject", "title", ""),
    ("Accreditation number", "accreditation_number", ""),
    ("Awarding organisation", "awarding_body", ""),
    ("Type", "type", ""),
    ("Level", "level", "level"),
    ("Grade", "grade", "grade"),
    ("Date achieved", "achieved_date", "achieved_date"),
    ("Credits", "credits", "credits"),
    ("Language of assessment", "language", "language"),
    ("Provider", "provider", "provider_ukprn"),
)


def _event_now(event: LearningEvent) -> dict[str, Any]:
    return {
        "level": event.level,
        "grade": event.grade,
        "achieved_date": event.award_date.isoformat(),
        "credits": event.credits,
        "language": event.language_for_assessment,
    }


def comparison(challenge: Challenge, *, with_now: bool = False) -> list[dict[str, Any]]:
    """The event's values when the challenge was raised beside the ones the raiser says
    are right (and, once amended, the values now)."""
    original = challenge.original_values or {}
    supplied = challenge.supplied_values or {}
    now = _event_now(challenge.event) if with_now else {}
    rows = []
    for label, key, supplied_key in _COMPARED:
        shown = original.get(key)
        wanted = supplied.get(supplied_key, "") if supplied_key else ""
        if key == "provider" and wanted:
            wanted = f"UKPRN {wanted}"
        current = now.get(key, shown) if with_now else ""
        if key == "achieved_date":
            shown, wanted, current = _date_text(shown), _date_text(wanted), _date_text(current)
        rows.append(
            {
                "label": label,
                "original": "" if shown is None else str(shown),
                "supplied": str(wanted),
                "now": "" if current is None else str(current),
                "changed": bool(wanted),
            }
        )
    if supplied.get("correct_uln"):
        rows.append(
            {
                "label": "Learner's ULN",
                "original": challenge.learner.uln,
                "supplied": supplied["correct_uln"],
                "now": "",  # never another learner's ULN to the raiser
                "changed": True,
            }
        )
    return rows


def next_steps(challenge: Challenge, party: Party | None) -> str:
    """What happens now, in a sentence or two, for the one reading it."""
    owner = challenge.owner_organisation.name
    ack = _date_text(challenge.acknowledge_due.isoformat())
    res = _date_text(challenge.resolve_due.isoformat())
    status = Status(challenge.status)
    if status is Status.SUBMITTED:
        if party is Party.OWNER:
            return (
                f"Acknowledge it by {ack} to say you are looking into it, then resolve it by "
                f"{res}. If a date passes, the challenge goes to the LRS service desk."
            )
        if party is Party.SERVICE_DESK:
            return f"{owner} has until {ack} to acknowledge it and until {res} to resolve it."
        return (
            f"{owner} has until {ack} to acknowledge it and until {res} to resolve it. We will "
            "email the contact when they do. If they miss a date, the LRS service desk takes "
            "it up with them."
        )
    if status is Status.ACKNOWLEDGED:
        if party is Party.OWNER:
            return (
                f"Resolve it by {res}: amend, withdraw or move the learning event, or change "
                "nothing and say why."
            )
        return f"{owner} is looking into it and has until {res} to resolve it."
    if status is Status.ESCALATED:
        if party is Party.OWNER:
            return (
                "A deadline passed, so the LRS service desk is following it up. Resolve it as "
                "soon as you can."
            )
        if party is Party.SERVICE_DESK:
            return f"A deadline passed: follow it up with {owner}, or resolve it yourself."
        return f"A deadline passed, so the LRS service desk is following it up with {owner}."
    if status is Status.RESOLVED:
        outcome = OUTCOME_LABELS.get(Outcome(challenge.outcome), "") if challenge.outcome else ""
        return f"Resolved: {outcome.lower()}. Nothing more needs to be done."
    return "It was withdrawn by the organisation that raised it. Nothing more needs to be done."


_TIMELINE_TITLES = {
    Status.SUBMITTED: "Challenge raised",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.ESCALATED: "Escalated to the LRS service desk",
    Status.RESOLVED: "Resolved",
    Status.WITHDRAWN: "Withdrawn",
}


def timeline(challenge: Challenge) -> list[dict[str, Any]]:
    entries = []
    transitions: Iterable[ChallengeTransition] = challenge.timeline.select_related(
        "actor", "organisation"
    )
    for transition in transitions:
        if transition.actor is not None:
            who = transition.actor.display_name
            if transition.organisation is not None:
                who = f"{who}, {transition.organisation.name}"
        else:
            who = "LRS, automatically"
        title = _TIMELINE_TITLES.get(Status(transition.to_status), transition.to_status)
        note = transition.note
        if transition.to_status == Status.RESOLVED and challenge.outcome:
            # The service notes "<outcome>: <reason>"; the outcome reads better as words.
            title = f"Resolved: {OUTCOME_LABELS[Outcome(challenge.outcome)].lower()}"
            note = note.removeprefix(f"{challenge.outcome}: ")
        entries.append(
            {
                "title": title,
                "status": transition.to_status,
                "who": who,
                "at": transition.at,
                "note": note,
            }
        )
    return entries


def conditional_items(
    form: forms.Form, name: str, conditional: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """The radios of ``form[name]``, each with the fields it reveals when chosen.

    Ids follow the govuk_field tag: the first radio is ``name`` (where the error summary
    links), the others ``name-2``, ``name-3`` and so on.
    """
    field = form.fields[name]
    value = form[name].value()
    hints: dict[str, str] = getattr(field, "item_hints", {})
    items = []
    for index, (choice, text) in enumerate(field.choices):  # type: ignore[attr-defined]
        revealed = [
            form[sub]
            for sub in conditional.get(str(choice), ())
            if getattr(form.fields[sub], "choices", True)  # radios with nothing to choose
        ]
        items.append(
            {
                "id": name if index == 0 else f"{name}-{index + 1}",
                "value": choice,
                "text": text,
                "hint": hints.get(str(choice), ""),
                "checked": value is not None and str(value) == str(choice),
                "fields": revealed,
                "empty": bool(conditional.get(str(choice))) and not revealed,
            }
        )
    return items


def _challenge(actor: User, reference: str) -> Challenge:
    return selectors.challenge_get(actor=actor, reference=reference)


def _detail_page(
    request: HttpRequest,
    challenge: Challenge,
    *,
    acknowledge_form: AcknowledgeForm | None = None,
    evidence_form: EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = signed_in_user(request)
    party = services.party_of(actor, challenge)
    moves = moves_from(challenge.status, party) if party else []
    amended = challenge.status == Status.RESOLVED and challenge.outcome == Outcome.AMEND
    failed = next((f for f in (acknowledge_form, evidence_form) if f and f.errors), None)
    return render(
        request,
        "challenges/detail.html",
        {
            "challenge": challenge,
            "form": failed,
            "party": party.value if party else "",
            "part": PARTY_LABELS.get(party, "") if party else "",
            "type": type_label(challenge.type),
            "status": status_label(challenge.status),
            "colour": STATUS_COLOURS[Status(challenge.status)],
            "due": due_date(challenge),
            "overdue": is_overdue(challenge),
            "next_steps": next_steps(challenge, party),
            "outcome": (OUTCOME_LABELS[Outcome(challenge.outcome)] if challenge.outcome else ""),
            "comparison": comparison(challenge, with_now=amended),
            "with_now": amended,
            "evidence": list(challenge.evidence.order_by("uploaded_at", "id")),
            "timeline": timeline(challenge),
            "can_acknowledge": Status.ACKNOWLEDGED in moves,
            "can_withdraw": Status.WITHDRAWN in moves,
            "can_resolve": Status.RESOLVED in moves,
            "can_add_evidence": party is Party.RAISER and challenge.status in OPEN,
            "acknowledge_form": acknowledge_form or AcknowledgeForm(),
            "evidence_form": evidence_form or EvidenceForm(),
            "limit_mb": evidence_limit_mb(),
        },
        status=status,
    )


# --- Raising a challenge --------------------------------------------------------------


def _event_label(event: LearningEvent) -> str:
    parts = [f"{event.subject} ({event.subject_code})"]
    if event.grade:
        parts.append(f"grade {event.grade}")
    parts.append(f"achieved {event.award_date.day} {event.award_date:%B %Y}")
    return ", ".join(parts)


def event_values(event: LearningEvent) -> list[tuple[str, str]]:
    """A learning event's values as the PLR shows them, for the raise page."""
    return [
        ("Subject", f"{event.subject} ({event.subject_code})"),
        ("Awarding organisation", event.awarding_organisation_name),
        ("Type", event.qualification_type),
        ("Level", event.level),
        ("Grade", event.grade),
        ("Date achieved", f"{event.award_date.day} {event.award_date:%B %Y}"),
        ("Credits", "" if event.credits is None else str(event.credits)),
        ("Language of assessment", event.language_for_assessment),
        ("Provider", event.achievement_provider_name),
    ]


_RAISE_REVEALS: dict[str, tuple[str, ...]] = {
    ChallengeType.INCORRECT_DETAILS.value: (
        "grade",
        "achieved_date",
        "credits",
        "level",
        "language",
    ),
    ChallengeType.NOT_THIS_LEARNER.value: ("correct_uln",),
    ChallengeType.DUPLICATE_EVENT.value: ("second_event_id",),
    ChallengeType.WRONG_PROVIDER.value: ("provider_ukprn",),
}


def _raise_page(
    request: HttpRequest, event: LearningEvent, form: RaiseForm, open_challenge: Any
) -> HttpResponse:
    return render(
        request,
        "challenges/raise.html",
        {
            "event": event,
            "learner": event.learner,
            "values": event_values(event),
            "form": form,
            "open_challenge": open_challenge,
            "acknowledge_days": _settings("LRS_CHALLENGE_ACKNOWLEDGE_DAYS"),
            "resolve_days": _settings("LRS_CHALLENGE_RESOLVE_DAYS"),
            "limit_mb": evidence_limit_mb(),
            "type_items": conditional_items(form, "type", _RAISE_REVEALS),
        },
    )


def _settings(name: str) -> Any:
    return getattr(settings, name)


@require_http_methods(["GET", "POST"])
@capability_required(C.RAISE_CHALLENGE)
def challenge_raise(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Raise a challenge about one learning event: the event as it is, then the form."""
    actor = signed_in_user(request)
    event = learning_event_get(actor=actor, public_id=public_id)
    others = [
        (str(other.public_id), _event_label(other)) for other in learning_events_beside(event=event)
    ]
    open_challenge = (
        selectors.challenge_list(actor=actor).filter(event=event, status__in=list(OPEN)).first()
    )
    if request.method == "GET":
        initial = {
            "contact_name": actor.display_name,
            "contact_email": actor.email,
        }
        return _raise_page(
            request, event, RaiseForm(initial=initial, other_events=others), open_challenge
        )
    form = RaiseForm(request.POST, request.FILES, other_events=others)
    if not form.is_valid():
        return _raise_page(request, event, form, open_challenge)
    try:
        challenge = services.challenge_raise(
            actor=actor, event_id=str(event.public_id), **form.service_data()
        )
    except ServiceError as exc:
        if isinstance(exc, NotPermitted | NotFound):
            raise
        add_service_error(
            form,
            exc,
            {
                "supplied_values": "grade",
                "supplied_values.achieved_date": "achieved_date",
                "supplied_values.correct_uln": "correct_uln",
                "event_id": "__all__",
            },
        )
        return _raise_page(request, event, form, open_challenge)
    return redirect("portal:challenge-raised", reference=challenge.reference)


@require_safe
@capability_required(C.RAISE_CHALLENGE)
def challenge_raised(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation: the reference number and what happens next."""
    challenge = _challenge(signed_in_user(request), reference)
    return render(
        request,
        "challenges/raised.html",
        {
            "challenge": challenge,
            "acknowledge_days": _settings("LRS_CHALLENGE_ACKNOWLEDGE_DAYS"),
            "resolve_days": _settings("LRS_CHALLENGE_RESOLVE_DAYS"),
        },
    )


@require_safe
@capability_required(C.RAISE_CHALLENGE)
def challenge_start(request: HttpRequest) -> HttpResponse:
    """How to challenge a learning record: from the learner's PLR."""
    return render(
        request,
        "challenges/start.html",
        {
            "acknowledge_days": _settings("LRS_CHALLENGE_ACKNOWLEDGE_DAYS"),
            "resolve_days": _settings("LRS_CHALLENGE_RESOLVE_DAYS"),
        },
    )


# --- The queues -----------------------------------------------------------------------


def _filters(request: HttpRequest, actor: User) -> tuple[FilterForm, selectors.ChallengeFilter]:
    owners = sorted(
        {
            (ukprn, f"{name} ({ukprn})")
            for ukprn, name in selectors.challenge_list(actor=actor)
            .order_by()
            .values_list("owner_organisation__ukprn", "owner_organisation__name")
            .distinct()
        },
        key=lambda item: item[1].lower(),
    )
    form = FilterForm(request.GET or None, owners=owners)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, selectors.ChallengeFilter(
        status=data.get("status") or "",
        type=data.get("type") or "",
        owner_ukprn=data.get("owner") or "",
        overdue=bool(data.get("overdue")),
    )


@require_safe
@any_challenge_capability
def challenge_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form, filters = _filters(request, actor)
    found = selectors.challenge_list(actor=actor, filters=filters).select_related("raised_by")
    page = Paginator(found, CHALLENGES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "challenges/list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(actor, page.object_list),
            "filtered": any([filters.status, filters.type, filters.owner_ukprn, filters.overdue]),
            "export_query": query.urlencode(),
            "can_raise": actor.can(C.RAISE_CHALLENGE),
            "can_resolve": actor.can(C.RESOLVE_CHALLENGE),
            "can_mediate": actor.can(C.MEDIATE_CHALLENGES),
            "acknowledge_days": _settings("LRS_CHALLENGE_ACKNOWLEDGE_DAYS"),
            "resolve_days": _settings("LRS_CHALLENGE_RESOLVE_DAYS"),
        },
    )


def _csv(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise("" if value is None else str(value)) for value in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@any_challenge_capability
def challenge_export(request: HttpRequest) -> HttpResponse:
    """The filtered queue as CSV: references and organisations, no learner's details."""
    actor = signed_in_user(request)
    _, filters = _filters(request, actor)
    found = selectors.challenge_list(actor=actor, filters=filters)
    today = timezone.localdate()
    rows = (
        [
            c.reference,
            type_label(c.type),
            status_label(c.status),
            c.owner_organisation.name,
            c.owner_organisation.ukprn,
            c.raising_organisation.name,
            c.raising_organisation.ukprn,
            timezone.localtime(c.created_at).date().isoformat(),
            c.acknowledge_due.isoformat(),
            c.resolve_due.isoformat(),
            "Yes" if is_overdue(c, today) else "No",
            c.outcome,
        ]
        for c in found.iterator()
    )
    return _csv(
        "challenges.csv",
        [
            "Reference",
            "Type",
            "Status",
            "Owner",
            "Owner UKPRN",
            "Raised by",
            "Raised by UKPRN",
            "Raised on",
            "Acknowledge by",
            "Resolve by",
            "Overdue",
            "Outcome",
        ],
        rows,
    )


# --- One challenge --------------------------------------------------------------------


@require_safe
@any_challenge_capability
def challenge_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail_page(request, _challenge(signed_in_user(request), reference))


@require_POST
@any_challenge_capability
def challenge_acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    challenge = _challenge(actor, reference)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, challenge, acknowledge_form=form)
    try:
        services.challenge_acknowledge(
            actor=actor, challenge=challenge, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        if isinstance(exc, NotPermitted | NotFound):
            raise
        add_service_error(form, exc)
        challenge.refresh_from_db()
        return _detail_page(request, challenge, acknowledge_form=form)
    messages.success(request, f"You have acknowledged challenge {challenge.reference}")
    return redirect("portal:challenge-detail", reference=challenge.reference)


def _refused(request: HttpRequest, challenge: Challenge, doing: str) -> HttpResponse:
    messages.info(
        request,
        f"Challenge {challenge.reference} cannot be {doing} now: it is "
        f"{status_label(challenge.status).lower()}",
    )
    return redirect("portal:challenge-detail", reference=challenge.reference)


@require_http_methods(["GET", "POST"])
@any_challenge_capability
def challenge_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    challenge = _challenge(actor, reference)
    party = services.party_of(actor, challenge)
    if party is None or Status.WITHDRAWN not in moves_from(challenge.status, party):
        return _refused(request, challenge, "withdrawn")
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.challenge_withdraw(
                actor=actor, challenge=challenge, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            if isinstance(exc, NotPermitted | NotFound):
                raise
            add_service_error(form, exc)
        else:
            messages.success(request, f"You have withdrawn challenge {challenge.reference}")
            return redirect("portal:challenge-detail", reference=challenge.reference)
    return render(
        request,
        "challenges/withdraw.html",
        {"challenge": challenge, "form": form, "type": type_label(challenge.type)},
    )


def _resolve_initial(challenge: Challenge) -> dict[str, Any]:
    supplied = challenge.supplied_values or {}
    initial: dict[str, Any] = {
        key: supplied[key] for key in ("grade", "credits", "language") if supplied.get(key)
    }
    if supplied.get("achieved_date"):
        with contextlib.suppress(ValueError):
            initial["achieved_date"] = dt.date.fromisoformat(str(supplied["achieved_date"]))
    if supplied.get("correct_uln"):
        initial["correct_uln"] = supplied["correct_uln"]
    return initial


@require_http_methods(["GET", "POST"])
@any_challenge_capability
def challenge_resolve(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    challenge = _challenge(actor, reference)
    party = services.party_of(actor, challenge)
    if party is None or Status.RESOLVED not in moves_from(challenge.status, party):
        return _refused(request, challenge, "resolved")
    if request.method == "POST":
        form = ResolveForm(request.POST)
        if form.is_valid():
            try:
                services.challenge_resolve(actor=actor, challenge=challenge, **form.service_data())
            except ServiceError as exc:
                if isinstance(exc, NotPermitted | NotFound):
                    raise
                add_service_error(
                    form,
                    exc,
                    {"amended": "grade", "amended.achieved_date": "achieved_date"},
                )
            else:
                messages.success(request, f"You have resolved challenge {challenge.reference}")
                return redirect("portal:challenge-detail", reference=challenge.reference)
    else:
        form = ResolveForm(initial=_resolve_initial(challenge))
    return render(
        request,
        "challenges/resolve.html",
        {
            "challenge": challenge,
            "form": form,
            "type": type_label(challenge.type),
            "comparison": comparison(challenge),
            "outcome_items": conditional_items(
                form,
                "outcome",
                {
                    Outcome.AMEND.value: ("grade", "achieved_date", "credits", "language"),
                    Outcome.MOVE.value: ("correct_uln",),
                },
            ),
        },
    )


@require_POST
@capability_required(C.RAISE_CHALLENGE)
def challenge_evidence_add(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    challenge = _challenge(actor, reference)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, challenge, evidence_form=form)
    names = []
    try:
        for upload in form.cleaned_data["evidence"]:
            names.append(
                services.challenge_add_evidence(
                    actor=actor, challenge=challenge, upload=upload
                ).original_name
            )
    except ServiceError as exc:
        if isinstance(exc, NotFound):
            raise
        add_service_error(form, exc)
        return _detail_page(request, challenge, evidence_form=form)
    messages.success(request, f"Evidence added: {', '.join(names)}")
    return redirect("portal:challenge-detail", reference=challenge.reference)


@require_safe
@login_required
def challenge_evidence(request: HttpRequest, reference: str, evidence_id: int) -> FileResponse:
    """An evidence file, only ever to a party to its challenge (anyone else: not found)."""
    # As any_challenge_capability, which is typed for HttpResponse, not streamed responses.
    actor = signed_in_user(request)
    try:
        challenge = _challenge(actor, reference)
        evidence = selectors.evidence_get(actor=actor, challenge=challenge, evidence_id=evidence_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return upload_response(
        services.evidence_path(evidence),
        original_name=evidence.original_name,
        content_type=evidence.content_type,
    )


# --- Reports --------------------------------------------------------------------------


@require_safe
@capability_required(C.MEDIATE_CHALLENGES)
def challenge_reports(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    report = selectors.challenge_report(actor=actor)
    overdue = selectors.challenge_list(
        actor=actor, filters=selectors.ChallengeFilter(overdue=True)
    ).select_related("raised_by")
    return render(
        request,
        "challenges/reports.html",
        {
            "report": report,
            "totals": {
                "open": sum(r.open for r in report),
                "resolved": sum(r.resolved for r in report),
                "overdue": sum(r.overdue for r in report),
            },
            "overdue": _rows(actor, overdue),
            "overdue_query": "overdue=on",
            "list_url": reverse("portal:challenge-list"),
        },
    )


@require_safe
@capability_required(C.MEDIATE_CHALLENGES)
def challenge_report_csv(request: HttpRequest) -> HttpResponse:
    report = selectors.challenge_report(actor=signed_in_user(request))
    return _csv(
        "challenges-report.csv",
        ["Owner", "UKPRN", "Open", "Resolved", "Overdue", "Median days to resolve"],
        (
            [
                r.owner,
                r.ukprn,
                r.open,
                r.resolved,
                r.overdue,
                "" if r.median_days_to_resolve is None else r.median_days_to_resolve,
            ]
            for r in report
        ),
    )

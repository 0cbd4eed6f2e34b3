"""Portal pages and public documents of verifiable credentials.

Public, no sign-in: LRS's DID document (/.well-known/did.json), its status lists
(/credentials/status/N) and the verify page (/verify). Signed in: issuing from a PLR page
and downloading an issued credential.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.access import Capability
from lrs.core.errors import NotFound, ServiceError
from lrs.core.forms import add_service_error
from lrs.credentials import selectors, services
from lrs.credentials.forms import KIND_CHOICES, IssueForm, VerifyForm
from lrs.credentials.issuer import IssuingNotConfigured
from lrs.credentials.models import IssuedCredential
from lrs.learners.models import Learner
from lrs.records.models import EventStatus, LearningEvent
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.models import User
from lrs.vc.verify import Report

C = Capability
JSON_LD = "application/ld+json"


def _json(document: dict[str, Any], content_type: str = JSON_LD) -> HttpResponse:
    response = HttpResponse(json.dumps(document, indent=2), content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in browsers fetch these
    return response


@require_safe
def did_document(request: HttpRequest) -> HttpResponse:
    try:
        document = selectors.issuer_did_document()
    except IssuingNotConfigured:
        raise Http404("This LRS does not issue credentials") from None
    response = _json(document, "application/did+ld+json")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    try:
        document = selectors.status_list_document(number=number)
    except NotFound:
        raise Http404("No such status list") from None
    response = _json(document, "application/vc+ld+json")
    # Short: a revocation should reach verifiers within a minute.
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    report: Report | None = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            report = selectors.credential_verify(document=form.cleaned_data["document"])
    else:
        form = VerifyForm()
    return render(request, "credentials/verify.html", {"form": form, "report": report})


# --- From a PLR page ------------------------------------------------------------------------


def _panel_events(events: list[LearningEvent]) -> list[dict[str, Any]]:
    rows = []
    for event in events:
        blocked = ""
        if event.status == EventStatus.PROVISIONAL:
            blocked = "Provisional: can be issued once final"
        elif event.under_data_challenge:
            blocked = "Under a data challenge: can be issued once resolved"
        rows.append({"event": event, "blocked": blocked})
    return rows


def plr_panel(actor: User, learner: Learner | None, events: list[LearningEvent]) -> dict[str, Any]:
    """What the PLR page's credentials section shows (see _plr_panel.html)."""
    if learner is None:
        return {}
    try:
        issued = list(selectors.credentials_for_learner(actor=actor, learner=learner)[:50])
    except ServiceError:
        return {}
    rows = _panel_events(events)
    return {
        "learner": learner,
        "rows": rows,
        "can_issue": any(not r["blocked"] for r in rows),
        "blocked": [r for r in rows if r["blocked"]],
        "issued": issued,
        "kinds": KIND_CHOICES,
    }


@require_POST
@capability_required(C.VIEW_PLR)
def issue(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = IssueForm(request.POST)
    learner = Learner.objects.filter(uln=request.POST.get("uln", "")).first()
    credentials: list[IssuedCredential] = []
    if form.is_valid():
        if learner is None:
            raise Http404("No learner has this ULN")
        try:
            credentials = services.credentials_issue(
                actor=actor,
                learner=learner,
                event_ids=form.cleaned_data["events"],
                kind=form.cleaned_data["kind"],
            )
        except NotFound:
            raise Http404("No learner has this ULN") from None
        except ServiceError as exc:
            add_service_error(form, exc)
    status = 200 if credentials else 422
    return render(
        request,
        "credentials/issued.html",
        {"form": form, "credentials": credentials, "learner": learner},
        status=status,
    )


@require_safe
@capability_required(C.VIEW_PLR)
def download(request: HttpRequest, public_id: str) -> HttpResponse:
    credential = services.credential_download(actor=signed_in_user(request), public_id=public_id)
    return credential_file(credential)


def credential_file(credential: IssuedCredential) -> HttpResponse:
    """A credential as a file to save (the organisation's and the learner's downloads)."""
    response = _json(credential.document)
    # Personal: not for other sites' scripts, nor for caches.
    del response["Access-Control-Allow-Origin"]
    name = "clr" if credential.kind == "clr" else "achievement"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-credential-{credential.public_id}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response

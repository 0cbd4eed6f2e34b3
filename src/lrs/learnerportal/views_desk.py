"""The service desk's side of learners' reports and paper requests (organisation pages,
in the portal's namespace)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from lrs.access import Capability
from lrs.core.errors import Conflict, ValidationFailed
from lrs.core.forms import add_service_error
from lrs.core.uploads import upload_path, upload_response
from lrs.learnerportal import selectors, services
from lrs.learnerportal.forms import (
    PaperRefuseForm,
    PaperSendForm,
    RaiseForLearnerForm,
    ReportDecisionForm,
)
from lrs.learnerportal.models import LearnerReport, PaperRequest, ReportKind
from lrs.users.decorators import capability_required, signed_in_user

_DESK = Capability.MEDIATE_CHALLENGES


@require_safe
@capability_required(_DESK)
def learner_requests(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "learnerportal/desk/queue.html",
        {
            "reports": selectors.desk_learner_reports(actor=actor),
            "paper_requests": selectors.desk_paper_requests(actor=actor),
        },
    )


def _report_page(
    request: HttpRequest,
    report: LearnerReport,
    *,
    raise_form: RaiseForLearnerForm | None = None,
    decision_form: ReportDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "learnerportal/desk/report.html",
        {
            "report": report,
            "raise_form": raise_form
            or RaiseForLearnerForm(initial={"explanation": report.explanation}),
            "decision_form": decision_form or ReportDecisionForm(),
            "can_raise": report.kind == ReportKind.EVENT and report.challenge_id is None,
        },
        status=status,
    )


@require_safe
@capability_required(_DESK)
def learner_report_manage(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    return _report_page(
        request, selectors.desk_learner_report_get(actor=actor, reference=reference)
    )


@require_POST
@capability_required(_DESK)
def learner_report_raise(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    report = selectors.desk_learner_report_get(actor=actor, reference=reference)
    form = RaiseForLearnerForm(request.POST)
    if form.is_valid():
        try:
            report = services.learner_report_raise_challenge(
                actor=actor,
                report=report,
                type=form.cleaned_data["type"],
                explanation=form.cleaned_data["explanation"],
                supplied_values={"grade": form.cleaned_data["grade"]},
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc, {"supplied_values": "grade"})
        else:
            assert report.challenge is not None
            messages.success(request, f"Challenge {report.challenge.reference} raised")
            return redirect("portal:learner-report-manage", reference=report.reference)
    return _report_page(request, report, raise_form=form, status=400)


@require_POST
@capability_required(_DESK)
def learner_report_decide(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    report = selectors.desk_learner_report_get(actor=actor, reference=reference)
    form = ReportDecisionForm(request.POST)
    if form.is_valid():
        try:
            report = services.learner_report_decide(
                actor=actor,
                report=report,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Report {report.reference} is now {report.get_status_display().lower()}"
            )
            return redirect("portal:learner-report-manage", reference=report.reference)
    return _report_page(request, report, decision_form=form, status=400)


def _paper_page(
    request: HttpRequest,
    paper: PaperRequest,
    *,
    send_form: PaperSendForm | None = None,
    refuse_form: PaperRefuseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = signed_in_user(request)
    candidates: list[Any] = []
    if paper.status == "received":
        candidates = services.paper_request_candidates(actor=actor, request=paper)
    return render(
        request,
        "learnerportal/desk/paper.html",
        {
            "paper": paper,
            "candidates": candidates,
            "send_form": send_form or PaperSendForm(),
            "refuse_form": refuse_form or PaperRefuseForm(),
        },
        status=status,
    )


@require_safe
@capability_required(_DESK)
def paper_request_manage(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    return _paper_page(request, selectors.desk_paper_request_get(actor=actor, reference=reference))


@require_POST
@capability_required(_DESK)
def paper_request_send(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    paper = selectors.desk_paper_request_get(actor=actor, reference=reference)
    form = PaperSendForm(request.POST)
    if form.is_valid():
        try:
            services.paper_request_send(
                actor=actor,
                request=paper,
                uln=form.cleaned_data["uln"],
                portal_url=request.build_absolute_uri("/"),
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"We have emailed a link to the record for {paper.reference}")
            return redirect("portal:learner-requests")
    return _paper_page(request, paper, send_form=form, status=400)


@require_POST
@capability_required(_DESK)
def paper_request_refuse(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    paper = selectors.desk_paper_request_get(actor=actor, reference=reference)
    form = PaperRefuseForm(request.POST)
    if form.is_valid():
        try:
            services.paper_request_refuse(
                actor=actor, request=paper, reason=form.cleaned_data["reason"]
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Request {paper.reference} refused; the person has been told"
            )
            return redirect("portal:learner-requests")
    return _paper_page(request, paper, refuse_form=form, status=400)


@require_safe
@capability_required(_DESK)
def paper_evidence(request: HttpRequest, reference: str, evidence_id: int) -> Any:
    actor = signed_in_user(request)
    paper = selectors.desk_paper_request_get(actor=actor, reference=reference)
    evidence = selectors.desk_paper_evidence_get(
        actor=actor, request=paper, evidence_id=evidence_id
    )
    response: FileResponse = upload_response(
        upload_path("paper-requests", evidence.stored_path),
        original_name=evidence.original_name,
        content_type=evidence.content_type,
    )
    return response

"""Portal pages for viewing a Personal Learning Record and who has viewed it.

As on the learner pages, personal data travels only in POST bodies: the PLR is shown on
the response to the POST, and the details are carried to the privacy notice step in
hidden inputs. Only the "who has viewed" page is addressed by ULN.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability, OrganisationType
from lrs.audit.models import AuditEntry, Outcome
from lrs.core import codes
from lrs.core.errors import Conflict
from lrs.learners.forms import add_learner_problems, posted_values
from lrs.learners.selectors import learner_get
from lrs.learners.services import LearnerError
from lrs.learners.views import code_view
from lrs.records.forms import PlrForm, PrivacyNoticeForm
from lrs.records.panels import plr_panels
from lrs.records.selectors import plr_viewers
from lrs.records.services import (
    PlrDetail,
    PlrResult,
    plr_get,
    plr_record_privacy_notice,
)
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.models import User

C = Capability
VIEWERS_PER_PAGE = 50


def _may_record_privacy_notice(actor: User) -> bool:
    # The service refuses awarding organisations: only providers and local authorities.
    return actor.organisation.type != OrganisationType.AWARDING_ORGANISATION


def _form_page(request: HttpRequest, form: PlrForm) -> HttpResponse:
    return render(request, "records/plr_form.html", {"form": form})


def _result_page(
    request: HttpRequest, form: PlrForm, result: PlrResult, *, notice_recorded: bool = False
) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "records/plr_result.html",
        {
            "result": result,
            "learner": result.learner,
            "outcome": code_view(result.response_code),
            "merged": result.response_code == codes.MASTER_SUBSTITUTED,
            "full": form.cleaned_data["detail"] == PlrDetail.FULL,
            "events": result.events,
            # Both pages need the learner visible to the organisation (plr_get has just
            # recorded that it is) and the capability to find learners.
            "can_see_learner": actor.can(C.FIND_LEARNER),
            "notice_recorded": notice_recorded,
            # Sections other apps register (credentials), see lrs.records.panels.
            "plr_panels": plr_panels(actor, result.learner, result.events),
        },
    )


def _opted_out_page(
    request: HttpRequest, form: PlrForm, notice_form: PrivacyNoticeForm, error: LearnerError
) -> HttpResponse:
    actor = signed_in_user(request)
    return render(
        request,
        "records/plr_opted_out.html",
        {
            "form": notice_form,
            "outcome": code_view(error.response_code),
            "uln": form.cleaned_data["uln"],
            "carry": posted_values(request.POST, PlrForm),
            "can_record": _may_record_privacy_notice(actor),
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(C.VIEW_PLR)
def plr_view(request: HttpRequest) -> HttpResponse:
    """View a PLR: the form (GET), the record or a refusal (POST).

    ``action=privacy-notice`` records that the learner was given the current privacy
    notice (WSEC0206) and then shows the PLR for the details carried in hidden inputs.
    """
    actor = signed_in_user(request)
    if request.method == "GET":
        return _form_page(request, PlrForm())
    form = PlrForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form)
    notice_recorded = False
    if request.POST.get("action") == "privacy-notice":
        notice_form = PrivacyNoticeForm(request.POST)
        if not notice_form.is_valid():
            refusal = LearnerError(codes.NOT_SHARED, codes.DESCRIPTIONS[codes.NOT_SHARED])
            return _opted_out_page(request, form, notice_form, refusal)
        details = {k: v for k, v in form.service_data().items() if k != "detail"}
        try:
            plr_record_privacy_notice(actor=actor, **details)
            notice_recorded = True
        except Conflict:
            pass  # Someone else recorded it meanwhile: the PLR can be shown anyway.
        except LearnerError:
            pass  # The details no longer verify: plr_get below says so.
    try:
        result = plr_get(actor=actor, **form.service_data())
    except LearnerError as exc:
        if exc.response_code == codes.NOT_SHARED:
            return _opted_out_page(request, form, PrivacyNoticeForm(), exc)
        if exc.response_code == codes.INVALID_ULN:
            form.add_error("uln", f"Enter a valid ULN. {exc.message} ({exc.response_code})")
        elif exc.response_code == codes.NOT_VERIFIED:
            form.add_error(
                None,
                "The names do not match this ULN's learner. Check the ULN and the names "
                f"with the learner or their centre ({exc.response_code})",
            )
        elif exc.problems:
            add_learner_problems(form, exc.problems)
        else:
            form.add_error(None, f"{exc.message} ({exc.response_code})")
        return _form_page(request, form)
    return _result_page(request, form, result, notice_recorded=notice_recorded)


# --- Who has viewed a PLR -------------------------------------------------------------

_ACTION_LABELS = {
    "plr.view": "PLR viewed",
    "learner.privacy_notice": "Privacy notice recorded",
}


@dataclass(frozen=True)
class ViewerRow:
    organisation: str
    user: str
    occurred_at: Any
    action: str
    outcome: str
    outcome_colour: str
    response_code: str


def _viewer_row(entry: AuditEntry) -> ViewerRow:
    organisation = entry.organisation.name if entry.organisation else entry.organisation_ukprn
    user = entry.actor.display_name if entry.actor else (entry.actor_username or "The service")
    success = entry.outcome == Outcome.SUCCESS
    return ViewerRow(
        organisation=organisation or "The service",
        user=user,
        occurred_at=entry.occurred_at,
        action=_ACTION_LABELS.get(entry.action, entry.action),
        outcome="Shown" if success else Outcome(entry.outcome).label,
        outcome_colour="green" if success else "red",
        response_code=str((entry.detail or {}).get("response_code", "")),
    )


@require_safe
@capability_required(C.VIEW_PLR)
def plr_viewers_page(request: HttpRequest, uln: str) -> HttpResponse:
    actor = signed_in_user(request)
    learner = learner_get(actor=actor, uln=uln)  # 404 unless the organisation may see them
    entries = plr_viewers(actor=actor, learner=learner).order_by("-occurred_at", "-id")
    page = Paginator(entries, VIEWERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "records/plr_viewers.html",
        {
            "learner": learner,
            "page": page,
            "rows": [_viewer_row(entry) for entry in page.object_list],
        },
    )

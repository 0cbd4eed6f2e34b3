"""Portal pages for organisations: the public application form, and the service desk's
applications queue, decisions, organisations list and status changes.

Views only call services and selectors; a service's refusal is shown on the form that
asked for the change, or as the 403/404 page (via ``capability_required``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from ninja.throttling import AnonRateThrottle

from lrs.access import Capability
from lrs.core.errors import Conflict, ValidationFailed
from lrs.core.forms import add_service_error
from lrs.organisations import selectors, services
from lrs.organisations.forms import (
    ApplicationFilterForm,
    ApplicationForm,
    ApproveForm,
    OrganisationFilterForm,
    RejectForm,
    StatusChangeForm,
)
from lrs.organisations.models import ExpectedVolume
from lrs.users.decorators import capability_required, signed_in_user

_DESK = Capability.APPROVE_ORGANISATIONS
PER_PAGE = 25
# The reference of the application this browser has just sent, for the confirmation page:
# kept in the session so that the page's address shows nothing about the application.
_SUBMITTED = "lrs_organisation_application"


class ApplyThrottle(AnonRateThrottle):
    """Application forms sent from one address (LRS_APPLY_RATE, default 20 an hour,
    counting attempts with mistakes too): the form is public, and every application lands
    in the service desk's queue."""

    scope = "organisation-apply"


# A module constant, as the API's throttle is, so tests can tighten it.
APPLY_THROTTLE = ApplyThrottle(settings.LRS_APPLY_RATE)
TOO_MANY_APPLICATIONS = (
    "Too many applications have been sent from your network recently. Wait an hour and "
    "try again, or ask your contact at the LRS service desk"
)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one), so the form is bound; else None."""
    return request.POST if request.method == "POST" else None


def _portal_url(request: HttpRequest) -> str:
    """Where the portal is, for links in emails: the host was checked by ALLOWED_HOSTS."""
    return request.build_absolute_uri("/")


# --- Applying (public) ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def organisation_apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(_posted(request))
    if request.method == "POST" and not APPLY_THROTTLE.allow_request(request):
        form.is_valid()
        form.add_error(None, TOO_MANY_APPLICATIONS)
        return render(request, "organisations/apply.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.organisation_application_submit(**form.cleaned_data)
        except ValidationFailed as exc:
            # The error summary lists problems in the order of the questions on the page.
            order = list(form.fields)
            exc.problems.sort(
                key=lambda p: order.index(p.field) if p.field in order else len(order)
            )
            add_service_error(form, exc)
        else:
            request.session[_SUBMITTED] = application.reference
            return redirect("portal:organisation-apply-done")
    return render(request, "organisations/apply.html", {"form": form})


@require_safe
def organisation_apply_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(_SUBMITTED)
    if not reference:
        return redirect("portal:organisation-apply")
    return render(request, "organisations/apply_done.html", {"reference": reference})


# --- Applications (service desk) --------------------------------------------------------


@require_safe
@capability_required(_DESK)
def application_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = ApplicationFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    applications = selectors.organisation_application_list(
        actor=actor, status=filters.get("status", ""), search=filters.get("search", "")
    )
    return render(
        request,
        "organisations/application_list.html",
        {
            "form": form,
            "filtered": any(filters.values()),
            "page": Paginator(applications, PER_PAGE).get_page(request.GET.get("page")),
            "waiting": selectors.organisation_applications_waiting(actor=actor),
        },
    )


@require_safe
@capability_required(_DESK)
def application_detail(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    application = selectors.organisation_application_get(actor=actor, reference=reference)
    return render(
        request,
        "organisations/application_detail.html",
        {
            "application": application,
            "volume_label": ExpectedVolume(application.expected_volumes).label,
        },
    )


def _already_decided(request: HttpRequest, reference: str) -> HttpResponse:
    messages.info(request, f"Application {reference} has already been decided")
    return redirect("portal:organisation-application", reference=reference)


@require_http_methods(["GET", "POST"])
@capability_required(_DESK)
def application_approve(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    application = selectors.organisation_application_get(actor=actor, reference=reference)
    if not application.is_pending:
        return _already_decided(request, application.reference)
    form = ApproveForm(
        _posted(request),
        initial={"username": services.username_suggestion(email=application.contact_email)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            approved = services.organisation_application_approve(
                actor=actor,
                application=application,
                username=form.cleaned_data["username"],
                portal_url=_portal_url(request),
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            assert approved.organisation is not None
            assert approved.super_user is not None
            messages.success(
                request,
                f"{approved.organisation.name} can now use LRS. We have emailed "
                f"{approved.super_user.email} a link to choose a password and sign in "
                f"as {approved.super_user.username}.",
            )
            return redirect("portal:organisation-detail", ukprn=approved.organisation.ukprn)
    return render(
        request,
        "organisations/application_approve.html",
        {"application": application, "form": form},
    )


@require_http_methods(["GET", "POST"])
@capability_required(_DESK)
def application_reject(request: HttpRequest, reference: str) -> HttpResponse:
    actor = signed_in_user(request)
    application = selectors.organisation_application_get(actor=actor, reference=reference)
    if not application.is_pending:
        return _already_decided(request, application.reference)
    form = RejectForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_application_reject(
                actor=actor, application=application, reason=form.cleaned_data["reason"]
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Application {application.reference} has been rejected. We have emailed "
                f"the reason to {application.contact_email}.",
            )
            return redirect("portal:organisation-applications")
    return render(
        request,
        "organisations/application_reject.html",
        {"application": application, "form": form},
    )


# --- Organisations (service desk) -------------------------------------------------------


@require_safe
@capability_required(_DESK)
def organisation_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = OrganisationFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    organisations = selectors.organisation_list(
        actor=actor,
        search=filters.get("search", ""),
        type=filters.get("type", ""),
        status=filters.get("status", ""),
    )
    return render(
        request,
        "organisations/organisation_list.html",
        {
            "form": form,
            "filtered": any(filters.values()),
            "page": Paginator(organisations, PER_PAGE).get_page(request.GET.get("page")),
            "waiting": selectors.organisation_applications_waiting(actor=actor),
        },
    )


@require_safe
@capability_required(_DESK)
def organisation_detail(request: HttpRequest, ukprn: str) -> HttpResponse:
    actor = signed_in_user(request)
    detail = selectors.organisation_detail(actor=actor, ukprn=ukprn)
    return render(request, "organisations/organisation_detail.html", {"detail": detail})


_STATUS_SERVICES = {
    "suspend": services.organisation_suspend,
    "reinstate": services.organisation_reinstate,
    "close": services.organisation_close,
}
_STATUS_DONE = {"suspend": "suspended", "reinstate": "reinstated", "close": "closed"}


@require_http_methods(["GET", "POST"])
@capability_required(_DESK)
def organisation_change_status(request: HttpRequest, ukprn: str, action: str) -> HttpResponse:
    actor = signed_in_user(request)
    organisation = selectors.organisation_get(actor=actor, ukprn=ukprn)
    allowed = services.organisation_status_actions(actor=actor, organisation=organisation)
    if request.method == "GET" and action not in allowed:
        messages.info(
            request,
            f"{organisation.name} is {organisation.status}: it cannot be {_STATUS_DONE[action]}",
        )
        return redirect("portal:organisation-detail", ukprn=organisation.ukprn)
    form = StatusChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            changed = _STATUS_SERVICES[action](
                actor=actor, organisation=organisation, reason=form.cleaned_data["reason"]
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{changed.name} has been {_STATUS_DONE[action]}")
            return redirect("portal:organisation-detail", ukprn=changed.ukprn)
    return render(
        request,
        "organisations/organisation_status.html",
        {"organisation": organisation, "action": action, "form": form},
    )


@require_POST
@capability_required(_DESK)
def organisation_sign_in_link(request: HttpRequest, ukprn: str, user_id: str) -> HttpResponse:
    actor = signed_in_user(request)
    organisation = selectors.organisation_get(actor=actor, ukprn=ukprn)
    person = selectors.organisation_user_get(
        actor=actor, organisation=organisation, user_id=int(user_id)
    )
    try:
        sent = services.organisation_sign_in_link_resend(
            actor=actor, user=person, portal_url=_portal_url(request)
        )
    except Conflict as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request, f"We have emailed {sent.email} a new sign-in link for {sent.username}"
        )
    return redirect("portal:organisation-detail", ukprn=organisation.ukprn)

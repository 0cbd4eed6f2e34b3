"""The learner's pages (signed in with GOV.UK One Login) and the public pages that go
with them: a share opened by its recipient, checking a PDF, asking for a paper copy.

Every learner page is ``learner_required`` and every public one ``public_page``: the
access policy's audiences (lrs.access.policy). Views only call services and selectors.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from ninja.throttling import AnonRateThrottle

from lrs.core.errors import Conflict, ValidationFailed
from lrs.core.forms import add_service_error
from lrs.learnerportal import selectors, services
from lrs.learnerportal.decorators import learner_required, public_page, signed_in_learner
from lrs.learnerportal.forms import (
    CheckForm,
    PaperRequestForm,
    ReportForm,
    ShareCodeForm,
    ShareForm,
    SharingForm,
    TokenForm,
)
from lrs.learnerportal.models import LearnerIdentity, ReportKind, Share
from lrs.learnerportal.pdf import document_view, event_summary
from lrs.learnerportal.sessions import learner_identity, learner_session_end, learner_session_start
from lrs.oidc.client import SignInFailed, authorization_redirect, complete_sign_in, logout_url
from lrs.oidc.onelogin import proven_identity
from lrs.oidc.providers import ProviderNotConfigured, provider_config

logger = logging.getLogger(__name__)

PROVIDER = "one_login"
_GUIDE = "/guidance/learners"
# Why the last sign-in showed no record, for the page that says what to do next; kept
# in the session so the address says nothing.
_UNMATCHED = "lrs_learner_unmatched"


class GuessThrottle(AnonRateThrottle):
    """Access codes and PDF references tried from one address (LRS_SHARE_GUESS_RATE)."""

    scope = "share-guess"


class PaperRequestThrottle(AnonRateThrottle):
    scope = "paper-request"


# Module constants, as the API's throttle is, so tests can tighten them.
GUESS_THROTTLE = GuessThrottle(settings.LRS_SHARE_GUESS_RATE)
PAPER_THROTTLE = PaperRequestThrottle(settings.LRS_PAPER_REQUEST_RATE)

_NAVIGATION = [
    (
        "Your record",
        "learner:record",
        ("learner:home", "learner:record", "learner:credentials", "learner:credential"),
    ),
    ("Share your record", "learner:shares", ("learner:share",)),
    ("Who has viewed it", "learner:viewers", ("learner:viewers",)),
    ("Report a problem", "learner:reports", ("learner:report",)),
]


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _portal_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def _navigation(request: HttpRequest) -> list[dict[str, str]]:
    match = getattr(request, "resolver_match", None)
    current = f"learner:{match.url_name}" if match and match.namespace == "learner" else ""
    items = []
    for text, name, prefixes in _NAVIGATION:
        active = any(current == p or current.startswith(p + "-") for p in prefixes)
        items.append(
            {
                "text": text,
                "href": reverse(name),
                "current": ("page" if current == name else "true") if active else "",
            }
        )
    return items


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    help_topic: str = f"{_GUIDE}/",
    status: int = 200,
) -> HttpResponse:
    identity = learner_identity(request)
    return render(
        request,
        f"learnerportal/{template}",
        {
            "learner_identity": identity,
            "learner_navigation": _navigation(request) if identity else [],
            "help_topic": help_topic,
            **(context or {}),
        },
        status=status,
    )


# --- Signing in and out ------------------------------------------------------------------


@require_safe
@public_page
def sign_in(request: HttpRequest) -> HttpResponse:
    """The start page: what the service does and signing in with GOV.UK One Login."""
    if learner_identity(request) is not None:
        return redirect("learner:home")
    try:
        provider_config(PROVIDER)
        available = True
    except ProviderNotConfigured:
        available = False
    return _page(
        request,
        "sign_in.html",
        {"available": available, "organisation_user": request.user.is_authenticated},
        help_topic=f"{_GUIDE}/signing-in/",
    )


@require_POST
@public_page
def sign_in_start(request: HttpRequest) -> HttpResponse:
    try:
        provider = provider_config(PROVIDER)
        return authorization_redirect(
            request,
            provider=provider,
            redirect_uri=request.build_absolute_uri(reverse("learner:sign-in-callback")),
        )
    except (ProviderNotConfigured, SignInFailed) as exc:
        logger.warning("Learner sign-in could not start: %s", exc)
        return _page(request, "sign_in_failed.html", help_topic=f"{_GUIDE}/signing-in/", status=503)


@never_cache
@require_safe
@public_page
def sign_in_callback(request: HttpRequest) -> HttpResponse:
    """Where GOV.UK One Login sends the person back: check everything, then match."""
    if request.GET.get("error") == "access_denied":
        return _page(request, "sign_in_cancelled.html", help_topic=f"{_GUIDE}/signing-in/")
    try:
        provider = provider_config(PROVIDER)
        result = complete_sign_in(request, provider=provider)
        proven = proven_identity(result.userinfo, provider=provider)
    except (ProviderNotConfigured, SignInFailed) as exc:
        logger.info("Learner sign-in failed: %s", getattr(exc, "reason", exc))
        return _page(request, "sign_in_failed.html", help_topic=f"{_GUIDE}/signing-in/", status=400)
    outcome = services.learner_sign_in(provider=PROVIDER, proven=proven)
    if outcome.identity is None:
        request.session[_UNMATCHED] = outcome.outcome
        return redirect("learner:not-found")
    learner_session_start(request, identity=outcome.identity, id_token=result.id_token)
    return redirect("learner:home")


@require_safe
@public_page
def not_found(request: HttpRequest) -> HttpResponse:
    """After a sign-in that found no record, or only possible ones: never a record."""
    outcome = request.session.get(_UNMATCHED)
    if outcome is None:
        return redirect("learner:sign-in")
    return _page(
        request,
        "not_found.html",
        {"possible": outcome in ("possible", "conflict")},
        help_topic=f"{_GUIDE}/signing-in/#if-we-cannot-find-your-record",
    )


@require_POST
@public_page
def sign_out(request: HttpRequest) -> HttpResponse:
    if learner_identity(request) is None:
        # Nobody to sign out here; an organisation user's session is not ours to end.
        return redirect("learner:signed-out")
    id_token = learner_session_end(request)
    try:
        provider = provider_config(PROVIDER)
    except ProviderNotConfigured:
        return redirect("learner:signed-out")
    target = logout_url(
        provider,
        id_token=id_token,
        post_logout_redirect_uri=request.build_absolute_uri(reverse("learner:signed-out")),
    )
    return redirect(target or reverse("learner:signed-out"))


@require_safe
@public_page
def signed_out(request: HttpRequest) -> HttpResponse:
    return _page(request, "signed_out.html", help_topic=f"{_GUIDE}/signing-in/")


# --- The learner's record ------------------------------------------------------------------


@require_safe
@learner_required
def home(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    learner = selectors.learner_record(identity=identity)
    shares = selectors.learner_shares(identity=identity)
    return _page(
        request,
        "home.html",
        {
            "learner": learner,
            "events": selectors.learner_events(identity=identity),
            "active_shares": sum(1 for s in shares if selectors.share_status(s) == "active"),
        },
    )


@require_safe
@learner_required
def record(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    return _page(
        request,
        "record.html",
        {
            "learner": selectors.learner_record(identity=identity),
            "events": selectors.learner_events(identity=identity),
        },
        help_topic=f"{_GUIDE}/your-record/",
    )


@require_POST
@learner_required
def record_pdf(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    learner = selectors.learner_record(identity=identity)
    document, pdf = services.plr_document_issue(
        learner=learner,
        issued_through="learner",
        identity=identity,
        portal_url=_portal_url(request),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="personal-learning-record-{document.reference}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- Sharing ----------------------------------------------------------------------------------


def _share_row(share: Share) -> dict[str, Any]:
    return {
        "share": share,
        "status": selectors.share_status(share),
        "views": len(share.views.all()),
    }


@require_safe
@learner_required
def shares(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    rows = [_share_row(share) for share in selectors.learner_shares(identity=identity)]
    return _page(request, "shares.html", {"rows": rows}, help_topic=f"{_GUIDE}/sharing/")


@require_http_methods(["GET", "POST"])
@learner_required
def share_new(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    events = selectors.learner_events(identity=identity)
    limit = settings.LRS_SHARE_MAX_DAYS
    form = ShareForm(
        _posted(request),
        events=events,
        max_days=limit,
        initial={"scope": "all"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            share, code = services.share_create(
                identity=identity,
                recipient=data["recipient"],
                expires_on=data["expires_on"],
                event_ids=data["events"] if data["scope"] == "some" else None,
                offers_credential=data["offers_credential"],
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            # The code is shown on this response only: only its hash is kept.
            return _page(
                request,
                "share_created.html",
                {
                    "share": share,
                    "code": services.format_code(code),
                    "attempts": settings.LRS_SHARE_CODE_ATTEMPTS,
                    "link": request.build_absolute_uri(
                        reverse("learner:share-open", args=[share.link_key])
                    ),
                },
                help_topic=f"{_GUIDE}/sharing/",
            )
    chosen = set(form["events"].value() or [])
    return _page(
        request,
        "share_new.html",
        {
            "form": form,
            "events": events,
            "chosen": chosen,
            "latest": timezone.localdate() + dt.timedelta(days=limit),
        },
        help_topic=f"{_GUIDE}/sharing/#making-a-share",
    )


@require_safe
@learner_required
def share_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    identity = signed_in_learner(request)
    share = selectors.learner_share_get(identity=identity, public_id=public_id)
    return _page(
        request,
        "share_detail.html",
        {
            "share": share,
            "status": selectors.share_status(share),
            "events": selectors.share_events(share),
            "views": list(share.views.all()),
            "credentials": list(share.credentials.order_by("issued_at")),
        },
        help_topic=f"{_GUIDE}/sharing/",
    )


@require_http_methods(["GET", "POST"])
@learner_required
def share_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    identity = signed_in_learner(request)
    share = selectors.learner_share_get(identity=identity, public_id=public_id)
    if request.method == "POST":
        services.share_revoke(identity=identity, share=share)
        messages.success(request, f"You have ended the share with {share.recipient}")
        return redirect("learner:share", public_id=share.public_id)
    return _page(
        request,
        "share_revoke.html",
        {"share": share},
        help_topic=f"{_GUIDE}/sharing/#ending-a-share",
    )


# --- Who has viewed the record, and the choice about sharing ---------------------------------


@require_safe
@learner_required
def viewers(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    return _page(
        request,
        "viewers.html",
        {"rows": selectors.learner_viewers(identity=identity)},
        help_topic=f"{_GUIDE}/who-has-viewed-your-record/",
    )


@require_http_methods(["GET", "POST"])
@learner_required
def sharing_choice(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    learner = selectors.learner_record(identity=identity)
    current = {"1": "share", "2": "do_not_share"}.get(learner.ability_to_share)
    form = SharingForm(_posted(request), initial={"choice": current})
    if request.method == "POST" and form.is_valid():
        share = form.cleaned_data["choice"] == "share"
        services.learner_choose_sharing(identity=identity, share=share)
        messages.success(
            request,
            "Organisations you study or work with can see your learning events"
            if share
            else "Organisations will not be shown your learning events",
        )
        return redirect("learner:home")
    return _page(
        request,
        "sharing_choice.html",
        {"form": form, "learner": learner},
        help_topic=f"{_GUIDE}/your-privacy/",
    )


# --- Reporting a problem --------------------------------------------------------------------


@require_safe
@learner_required
def reports(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    return _page(
        request,
        "reports.html",
        {"reports": selectors.learner_reports(identity=identity)},
        help_topic=f"{_GUIDE}/reporting-a-problem/",
    )


def _report_form_page(
    request: HttpRequest, identity: LearnerIdentity, *, kind: str, event: Any = None
) -> HttpResponse:
    form = ReportForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            report = services.learner_report_create(
                identity=identity,
                kind=kind,
                explanation=form.cleaned_data["explanation"],
                event_id=str(event.public_id) if event is not None else "",
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"We have your report. Its reference is {report.reference}")
            return redirect("learner:report", reference=report.reference)
    return _page(
        request,
        "report_new.html",
        {"form": form, "kind": kind, "event": event_summary(event) if event else None},
        help_topic=f"{_GUIDE}/reporting-a-problem/",
    )


@require_http_methods(["GET", "POST"])
@learner_required
def report_event(request: HttpRequest, event_id: str) -> HttpResponse:
    identity = signed_in_learner(request)
    event = selectors.learner_event_get(identity=identity, public_id=event_id)
    return _report_form_page(request, identity, kind=ReportKind.EVENT, event=event)


@require_http_methods(["GET", "POST"])
@learner_required
def report_details(request: HttpRequest) -> HttpResponse:
    return _report_form_page(request, signed_in_learner(request), kind=ReportKind.DETAILS)


@require_safe
@learner_required
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    identity = signed_in_learner(request)
    report = selectors.learner_report_get(identity=identity, reference=reference)
    return _page(
        request,
        "report_detail.html",
        {"report": report},
        help_topic=f"{_GUIDE}/reporting-a-problem/#following-your-report",
    )


# --- Tokens for apps ----------------------------------------------------------------------


@require_safe
@learner_required
def tokens(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    now = timezone.now()
    rows = [
        {
            "token": token,
            "status": "revoked"
            if token.revoked_at
            else ("expired" if token.expires_at <= now else "active"),
        }
        for token in selectors.learner_tokens(identity=identity)
    ]
    return _page(request, "tokens.html", {"rows": rows}, help_topic=f"{_GUIDE}/apps/")


@require_http_methods(["GET", "POST"])
@learner_required
def token_new(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    form = TokenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            token, plaintext = services.learner_token_create(
                identity=identity,
                name=form.cleaned_data["name"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            return _page(
                request,
                "token_created.html",
                {"token": token, "plaintext": plaintext},
                help_topic=f"{_GUIDE}/apps/",
            )
    return _page(request, "token_new.html", {"form": form}, help_topic=f"{_GUIDE}/apps/")


@require_POST
@learner_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    identity = signed_in_learner(request)
    token = selectors.learner_token_get(identity=identity, token_id=token_id)
    services.learner_token_revoke(identity=identity, token=token)
    messages.success(request, f"The token for {token.name} no longer works")
    return redirect("learner:tokens")


def _over_rate(
    request: HttpRequest,
    throttle: AnonRateThrottle,
    form: Any,
    template: str,
    message: str,
    help_topic: str,
) -> HttpResponse | None:
    """The form again with ``message`` and HTTP 429 once this address has sent too many;
    None while it may go on."""
    if throttle.allow_request(request):
        return None
    form.is_valid()
    form.add_error(None, message)
    return _page(request, template, {"form": form}, help_topic=help_topic, status=429)


# --- Public: a share opened by its recipient ------------------------------------------------

_TOO_MANY_GUESSES = (
    "Too many codes or references have been tried from your network. Wait an hour and try again"
)


@never_cache
@require_http_methods(["GET", "POST"])
@public_page
def share_open(request: HttpRequest, link_key: str) -> HttpResponse:
    """The recipient's page: the access code, then exactly what was shared. The record is
    on the response to the code only; nothing tells a stranger whether a link exists."""
    form = ShareCodeForm(_posted(request))
    help_topic = f"{_GUIDE}/sharing/#if-someone-has-shared-their-record-with-you"
    if request.method == "POST":
        limited = _over_rate(
            request, GUESS_THROTTLE, form, "share_open.html", _TOO_MANY_GUESSES, help_topic
        )
        if limited is not None:
            return limited
        if form.is_valid():
            opening = services.share_open(
                link_key=link_key, code=form.cleaned_data["code"], portal_url=_portal_url(request)
            )
            if opening.status == "open" and opening.share is not None:
                share = opening.share
                events = selectors.share_events(share)
                return _page(
                    request,
                    "share_view.html",
                    {
                        "share": share,
                        "learner": share.learner,
                        "events": events,
                        # The recipient typed it; the credential's form sends it back.
                        "code": form.cleaned_data["code"],
                        "link_key": link_key,
                        "credential_available": share.offers_credential
                        and any(not selectors.credential_blocker(e) for e in events),
                    },
                    help_topic=help_topic,
                )
            if opening.status == "wrong_code":
                left = opening.attempts_left
                form.add_error(
                    "code",
                    f"The access code is not right. Check it with the person who shared "
                    f"their record: you can try {left} more time{'s' if left != 1 else ''}",
                )
            else:
                return _page(request, "share_unavailable.html", help_topic=help_topic, status=404)
    return _page(request, "share_open.html", {"form": form}, help_topic=help_topic)


@never_cache
@require_http_methods(["GET", "POST"])
@public_page
def check(request: HttpRequest) -> HttpResponse:
    """Anyone holding a PDF of a record checks that LRS issued it, and what it said."""
    form = CheckForm(_posted(request))
    help_topic = f"{_GUIDE}/your-record/#checking-a-pdf"
    if request.method == "POST":
        limited = _over_rate(
            request, GUESS_THROTTLE, form, "check.html", _TOO_MANY_GUESSES, help_topic
        )
        if limited is not None:
            return limited
        if form.is_valid():
            document = services.plr_document_check(reference=form.cleaned_data["reference"])
            if document is not None:
                return _page(
                    request,
                    "check_result.html",
                    {"document": document, "doc": document_view(document.content)},
                    help_topic=help_topic,
                )
            form.add_error(
                "reference",
                "No record has this reference. Check it against the PDF: it looks like "
                "LRS-KX7P-2MQD-9HTA",
            )
    return _page(request, "check.html", {"form": form}, help_topic=help_topic)


# --- Public: asking for a copy without One Login ---------------------------------------------

_PAPER_SENT = "lrs_paper_request"


@require_http_methods(["GET", "POST"])
@public_page
def paper_request(request: HttpRequest) -> HttpResponse:
    form = PaperRequestForm(_posted(request), request.FILES if request.method == "POST" else None)
    help_topic = f"{_GUIDE}/without-gov-uk-one-login/"
    if request.method == "POST":
        limited = _over_rate(
            request,
            PAPER_THROTTLE,
            form,
            "paper_request.html",
            "Too many requests have been sent from your network. Try again later",
            help_topic,
        )
        if limited is not None:
            return limited
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                sent = services.paper_request_submit(data=data, evidence=data.pop("evidence"))
            except ValidationFailed as exc:
                add_service_error(form, exc)
            else:
                request.session[_PAPER_SENT] = sent.reference
                return redirect("learner:paper-request-sent")
    return _page(request, "paper_request.html", {"form": form}, help_topic=help_topic)


@require_safe
@public_page
def paper_request_sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(_PAPER_SENT)
    if not reference:
        return redirect("learner:paper-request")
    return _page(
        request,
        "paper_request_sent.html",
        {"reference": reference},
        help_topic=f"{_GUIDE}/without-gov-uk-one-login/",
    )


@never_cache
@require_http_methods(["GET", "POST"])
@public_page
def paper_copy(request: HttpRequest, token: str) -> HttpResponse:
    """The one-time link the service desk emailed: a page, then the PDF (once)."""
    help_topic = f"{_GUIDE}/without-gov-uk-one-login/"
    if request.method == "POST":
        issued = services.paper_copy_download(token=token, portal_url=_portal_url(request))
        if issued is not None:
            document, pdf = issued
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="personal-learning-record-{document.reference}.pdf"'
            )
            response["Cache-Control"] = "private, no-store"
            return response
    elif services.paper_copy_find(token) is not None:
        return _page(request, "paper_copy.html", help_topic=help_topic)
    return _page(request, "paper_copy_unavailable.html", help_topic=help_topic, status=404)

"""The learner's verifiable credentials: getting them from their own record (a CLR of the
achievements they choose, or an Open Badges credential per achievement), the list of every
credential issued of their record, and downloading one; and, public, a share's recipient
downloading what was shared as a CLR when the learner offered that."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.core.errors import ServiceError
from lrs.core.forms import add_service_error
from lrs.credentials.views import credential_file
from lrs.learnerportal import selectors, services
from lrs.learnerportal.decorators import learner_required, public_page, signed_in_learner
from lrs.learnerportal.forms import CredentialForm, ShareCodeForm
from lrs.learnerportal.views import (
    _GUIDE,
    _TOO_MANY_GUESSES,
    GUESS_THROTTLE,
    _over_rate,
    _page,
    _posted,
)

_HELP = f"{_GUIDE}/your-record/#verifiable-credentials"
# The credentials just issued, for the list page to offer first; in the session so a
# refresh of that page never issues again.
_JUST_ISSUED = "lrs_learner_new_credentials"


@require_safe
@learner_required
def credentials(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    issued = list(selectors.learner_credentials(identity=identity))
    new_ids = set(request.session.pop(_JUST_ISSUED, []))
    rows = [
        {
            "credential": credential,
            "events": [carried.event for carried in credential.carried.all()],
            "new": str(credential.public_id) in new_ids,
        }
        for credential in issued
    ]
    return _page(
        request,
        "credentials.html",
        {
            "rows": rows,
            "new_rows": [row for row in rows if row["new"]],
            "can_issue": any(
                not selectors.credential_blocker(e)
                for e in selectors.learner_events(identity=identity)
            ),
        },
        help_topic=_HELP,
    )


@require_http_methods(["GET", "POST"])
@learner_required
def credential_new(request: HttpRequest) -> HttpResponse:
    identity = signed_in_learner(request)
    events = selectors.learner_events(identity=identity)
    issuable = [event for event in events if not selectors.credential_blocker(event)]
    blocked = [
        {"event": event, "blocked": reason}
        for event in events
        if (reason := selectors.credential_blocker(event))
    ]
    # From an achievement's "get a credential" link: that one, as a badge of its own.
    one = request.GET.get("event", "")
    initial: dict[str, Any] = {"kind": "clr", "events": [str(e.public_id) for e in issuable]}
    if one and one in initial["events"]:
        initial = {"kind": "achievement", "events": [one]}
    form = CredentialForm(_posted(request), events=issuable, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.learner_credentials_issue(
                identity=identity,
                event_ids=form.cleaned_data["events"],
                kind=form.cleaned_data["kind"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            request.session[_JUST_ISSUED] = [str(c.public_id) for c in issued]
            messages.success(
                request,
                "Your credential is ready to download"
                if len(issued) == 1
                else f"Your {len(issued)} credentials are ready to download",
            )
            return redirect("learner:credentials")
    chosen = set(form["events"].value() or [])
    return _page(
        request,
        "credential_new.html",
        {
            "form": form,
            "issuable": issuable,
            "blocked": blocked,
            "chosen": {str(c) for c in chosen},
        },
        help_topic=_HELP,
    )


@require_safe
@learner_required
def credential_download(request: HttpRequest, public_id: str) -> HttpResponse:
    identity = signed_in_learner(request)
    credential = services.learner_credential_download(identity=identity, public_id=str(public_id))
    return credential_file(credential)


@never_cache
@require_POST
@public_page
def share_credential(request: HttpRequest, link_key: str) -> HttpResponse:
    """The recipient of a share downloads it as a CLR: the link and its code again (sent
    back by the share's page), with the same refusals, counting and rate as opening it."""
    form = ShareCodeForm(request.POST)
    help_topic = f"{_GUIDE}/sharing/#if-someone-has-shared-their-record-with-you"
    limited = _over_rate(
        request, GUESS_THROTTLE, form, "share_open.html", _TOO_MANY_GUESSES, help_topic
    )
    if limited is not None:
        return limited
    if form.is_valid():
        try:
            opening, credential = services.share_credential_issue(
                link_key=link_key, code=form.cleaned_data["code"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            return _page(
                request,
                "share_open.html",
                {"form": form, "link_key": link_key},
                help_topic=help_topic,
                status=409,
            )
        if credential is not None:
            return credential_file(credential)
        if opening.status == "wrong_code":
            form.add_error("code", "The access code is not right: enter it again")
        else:
            return _page(request, "share_unavailable.html", help_topic=help_topic, status=404)
    return _page(
        request, "share_open.html", {"form": form, "link_key": link_key}, help_topic=help_topic
    )

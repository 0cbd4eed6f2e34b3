"""The portal page where an organisation's super users manage its web service password."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lrs.access import Capability
from lrs.core.errors import Conflict, NotFound
from lrs.core.forms import ConfirmForm, add_service_error
from lrs.soap import selectors, services
from lrs.soap.views import service_addresses
from lrs.users.decorators import capability_required, signed_in_user

_MANAGE = Capability.MANAGE_USERS
_ACTIONS = ("create", "rotate", "revoke")


@require_safe
@capability_required(_MANAGE)
def credentials(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    organisation = user.organisation
    return render(
        request,
        "soap/credentials.html",
        {
            "organisation": organisation,
            "credential": selectors.ws_credential_for(organisation=organisation),
            "addresses": service_addresses(request),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def credentials_change(request: HttpRequest, action: str) -> HttpResponse:
    if action not in _ACTIONS:
        return redirect("portal:soap-credentials")
    user = signed_in_user(request)
    organisation = user.organisation
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "revoke":
                services.ws_credential_revoke(actor=user, organisation=organisation)
            elif action == "rotate":
                _, password = services.ws_credential_rotate(actor=user, organisation=organisation)
            else:
                _, password = services.ws_credential_create(actor=user, organisation=organisation)
        except (Conflict, NotFound) as exc:
            add_service_error(form, exc)
        else:
            if action == "revoke":
                messages.success(request, "Web service password revoked")
                return redirect("portal:soap-credentials")
            # Shown on this response only: the password is stored hashed and never shown
            # again.
            return render(
                request,
                "soap/credentials_created.html",
                {
                    "organisation": organisation,
                    "password": password,
                    "rotated": action == "rotate",
                    "username": user.username,
                },
            )
    return render(
        request,
        "soap/credentials_confirm.html",
        {
            "form": form,
            "action": action,
            "organisation": organisation,
            "credential": selectors.ws_credential_for(organisation=organisation),
        },
    )

"""Signing in to the portal with DfE Sign-in."""

from __future__ import annotations

import logging

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from lrs.dfesignin.services import PROVIDER, DfeSignInRefused, dfe_sign_in_user
from lrs.oidc.client import SignInFailed, authorization_redirect, complete_sign_in
from lrs.oidc.providers import ProviderNotConfigured, provider_config

logger = logging.getLogger(__name__)
BACKEND = "lrs.users.backends.OrganisationAwareBackend"


def _failed(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "dfesignin/failed.html", status=status)


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    try:
        return authorization_redirect(
            request,
            provider=provider_config(PROVIDER),
            redirect_uri=request.build_absolute_uri(reverse("portal:dfe-sign-in-callback")),
        )
    except (ProviderNotConfigured, SignInFailed) as exc:
        logger.warning("DfE Sign-in could not start: %s", exc)
        return _failed(request, 503)


@never_cache
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """Where DfE Sign-in sends the person back: check the answer, then find their user."""
    if request.GET.get("error") == "access_denied":
        return redirect("portal:sign-in")
    try:
        result = complete_sign_in(request, provider=provider_config(PROVIDER))
    except (ProviderNotConfigured, SignInFailed) as exc:
        logger.info("DfE Sign-in failed: %s", getattr(exc, "reason", exc))
        return _failed(request, 400)
    claims = {**result.id_claims, **result.userinfo}
    try:
        user = dfe_sign_in_user(subject=result.subject, claims=claims)
    except DfeSignInRefused as exc:
        return render(
            request,
            "dfesignin/refused.html",
            {"message": exc.message, "reason": exc.reason},
            status=exc.status,
        )
    # DfE Sign-in did the second factor; LRS's own is for password users.
    login(request, user, backend=BACKEND)
    request.session["lrs_signed_in_with"] = PROVIDER
    return redirect("portal:home")

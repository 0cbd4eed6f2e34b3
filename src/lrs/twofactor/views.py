"""Signing in: the password, then the second step; setting up an authenticator app, and
a super user's reset of a user's second factor.

Between the password and the code the person is not signed in: the session holds only
who they said they were (``PENDING``), for a few minutes. ``django.contrib.auth.login``
is called only once the second factor is done, so nothing else in the portal needs to
know about two-factor sign-in.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.access import Capability
from lrs.core.errors import NotPermitted, ValidationFailed
from lrs.core.forms import ConfirmForm, add_service_error
from lrs.oidc.providers import is_configured
from lrs.twofactor import services
from lrs.twofactor.display import qr_code_svg, secret_for_display
from lrs.twofactor.forms import EnrolForm, SignInCodeForm
from lrs.users import selectors as user_selectors
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.forms import SignInForm
from lrs.users.models import User

PENDING = "lrs_two_factor_pending"
NEW_CODES = "lrs_two_factor_new_codes"
# How long someone has between their password and their code.
PENDING_SECONDS = 600


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def start_second_step(
    request: HttpRequest, user: User, *, backend: str, next_url: str
) -> HttpResponse:
    """Called by the sign-in view once the password is right, for a user who has (or
    must have) a second factor: remember them, and ask for the code (or set-up)."""
    if services.two_factor_locked(user=user):
        return _locked(request)
    # A new session key: whatever someone planted before the password is not carried on.
    request.session.cycle_key()
    request.session[PENDING] = {
        "user_id": user.pk,
        "backend": backend,
        "next": next_url,
        "at": time.time(),
    }
    if services.two_factor_enrolled(user=user):
        return redirect("portal:sign-in-code")
    return redirect("portal:sign-in-set-up")


class SignInView(LoginView):
    """Django's sign-in, so that axes and the audit signals see every attempt. Here, not
    in users: the password step hands on to the second, and twofactor sits above users."""

    template_name = "users/sign_in.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {
            **super().get_context_data(**kwargs),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "dfe_sign_in": is_configured("dfe_sign_in"),
        }

    def form_valid(self, form: Any) -> HttpResponse:
        # The password was right. Someone who has, or must have, a second factor is not
        # signed in yet: the code (or setting up an app) comes first.
        user = form.get_user()
        if services.two_factor_required(user=user) or services.two_factor_enrolled(user=user):
            return start_second_step(
                self.request,
                user,
                backend=user.backend,
                next_url=self.get_redirect_url(),
            )
        return super().form_valid(form)


sign_in = SignInView.as_view()


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, {}
    user = (
        User.objects.select_related("organisation")
        .filter(pk=int(pending.get("user_id") or 0), is_active=True)
        .first()
    )
    return user, pending


def _start_again(request: HttpRequest) -> HttpResponse:
    messages.info(
        request, "Sign in again: it was more than 10 minutes since you entered your password"
    )
    return redirect("portal:sign-in")


def _locked(request: HttpRequest) -> HttpResponse:
    request.session.pop(PENDING, None)
    minutes = round(services.lockout_seconds() / 60)
    return render(request, "twofactor/locked_out.html", {"minutes": minutes}, status=429)


def _finish(request: HttpRequest, user: User, pending: dict[str, Any], device: Any) -> str:
    request.session.pop(PENDING, None)
    login(request, user, backend=pending["backend"])
    otp_login(request, device)
    next_url = pending.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return str(next_url)
    return str(resolve_url(settings.LOGIN_REDIRECT_URL))


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        return _start_again(request)
    if services.two_factor_locked(user=user):
        return _locked(request)
    if not services.two_factor_enrolled(user=user):
        return redirect("portal:sign-in-set-up")
    form = SignInCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        check = services.two_factor_check_code(user=user, code=form.cleaned_data["code"])
        if check.locked:
            return _locked(request)
        if check.device is None:
            form.add_error(
                "code",
                "The code is not right. Enter the code your app shows now, or a recovery code",
            )
        else:
            target = _finish(request, user, pending, check.device)
            if check.recovery_code_used:
                left = services.recovery_codes_left(user=user)
                messages.warning(
                    request,
                    f"You used a recovery code. You have {left} left: get new ones from "
                    "Two-factor sign-in if you are running out",
                )
            return redirect(target)
    return render(request, "twofactor/sign_in_code.html", {"form": form})


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_set_up(request: HttpRequest) -> HttpResponse:
    """A user who must use two-factor sign-in and has not set it up does so now, before
    they are signed in."""
    user, pending = _pending_user(request)
    if user is None:
        return _start_again(request)
    if services.two_factor_enrolled(user=user):
        return redirect("portal:sign-in-code")
    device = services.two_factor_pending_device(user=user)
    form = EnrolForm(_posted(request))
    if request.method == "POST":
        codes = _enrol(form, user, device)
        if codes is not None:
            target = _finish(request, user, pending, device)
            request.session[NEW_CODES] = {"codes": codes, "next": target}
            return redirect("portal:two-factor-recovery-codes")
    return render(
        request,
        "twofactor/set_up.html",
        {"form": form, **_enrol_context(device), "during_sign_in": True},
    )


def _enrol(form: EnrolForm, user: User, device: TOTPDevice) -> list[str] | None:
    """Confirm the authenticator with the posted code: its new recovery codes, or None
    with the form's errors set."""
    if not form.is_valid():
        return None
    try:
        codes = services.two_factor_enrol(user=user, device=device, code=form.cleaned_data["code"])
    except ValidationFailed as exc:
        add_service_error(form, exc)
        return None
    device.refresh_from_db()
    return codes


def _enrol_context(device: TOTPDevice) -> dict[str, Any]:
    return {"secret": secret_for_display(device), "qr_svg": qr_code_svg(device)}


# --- The signed-in person's own second factor ------------------------------------------


@require_safe
@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    return render(
        request,
        "twofactor/account.html",
        {
            "enrolled": services.two_factor_enrolled(user=user),
            "required": services.two_factor_required(user=user),
            "codes_left": services.recovery_codes_left(user=user),
        },
    )


@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_set_up(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if services.two_factor_enrolled(user=user):
        return redirect("portal:two-factor")
    device = services.two_factor_pending_device(user=user)
    form = EnrolForm(_posted(request))
    if request.method == "POST":
        codes = _enrol(form, user, device)
        if codes is not None:
            otp_login(request, device)
            request.session[NEW_CODES] = {"codes": codes, "next": reverse("portal:two-factor")}
            return redirect("portal:two-factor-recovery-codes")
    return render(
        request,
        "twofactor/set_up.html",
        {"form": form, **_enrol_context(device), "during_sign_in": False},
    )


@never_cache
@require_safe
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown once: they leave the session as they are shown."""
    shown = request.session.pop(NEW_CODES, None) or {}
    next_url = shown.get("next") or reverse("portal:two-factor")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("portal:home")
    return render(
        request,
        "twofactor/recovery_codes.html",
        {"codes": shown.get("codes"), "next_url": next_url},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_new_codes(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_new_recovery_codes(user=user)
        except NotPermitted as exc:
            form.add_error(None, exc.message)
        else:
            request.session[NEW_CODES] = {"codes": codes, "next": reverse("portal:two-factor")}
            return redirect("portal:two-factor-recovery-codes")
    return render(request, "twofactor/new_codes.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def account_turn_off(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    if services.two_factor_required(user=user) or not services.two_factor_enrolled(user=user):
        return redirect("portal:two-factor")
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        services.two_factor_turn_off(user=user)
        messages.success(request, "Two-factor sign-in is off")
        return redirect("portal:two-factor")
    return render(request, "twofactor/turn_off.html", {"form": form})


# --- A super user resets a user's second factor ----------------------------------------


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_USERS)
def user_reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    person = user_selectors.user_get_in_organisation(actor=actor, user_id=user_id)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.two_factor_reset(actor=actor, user=person)
        except NotPermitted as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"{person.username}'s two-factor sign-in has been reset. We have emailed them",
            )
            return redirect("portal:user-detail", user_id=person.pk)
    return render(
        request,
        "twofactor/user_reset.html",
        {
            "form": form,
            "person": person,
            "enrolled": services.two_factor_enrolled(user=person),
        },
    )

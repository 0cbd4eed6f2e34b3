"""Portal pages for signing out, managing an organisation's users and API tokens.

Views only call services and selectors; a service's refusal is shown on the form that
asked for the change (ValidationFailed, Conflict) or as the 403/404 page (NotPermitted,
NotFound, via ``capability_required``).
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from lrs.access import Capability
from lrs.core.errors import Conflict, ValidationFailed
from lrs.core.forms import ConfirmForm, add_service_error
from lrs.core.text import with_article
from lrs.users import selectors, services
from lrs.users.decorators import capability_required, signed_in_user
from lrs.users.forms import (
    ApiTokenCreateForm,
    SetPasswordForm,
    UserCreateForm,
    UserRoleForm,
)


def _posted(request: HttpRequest) -> Any:
    """The submitted data on a POST (even an empty one), so the form is bound; else None."""
    return request.POST if request.method == "POST" else None


# --- Signing out, and the lockout after failed sign-ins (signing in: twofactor.views) -


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You have signed out")
    return redirect(settings.LOGOUT_REDIRECT_URL)


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
    *args: Any,
    **kwargs: Any,
) -> HttpResponse:
    """django-axes' lockout page: too many failed sign-ins from this address."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "users/locked_out.html", {"minutes": minutes}, status=429)


# --- Choosing a password from a sign-in link -------------------------------------------

# Once checked, the link's token is kept in the session and the address shows this
# instead, so the token is not left in the browser's history or sent on in a Referer.
_LINK_IN_SESSION = "set"
_LINK_SESSION_KEY = "lrs_sign_in_link_token"


@sensitive_post_parameters("password", "password_confirm")
@never_cache
@require_http_methods(["GET", "POST"])
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The page a sign-in link opens: the person chooses a password, then signs in."""
    if token != _LINK_IN_SESSION:
        try:
            services.user_from_sign_in_link(uidb64=uidb64, token=token)
        except services.SignInLinkInvalid:
            return render(request, "users/set_password_invalid.html")
        request.session[_LINK_SESSION_KEY] = token
        return redirect("portal:set-password", uidb64=uidb64, token=_LINK_IN_SESSION)
    token = request.session.get(_LINK_SESSION_KEY, "")
    try:
        person = services.user_from_sign_in_link(uidb64=uidb64, token=token)
    except services.SignInLinkInvalid:
        return render(request, "users/set_password_invalid.html")
    form = SetPasswordForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.user_set_password_with_link(
                uidb64=uidb64, token=token, password=form.cleaned_data["password"]
            )
        except services.SignInLinkInvalid:
            return render(request, "users/set_password_invalid.html")
        except ValidationFailed as exc:
            add_service_error(form, exc)
        else:
            # Someone else signed in on this browser must not stay signed in instead.
            if request.user.is_authenticated:
                logout(request)
            request.session.pop(_LINK_SESSION_KEY, None)
            messages.success(
                request,
                f"Your password has been set. Sign in with your username, {person.username}, "
                "and your new password.",
            )
            return redirect("portal:sign-in")
    return render(request, "users/set_password.html", {"form": form, "person": person})


# --- Managing users -------------------------------------------------------------------

_MANAGE = Capability.MANAGE_USERS


@require_safe
@capability_required(_MANAGE)
def user_list(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    users = selectors.user_list_for_organisation(actor=actor)
    return render(request, "users/user_list.html", {"users": users})


@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def user_create(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    form = UserCreateForm(_posted(request), organisation=actor.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.user_create(
                actor=actor,
                organisation=actor.organisation,
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                password=data["password"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"{created.username} can now sign in as {with_article(created.role_label.lower())}",
            )
            return redirect("portal:user-detail", user_id=created.pk)
    return render(request, "users/user_create.html", {"form": form})


@require_safe
@capability_required(_MANAGE)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    person = selectors.user_get_in_organisation(actor=actor, user_id=user_id)
    return render(request, "users/user_detail.html", {"person": person})


@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def user_change_role(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    person = selectors.user_get_in_organisation(actor=actor, user_id=user_id)
    form = UserRoleForm(
        _posted(request), organisation=person.organisation, initial={"role": person.role}
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.user_change_role(
                actor=actor, user=person, role=form.cleaned_data["role"]
            )
        except ValidationFailed as exc:
            add_service_error(form, exc)
        except Conflict as exc:
            # The organisation's last super user: shown on the role, which is the problem.
            form.add_error("role", exc.message)
        else:
            messages.success(
                request, f"{changed.username} is now {with_article(changed.role_label.lower())}"
            )
            return redirect("portal:user-detail", user_id=changed.pk)
    return render(request, "users/user_change_role.html", {"form": form, "person": person})


def _confirm_account_change(
    request: HttpRequest, user_id: int, *, deactivate: bool
) -> HttpResponse:
    actor = signed_in_user(request)
    person = selectors.user_get_in_organisation(actor=actor, user_id=user_id)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if deactivate:
                changed = services.user_deactivate(actor=actor, user=person)
            else:
                changed = services.user_reactivate(actor=actor, user=person)
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc)
        else:
            done = "deactivated" if deactivate else "reactivated"
            messages.success(request, f"{changed.username} has been {done}")
            if deactivate and changed.pk == actor.pk:
                # Deactivating yourself ends your session with the account.
                return redirect("portal:sign-in")
            return redirect("portal:user-detail", user_id=changed.pk)
    return render(
        request,
        "users/user_confirm_status.html",
        {"form": form, "person": person, "deactivate": deactivate},
    )


@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _confirm_account_change(request, user_id, deactivate=True)


@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _confirm_account_change(request, user_id, deactivate=False)


@require_http_methods(["GET", "POST"])
@capability_required(_MANAGE)
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    person = selectors.user_get_in_organisation(actor=actor, user_id=user_id)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.user_password_reset(
                actor=actor, user=person, portal_url=request.build_absolute_uri("/")
            )
        except Conflict as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"{changed.username}'s password has been reset. We have emailed them a link "
                "to choose a new one",
            )
            if changed.pk == actor.pk:
                # Their own password no longer works: the session ends with it.
                return redirect("portal:sign-in")
            return redirect("portal:user-detail", user_id=changed.pk)
    return render(request, "users/user_reset_password.html", {"form": form, "person": person})


# --- API tokens ---------------------------------------------------------------------

_API = Capability.USE_API


@require_safe
@capability_required(_API)
def api_token_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    now = timezone.now()
    tokens = [
        {
            "token": token,
            "status": "revoked"
            if token.revoked_at is not None
            else (
                "expired" if token.expires_at is not None and token.expires_at <= now else "active"
            ),
        }
        for token in selectors.api_token_list(user=user)
    ]
    return render(request, "users/api_token_list.html", {"tokens": tokens})


@require_http_methods(["GET", "POST"])
@capability_required(_API)
def api_token_create(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    form = ApiTokenCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires"]
        expires_at = (
            timezone.make_aware(datetime.combine(expires_on, time.max))
            if expires_on is not None
            else None
        )
        try:
            token, plaintext = services.api_token_create(
                actor=user, user=user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except (ValidationFailed, Conflict) as exc:
            add_service_error(form, exc, {"expires_at": "expires"})
        else:
            # Shown on this response only: the plaintext is never stored or shown again.
            return render(
                request, "users/api_token_created.html", {"token": token, "plaintext": plaintext}
            )
    return render(request, "users/api_token_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@capability_required(_API)
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = signed_in_user(request)
    token = selectors.api_token_get(user=user, token_id=token_id)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        revoked = services.api_token_revoke(actor=user, token=token)
        messages.success(request, f"API token revoked: {revoked.name}")
        return redirect("portal:api-tokens")
    return render(request, "users/api_token_revoke.html", {"form": form, "token": token})

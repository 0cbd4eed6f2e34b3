from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from lrs.core import context

_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def client_ip(request: HttpRequest) -> str | None:
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.LRS_TRUSTED_PROXIES:
        # The trusted proxy appends the address it saw; anything before it is whatever
        # the client chose to send.
        return forwarded.split(",")[-1].strip() or remote
    if forwarded and settings.LRS_TRUST_X_FORWARDED_FOR:
        return forwarded.split(",")[0].strip() or remote
    return remote


def channel_for(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.endswith(".svc") or ".svc/" in path:
        return "soap"
    return "portal"


class RequestContextMiddleware:
    """Gives every request an id (or keeps a well-formed one from a proxy) for the audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.fullmatch(incoming) else None
        with context.call_context(
            channel=channel_for(request.path),
            ip_address=client_ip(request),
            request_id=request_id,
        ) as ctx:
            request.request_id = ctx.request_id  # type: ignore[attr-defined]
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response


class RequestUserContextMiddleware:
    """Adds headers that keep personal data out of caches for signed-in pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.setdefault("Cache-Control", "no-store")
        return response


class PermissionsPolicyMiddleware:
    """A Permissions-Policy on every answer: the service uses no camera, microphone,
    location, payment or other powerful browser feature, so a page (or something
    injected into one) may not ask for any of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.LRS_PERMISSIONS_POLICY)
        return response

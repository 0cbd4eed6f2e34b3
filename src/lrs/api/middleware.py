"""Every answer under /api/ that is an error is JSON in the one error shape.

The API's own exception handlers (lrs.api.errors) shape the errors its views raise. What
happens outside them still reaches a client: a path that matches no endpoint (Django's
404), a body over the upload limit or a malformed multipart body (raised while the
request is read), a CSRF or host refusal, or an unexpected exception. This middleware
turns each of those into the same JSON, and never lets a debug page or a traceback out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
CODES = {
    400: ("bad_request", "The request could not be read"),
    401: ("unauthorised", "Send a personal API token as 'Authorization: Bearer <token>'"),
    403: ("forbidden", "You may not do this"),
    404: ("not_found", "Not found: no API endpoint has this path"),
    405: ("method_not_allowed", "This endpoint does not accept this method"),
    413: ("payload_too_large", "The request body is larger than the service accepts"),
    415: ("unsupported_media_type", "Send the body as the endpoint's documented type"),
    429: ("rate_limited", "Too many requests; slow down and retry later"),
    500: ("server_error", "Something went wrong on our side; the error has been logged"),
}
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
# No text the service keeps or looks up may hold the NUL character: PostgreSQL cannot store
# it (it raised a server error), and no name, code or note needs it. The portal's forms
# refuse it already (Django's CharField); the API refuses it in the path, the query and
# the body (lrs.api.errors.ObjectBodyParser) before anything reads it.
NUL_REFUSED = "Text in a request may not contain the NUL character (\\u0000)"


def _has_nul_in_address(request: HttpRequest) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def error_response(status: int, message: str | None = None) -> HttpResponse:
    code, default = CODES.get(status, ("error" if status < 500 else "server_error", ""))
    body = {"code": code, "message": message or default or "Error", "errors": []}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _is_json(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


class ApiJsonErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX) and _has_nul_in_address(request):
            return error_response(400, NUL_REFUSED)
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not _is_json(response)
        ):
            replaced = error_response(response.status_code)
            for header in KEPT_HEADERS:
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exc, RequestDataTooBig):
            return error_response(
                413, "The request body is larger than the service accepts; send less at once"
            )
        if isinstance(exc, (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent)):
            return error_response(400, f"The multipart body could not be read: {exc}")
        if isinstance(exc, (SuspiciousOperation, BadRequest)):
            return error_response(400)
        if isinstance(exc, PermissionDenied):
            return error_response(403)
        if isinstance(exc, Http404):
            return error_response(404, "Not found")
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=(type(exc), exc, exc.__traceback__)
        )
        return error_response(500)

"""One JSON shape for every API error, whatever raised it."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser

from lrs.api.middleware import NUL_REFUSED
from lrs.core.errors import ServiceError


def _body(
    code: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
    response_code: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message, "errors": errors or []}
    if response_code:
        body["response_code"] = response_code
    return body


def _field_name(loc: list[Any]) -> str:
    # ninja reports ("body", "payload", "given_name"); callers know only the last parts.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "form")]
    return ".".join(parts) or "request"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        problems = [{"field": p.field, "rule": p.rule} for p in exc.problems]
        body = _body(exc.code, exc.message, problems)
        body.update(exc.extra)
        return api.create_response(request, body, status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        problems = [
            {"field": _field_name(list(e.get("loc", []))), "rule": str(e.get("msg", "invalid"))}
            for e in exc.errors
        ]
        first = problems[0] if problems else {"field": "request", "rule": "invalid"}
        message = f"{first['field']}: {first['rule']}"
        # WSEC0001 is the real service's "schema validation failure".
        body = _body("validation_failed", message, problems, response_code="WSEC0001")
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = (
            exc.message
            if exc.message != "Unauthorized"
            else ("Send a personal API token as 'Authorization: Bearer <token>'")
        )
        response = api.create_response(request, _body("unauthorised", message), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="lrs"'
        return response

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = api.create_response(
            request,
            _body("rate_limited", "Too many requests; slow down and retry later"),
            status=429,
        )
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, _body("not_found", "Not found"), status=404)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        # ninja would answer a plain-text traceback with DEBUG on; instead every other
        # exception goes on to lrs.api.middleware, which shapes it (a 413 for a body over
        # the limit, a 400 for an unreadable multipart body, a logged 500 otherwise).
        raise exc

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = {
            400: "bad_request",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
        }.get(exc.status_code, "error")
        message = str(exc.message)
        if isinstance(exc.__cause__, UnreadableBody):
            # ninja says only "Cannot parse request body"; say what is wrong with it.
            message = str(exc.__cause__)
        return api.create_response(request, _body(code, message), status=exc.status_code)


class UnreadableBody(ValueError):
    """A body the API refuses to read, with the reason for the client (a 400)."""


class BodyNotAnObject(UnreadableBody):
    """A JSON body that is not an object: every endpoint takes one."""


class BodyHasNul(UnreadableBody):
    """Text in a JSON body holding the NUL character (lrs.api.middleware.NUL_REFUSED)."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class ObjectBodyParser(Parser):
    """ninja's JSON parser, refusing a body that is valid JSON but not an object (``42``,
    ``[null, null]``): without this, an endpoint whose fields all have defaults would
    accept it as if it were ``{}``."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject("The request body must be a JSON object, such as {}")
        if _has_nul(data):
            raise BodyHasNul(NUL_REFUSED)
        return data

"""The SOAP endpoints: POST /LearnerService.svc and POST /LearnerServiceR9.svc.

A call is parsed by lrs.soapwire (hardened: no DTD, no entities, no network, a size
limit), read into the operation's request, authenticated (lrs.soap.services), throttled
with the REST API's per-user rate, and handed to the operation's handler, which calls
the same services as the REST API. Dispatch is on the Body element, whatever the
SOAPAction.

Answers are HTTP 200 with the operation's response (business outcomes are response
codes), or HTTP 500 with the live fault shape:

* lrs.soapwire.SoapFault: as raised (WSEC0001/0002/0003/0005/0006);
* ValidationFailed or a LearnerError WSEC0001 escaping a handler: WSEC0001 naming the
  field and rule; NotPermitted: WSEC0006; any other ServiceError: WSEC0001 with its
  message (every service message is written for the caller);
* the per-user rate exceeded: WSEC0004 ("not now"), the real service's code for a
  service that is not available at this time;
* database work over the time limit: WSEC0000 saying so;
* anything unexpected: logged with the request id and answered WSEC0000 (internal
  error), which quotes only the request id.

Settings (read with defaults, so none is required): LRS_SOAP_MAX_BYTES (the body
limit, default 10 MiB, lrs.soapwire.DEFAULT_MAX_BYTES), LRS_SOAP_FAILURE_LIMIT (wrong
passwords per organisation and address before a lockout of AXES_COOLOFF_TIME hours;
default AXES_FAILURE_LIMIT) and LRS_SOAP_STATEMENT_TIMEOUT_MS (the time limit of a
call's database work, default 30000; 0 turns it off).
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import time
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from lrs.access import Capability
from lrs.core import context
from lrs.core.errors import NotPermitted, ServiceError, ValidationFailed
from lrs.core.throttling import API_THROTTLE
from lrs.learners.services import LearnerError
from lrs.soap.codes import FAULT_DESCRIPTIONS, INTERNAL_ERROR, RATE_LIMITED
from lrs.soap.handlers import Handler
from lrs.soap.services import soap_authenticate
from lrs.soapwire import learner_service as learner_service_wire
from lrs.soapwire import r9 as r9_wire
from lrs.soapwire.envelope import DEFAULT_MAX_BYTES, parse_request
from lrs.soapwire.faults import CONTENT_TYPE, HTTP_STATUS, SoapFault, unsupported_http_verb_bytes
from lrs.soapwire.wsdl import wsdl_for

logger = logging.getLogger(__name__)

LEARNER_SERVICE = "LearnerService"
LEARNER_SERVICE_R9 = "LearnerServiceR9"

_HANDLER_MODULES = {
    LEARNER_SERVICE: ("lrs.soap.handlers.learner_service", "lrs.soap.handlers.batches"),
    LEARNER_SERVICE_R9: ("lrs.soap.handlers.r9",),
}
_WIRE: dict[str, ModuleType] = {
    LEARNER_SERVICE: learner_service_wire,
    LEARNER_SERVICE_R9: r9_wire,
}


def _load(service: str) -> tuple[dict[str, Handler], dict[str, Capability]]:
    handlers: dict[str, Handler] = {}
    capabilities: dict[str, Capability] = {}
    for name in _HANDLER_MODULES[service]:
        module = importlib.import_module(name)
        handlers.update(module.HANDLERS)
        capabilities.update(getattr(module, "CAPABILITIES", {}))
    return handlers, capabilities


HANDLERS: dict[str, dict[str, Handler]] = {}
CAPABILITIES: dict[str, dict[str, Capability]] = {}
for _service in _HANDLER_MODULES:
    HANDLERS[_service], CAPABILITIES[_service] = _load(_service)


def max_bytes() -> int:
    return int(getattr(settings, "LRS_SOAP_MAX_BYTES", DEFAULT_MAX_BYTES))


def _xml(body: bytes, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def _fault(fault: SoapFault, actor: str) -> HttpResponse:
    return _xml(fault.to_bytes(actor=actor), HTTP_STATUS)


def _wants_wsdl(request: HttpRequest) -> bool:
    return any(key.lower() in ("wsdl", "singlewsdl") for key in request.GET)


def _translate(error: ServiceError) -> SoapFault:
    if isinstance(error, NotPermitted):
        return SoapFault.insufficient_access(error.message)
    if isinstance(error, ValidationFailed | LearnerError) and error.problems:
        first = error.problems[0]
        return SoapFault.invalid(first.field, first.rule)
    return SoapFault.invalid("", error.message)


def _throttled(request: HttpRequest, user: Any) -> bool:
    request.auth = user  # type: ignore[attr-defined]
    return not API_THROTTLE.allow_request(request)


def _timed_out(error: OperationalError) -> bool:
    # PostgreSQL cancels with QueryCanceled; SQLite's progress handler interrupts.
    return type(error.__cause__).__name__ == "QueryCanceled" or "interrupted" in str(error)


# SQLite calls the progress handler every this many virtual machine instructions: often
# enough to stop within milliseconds of the limit, rarely enough to cost nothing.
_SQLITE_PROGRESS_STEPS = 20_000


@contextlib.contextmanager
def _statement_timeout() -> Iterator[None]:
    """Bound the call's database work, so no request (a huge batch, a pathological find)
    holds the database for long. PostgreSQL: statement_timeout, set for the session and
    reset when the request has finished (reset_statement_timeout), since a connection may
    outlive the request. SQLite: a progress handler that interrupts any statement running
    past the call's deadline."""
    limit = int(getattr(settings, "LRS_SOAP_STATEMENT_TIMEOUT_MS", 30_000))
    if limit <= 0:
        yield
        return
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw: Any = connection.connection
        deadline = time.monotonic() + limit / 1000

        def past_deadline() -> int:
            return int(time.monotonic() > deadline)

        raw.set_progress_handler(past_deadline, _SQLITE_PROGRESS_STEPS)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
        return
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{limit}ms"])
    connection.lrs_statement_timeout_set = True  # type: ignore[attr-defined]
    yield


def reset_statement_timeout(**_: Any) -> None:
    """On request_finished: put a connection that a SOAP call limited back to the server's
    default. Done here rather than at the end of the call, so the caller has its answer a
    round trip sooner; when the connection is not kept between requests (CONN_MAX_AGE 0,
    the default), Django has closed it already and nothing needs doing."""
    if not getattr(connection, "lrs_statement_timeout_set", False):
        return
    connection.lrs_statement_timeout_set = False  # type: ignore[attr-defined]
    if connection.connection is None:
        return
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")


def _read_body(request: HttpRequest, limit: int) -> bytes:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_big = SoapFault.invalid(
        "Envelope", f"the request is larger than the limit of {limit} bytes."
    )
    if declared > limit:
        raise too_big
    # Read the stream directly: request.body would apply DATA_UPLOAD_MAX_MEMORY_SIZE
    # (2.5 MB), smaller than a legitimate 5,000-learner SubmitBatch.
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_big
    return body


def _serve(request: HttpRequest, service: str) -> HttpResponse:
    context.set_channel("soap")
    if request.method in ("GET", "HEAD") and _wants_wsdl(request):
        return _xml(wsdl_for(service, request.build_absolute_uri(request.path)))
    if request.method != "POST":
        return _xml(unsupported_http_verb_bytes(request.method or "", actor=service), HTTP_STATUS)
    actor = service
    try:
        limit = max_bytes()
        parsed = parse_request(
            _read_body(request, limit),
            content_type=request.META.get("CONTENT_TYPE"),
            soap_action=request.headers.get("SOAPAction"),
            max_bytes=limit,
        )
        wire: Any = _WIRE[service]
        call = wire.read_request(parsed)
        operation = parsed.operation.local
        actor = f"{service}.{wire.operation_for(parsed).name}"
        handler = HANDLERS[service].get(operation)
        # Debug only: every call is in the audit log already, and a line per call costs.
        logger.debug(
            "soap call %s soapaction=%r headers=%s",
            actor,
            parsed.soap_action,
            [str(h) for h in parsed.header_blocks],
        )
        if handler is None:
            raise SoapFault.unknown_operation(operation, f"{service}.svc")
        with _statement_timeout():
            user = soap_authenticate(
                credentials=call.credentials, capability=CAPABILITIES[service].get(operation)
            )
            if _throttled(request, user):
                raise SoapFault(
                    RATE_LIMITED,
                    "Too many requests for this user; slow down and try again later.",
                    description=FAULT_DESCRIPTIONS[RATE_LIMITED],
                )
            return _xml(handler(call, user))
    except SoapFault as fault:
        return _fault(fault, actor)
    except ServiceError as error:
        return _fault(_translate(error), actor)
    except OperationalError as error:
        if not _timed_out(error):
            raise
        logger.warning("soap call %s over the statement time limit", actor)
        return _fault(
            SoapFault(
                INTERNAL_ERROR,
                "The request took longer than the service allows; try again, with fewer "
                "learners if it is a batch.",
                description="Time limit exceeded, The request took too long to complete.",
            ),
            actor,
        )
    except Exception:
        request_id = context.current().request_id
        logger.exception("soap call %s failed (request %s)", actor, request_id)
        return _fault(
            SoapFault(
                INTERNAL_ERROR,
                f"Request id {request_id}.",
                description=(
                    "Internal error, The service could not complete the request; quote the "
                    "request id to the LRS service desk."
                ),
            ),
            actor,
        )


@csrf_exempt
def learner_service(request: HttpRequest) -> HttpResponse:
    return _serve(request, LEARNER_SERVICE)


@csrf_exempt
def learner_service_r9(request: HttpRequest) -> HttpResponse:
    return _serve(request, LEARNER_SERVICE_R9)


def service_addresses(request: HttpRequest) -> Mapping[str, str]:
    """The absolute WSDL addresses, for the portal page."""
    return {
        LEARNER_SERVICE: request.build_absolute_uri("/LearnerService.svc") + "?singlewsdl",
        LEARNER_SERVICE_R9: request.build_absolute_uri("/LearnerServiceR9.svc") + "?singlewsdl",
    }

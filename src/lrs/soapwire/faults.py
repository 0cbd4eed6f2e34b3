"""SOAP faults in the exact shape the live service sends (lrs-soap-facts.md section 2.5).

A fault is answered with HTTP 500 and this body, byte for byte apart from the values::

    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
    <soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>
    <faultstring>uk.gov.miap.lrs.api.exceptions.MIAPAPIException</faultstring>
    <detail><ns10:MIAPAPIException xmlns:ns10="http://api.lrs.miap.gov.uk/exceptions">
    <ErrorCode>…</ErrorCode><ErrorActor>…</ErrorActor><Description>…</Description>
    <FurtherDetails>…</FurtherDetails><ErrorTimestamp>YYYY-MM-DD HH:MM:SS</ErrorTimestamp>
    </ns10:MIAPAPIException></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>

The prefix must be literally ``ns10`` and declared on that element, and its children
unqualified, because the HMPPS client cuts ``<ns10:MIAPAPIException…</ns10:…>`` out with
a regular expression and parses the fragment on its own. Both services use this shape:
no live R9 fault has been seen, and both known R9 clients read ``MIAPAPIException``.

What a fault says comes from this module's fixed descriptions and from the wire layer's
own messages; anything taken from the request (an element name, a namespace) is
shortened and escaped, and no exception text or traceback is ever written.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lrs.soapwire._xml import Writer, text

SOAP11_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
EXCEPTIONS_NS = "http://api.lrs.miap.gov.uk/exceptions"
FAULTSTRING = "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"
HTTP_STATUS = 500
CONTENT_TYPE = "text/xml; charset=utf-8"

WSEC0001 = "WSEC0001"
WSEC0002 = "WSEC0002"
WSEC0003 = "WSEC0003"
WSEC0005 = "WSEC0005"
WSEC0006 = "WSEC0006"

# WSEC0001's wording is the live service's (HMPPS stub error_ful.xml); the others follow
# its "Title, sentence." pattern with the meanings of lrs-interface-facts.md section 4.
DESCRIPTIONS: dict[str, str] = {
    WSEC0001: (
        "Invalid request, The request was badly formed - this may include missing "
        "mandatory parameters, or invalid data types."
    ),
    WSEC0002: "Unknown request, The operation requested is not supported by this service.",
    WSEC0003: (
        "Unknown organisation, The organisation is not known or is not authorised to use "
        "the web services."
    ),
    WSEC0005: "Incorrect password, The password supplied is not correct.",
    WSEC0006: ("Insufficient access, The user is not allowed to perform the operation requested."),
}

UNSUPPORTED_HTTP_VERB = "UnsupportedHttpVerb"

MAX_DETAIL_LENGTH = 1000
MAX_ECHO_LENGTH = 120

FAULT_CODES = frozenset({"Server", "Client", "VersionMismatch", "MustUnderstand"})


def echo(value: str, limit: int = MAX_ECHO_LENGTH) -> str:
    """A piece of the request, fit to quote in FurtherDetails: one line, bounded."""
    flat = " ".join(value.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class SoapFault(Exception):
    """A refusal to answer with the live fault shape (HTTP 500).

    ``further_details`` says which element broke which rule; it is the only free text.
    ``faultcode`` is the SOAP 1.1 code's local name (``Server`` as live, or
    ``VersionMismatch`` for a SOAP 1.2 envelope).
    """

    def __init__(
        self,
        code: str,
        further_details: str = "",
        *,
        description: str | None = None,
        faultcode: str = "Server",
    ) -> None:
        if faultcode not in FAULT_CODES:
            raise ValueError(f"unknown SOAP 1.1 fault code {faultcode!r}")
        self.code = code
        self.description = description if description is not None else DESCRIPTIONS[code]
        self.further_details = further_details
        self.faultcode = faultcode
        super().__init__(f"{code}: {further_details}" if further_details else code)

    @classmethod
    def invalid(cls, element: str, rule: str) -> SoapFault:
        """WSEC0001 naming the element (a path such as ``VerifyLearner/UKPRN``) and rule."""
        return cls(WSEC0001, f"{element}: {rule}" if element else rule)

    @classmethod
    def unknown_operation(cls, operation: str, service: str) -> SoapFault:
        return cls(
            WSEC0002,
            f"{echo(operation)} is not an operation of {service}.",
        )

    @classmethod
    def unknown_organisation(cls, further_details: str = "") -> SoapFault:
        return cls(WSEC0003, further_details)

    @classmethod
    def incorrect_password(cls, further_details: str = "") -> SoapFault:
        return cls(WSEC0005, further_details)

    @classmethod
    def insufficient_access(cls, further_details: str = "") -> SoapFault:
        return cls(WSEC0006, further_details)

    def to_bytes(self, *, actor: str, timestamp: dt.datetime | None = None) -> bytes:
        return fault_bytes(
            code=self.code,
            description=self.description,
            further_details=self.further_details,
            actor=actor,
            timestamp=timestamp,
            faultcode=self.faultcode,
        )


def _london_now() -> dt.datetime:
    # The live timestamps are UK wall-clock time; fall back to UTC where the system has
    # no time zone database.
    try:
        return dt.datetime.now(ZoneInfo("Europe/London"))
    except ZoneInfoNotFoundError:
        return dt.datetime.now(dt.UTC)


def fault_bytes(
    *,
    code: str,
    description: str,
    further_details: str,
    actor: str,
    timestamp: dt.datetime | None = None,
    faultcode: str = "Server",
) -> bytes:
    """The fault envelope; every value is escaped and FurtherDetails is bounded."""
    if faultcode not in FAULT_CODES:
        raise ValueError(f"unknown SOAP 1.1 fault code {faultcode!r}")
    when = (timestamp or _london_now()).strftime("%Y-%m-%d %H:%M:%S")
    details = further_details
    if len(details) > MAX_DETAIL_LENGTH:
        details = details[: MAX_DETAIL_LENGTH - 1] + "…"
    w = Writer()
    w.raw(
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11_ENV_NS}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:{faultcode}</faultcode>"
        f"<faultstring>{FAULTSTRING}</faultstring>"
        f'<detail><ns10:MIAPAPIException xmlns:ns10="{EXCEPTIONS_NS}">'
    )
    w.raw(f"<ErrorCode>{text(code)}</ErrorCode>")
    w.raw(f"<ErrorActor>{text(actor)}</ErrorActor>")
    w.raw(f"<Description>{text(description)}</Description>")
    w.raw(f"<FurtherDetails>{text(details)}</FurtherDetails>")
    w.raw(f"<ErrorTimestamp>{when}</ErrorTimestamp>")
    w.raw("</ns10:MIAPAPIException></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>")
    return w.bytes()


_METHOD = re.compile(r"[A-Za-z]{1,20}")


def unsupported_http_verb_bytes(
    method: str, *, actor: str, timestamp: dt.datetime | None = None
) -> bytes:
    """The live answer to a request that is not a POST (HMPPS ``error_down_ful.xml``).

    The HMPPS client treats any body containing ``UnsupportedHttpVerb`` as "service
    down", so this exact Description matters. The method is reduced to letters so a
    forged request line cannot put anything else into the body.
    """
    shown = method if _METHOD.fullmatch(method) else "UNKNOWN"
    return fault_bytes(
        code=WSEC0001,
        description=UNSUPPORTED_HTTP_VERB,
        further_details=f"{UNSUPPORTED_HTTP_VERB} {shown.upper()}",
        actor=actor,
        timestamp=timestamp,
    )

"""Parse a SOAP 1.1 request safely, and read its body the way LRS clients write it.

:func:`parse_request` takes the raw HTTP body, its Content-Type and its SOAPAction
header, and returns the first element of the Body (the operation) with its QName.
Dispatch is on that QName, never on SOAPAction: nine of the ten LearnerService
operations share ``soapAction=""`` and HMPPS sends none at all.

Parsing is hardened: lxml with entities never resolved, no DTD loaded, no network and
libxml2's default size and depth limits; and any document that carries a DOCTYPE is
refused outright, since SOAP 1.1 forbids one and it is the vehicle for XXE and
entity-expansion attacks. Every refusal is a :class:`~lrs.soapwire.faults.SoapFault`
WSEC0001 saying what was wrong, and never echoes markup from the request.

:class:`Children` reads one element's children by local name against the set an
operation allows, refusing unknown, repeated or mis-namespaced ones, and reads a value
as ``None`` whether it is absent, empty or ``xsi:nil="true"``.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from lxml import etree

from lrs.soapwire._xml import XSI_NS
from lrs.soapwire.faults import SOAP11_ENV_NS, SoapFault, echo

SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"
XSI_NIL = f"{{{XSI_NS}}}nil"

# A 5,000-learner SubmitBatch (the service's largest message) is about 7.5 MB.
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_SOAP_ACTION_LENGTH = 200

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class QName(NamedTuple):
    """An element name: namespace (``""`` when unqualified) and local name."""

    namespace: str
    local: str

    @classmethod
    def of(cls, element: Any) -> QName:
        q = etree.QName(element)
        return cls(q.namespace or "", q.localname)

    def __str__(self) -> str:
        return f"{{{self.namespace}}}{self.local}" if self.namespace else self.local


@dataclass(frozen=True)
class SoapRequest:
    """A parsed request: the operation element and what surrounded it."""

    operation: QName
    body: Any  # the lxml element of the operation (the Body's first child element)
    soap_action: str | None  # normalised, for logging only
    header_blocks: tuple[QName, ...]


@dataclass(frozen=True)
class Credentials:
    """Who is calling, as both services carry it (LearnerService: OrganisationRef,
    UKPRN, OrgPassword, UserName; R9: invokingOrganisation's OrganisationRef or
    Reference, Ukprn, Password, Username). Each is ``None`` when absent, empty or nil.
    The password is kept out of ``repr`` so that logging a request never logs it."""

    organisation_ref: str | None
    ukprn: str | None
    password: str | None = field(repr=False)
    username: str | None


@dataclass(frozen=True)
class Operation:
    """One WSDL operation: its name, request and response wrappers, the SOAPAction its
    WSDL declares (informative only) and the reader of its request element."""

    name: str
    request: QName
    response: QName
    soap_action: str
    read: Callable[[Any], Any] = field(repr=False)


def normalise_soap_action(value: str | None) -> str | None:
    """SOAPAction for a log line: ``None`` when absent, unquoted, trimmed, bounded.

    Clients send it absent (HMPPS find), unquoted (HMPPS R9), quoted or as ``""``
    (WCF, PHP); all are accepted and none is used for dispatch.
    """
    if value is None:
        return None
    action = value.strip()
    if len(action) >= 2 and action[0] == action[-1] == '"':
        action = action[1:-1].strip()
    action = "".join(ch for ch in action if ch.isprintable())
    return action[:MAX_SOAP_ACTION_LENGTH]


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"') or None
    return media.strip().lower(), charset


def _parser(encoding: str | None) -> Any:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        encoding=encoding,
    )


def _version_mismatch() -> SoapFault:
    return SoapFault(
        "WSEC0001",
        f"Envelope: a SOAP 1.2 envelope ({SOAP12_ENV_NS}) is not supported; send a SOAP 1.1 "
        f"envelope ({SOAP11_ENV_NS}) with Content-Type text/xml.",
        faultcode="VersionMismatch",
    )


def _doctype_refused() -> SoapFault:
    return SoapFault.invalid(
        "Envelope",
        "a document type declaration (DOCTYPE) is not allowed in a SOAP message; "
        "entities and DTDs are never processed.",
    )


def _prolog_has_doctype(text: str) -> bool:
    # Walk what may precede the root element (the XML declaration, comments,
    # processing instructions, whitespace) in one linear pass; the first other markup
    # is either a DOCTYPE or the root.
    position = text.find("<")
    while position != -1:
        if text.startswith("<!DOCTYPE", position):
            return True
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4)
        elif text.startswith("<?", position):
            end = text.find("?>", position + 2)
        else:
            return False
        if end == -1:
            return False  # unterminated: the parser refuses it
        position = text.find("<", end)
    return False


def _has_doctype(body: bytes) -> bool:
    """Whether the prolog holds a DOCTYPE, found before libxml2 reads a byte of it.

    libxml2 never resolves entities here, but it still parses an internal subset (and
    stops entity bombs only by its amplification limit); refusing first means a DTD is
    never processed at all. The parsed tree is checked again afterwards, for encodings
    this scan does not read.
    """
    utf16 = {
        codecs.BOM_UTF16_LE: "utf-16",
        codecs.BOM_UTF16_BE: "utf-16",
        b"<\x00": "utf-16-le",
        b"\x00<": "utf-16-be",
    }.get(body[:2])
    # Latin-1 maps every byte to one character, so ASCII markup in any ASCII-compatible
    # encoding (UTF-8 included) is found at the same place.
    return _prolog_has_doctype(body.decode(utf16 or "latin-1", errors="replace"))


def parse_request(
    body: bytes,
    *,
    content_type: str | None = None,
    soap_action: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> SoapRequest:
    """Parse ``body`` as a SOAP 1.1 envelope and find the operation element.

    Raises :class:`SoapFault` (WSEC0001) for an oversized body, attachments (multipart),
    a SOAP 1.2 content type or envelope (faultcode VersionMismatch), malformed XML, a
    DOCTYPE, a root other than ``Envelope``, or a Body with no element.
    """
    if len(body) > max_bytes:
        raise SoapFault.invalid(
            "Envelope", f"the request is larger than the limit of {max_bytes} bytes."
        )
    media, charset = _media_type(content_type)
    if media == "application/soap+xml":
        raise _version_mismatch()
    if media.startswith("multipart/"):
        raise SoapFault.invalid(
            "Envelope", "attachments (multipart, MTOM) are not supported; send text/xml."
        )
    encoding = None
    if charset and not body.lstrip().startswith((b"<?xml", *_BOMS)):
        # Without a declaration or byte order mark, HTTP's charset is the only word on
        # the encoding; with one, the document's own is right.
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            raise SoapFault.invalid(
                "Content-Type", f"unknown charset {echo(charset, 40)!r}."
            ) from None
    if not body.strip():
        raise SoapFault.invalid("Envelope", "the request body is empty.")
    if _has_doctype(body):
        raise _doctype_refused()
    try:
        root = etree.fromstring(body, _parser(encoding))
    except etree.XMLSyntaxError as error:
        # libxml2's message names a line and column and quotes no input.
        raise SoapFault.invalid(
            "Envelope", f"the request is not well-formed XML ({echo(str(error), 200)})."
        ) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        raise _doctype_refused()
    name = QName.of(root)
    if name == QName(SOAP12_ENV_NS, "Envelope"):
        raise _version_mismatch()
    if name != QName(SOAP11_ENV_NS, "Envelope"):
        raise SoapFault.invalid(
            "Envelope",
            f"the root element must be Envelope in {SOAP11_ENV_NS}, not {echo(str(name))}.",
        )
    header = None
    body_element = None
    for child in _elements(root):
        child_name = QName.of(child)
        if child_name == QName(SOAP11_ENV_NS, "Header") and header is None and body_element is None:
            header = child
        elif child_name == QName(SOAP11_ENV_NS, "Body") and body_element is None:
            body_element = child
        elif body_element is None:
            raise SoapFault.invalid(
                "Envelope",
                f"unexpected element {echo(str(child_name))}; expected Header then Body.",
            )
    if body_element is None:
        raise SoapFault.invalid("Envelope/Body", "the envelope has no Body.")
    operation = next(_elements(body_element), None)
    if operation is None:
        raise SoapFault.invalid("Envelope/Body", "the Body holds no operation element.")
    headers = tuple(QName.of(h) for h in _elements(header)) if header is not None else ()
    return SoapRequest(
        operation=QName.of(operation),
        body=operation,
        soap_action=normalise_soap_action(soap_action),
        header_blocks=headers,
    )


def _elements(element: Any) -> Iterator[Any]:
    # Comments and processing instructions are dropped by the parser; this also skips
    # any entity reference node, which only a refused DOCTYPE could have produced.
    return (child for child in element if isinstance(child.tag, str))


def is_nil(element: Any) -> bool:
    return (element.get(XSI_NIL) or "").strip() in ("true", "1")


def value_of(element: Any | None, path: str) -> str | None:
    """The text of a simple element; ``None`` when absent, empty or nil."""
    if element is None or is_nil(element):
        return None
    if next(_elements(element), None) is not None:
        raise SoapFault.invalid(path, "must hold a value, not child elements.")
    value = element.text or ""
    return value if value != "" else None


class Children:
    """The children of one element, checked against the names an operation allows.

    ``namespaces`` are the ones a child may be in (``""`` means unqualified). A child
    outside them, with an unknown local name, or repeated without being listed in
    ``repeatable`` makes a WSEC0001 fault naming it. Order is not enforced: the live
    service's clients all write schema order, and reading by name costs nothing.
    """

    def __init__(
        self,
        element: Any,
        *,
        path: str,
        namespaces: Collection[str],
        allowed: Iterable[str],
        repeatable: Iterable[str] = (),
    ) -> None:
        self.path = path
        allowed_names = tuple(allowed)
        allowed_set = set(allowed_names)
        repeatable_set = set(repeatable)
        self._found: dict[str, list[Any]] = {}
        if element.text and element.text.strip():
            raise SoapFault.invalid(path, "must hold elements only, not text.")
        for child in _elements(element):
            name = QName.of(child)
            where = f"{path}/{echo(name.local, 60)}"
            if name.namespace not in namespaces:
                raise SoapFault.invalid(where, _namespace_rule(name.namespace, namespaces))
            if name.local not in allowed_set:
                raise SoapFault.invalid(
                    where,
                    "unexpected element; expected one of " + ", ".join(allowed_names) + ".",
                )
            if name.local in self._found and name.local not in repeatable_set:
                raise SoapFault.invalid(where, "appears more than once.")
            self._found.setdefault(name.local, []).append(child)
            if child.tail and child.tail.strip():
                raise SoapFault.invalid(path, "must hold elements only, not text.")

    def where(self, name: str) -> str:
        return f"{self.path}/{name}"

    def element(self, name: str) -> Any | None:
        """The child element, or ``None`` when absent or nil."""
        found = self._found.get(name)
        if not found or is_nil(found[0]):
            return None
        return found[0]

    def elements(self, name: str) -> list[Any]:
        """Every occurrence of a repeatable child, nil ones included."""
        return list(self._found.get(name, ()))

    def value(self, name: str) -> str | None:
        found = self._found.get(name)
        return value_of(found[0], self.where(name)) if found else None

    def values(self, name: str) -> list[str | None]:
        return [value_of(el, self.where(name)) for el in self._found.get(name, ())]

    def present(self, name: str) -> bool:
        return name in self._found


def _namespace_rule(found: str, expected: Collection[str]) -> str:
    def show(ns: str) -> str:
        return f"namespace {ns}" if ns else 'no namespace (xmlns="")'

    wanted = " or ".join(show(ns) for ns in sorted(expected))
    return f"must be in {wanted}, not {show(echo(found, 80))}."

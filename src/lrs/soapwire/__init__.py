"""The SOAP wire layer of LearnerService.svc and LearnerServiceR9.svc, free of any framework.

Existing LRS clients (HMPPS's Kotlin/JAXB client, DAS's .NET proxy, Sunsis's PHP
SoapClient) must be able to switch to this service unchanged, so this package
reproduces the live wire contract byte for byte where the clients depend on it
(shared/reference/lrs-soap-facts.md). It parses requests safely into plain Python
values and writes responses and faults from plain Python values; the Django views that
serve ``POST /LearnerService.svc`` and ``/LearnerServiceR9.svc`` map those values to the
project's services. See docs/soap.md.

* :mod:`lrs.soapwire.envelope`: hardened parsing, dispatch QName, child readers.
* :mod:`lrs.soapwire.faults`: the WSEC codes and the live fault bytes.
* :mod:`lrs.soapwire.learner_service`: the ten LearnerService operations.
* :mod:`lrs.soapwire.r9`: the seven LearnerServiceR9 operations.
* :mod:`lrs.soapwire.wsdl`: the two WSDL documents.
"""

from lrs.soapwire.envelope import (
    DEFAULT_MAX_BYTES,
    Credentials,
    Operation,
    QName,
    SoapRequest,
    normalise_soap_action,
    parse_request,
)
from lrs.soapwire.faults import (
    CONTENT_TYPE,
    HTTP_STATUS,
    SoapFault,
    fault_bytes,
    unsupported_http_verb_bytes,
)
from lrs.soapwire.wsdl import wsdl_for

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_MAX_BYTES",
    "HTTP_STATUS",
    "Credentials",
    "Operation",
    "QName",
    "SoapFault",
    "SoapRequest",
    "fault_bytes",
    "normalise_soap_action",
    "parse_request",
    "unsupported_http_verb_bytes",
    "wsdl_for",
]

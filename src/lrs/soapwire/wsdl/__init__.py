"""The two WSDL documents, each a single file with its schemas inline.

``GET /LearnerService.svc?singlewsdl`` (and ``?wsdl``) answer :func:`wsdl_for` with the
service's own URL as the address; the files hold a placeholder address until then.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from lrs.soapwire._xml import attr

SERVICES = {
    "LearnerService": "LearnerService.wsdl",
    "LearnerServiceR9": "LearnerServiceR9.wsdl",
}
ADDRESS_PLACEHOLDER = "https://soap-address.invalid/replace-me"
CONTENT_TYPE = "text/xml; charset=utf-8"


@cache
def wsdl_text(service: str) -> str:
    """The stored WSDL of ``service`` (``LearnerService`` or ``LearnerServiceR9``)."""
    try:
        filename = SERVICES[service]
    except KeyError:
        raise ValueError(f"no WSDL for {service!r}; known: {sorted(SERVICES)}") from None
    return resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")


def wsdl_for(service: str, address: str) -> bytes:
    """The WSDL of ``service`` with ``address`` (an absolute http(s) URL) as its
    ``soap:address``."""
    if not address.startswith(("https://", "http://")) or any(
        ch.isspace() or not ch.isprintable() for ch in address
    ):
        raise ValueError("the address must be an absolute http(s) URL without spaces")
    text = wsdl_text(service)
    marker = f'location="{ADDRESS_PLACEHOLDER}"'
    if text.count(marker) != 1:
        raise RuntimeError(f"{SERVICES[service]} must hold the address placeholder exactly once")
    return text.replace(marker, f'location="{attr(address)}"').encode("utf-8")

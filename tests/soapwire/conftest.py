"""Shared helpers for the wire-layer tests: reference envelopes, shape comparison, zeep."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import zeep
from lxml import etree

from lrs.soapwire.wsdl import wsdl_for

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"

# The examples of lrs-soap-facts.md section 2.6 (invented data; check-digit valid ULNs).
CREDS = (
    "<UKPRN>10099999</UKPRN><OrgPassword>Pa55word-16chars</OrgPassword>"
    "<UserName>probe_user</UserName>"
)


def frame(body: str, *extra_ns: str) -> bytes:
    """F(x) of the reference: the soapenv envelope around ``body``."""
    declarations = "".join(f" {ns}" for ns in extra_ns)
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"{declarations}><soapenv:Body>{body}'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def compact(xml: str) -> bytes:
    """A reference example with its line-breaking whitespace between tags removed."""
    return re.sub(r">\s+<", "><", xml.strip()).encode()


def shape(xml: bytes) -> list[tuple[int, str, str, str | None, str]]:
    """(depth, namespace, local name, prefix, text) of every element, in document order."""
    root = etree.fromstring(xml)
    out = []

    def walk(element: Any, depth: int) -> None:
        q = etree.QName(element)
        out.append(
            (depth, q.namespace or "", q.localname, element.prefix, (element.text or "").strip())
        )
        for child in element:
            if isinstance(child.tag, str):
                walk(child, depth + 1)

    walk(root, 0)
    return out


def nil_attributes(xml: bytes) -> list[str]:
    """The local names of the elements written xsi:nil="true"."""
    root = etree.fromstring(xml)
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    return [etree.QName(el).localname for el in root.iter() if el.get(nil) == "true"]


@pytest.fixture(scope="session")
def zeep_clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """zeep loaded with the project's own WSDLs, from files and with no network."""
    folder: Path = tmp_path_factory.mktemp("wsdl")
    clients = {}
    for service in ("LearnerService", "LearnerServiceR9"):
        path = folder / f"{service}.wsdl"
        path.write_bytes(wsdl_for(service, f"http://testserver/{service}.svc"))
        clients[service] = zeep.Client(str(path))
    return clients


def _schema_validator(service: str, folder: Path) -> Any:
    """An lxml XMLSchema of the WSDL's inline schemas, each written to a file so their
    imports resolve locally."""
    xs = "http://www.w3.org/2001/XMLSchema"
    doc = etree.fromstring(wsdl_for(service, "http://testserver/x.svc"))
    schemas = doc.findall(f".//{{{xs}}}schema")
    files = {s.get("targetNamespace"): folder / f"{service}-{i}.xsd" for i, s in enumerate(schemas)}
    for schema in schemas:
        copy = etree.fromstring(etree.tostring(schema))
        for imported in copy.findall(f"{{{xs}}}import"):
            imported.set("schemaLocation", files[imported.get("namespace")].as_uri())
        files[copy.get("targetNamespace")].write_bytes(etree.tostring(copy))
    driver = (
        f'<xs:schema xmlns:xs="{xs}">'
        + "".join(
            f'<xs:import namespace="{ns}" schemaLocation="{path.as_uri()}"/>'
            for ns, path in files.items()
        )
        + "</xs:schema>"
    )
    return etree.XMLSchema(etree.fromstring(driver.encode()))


@pytest.fixture(scope="session")
def validators(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Validators of message bodies against the schemas inside the project's WSDLs."""
    folder = tmp_path_factory.mktemp("xsd")
    return {
        service: _schema_validator(service, folder)
        for service in ("LearnerService", "LearnerServiceR9")
    }


def assert_valid(validator: Any, envelope: bytes) -> None:
    """The Body's element (a request, a response or a fault's detail) is schema-valid."""
    root = etree.fromstring(envelope)
    body = root.find(f"{{{SOAP11}}}Body")
    element = next(child for child in body if isinstance(child.tag, str))
    if etree.QName(element).localname == "Fault":
        element = element.find("detail")[0]
    if not validator.validate(etree.ElementTree(etree.fromstring(etree.tostring(element)))):
        raise AssertionError(str(validator.error_log))

"""Faults: the live bytes, the HMPPS regex, every WSEC code, and nothing leaked or injected."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from lxml import etree

from lrs.soapwire import faults
from lrs.soapwire.faults import SoapFault, fault_bytes, unsupported_http_verb_bytes
from tests.soapwire.conftest import SOAP11, compact

WHEN = dt.datetime(2025, 1, 14, 15, 23, 47)
HMPPS_REGEX = re.compile(r"<ns10:MIAPAPIException[\s\S]*?</ns10:MIAPAPIException>")

# lrs-soap-facts.md section 2.5, with its elided values filled in.
LIVE_SHAPE = """
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>
 <faultcode>soapenv:Server</faultcode><faultstring>uk.gov.miap.lrs.api.exceptions.MIAPAPIException</faultstring>
 <detail><ns10:MIAPAPIException xmlns:ns10="http://api.lrs.miap.gov.uk/exceptions">
  <ErrorCode>WSEC0001</ErrorCode><ErrorActor>LearnerService.learnerByDemographics</ErrorActor><Description>Invalid request, The request was badly formed - this may include missing mandatory parameters, or invalid data types.</Description>
  <FurtherDetails>FindLearnerByDemographics/FamilyName: must not be empty.</FurtherDetails><ErrorTimestamp>2025-01-14 15:23:47</ErrorTimestamp>
 </ns10:MIAPAPIException></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>
"""  # noqa: E501 - kept line for line as in the reference


def _detail(body: bytes) -> etree._Element:
    """What the HMPPS client does: cut the ns10 fragment out and parse it on its own."""
    match = HMPPS_REGEX.search(body.decode("utf-8"))
    assert match is not None
    return etree.fromstring(match.group(0).encode())


def test_a_wsec0001_fault_is_byte_for_byte_the_live_shape():
    fault = SoapFault.invalid("FindLearnerByDemographics/FamilyName", "must not be empty.")
    body = fault.to_bytes(actor="LearnerService.learnerByDemographics", timestamp=WHEN)
    assert body == compact(LIVE_SHAPE)
    assert fault.faultcode == "Server"
    assert faults.HTTP_STATUS == 500


def test_a_fault_has_no_xml_declaration_and_the_soapenv_prefix():
    body = SoapFault.unknown_operation("{urn:x}Nope", "LearnerService.svc").to_bytes(actor="a")
    assert body.startswith(f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body>'.encode())
    assert not body.startswith(b"<?xml")
    root = etree.fromstring(body)
    fault = root[0][0]
    assert etree.QName(fault).text == f"{{{SOAP11}}}Fault"
    assert [child.tag for child in fault] == ["faultcode", "faultstring", "detail"]
    assert fault[0].text == "soapenv:Server"
    assert fault[1].text == "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"


def test_the_hmpps_regex_extracts_a_fragment_that_parses_alone_with_unqualified_children():
    body = SoapFault.incorrect_password().to_bytes(actor="LearnerService", timestamp=WHEN)
    detail = _detail(body)
    assert detail.prefix == "ns10"
    assert etree.QName(detail).namespace == "http://api.lrs.miap.gov.uk/exceptions"
    assert [(etree.QName(c).namespace, c.tag) for c in detail] == [
        (None, "ErrorCode"),
        (None, "ErrorActor"),
        (None, "Description"),
        (None, "FurtherDetails"),
        (None, "ErrorTimestamp"),
    ]
    assert detail.findtext("ErrorCode") == "WSEC0005"
    assert detail.findtext("ErrorTimestamp") == "2025-01-14 15:23:47"


@pytest.mark.parametrize(
    ("make", "code", "title"),
    [
        (lambda: SoapFault.invalid("X/Y", "rule"), "WSEC0001", "Invalid request"),
        (
            lambda: SoapFault.unknown_operation("Op", "LearnerService.svc"),
            "WSEC0002",
            "Unknown request",
        ),
        (SoapFault.unknown_organisation, "WSEC0003", "Unknown organisation"),
        (SoapFault.incorrect_password, "WSEC0005", "Incorrect password"),
        (SoapFault.insufficient_access, "WSEC0006", "Insufficient access"),
    ],
)
def test_every_wsec_code_has_its_description_in_the_live_title_comma_sentence_style(
    make, code, title
):
    fault = make()
    detail = _detail(fault.to_bytes(actor="LearnerService"))
    assert detail.findtext("ErrorCode") == code
    description = detail.findtext("Description")
    assert description.startswith(f"{title}, ")
    assert description == faults.DESCRIPTIONS[code]


def test_wsec0001_further_details_names_the_element_and_the_rule():
    fault = SoapFault.invalid("VerifyLearner/LearnerToVerify/ULN", "must be 10 digits.")
    detail = _detail(fault.to_bytes(actor="LearnerService"))
    assert (
        detail.findtext("FurtherDetails") == "VerifyLearner/LearnerToVerify/ULN: must be 10 digits."
    )


def test_attacker_controlled_text_is_escaped_never_markup():
    hostile = '</FurtherDetails><ErrorCode>WSRC0004</ErrorCode><x a="1"/>&amp;]]>'
    fault = SoapFault.invalid(hostile, hostile)
    body = fault.to_bytes(actor=hostile)
    root = etree.fromstring(body)  # still well-formed
    detail = _detail(body)
    assert [c.tag for c in detail] == [
        "ErrorCode",
        "ErrorActor",
        "Description",
        "FurtherDetails",
        "ErrorTimestamp",
    ]
    assert detail.findtext("ErrorCode") == "WSEC0001"
    assert hostile in detail.findtext("FurtherDetails")
    assert detail.findtext("ErrorActor") == hostile
    assert len(root.findall(".//ErrorCode")) == 1


def test_control_characters_cannot_break_the_fault():
    fault = SoapFault.invalid("A\x00B\x1bC", "bad\ufffe")
    detail = _detail(fault.to_bytes(actor="x"))
    assert detail.findtext("FurtherDetails") == "A\ufffdB\ufffdC: bad\ufffd"


def test_further_details_are_bounded():
    fault = SoapFault.invalid("X", "y" * 50_000)
    text = _detail(fault.to_bytes(actor="x")).findtext("FurtherDetails")
    assert len(text) == faults.MAX_DETAIL_LENGTH


def test_an_exception_text_is_never_part_of_a_fault():
    try:
        {}["secret-internal-key"]
    except KeyError as error:
        fault = SoapFault(faults.WSEC0001, "Envelope: the request could not be read.")
        fault.__cause__ = error
    body = fault.to_bytes(actor="LearnerService")
    assert b"secret-internal-key" not in body
    assert b"Traceback" not in body
    assert b"KeyError" not in body


def test_the_get_fault_is_the_live_unsupported_http_verb_shape():
    body = unsupported_http_verb_bytes("GET", actor="LearnerService", timestamp=WHEN)
    assert b"UnsupportedHttpVerb" in body
    detail = _detail(body)
    assert detail.findtext("ErrorCode") == "WSEC0001"
    assert detail.findtext("Description") == "UnsupportedHttpVerb"
    assert detail.findtext("FurtherDetails") == "UnsupportedHttpVerb GET"


@pytest.mark.parametrize("method", ["get", "PUT", "DELETE"])
def test_other_verbs_are_named_in_capitals(method):
    detail = _detail(unsupported_http_verb_bytes(method, actor="x"))
    assert detail.findtext("FurtherDetails") == f"UnsupportedHttpVerb {method.upper()}"


@pytest.mark.parametrize("method", ["G<E>T", "GET\r\nX: y", "", "A" * 50])
def test_a_forged_method_is_not_echoed(method):
    detail = _detail(unsupported_http_verb_bytes(method, actor="x"))
    assert detail.findtext("FurtherDetails") == "UnsupportedHttpVerb UNKNOWN"


def test_the_timestamp_defaults_to_now_in_the_live_format():
    body = SoapFault.insufficient_access().to_bytes(actor="x")
    stamp = _detail(body).findtext("ErrorTimestamp")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", stamp)


def test_only_soap_11_fault_codes_are_accepted():
    with pytest.raises(ValueError, match="fault code"):
        SoapFault(faults.WSEC0001, faultcode="Sender")
    with pytest.raises(ValueError, match="fault code"):
        fault_bytes(code="X", description="d", further_details="", actor="a", faultcode="evil>")


def test_a_code_without_a_stock_description_needs_one():
    with pytest.raises(KeyError):
        SoapFault("WSEC0136")
    fault = SoapFault("WSEC0136", description="Invalid ULN, The ULN supplied is not valid.")
    assert _detail(fault.to_bytes(actor="x")).findtext("ErrorCode") == "WSEC0136"

"""Parsing requests: what is tolerated, what is refused, and that nothing unsafe is processed."""

from __future__ import annotations

import pytest
from lxml import etree

from lrs.soapwire import envelope
from lrs.soapwire.envelope import (
    QName,
    SoapRequest,
    normalise_soap_action,
    parse_request,
)
from lrs.soapwire.faults import SoapFault
from tests.soapwire.conftest import CREDS, SOAP11, frame

FINDMSG = "http://api.lrs.miap.gov.uk/findmsg"
SECRET = "TOP-SECRET-SYNTHETIC-CONTENT"


def _find(extra: str = "") -> bytes:
    return frame(
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FindType>FUL</FindType>{CREDS}'
        f"<ULN>5551234567</ULN>{extra}</fin:FindLearnerByULN>"
    )


def _fault(body: bytes, **kwargs) -> SoapFault:
    with pytest.raises(SoapFault) as caught:
        parse_request(body, **kwargs)
    return caught.value


def test_the_body_first_element_and_its_qname_are_returned_for_dispatch():
    request = parse_request(_find(), content_type="text/xml; charset=utf-8")
    assert isinstance(request, SoapRequest)
    assert request.operation == QName(FINDMSG, "FindLearnerByULN")
    assert str(request.operation) == f"{{{FINDMSG}}}FindLearnerByULN"
    assert etree.QName(request.body).localname == "FindLearnerByULN"
    assert request.header_blocks == ()


@pytest.mark.parametrize(
    ("sent", "logged"),
    [
        (None, None),
        ("", ""),
        ('""', ""),
        (
            '"http://tempuri.org/LearnerPortType/verifyLearner"',
            "http://tempuri.org/LearnerPortType/verifyLearner",
        ),
        (
            "http://tempuri.org/ILearnerServiceR9/GetLearnerLearningEvents",
            "http://tempuri.org/ILearnerServiceR9/GetLearnerLearningEvents",
        ),
        ('  "spaced"  ', "spaced"),
        ("evil\r\nX-Header: injected", "evilX-Header: injected"),
    ],
)
def test_soap_action_absent_empty_quoted_or_unquoted_is_accepted_and_normalised_for_logging(
    sent, logged
):
    assert normalise_soap_action(sent) == logged
    assert parse_request(_find(), soap_action=sent).soap_action == logged


def test_soap_action_is_bounded_for_logging():
    assert len(normalise_soap_action("x" * 5000) or "") == envelope.MAX_SOAP_ACTION_LENGTH


def test_dispatch_ignores_a_soap_action_that_names_another_operation():
    request = parse_request(_find(), soap_action="http://tempuri.org/LearnerPortType/verifyLearner")
    assert request.operation.local == "FindLearnerByULN"


@pytest.mark.parametrize(
    "header",
    [
        "",
        "<soapenv:Header/>",
        "<soapenv:Header></soapenv:Header>",
        "<soapenv:Header> </soapenv:Header>",
    ],
)
def test_a_missing_or_empty_header_is_tolerated(header):
    body = (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}">{header}<soapenv:Body>'
        f'<x:FindLearnerByULN xmlns:x="{FINDMSG}"/></soapenv:Body></soapenv:Envelope>'
    ).encode()
    assert parse_request(body).operation.local == "FindLearnerByULN"


def test_header_blocks_are_ignored_but_their_names_are_kept_for_logging():
    body = (
        f'<e:Envelope xmlns:e="{SOAP11}"><e:Header><w:Trace xmlns:w="urn:example:trace">1</w:Trace>'
        f'</e:Header><e:Body><x:FindLearnerByULN xmlns:x="{FINDMSG}"/></e:Body></e:Envelope>'
    ).encode()
    assert parse_request(body).header_blocks == (QName("urn:example:trace", "Trace"),)


@pytest.mark.parametrize(
    "body",
    [
        # any envelope prefix, a default-namespace envelope, whitespace and comments
        f'<S:Envelope xmlns:S="{SOAP11}"><S:Body><f:FindLearnerByULN xmlns:f="{FINDMSG}"/>'
        "</S:Body></S:Envelope>",
        f'<Envelope xmlns="{SOAP11}"><Body><FindLearnerByULN xmlns="{FINDMSG}"/></Body></Envelope>',
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<soap:Envelope xmlns:soap="{SOAP11}">\n <!-- c -->\n'
        f' <soap:Body>\n  <FindLearnerByULN xmlns="{FINDMSG}"/>\n </soap:Body>\n</soap:Envelope>\n',
    ],
)
def test_any_prefixes_declarations_whitespace_and_comments_are_tolerated(body):
    assert parse_request(body.encode()).operation == QName(FINDMSG, "FindLearnerByULN")


def test_a_utf8_byte_order_mark_and_a_utf16_document_are_read():
    text = _find().decode()
    assert parse_request(b"\xef\xbb\xbf" + text.encode()).operation.local == "FindLearnerByULN"
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16")
    assert parse_request(utf16).operation.local == "FindLearnerByULN"


def test_the_http_charset_is_used_when_the_document_declares_none():
    body = (
        frame(
            f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FamilyName>Müller</FamilyName>'
            "</fin:FindLearnerByULN>"
        )
        .decode()
        .encode("iso-8859-1")
    )
    request = parse_request(body, content_type="text/xml; charset=ISO-8859-1")
    assert request.body[0].text == "Müller"


def test_an_unknown_charset_is_refused_with_wsec0001():
    fault = _fault(_find(), content_type="text/xml; charset=no-such-charset")
    assert fault.code == "WSEC0001"
    assert "charset" in fault.further_details


def test_malformed_xml_is_wsec0001_naming_the_problem():
    fault = _fault(b"<soapenv:Envelope xmlns:soapenv='" + SOAP11.encode() + b"'><soapenv:Body>")
    assert fault.code == "WSEC0001"
    assert fault.faultcode == "Server"
    assert "not well-formed" in fault.further_details


@pytest.mark.parametrize("body", [b"", b"   \n", b"not xml at all", b"<a><b></a>"])
def test_empty_or_non_xml_bodies_are_wsec0001(body):
    assert _fault(body).code == "WSEC0001"


def test_a_doctype_is_refused_outright():
    body = b"<!DOCTYPE soapenv:Envelope>" + _find()
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert "DOCTYPE" in fault.further_details


def test_an_external_entity_to_a_local_file_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    body = (
        f'<!DOCTYPE soapenv:Envelope [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>'
        + _find("<FamilyName>&xxe;</FamilyName>").decode()
    ).encode()
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert "DOCTYPE" in fault.further_details
    assert SECRET not in str(fault)
    assert SECRET.encode() not in fault.to_bytes(actor="LearnerService")
    # And the parser itself never expands it, before the DOCTYPE check even runs.
    tree = etree.fromstring(body, envelope._parser(None))
    assert SECRET.encode() not in etree.tostring(tree)


def test_an_external_dtd_and_a_parameter_entity_are_never_fetched(tmp_path):
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">', encoding="utf-8")
    for prolog in (
        f'<!DOCTYPE soapenv:Envelope SYSTEM "{dtd.as_uri()}">',
        f'<!DOCTYPE soapenv:Envelope [<!ENTITY % p SYSTEM "{dtd.as_uri()}"> %p;]>',
    ):
        body = (prolog + _find("<FamilyName>&leak;</FamilyName>").decode()).encode()
        try:
            tree = etree.fromstring(body, envelope._parser(None))
        except etree.XMLSyntaxError:
            pass  # refusing to parse is as good as not fetching
        else:
            assert SECRET.encode() not in etree.tostring(tree)
        fault = _fault(body)
        assert fault.code == "WSEC0001"
        assert SECRET not in str(fault)


def test_a_billion_laughs_entity_bomb_is_refused_without_expansion():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    body = (
        f"<!DOCTYPE soapenv:Envelope [{entities}]>"
        + _find("<FamilyName>&lol9;</FamilyName>").decode()
    ).encode()
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert "DOCTYPE" in fault.further_details
    try:
        tree = etree.fromstring(body, envelope._parser(None))
    except etree.XMLSyntaxError:
        pass  # libxml2's amplification limit; the DOCTYPE scan refuses it first anyway
    else:
        assert len(etree.tostring(tree)) < 10_000


def test_a_doctype_is_found_after_comments_and_the_declaration_and_in_utf16():
    prolog = '<?xml version="1.0" encoding="UTF-16"?><!-- <Envelope> --><!DOCTYPE x>'
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        body = (prolog + _find().decode()).encode(encoding)
        assert "DOCTYPE" in _fault(body).further_details


def test_doctype_text_inside_a_value_is_not_mistaken_for_a_declaration():
    body = _find("<FamilyName><![CDATA[<!DOCTYPE>]]></FamilyName>")
    assert parse_request(body).operation.local == "FindLearnerByULN"


def test_a_body_larger_than_the_limit_is_refused_before_parsing():
    body = _find("<FamilyName>" + "x" * 2000 + "</FamilyName>")
    fault = _fault(body, max_bytes=1000)
    assert fault.code == "WSEC0001"
    assert "1000 bytes" in fault.further_details
    assert parse_request(body, max_bytes=len(body)).operation.local == "FindLearnerByULN"


def test_the_default_limit_admits_a_full_5000_learner_batch():
    learner = "<Learner>" + "<GivenName>Ann</GivenName>" * 1 + "x" * 1400 + "</Learner>"
    assert len(learner) * 5000 < envelope.DEFAULT_MAX_BYTES


def test_a_soap_12_envelope_is_a_version_mismatch_fault():
    body = (
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"/></env:Body></env:Envelope>'
    ).encode()
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert fault.faultcode == "VersionMismatch"
    assert "SOAP 1.2" in fault.further_details
    assert b"<faultcode>soapenv:VersionMismatch</faultcode>" in fault.to_bytes(actor="x")


def test_a_soap_12_content_type_is_a_version_mismatch_fault():
    fault = _fault(_find(), content_type='application/soap+xml; charset=utf-8; action="x"')
    assert fault.faultcode == "VersionMismatch"


def test_attachments_are_refused():
    fault = _fault(_find(), content_type='multipart/related; type="application/xop+xml"')
    assert "multipart" in fault.further_details


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (f'<FindLearnerByULN xmlns="{FINDMSG}"/>', "root element must be Envelope"),
        (f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"/>', "no Body"),
        (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body/></soapenv:Envelope>',
            "no operation",
        ),
        (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body> </soapenv:Body>'
            "</soapenv:Envelope>",
            "no operation",
        ),
        (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><x:Junk xmlns:x="urn:x"/><soapenv:Body/>'
            "</soapenv:Envelope>",
            "unexpected element",
        ),
    ],
)
def test_envelope_structure_errors_are_wsec0001_naming_the_rule(body, rule):
    fault = _fault(body.encode())
    assert fault.code == "WSEC0001"
    assert rule in fault.further_details


def test_a_fault_quoting_a_hostile_element_name_keeps_it_escaped_and_short():
    name = "A" * 500
    body = frame(f"<{name}/>")
    request = parse_request(body)
    from lrs.soapwire import learner_service

    with pytest.raises(SoapFault) as caught:
        learner_service.operation_for(request)
    assert caught.value.code == "WSEC0002"
    assert len(caught.value.further_details) < 300


def test_values_read_none_when_absent_empty_or_nil_and_text_otherwise():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<FindType>FUL</FindType><OrganisationRef xsi:nil="true"/><UKPRN></UKPRN><UserName/>'
        "<FamilyName>O&apos;Brien &amp; <![CDATA[<Co>]]></FamilyName>"
        "<GivenName>An<!-- split -->n</GivenName></fin:FindLearnerByULN>"
    )
    request = parse_request(body)
    children = envelope.Children(
        request.body,
        path="FindLearnerByULN",
        namespaces=("",),
        allowed=(
            "FindType",
            "OrganisationRef",
            "UKPRN",
            "OrgPassword",
            "UserName",
            "ULN",
            "FamilyName",
            "GivenName",
        ),
    )
    assert children.value("FindType") == "FUL"
    assert children.value("OrganisationRef") is None
    assert children.value("UKPRN") is None
    assert children.value("UserName") is None
    assert children.value("OrgPassword") is None
    assert children.value("FamilyName") == "O'Brien & <Co>"
    assert children.value("GivenName") == "Ann"
    assert children.present("UKPRN")
    assert not children.present("OrgPassword")


def test_credentials_keep_the_password_out_of_their_repr():
    credentials = envelope.Credentials("ORG1", "10099999", "Pa55word-16chars", "probe_user")
    assert "Pa55word" not in repr(credentials)
    assert "probe_user" in repr(credentials)


@pytest.mark.parametrize(
    "prolog",
    [b"<!--" * 250_000, b"<?pi?>" * 200_000, b"<?" * 500_000, b"<!-- x -->" * 100_000],
)
def test_the_doctype_scan_stays_linear_on_hostile_prologs(prolog):
    body = prolog + _find()
    assert envelope._has_doctype(body) is False
    assert envelope._has_doctype(prolog + b"<!DOCTYPE x>" + _find()) is (
        prolog.endswith(b"?>") or prolog.endswith(b"-->")
    )

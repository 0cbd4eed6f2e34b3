"""The WSDLs: their contents against the module tables, and zeep loaded with them.

The zeep tests are the contract "a client generated from the project's own WSDL talks to
the project's wire layer", checked without a server: zeep serialises every operation's
request and the readers must accept it; zeep parses every writer's response and must
find the values that went in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from lxml import etree

from lrs.soapwire import learner_service as ls
from lrs.soapwire import r9
from lrs.soapwire.envelope import Credentials, parse_request
from lrs.soapwire.faults import SoapFault
from lrs.soapwire.wsdl import ADDRESS_PLACEHOLDER, wsdl_for, wsdl_text
from tests.soapwire.conftest import assert_valid as _assert_valid

XS = "http://www.w3.org/2001/XMLSchema"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAPBIND = "http://schemas.xmlsoap.org/wsdl/soap/"
EXC = "http://api.lrs.miap.gov.uk/exceptions"


def _doc(service: str) -> Any:
    return etree.fromstring(wsdl_for(service, "https://lrs.example.org/x.svc"))


def _schema(doc: Any, namespace: str) -> Any:
    (schema,) = [s for s in doc.iter(f"{{{XS}}}schema") if s.get("targetNamespace") == namespace]
    return schema


def _sequence(node: Any) -> list[Any]:
    return node.find(f".//{{{XS}}}sequence").findall(f"{{{XS}}}element")


def _type(doc: Any, namespace: str, name: str) -> list[Any]:
    schema = _schema(doc, namespace)
    (ctype,) = [t for t in schema.findall(f"{{{XS}}}complexType") if t.get("name") == name]
    return _sequence(ctype)


def _wrapper(doc: Any, namespace: str, name: str) -> list[Any]:
    schema = _schema(doc, namespace)
    (element,) = [e for e in schema.findall(f"{{{XS}}}element") if e.get("name") == name]
    return _sequence(element)


def _names(elements: list[Any]) -> list[str]:
    return [e.get("name") for e in elements]


# --- The documents -------------------------------------------------------------------


@pytest.mark.parametrize("service", ["LearnerService", "LearnerServiceR9"])
def test_each_wsdl_is_a_single_soap_11_document_literal_file_with_the_address_filled_in(service):
    body = wsdl_for(service, "https://lrs.example.org/LearnerService.svc?a=1&b=2")
    doc = etree.fromstring(body)
    assert doc.getroottree().docinfo.doctype == ""
    address = doc.find(f".//{{{SOAPBIND}}}address")
    assert address.get("location") == "https://lrs.example.org/LearnerService.svc?a=1&b=2"
    assert ADDRESS_PLACEHOLDER.encode() not in body
    assert b"soap12" not in body
    assert b"schemaLocation" not in body  # everything inline: ?wsdl == ?singlewsdl
    binding = doc.find(f".//{{{SOAPBIND}}}binding")
    assert binding.get("style") == "document"
    assert binding.get("transport") == "http://schemas.xmlsoap.org/soap/http"
    for body_use in doc.iter(f"{{{SOAPBIND}}}body"):
        assert body_use.get("use") == "literal"


def test_wsdl_for_refuses_an_unknown_service_or_a_bad_address():
    with pytest.raises(ValueError, match="no WSDL"):
        wsdl_for("Nope", "https://x")
    for address in ("ftp://x", "/relative", 'https://x/"><evil/>\n', "https://x y"):
        with pytest.raises(ValueError, match="address"):
            wsdl_for("LearnerService", address)
    assert wsdl_text("LearnerService").count(ADDRESS_PLACEHOLDER) == 1


@pytest.mark.parametrize(
    ("service", "operations"),
    [("LearnerService", ls.OPERATION_LIST), ("LearnerServiceR9", r9.OPERATION_LIST)],
)
def test_binding_soap_actions_and_faults_match_the_operations(service, operations):
    doc = _doc(service)
    (binding,) = doc.findall(f"{{{WSDL}}}binding")
    declared = {
        op.get("name"): op.find(f"{{{SOAPBIND}}}operation").get("soapAction")
        for op in binding.findall(f"{{{WSDL}}}operation")
    }
    assert declared == {op.name: op.soap_action for op in operations}
    (port_type,) = doc.findall(f"{{{WSDL}}}portType")
    for op in port_type.findall(f"{{{WSDL}}}operation"):
        assert op.find(f"{{{WSDL}}}fault").get("name") == "MIAPAPIExceptionFault"
    (fault_message,) = [
        m for m in doc.findall(f"{{{WSDL}}}message") if m.get("name") == "MIAPAPIExceptionFault"
    ]
    part = fault_message.find(f"{{{WSDL}}}part")
    prefix, local = part.get("element").split(":")
    assert (part.nsmap[prefix], local) == (EXC, "MIAPAPIException")


@pytest.mark.parametrize("service", ["LearnerService", "LearnerServiceR9"])
def test_the_fault_detail_schema_has_unqualified_children_in_the_live_order(service):
    schema = _schema(_doc(service), EXC)
    assert schema.get("elementFormDefault") == "unqualified"
    assert _names(_sequence(schema)) == [
        "ErrorCode",
        "ErrorActor",
        "Description",
        "FurtherDetails",
        "ErrorTimestamp",
    ]


def test_learner_service_types_follow_the_module_tables_and_only_linked_ulns_is_qualified():
    doc = _doc("LearnerService")
    for namespace in (
        ls.LEARNER_NS,
        ls.FINDMSG_NS,
        ls.REGMSG_NS,
        ls.BATCHMSG_NS,
        ls.VLDMSG_NS,
        ls.REPORTMSG_NS,
    ):
        assert _schema(doc, namespace).get("elementFormDefault") == "unqualified"
    qualified = [
        e.get("name") for e in doc.iter(f"{{{XS}}}element") if e.get("form") == "qualified"
    ]
    assert qualified == ["LinkedULNs"]
    tables = {
        "Learner": ls.LEARNER,
        "LearnerToRegister": ls.LEARNER_TO_REGISTER,
        "LearnerToUpdate": ls.LEARNER_TO_UPDATE,
        "BatchLearner": ls.BATCH_LEARNER,
        "OutputBatchLearner": ls.OUTPUT_BATCH_LEARNER,
        "MIAPLearnerToVerify": ls.LEARNER_TO_VERIFY,
        "MIAPBatchLearnerToVerify": ls.BATCH_LEARNER_TO_VERIFY,
        "MIAPVerifiedLearner": ls.VERIFIED_LEARNER,
        "MIAPVerifiedBatchLearner": ls.VERIFIED_BATCH_LEARNER,
        "MIAPRetrievedULN": ls.RETRIEVED_ULN,
    }
    for name, table in tables.items():
        assert _names(_type(doc, ls.LEARNER_NS, name)) == list(table), name
    learner = {e.get("name"): e for e in _type(doc, ls.LEARNER_NS, "Learner")}
    always = {name for name, e in learner.items() if e.get("minOccurs") == "1"}
    assert always == {"LinkedULNs", "Notes", "VersionNumber"}
    assert learner["VersionNumber"].get("type") == "xs:int"
    requests = {
        (ls.FINDMSG_NS, "FindLearnerByULN"): ("FindType", *ls.CREDENTIALS, *ls.ULN_SEARCH),
        (ls.FINDMSG_NS, "FindLearnerByDemographics"): (
            "FindType",
            *ls.CREDENTIALS,
            *ls.DEMOGRAPHICS_SEARCH,
        ),
        (ls.FINDMSG_NS, "FindLearnerResponse"): ("ResponseCode", *ls.FIND_RESPONSE_ECHO, "Learner"),
        (ls.REGMSG_NS, "RegisterLearner"): (*ls.CREDENTIALS, "Learner"),
        (ls.BATCHMSG_NS, "SubmitBatch"): (
            *ls.CREDENTIALS,
            "JobType",
            "LearnerRecordCount",
            "Learner",
        ),
        (ls.BATCHMSG_NS, "GetSubmitBatchOutputResponse"): (
            "ResponseCode",
            "JobStatus",
            *ls.BATCH_OUTPUT_COUNTS,
            "JobStartedDateTime",
            "JobFinishedDateTime",
            "Learner",
        ),
        (ls.VLDMSG_NS, "SubmitVerifyBatch"): (
            *ls.CREDENTIALS,
            "LearnerRecordCount",
            "OrgEmail",
            "Learner",
        ),
        (ls.REPORTMSG_NS, "VerifyLearner"): (*ls.CREDENTIALS, "LearnerToVerify"),
    }
    for (namespace, name), table in requests.items():
        assert _names(_wrapper(doc, namespace, name)) == list(table), name


def test_learner_service_request_values_are_optional_and_nillable_as_the_readers_accept():
    doc = _doc("LearnerService")
    for op in ls.OPERATION_LIST:
        for element in _wrapper(doc, op.request.namespace, op.request.local):
            assert element.get("minOccurs") == "0", (op.name, element.get("name"))
            if element.get("maxOccurs") != "unbounded":
                assert element.get("nillable") == "true", (op.name, element.get("name"))


def test_r9_types_follow_the_module_tables():
    doc = _doc("LearnerServiceR9")
    for namespace in (r9.TEMPURI_NS, r9.MODEL_NS, r9.R10_NS, r9.COMMON_NS, r9.MIAP_MODEL_NS):
        assert _schema(doc, namespace).get("elementFormDefault") == "qualified"
    for op in r9.OPERATION_LIST:
        elements = _wrapper(doc, r9.TEMPURI_NS, op.name)
        assert _names(elements) == list(r9.REQUEST_CHILDREN[op.name]), op.name
        assert all(e.get("minOccurs") == "0" and e.get("nillable") == "true" for e in elements)
        assert _names(_wrapper(doc, r9.TEMPURI_NS, f"{op.name}Response")) == [f"{op.name}Result"]
    assert _names(_type(doc, r9.R10_NS, "InvokingOrganisationR10")) == list(
        r9.INVOKING_ORGANISATION_R10
    )
    assert _names(_type(doc, r9.COMMON_NS, "InvokingOrganisation")) == list(
        r9.INVOKING_ORGANISATION
    )
    members = {
        (r9.MODEL_NS, "GetLearnerLearningEventsResponse"): r9.GET_LEARNER_LEARNING_EVENTS_RESULT,
        (r9.MODEL_NS, "LearningEvent"): r9.LEARNING_EVENT,
        (r9.MODEL_NS, "LearnerByUlnResponse"): r9.LEARNER_BY_ULN_RESULT,
        (r9.MODEL_NS, "PagedListOfPlrAccessEntryResponse"): r9.VIEW_AUDIT_RESULT,
        (r9.MODEL_NS, "PlrAccessEntryResponse"): r9.PLR_ACCESS_ENTRY,
        (r9.MODEL_NS, "CreateDataChallengeResponse"): r9.CREATE_DATA_CHALLENGE_RESULT,
        (r9.MODEL_NS, "ListDataChallengeResponse"): r9.LIST_DATA_CHALLENGE_RESULT,
        (r9.MODEL_NS, "ListDataChallengeItem"): r9.LIST_DATA_CHALLENGE_ITEM,
        (r9.MODEL_NS, "DeleteDataChallengeResponse"): r9.DELETE_DATA_CHALLENGE_RESULT,
        (r9.MIAP_MODEL_NS, "Learner"): r9.MIAP_LEARNER,
    }
    for (namespace, name), table in members.items():
        elements = _type(doc, namespace, name)
        assert _names(elements) == [m.name for m in table], name
        nillable = [e.get("nillable") == "true" for e in elements]
        assert nillable == [m.nillable for m in table], name


@pytest.mark.parametrize(
    "table", [r9.LEARNING_EVENT, r9.MIAP_LEARNER, r9.PLR_ACCESS_ENTRY, r9.LIST_DATA_CHALLENGE_ITEM]
)
def test_datacontract_members_are_in_ordinal_alphabetical_order(table):
    names = [m.name for m in table]
    assert names == sorted(names)


# --- zeep: requests ------------------------------------------------------------------


@pytest.fixture
def wire(zeep_clients, validators):
    """zeep as the client, and every message checked against the WSDL's schemas."""

    class Wire:
        def request(self, service: str, operation: str, **values: Any):
            client = zeep_clients[service]
            body = etree.tostring(client.create_message(client.service, operation, **values))
            _assert_valid(validators[service], body)
            return parse_request(body, content_type="text/xml; charset=utf-8")

        def reply(self, service: str, operation: str, body: bytes) -> Any:
            _assert_valid(validators[service], body)
            binding = zeep_clients[service].service._binding
            return binding.get(operation).process_reply(etree.fromstring(body))

    return Wire()


CREDS_IN = {"OrganisationRef": None, "UKPRN": "10099999", "OrgPassword": "pw", "UserName": "u"}
CREDS_OUT = Credentials(None, "10099999", "pw", "u")
TO_VERIFY = {
    "ULN": "5551234567",
    "FamilyName": "Example",
    "GivenName": "Ann",
    "DateOfBirth": "2001-04-03",
    "Gender": "2",
}


def _learner_service_cases() -> list[tuple[str, dict[str, Any], Any]]:
    register = dict.fromkeys(ls.LEARNER_TO_REGISTER) | {
        "GivenName": "Ann",
        "FamilyName": "Example",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
        "LastKnownPostCode": "AB1 2CD",
        "VerificationType": "1",
        "AbilityToShare": "1",
    }
    update = register | {"ULN": "5551234567", "VersionNumber": 1}
    batch = dict.fromkeys(ls.BATCH_LEARNER) | {
        "MISIdentifier": "S001",
        "GivenName": "Ann",
    }
    verify_batch = {"MISIdentifier": "S001", **TO_VERIFY}
    search = dict.fromkeys(ls.DEMOGRAPHICS_SEARCH) | {
        "FamilyName": "Example",
        "GivenName": "Ann",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
        "LastKnownPostCode": "AB12CD",
    }
    as_read = lambda record: {k: (None if v is None else str(v)) for k, v in record.items()}  # noqa: E731
    return [
        (
            "learnerByDemographics",
            {"FindType": "FUL", **CREDS_IN, **search},
            ls.FindByDemographicsRequest(CREDS_OUT, "FUL", search),
        ),
        (
            "learnerByULN",
            {
                "FindType": "FUL",
                **CREDS_IN,
                "ULN": "5551234567",
                "FamilyName": "Example",
                "GivenName": "Ann",
            },
            ls.FindByUlnRequest(
                CREDS_OUT, "FUL", {"ULN": "5551234567", "FamilyName": "Example", "GivenName": "Ann"}
            ),
        ),
        (
            "registerSingleLearner",
            {**CREDS_IN, "Learner": register},
            ls.RegisterLearnerRequest(CREDS_OUT, register),
        ),
        (
            "updateSingleLearner",
            {**CREDS_IN, "Learner": update},
            ls.UpdateLearnerRequest(CREDS_OUT, as_read(update)),
        ),
        (
            "submitBatchRegistration",
            {**CREDS_IN, "JobType": "LRB", "LearnerRecordCount": 2, "Learner": [batch, batch]},
            ls.SubmitBatchRequest(CREDS_OUT, "LRB", "2", [batch, batch]),
        ),
        (
            "getBatchRegistrationOutput",
            {**CREDS_IN, "JobID": 4711},
            ls.GetSubmitBatchOutputRequest(CREDS_OUT, "4711"),
        ),
        (
            "submitVerifyBatch",
            {**CREDS_IN, "LearnerRecordCount": 1, "OrgEmail": None, "Learner": [verify_batch]},
            ls.SubmitVerifyBatchRequest(CREDS_OUT, "1", None, [verify_batch]),
        ),
        (
            "getVerifyBatchOutput",
            {**CREDS_IN, "JobID": 4712},
            ls.GetVerifyBatchOutputRequest(CREDS_OUT, "4712"),
        ),
        (
            "retrieveULNs",
            {**CREDS_IN, "ULNsToRetrieve": {"ULN": ["3141592658", "5551234567"]}},
            ls.RetrieveUlnsRequest(CREDS_OUT, ["3141592658", "5551234567"]),
        ),
        (
            "verifyLearner",
            {**CREDS_IN, "LearnerToVerify": TO_VERIFY},
            ls.VerifyLearnerRequest(CREDS_OUT, TO_VERIFY),
        ),
    ]


@pytest.mark.parametrize(("operation", "values", "expected"), _learner_service_cases())
def test_zeep_serialises_each_learner_service_request_to_xml_the_readers_accept(
    wire, operation, values, expected
):
    request = wire.request("LearnerService", operation, **values)
    assert ls.operation_for(request).name == operation
    assert ls.read_request(request) == expected


def test_values_zeep_sends_as_xsi_nil_read_as_none(wire):
    from zeep.xsd import Nil

    request = wire.request(
        "LearnerService",
        "verifyLearner",
        OrganisationRef=Nil,
        UKPRN=Nil,
        OrgPassword="pw",
        UserName="u",
        LearnerToVerify={**TO_VERIFY, "DateOfBirth": Nil, "Gender": Nil},
    )
    assert b'xsi:nil="true"' in etree.tostring(request.body)
    assert ls.read_request(request) == ls.VerifyLearnerRequest(
        Credentials(None, None, "pw", "u"), {**TO_VERIFY, "DateOfBirth": None, "Gender": None}
    )


R9_COMMON = {
    "invokingOrganisation": {
        "ChannelCode": "None",
        "Password": "pw",
        "Reference": "ORG001",
        "Ukprn": "10099999",
        "Username": "u",
    },
    "userType": "SER",
    "vendorId": 0,
    "language": "ENG",
}
R9_COMMON_OUT = {
    "credentials": Credentials("ORG001", "10099999", "pw", "u"),
    "user_type": "SER",
    "vendor_id": "0",
    "language": "ENG",
}


def _r9_cases() -> list[tuple[str, dict[str, Any], Any]]:
    challenge_in: dict[str, Any] = {name: f"x-{name}" for name in r9.CHALLENGE_FIELDS}
    for name in ("learningEvent1Id", "learningEvent2Id"):
        challenge_in[name] = 7
    for name in r9.CHALLENGE_FIELDS:
        if name == "dateOfBirth" or name.endswith("Date"):
            challenge_in[name] = dt.datetime(2025, 1, 2, 0, 0, 0)
    challenge_out = {
        name: (
            "7"
            if isinstance(value, int)
            else "2025-01-02T00:00:00"
            if isinstance(value, dt.datetime)
            else value
        )
        for name, value in challenge_in.items()
    }
    return [
        (
            "GetLearnerLearningEvents",
            {
                "invokingOrganisation": {"Password": "pw", "Ukprn": "10099999", "Username": "u"},
                "userType": "ORG",
                "vendorID": 0,
                "language": "ENG",
                "uln": "5551234567",
                "givenName": "Ann",
                "familyName": "Example",
                "dateOfBirth": "2001-04-03",
                "gender": "2",
                "getType": "FULL",
            },
            r9.GetLearnerLearningEventsRequest(
                Credentials(None, "10099999", "pw", "u"),
                "ORG",
                "0",
                "ENG",
                "5551234567",
                "Ann",
                "Example",
                "2001-04-03",
                "2",
                "FULL",
            ),
        ),
        (
            "LearnerByUln",
            {
                **R9_COMMON,
                "uln": "5551234567",
                "givenName": "Ann",
                "familyName": "Example",
                "findType": "FUL",
            },
            r9.LearnerByUlnRequest(
                **R9_COMMON_OUT,
                uln="5551234567",
                given_name="Ann",
                family_name="Example",
                find_type="FUL",
            ),
        ),
        (
            "UpdateLearnerSubsetFields",
            {
                **R9_COMMON,
                "uln": "5551234567",
                "versionNumber": 3,
                "emailAddress": "ann@example.org",
                "telephoneNumber": None,
                "abilityToShare": "FPNSeenShareData",
                "schoolAtAge16": None,
                "preferredGivenName": "Annie",
            },
            r9.UpdateLearnerSubsetFieldsRequest(
                **R9_COMMON_OUT,
                uln="5551234567",
                version_number="3",
                email_address="ann@example.org",
                telephone_number=None,
                ability_to_share="FPNSeenShareData",
                school_at_age16=None,
                preferred_given_name="Annie",
            ),
        ),
        (
            "ViewAudit",
            {
                **R9_COMMON,
                "learnerUln": "5551234567",
                "learnerGivenName": "Ann",
                "learnerFamilyName": "Example",
                "page": 1,
            },
            r9.ViewAuditRequest(
                **R9_COMMON_OUT,
                learner_uln="5551234567",
                learner_given_name="Ann",
                learner_family_name="Example",
                page="1",
            ),
        ),
        (
            "CreateDataChallenge",
            {**R9_COMMON, **challenge_in},
            r9.CreateDataChallengeRequest(**R9_COMMON_OUT, challenge=challenge_out),
        ),
        (
            "ListDataChallenge",
            {
                **R9_COMMON,
                "uln": "5551234567",
                "dateCreatedStart": dt.datetime(2025, 1, 1),
                "dateCreatedEnd": None,
            },
            r9.ListDataChallengeRequest(
                **R9_COMMON_OUT,
                uln="5551234567",
                date_created_start="2025-01-01T00:00:00",
                date_created_end=None,
            ),
        ),
        (
            "DeleteDataChallenge",
            {**R9_COMMON, "uln": "5551234567", "referenceNumber": "DC-000123"},
            r9.DeleteDataChallengeRequest(
                **R9_COMMON_OUT, uln="5551234567", reference_number="DC-000123"
            ),
        ),
    ]


@pytest.mark.parametrize(("operation", "values", "expected"), _r9_cases())
def test_zeep_serialises_each_r9_request_to_xml_the_readers_accept(
    wire, operation, values, expected
):
    request = wire.request("LearnerServiceR9", operation, **values)
    assert r9.operation_for(request).name == operation
    assert r9.read_request(request) == expected


# --- zeep: responses -----------------------------------------------------------------


ANN = {
    "CreatedDate": "2015-09-01",
    "ULN": "5551234567",
    "MasterSubstituted": "Y",
    "GivenName": "Ann",
    "FamilyName": "Example",
    "LastKnownPostCode": "AB1 2CD",
    "DateOfBirth": "2001-04-03",
    "Gender": "2",
    "AbilityToShare": "1",
    "LearnerStatus": "1",
    "LinkedULNs": ["3141592658"],
    "Notes": "synthetic",
    "VersionNumber": 4,
}


def test_zeep_parses_the_find_response_including_linked_ulns(wire):
    body = ls.find_learner_response(
        response_code="WSRC0022",
        search={"FamilyName": "Example", "GivenName": "Ann", "LastKnownPostCode": "AB12CD"},
        learners=[ANN, {"ULN": "1234567890", "VersionNumber": 1}],
    )
    for operation in ("learnerByDemographics", "learnerByULN"):
        result = wire.reply("LearnerService", operation, body)
        assert result.ResponseCode == "WSRC0022"
        assert result.LastKnownPostCode == "AB12CD"
        assert result.ULN is None
        first, second = result.Learner
        for name, value in ANN.items():
            if name == "LinkedULNs":
                assert first.LinkedULNs.ULN == ["3141592658"]
            else:
                assert first[name] == value, name
        assert second.ULN == "1234567890"
        assert second.LinkedULNs is None or second.LinkedULNs.ULN == []


def test_zeep_parses_every_other_learner_service_response(wire):
    reply = lambda op, body: wire.reply("LearnerService", op, body)  # noqa: E731
    registered = reply(
        "registerSingleLearner",
        ls.register_learner_response(response_code="WSRC0005", uln="5551234567"),
    )
    assert (registered.ResponseCode, registered.ULN) == ("WSRC0005", "5551234567")
    assert (
        reply("updateSingleLearner", ls.update_learner_response(response_code="WSRC0006"))
        == "WSRC0006"
    )
    submitted = reply(
        "submitBatchRegistration", ls.submit_batch_response(response_code="WSRC0007", job_id=4711)
    )
    assert (submitted.ResponseCode, submitted.JobID) == ("WSRC0007", 4711)
    output = reply(
        "getBatchRegistrationOutput",
        ls.get_submit_batch_output_response(
            response_code="WSRC0009",
            job_status="Completed",
            counts=dict.fromkeys(ls.BATCH_OUTPUT_COUNTS, 0) | {"NewLearnersCount": 1},
            job_started="2025-01-14T09:00:00",
            job_finished="2025-01-14T09:05:00",
            learners=[
                {
                    "ULN": "5551234567",
                    "MISIdentifier": "S001",
                    "GivenName": "Ann",
                    "ReturnCode": "RC001",
                }
            ],
        ),
    )
    assert output.NewLearnersCount == 1
    assert output.RejectedLearnersCount == 0
    assert output.JobFinishedDateTime == "2025-01-14T09:05:00"
    assert (output.Learner[0].MISIdentifier, output.Learner[0].ReturnCode) == ("S001", "RC001")
    submitted = reply(
        "submitVerifyBatch", ls.submit_verify_batch_response(response_code="WSRC0007", job_id=4712)
    )
    assert submitted.JobID == 4712
    verified = {
        "SearchedULN": "5551234567",
        "SearchedFamilyName": "Exmaple",
        "ResponseCode": "WSVRC003",
        "ULN": "5551234567",
        "FamilyName": "Example",
        "FailureFlag": ["VRF5", "VRF7"],
    }
    batch_output = reply(
        "getVerifyBatchOutput",
        ls.get_verify_batch_output_response(
            response_code="WSRC0009",
            job_status="Completed",
            verified_learners=[{"MISIdentifier": "S001", **verified}],
        ),
    )
    assert batch_output.VerifiedLearner[0].MISIdentifier == "S001"
    assert batch_output.VerifiedLearner[0].FailureFlag == ["VRF5", "VRF7"]
    retrieved = reply(
        "retrieveULNs",
        ls.retrieve_ulns_response(
            retrieved=[{"ULN": "3141592658", "MasterULN": "5551234567", "ResponseCode": "WSRC0022"}]
        ),
    )
    # zeep unwraps a response whose only child is a list.
    assert retrieved[0].MasterULN == "5551234567"
    one = reply("verifyLearner", ls.verify_learner_response(verified_learner=verified))
    assert (one.ResponseCode, one.SearchedFamilyName, one.FailureFlag) == (
        "WSVRC003",
        "Exmaple",
        ["VRF5", "VRF7"],
    )


def test_schema_validation_catches_a_mis_namespaced_linked_ulns(validators):
    # zeep matches children by local name when it parses, so namespace slips are caught
    # by validating against the WSDL's schemas instead.
    body = ls.find_learner_response(response_code="WSRC0004", learners=[ANN])
    _assert_valid(validators["LearnerService"], body)
    broken = body.replace(
        b'<LinkedULNs xmlns="http://api.lrs.miap.gov.uk/learner">', b"<LinkedULNs>"
    )
    with pytest.raises(AssertionError, match="LinkedULNs"):
        _assert_valid(validators["LearnerService"], broken)


def test_zeep_parses_the_learning_events_responses(wire):
    event = {
        "AchievementAwardDate": "2011-10-24",
        "AchievementProviderName": "Synthetic Sixth Form",
        "Credits": 0,
        "DateLoaded": "2012-05-31 16:47:04",
        "Grade": "B",
        "ID": 901,
        "Level": None,
        "ParticipationEndDate": "",
        "Source": "AO",
        "Subject": "A level in Geography",
        "SubjectCode": "600/1166/X",
        "UnderDataChallenge": "N",
    }
    result = wire.reply(
        "LearnerServiceR9",
        "GetLearnerLearningEvents",
        r9.get_learner_learning_events_response(
            response_code="WSRC0004",
            found_uln="5551234567",
            incoming_uln="5551234567",
            learning_events=[event],
        ),
    )
    assert (result.ResponseCode, result.FoundULN, result.IncomingULN) == (
        "WSRC0004",
        "5551234567",
        "5551234567",
    )
    (got,) = result.LearnerRecord.LearningEvent
    for name, value in event.items():
        assert got[name] == (None if value == "" else value), name
    refused = wire.reply(
        "LearnerServiceR9",
        "GetLearnerLearningEvents",
        r9.get_learner_learning_events_response(
            response_code="WSEC0208", found_uln="", incoming_uln="5551234567", learning_events=[]
        ),
    )
    assert refused.ResponseCode == "WSEC0208"
    assert refused.FoundULN in ("", None)
    assert refused.LearnerRecord is None or refused.LearnerRecord.LearningEvent == []


def test_zeep_parses_every_other_r9_response(wire):
    reply = lambda op, body: wire.reply("LearnerServiceR9", op, body)  # noqa: E731
    by_uln = reply(
        "LearnerByUln",
        r9.learner_by_uln_response(
            response_code="WSRC0004",
            uln="5551234567",
            family_name="Example",
            given_name="Ann",
            learner={
                "Uln": "5551234567",
                "DateOfBirth": dt.date(2001, 4, 3),
                "Gender": 2,
                "LinkedUlns": ["3141592658"],
                "VersionNumber": 4,
                "Title": None,
            },
        ),
    )
    assert by_uln.Uln == "5551234567"
    assert by_uln.Learner.DateOfBirth == dt.datetime(2001, 4, 3)
    assert by_uln.Learner.Gender == 2
    assert by_uln.Learner.LinkedUlns.string == ["3141592658"]
    assert by_uln.Learner.VersionNumber == 4
    assert (
        reply(
            "UpdateLearnerSubsetFields",
            r9.update_learner_subset_fields_response(response_code="WSRC0006"),
        )
        == "WSRC0006"
    )
    audit = reply(
        "ViewAudit",
        r9.view_audit_response(
            entries=[
                {
                    "Action": "View PLR",
                    "DateTime": dt.datetime(2025, 1, 14, 15, 23, 47),
                    "Organisation": "Riverside College",
                    "User": "college.online",
                }
            ],
            page_count=1,
            page_index=1,
            page_size=20,
            total_items=1,
        ),
    )
    assert audit.TotalItems == 1
    assert audit.List.PlrAccessEntryResponse[0].DateTime == dt.datetime(2025, 1, 14, 15, 23, 47)
    created = reply(
        "CreateDataChallenge",
        r9.create_data_challenge_response(
            response_code="WSRC0001", data_challenge_reference="DC-1"
        ),
    )
    assert created.DataChallengeReference == "DC-1"
    listed = reply(
        "ListDataChallenge",
        r9.list_data_challenge_response(
            response_code="WSRC0001",
            data_challenges=[
                {"CreatedDate": dt.date(2025, 1, 2), "ReferenceNo": "DC-1", "Status": "Open"}
            ],
        ),
    )
    assert listed.DataChallenges.ListDataChallengeItem[0].ReferenceNo == "DC-1"
    assert listed.ResponseCode == "WSRC0001"
    # zeep unwraps a result with a single member.
    deleted = reply(
        "DeleteDataChallenge", r9.delete_data_challenge_response(response_code="WSRC0001")
    )
    assert deleted == "WSRC0001"


@pytest.mark.parametrize("service", ["LearnerService", "LearnerServiceR9"])
def test_zeep_reads_our_fault_as_a_soap_fault_with_the_miap_detail(
    zeep_clients, validators, service
):
    import zeep.exceptions

    client = zeep_clients[service]
    operation = next(iter(client.service._binding._operations.values()))
    body = SoapFault.invalid("X/Y", "must not be empty.").to_bytes(actor=service)
    _assert_valid(validators[service], body)
    with pytest.raises(zeep.exceptions.Fault) as caught:
        client.service._binding.process_error(etree.fromstring(body), operation)
    assert caught.value.message == "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"
    (detail,) = caught.value.detail
    assert etree.QName(detail).text == f"{{{EXC}}}MIAPAPIException"
    assert detail.findtext("ErrorCode") == "WSEC0001"
    assert detail.findtext("FurtherDetails") == "X/Y: must not be empty."


# --- The reference's raw messages against the schemas -------------------------------


def test_the_reference_requests_are_valid_against_the_project_wsdls(validators):
    from tests.soapwire.test_learner_service import HMPPS_DEMOGRAPHICS_FIND, WCF_VERIFY_LEARNER
    from tests.soapwire.test_r9 import HMPPS_LEARNING_EVENTS

    _assert_valid(validators["LearnerService"], HMPPS_DEMOGRAPHICS_FIND.encode())
    _assert_valid(validators["LearnerService"], WCF_VERIFY_LEARNER.encode())
    _assert_valid(validators["LearnerServiceR9"], HMPPS_LEARNING_EVENTS.encode())


def test_the_reference_responses_are_valid_against_the_project_wsdls(validators):
    from tests.soapwire.test_learner_service import REFERENCE_FIND_RESPONSE
    from tests.soapwire.test_r9 import REFERENCE_EVENTS_RESPONSE

    _assert_valid(validators["LearnerService"], REFERENCE_FIND_RESPONSE.encode())
    _assert_valid(validators["LearnerServiceR9"], REFERENCE_EVENTS_RESPONSE.encode())


def _full_learner() -> dict[str, Any]:
    learner: dict[str, Any] = {name: f"v-{name}" for name in ls.LEARNER}
    learner.update({"LinkedULNs": ["3141592658", "2718281828"], "VersionNumber": 7})
    return learner


def _edge_cases() -> list[tuple[str, bytes]]:
    every_event_member_null = {m.name: None for m in r9.LEARNING_EVENT}
    every_event_member_set = {
        m.name: (1 if m.kind == "int" else f"v-{m.name}") for m in r9.LEARNING_EVENT
    }
    every_learner_member = {
        m.name: (
            ["3141592658"]
            if m.name == "LinkedUlns"
            else 1
            if m.kind == "int"
            else dt.date(2001, 4, 3)
            if m.kind == "dateTime"
            else f"v-{m.name}"
        )
        for m in r9.MIAP_LEARNER
    }
    every_learner_member_null = {m.name: None for m in r9.MIAP_LEARNER}
    return [
        (
            "LearnerService",
            ls.find_learner_response(
                response_code="WSRC0003",
                search=dict.fromkeys(ls.FIND_RESPONSE_ECHO, "x"),
                learners=[_full_learner(), {"VersionNumber": 1}],
            ),
        ),
        ("LearnerService", ls.find_learner_response(response_code="WSRC0001")),
        ("LearnerService", ls.register_learner_response(response_code="WSRC0021")),
        ("LearnerService", ls.submit_verify_batch_response(response_code="WSRC0017", job_id=None)),
        (
            "LearnerService",
            ls.get_submit_batch_output_response(
                response_code="WSRC0008",
                learners=[dict.fromkeys(ls.OUTPUT_BATCH_LEARNER, "x")],
            ),
        ),
        (
            "LearnerService",
            ls.get_verify_batch_output_response(
                response_code="WSRC0018",
                verified_learners=[
                    {**dict.fromkeys(ls.VERIFIED_BATCH_LEARNER, "x"), "FailureFlag": ["VRF1"]}
                ],
            ),
        ),
        ("LearnerService", ls.retrieve_ulns_response(retrieved=[])),
        (
            "LearnerService",
            ls.verify_learner_response(verified_learner={"ResponseCode": "WSVRC006"}),
        ),
        (
            "LearnerServiceR9",
            r9.get_learner_learning_events_response(
                response_code="WSRC0004",
                found_uln="1",
                incoming_uln="1",
                learning_events=[every_event_member_null, every_event_member_set, {}],
            ),
        ),
        (
            "LearnerServiceR9",
            r9.get_learner_learning_events_response(
                response_code=None, found_uln=None, incoming_uln=None, learning_events=None
            ),
        ),
        (
            "LearnerServiceR9",
            r9.learner_by_uln_response(response_code="WSRC0004", learner=every_learner_member),
        ),
        (
            "LearnerServiceR9",
            r9.learner_by_uln_response(response_code="WSRC0004", learner=every_learner_member_null),
        ),
        ("LearnerServiceR9", r9.update_learner_subset_fields_response(response_code=None)),
        (
            "LearnerServiceR9",
            r9.view_audit_response(
                entries=None, page_count=0, page_index=0, page_size=20, total_items=0
            ),
        ),
        (
            "LearnerServiceR9",
            r9.view_audit_response(
                entries=[{"Action": None, "DateTime": None, "Organisation": "", "User": "u"}],
                page_count=1,
                page_index=1,
                page_size=20,
                total_items=1,
            ),
        ),
        ("LearnerServiceR9", r9.create_data_challenge_response(response_code=None)),
        (
            "LearnerServiceR9",
            r9.list_data_challenge_response(response_code=None, data_challenges=None),
        ),
        ("LearnerServiceR9", r9.delete_data_challenge_response(response_code=None)),
    ]


@pytest.mark.parametrize(("service", "body"), _edge_cases())
def test_writer_edge_cases_are_valid_against_the_project_wsdls(validators, service, body):
    _assert_valid(validators[service], body)

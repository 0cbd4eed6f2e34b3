"""LearnerServiceR9.svc: readers on WCF/HMPPS request shapes, DataContract-style writers."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from lrs.soapwire import r9
from lrs.soapwire.envelope import Credentials, parse_request
from lrs.soapwire.faults import SoapFault
from tests.soapwire.conftest import compact, frame, nil_attributes, shape

ACTION = "http://tempuri.org/ILearnerServiceR9/GetLearnerLearningEvents"

# lrs-soap-facts.md section 3: the datacontract namespace is the envelope's default one.
HMPPS_LEARNING_EVENTS = """
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tem="http://tempuri.org/"
  xmlns="http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface"><soapenv:Header/><soapenv:Body>
 <tem:GetLearnerLearningEvents><tem:invokingOrganisation><Password>Pa55word-16chars</Password><Ukprn>10099999</Ukprn>
 <Username>probe_user</Username></tem:invokingOrganisation><tem:userType>ORG</tem:userType><tem:vendorID>0</tem:vendorID>
 <tem:language>ENG</tem:language><tem:uln>5551234567</tem:uln><tem:givenName>Ann</tem:givenName><tem:familyName>Example</tem:familyName>
 <tem:dateOfBirth>2001-04-03</tem:dateOfBirth><tem:gender>2</tem:gender><tem:getType>FULL</tem:getType>
 </tem:GetLearnerLearningEvents></soapenv:Body></soapenv:Envelope>
"""

REFERENCE_EVENTS_RESPONSE = """
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetLearnerLearningEventsResponse xmlns="http://tempuri.org/">
 <GetLearnerLearningEventsResult xmlns:a="http://api.lrs.qcf.gov.uk/model" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
 <a:ResponseCode>WSRC0004</a:ResponseCode><a:FoundULN>5551234567</a:FoundULN><a:IncomingULN>5551234567</a:IncomingULN>
 <a:LearnerRecord><a:LearningEvent><a:Grade>B</a:Grade><a:ID>901</a:ID><a:Level i:nil="true"/><a:Source>AO</a:Source>
 <a:Subject>A level in Geography</a:Subject></a:LearningEvent></a:LearnerRecord>
 </GetLearnerLearningEventsResult></GetLearnerLearningEventsResponse></s:Body></s:Envelope>
"""  # noqa: E501 - kept line for line as in the reference

EVENT = {"Grade": "B", "ID": 901, "Level": None, "Source": "AO", "Subject": "A level in Geography"}
CREDS = Credentials(None, "10099999", "Pa55word-16chars", "probe_user")


def _read(body: bytes | str, soap_action: str | None = ACTION):
    data = body.encode() if isinstance(body, str) else body
    return r9.read_request(parse_request(data, content_type="text/xml", soap_action=soap_action))


def _fault(body: bytes | str) -> SoapFault:
    with pytest.raises(SoapFault) as caught:
        _read(body)
    return caught.value


def _call(operation: str, children: str) -> bytes:
    return frame(
        f'<tem:{operation} xmlns:tem="http://tempuri.org/" '
        f'xmlns:cmn="{r9.COMMON_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{children}</tem:{operation}>"
    )


COMMON_ORG = (
    "<tem:invokingOrganisation><cmn:ChannelCode>None</cmn:ChannelCode>"
    '<cmn:Estab xsi:nil="true"/><cmn:LaNumber xsi:nil="true"/><cmn:Password>pw</cmn:Password>'
    "<cmn:Reference>ORG001</cmn:Reference><cmn:Ukprn>10099999</cmn:Ukprn>"
    "<cmn:Username>u</cmn:Username></tem:invokingOrganisation>"
    "<tem:userType>SER</tem:userType><tem:vendorId>0</tem:vendorId><tem:language>ENG</tem:language>"
)
COMMON_CREDS = Credentials("ORG001", "10099999", "pw", "u")


# --- Readers -------------------------------------------------------------------------


@pytest.mark.parametrize("soap_action", [ACTION, f'"{ACTION}"', None, ""])
def test_hmpps_learning_events_request_with_the_datacontract_default_namespace_is_read(
    soap_action,
):
    assert _read(HMPPS_LEARNING_EVENTS, soap_action) == r9.GetLearnerLearningEventsRequest(
        credentials=CREDS,
        user_type="ORG",
        vendor_id="0",
        language="ENG",
        uln="5551234567",
        given_name="Ann",
        family_name="Example",
        date_of_birth="2001-04-03",
        gender="2",
        get_type="FULL",
    )


def test_unknown_date_of_birth_and_gender_sent_empty_read_as_none_and_brief_is_kept():
    body = (
        HMPPS_LEARNING_EVENTS.replace("2001-04-03", "")
        .replace("<tem:gender>2</tem:gender>", "<tem:gender/>")
        .replace("FULL", "BRIEF")
    )
    request = _read(body)
    assert request.date_of_birth is None
    assert request.gender is None
    assert request.get_type == r9.BRIEF


def test_an_organisation_ref_in_the_r10_namespace_is_read():
    body = HMPPS_LEARNING_EVENTS.replace(
        "<Password>", "<OrganisationRef>ORG001</OrganisationRef><Password>"
    )
    assert _read(body).credentials.organisation_ref == "ORG001"


def test_a_nil_or_missing_invoking_organisation_reads_empty_credentials():
    nil = _call(
        "GetLearnerLearningEvents",
        '<tem:invokingOrganisation xsi:nil="true"/><tem:uln>5551234567</tem:uln>',
    )
    missing = _call("GetLearnerLearningEvents", "<tem:uln>5551234567</tem:uln>")
    for body in (nil, missing):
        request = _read(body)
        assert request.credentials == Credentials(None, None, None, None)
        assert request.uln == "5551234567"


def test_learner_by_uln_uses_the_common_invoking_organisation_and_reference():
    body = _call(
        "LearnerByUln",
        COMMON_ORG + "<tem:uln>5551234567</tem:uln><tem:givenName>Ann</tem:givenName>"
        "<tem:familyName>Example</tem:familyName><tem:findType>FUL</tem:findType>",
    )
    assert _read(body) == r9.LearnerByUlnRequest(
        credentials=COMMON_CREDS,
        user_type="SER",
        vendor_id="0",
        language="ENG",
        uln="5551234567",
        given_name="Ann",
        family_name="Example",
        find_type="FUL",
    )


def test_update_learner_subset_fields_is_read():
    body = _call(
        "UpdateLearnerSubsetFields",
        COMMON_ORG + "<tem:uln>5551234567</tem:uln><tem:versionNumber>3</tem:versionNumber>"
        '<tem:emailAddress xsi:nil="true"/><tem:telephoneNumber>01234 567890</tem:telephoneNumber>'
        "<tem:abilityToShare>FPNSeenShareData</tem:abilityToShare><tem:schoolAtAge16/>"
        "<tem:preferredGivenName>Annie</tem:preferredGivenName>",
    )
    assert _read(body) == r9.UpdateLearnerSubsetFieldsRequest(
        credentials=COMMON_CREDS,
        user_type="SER",
        vendor_id="0",
        language="ENG",
        uln="5551234567",
        version_number="3",
        email_address=None,
        telephone_number="01234 567890",
        ability_to_share="FPNSeenShareData",
        school_at_age16=None,
        preferred_given_name="Annie",
    )


def test_view_audit_is_read():
    body = _call(
        "ViewAudit",
        COMMON_ORG + "<tem:learnerUln>5551234567</tem:learnerUln><tem:learnerGivenName>Ann"
        "</tem:learnerGivenName><tem:learnerFamilyName>Example</tem:learnerFamilyName>"
        "<tem:page>2</tem:page>",
    )
    request = _read(body)
    assert isinstance(request, r9.ViewAuditRequest)
    assert (request.learner_uln, request.learner_given_name, request.learner_family_name) == (
        "5551234567",
        "Ann",
        "Example",
    )
    assert request.page == "2"


def test_create_data_challenge_reads_all_forty_challenge_fields_by_wire_name():
    fields = "".join(f"<tem:{name}>v{i}</tem:{name}>" for i, name in enumerate(r9.CHALLENGE_FIELDS))
    request = _read(_call("CreateDataChallenge", COMMON_ORG + fields))
    assert isinstance(request, r9.CreateDataChallengeRequest)
    assert len(r9.CHALLENGE_FIELDS) == 40
    assert request.challenge == {name: f"v{i}" for i, name in enumerate(r9.CHALLENGE_FIELDS)}
    assert request.credentials == COMMON_CREDS


def test_list_and_delete_data_challenge_are_read():
    listed = _read(
        _call(
            "ListDataChallenge",
            COMMON_ORG + "<tem:uln>5551234567</tem:uln><tem:dateCreatedStart>2025-01-01T00:00:00"
            '</tem:dateCreatedStart><tem:dateCreatedEnd xsi:nil="true"/>',
        )
    )
    assert listed == r9.ListDataChallengeRequest(
        credentials=COMMON_CREDS,
        user_type="SER",
        vendor_id="0",
        language="ENG",
        uln="5551234567",
        date_created_start="2025-01-01T00:00:00",
        date_created_end=None,
    )
    deleted = _read(
        _call(
            "DeleteDataChallenge",
            COMMON_ORG
            + "<tem:uln>5551234567</tem:uln><tem:referenceNumber>DC-000123</tem:referenceNumber>",
        )
    )
    assert isinstance(deleted, r9.DeleteDataChallengeRequest)
    assert deleted.reference_number == "DC-000123"


def test_every_operation_has_its_tempuri_soap_action():
    assert {op.name: op.soap_action for op in r9.OPERATION_LIST} == {
        name: f"http://tempuri.org/ILearnerServiceR9/{name}"
        for name in (
            "GetLearnerLearningEvents",
            "LearnerByUln",
            "UpdateLearnerSubsetFields",
            "ViewAudit",
            "CreateDataChallenge",
            "ListDataChallenge",
            "DeleteDataChallenge",
        )
    }


# --- Reader faults -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        _call("GetOrganisation", ""),
        _call("ExecuteRtaQuery", ""),
        frame('<FindLearnerByULN xmlns="http://api.lrs.miap.gov.uk/findmsg"/>'),
        frame("<GetLearnerLearningEvents/>"),
    ],
)
def test_an_unknown_or_learner_service_body_element_is_wsec0002(body):
    fault = _fault(body)
    assert fault.code == "WSEC0002"
    assert "LearnerServiceR9.svc" in fault.further_details


def test_an_unqualified_parameter_is_wsec0001_asking_for_tempuri():
    fault = _fault(_call("GetLearnerLearningEvents", '<uln xmlns="">5551234567</uln>'))
    assert fault.code == "WSEC0001"
    assert fault.further_details.startswith(
        "GetLearnerLearningEvents/uln: must be in namespace http://tempuri.org/"
    )


def test_credentials_in_the_wrong_namespace_are_wsec0001():
    fault = _fault(
        _call(
            "GetLearnerLearningEvents",
            "<tem:invokingOrganisation><tem:Password>pw</tem:Password></tem:invokingOrganisation>",
        )
    )
    assert fault.further_details.startswith(
        "GetLearnerLearningEvents/invokingOrganisation/Password"
    )


def test_vendor_id_is_spelt_per_operation():
    fault = _fault(_call("GetLearnerLearningEvents", "<tem:vendorId>0</tem:vendorId>"))
    assert "GetLearnerLearningEvents/vendorId: unexpected element" in fault.further_details


# --- Writers -------------------------------------------------------------------------


def test_learning_events_response_is_byte_for_byte_the_reference_example():
    body = r9.get_learner_learning_events_response(
        response_code="WSRC0004",
        found_uln="5551234567",
        incoming_uln="5551234567",
        learning_events=[EVENT],
    )
    assert body == compact(REFERENCE_EVENTS_RESPONSE)
    assert shape(body) == shape(compact(REFERENCE_EVENTS_RESPONSE))
    prefixes = {(ns, prefix) for _, ns, _, prefix, _ in shape(body)}
    assert prefixes == {
        ("http://schemas.xmlsoap.org/soap/envelope/", "s"),
        ("http://tempuri.org/", None),
        ("http://api.lrs.qcf.gov.uk/model", "a"),
    }


def test_learning_event_members_are_alphabetical_and_nulls_are_nil_or_omitted_per_member():
    full = {member.name: None for member in r9.LEARNING_EVENT}
    full.update({"ID": 2931, "Credits": 0, "Subject": "GCSE in English Literature"})
    body = r9.get_learner_learning_events_response(
        response_code="WSRC0004",
        found_uln="5551234567",
        incoming_uln="5551234567",
        learning_events=[dict(reversed(list(full.items())))],
    )
    event = etree.fromstring(body).find(".//{http://api.lrs.qcf.gov.uk/model}LearningEvent")
    names = [etree.QName(child).localname for child in event]
    assert names == sorted(names)
    assert names == [
        "AchievementAwardDate",
        "AchievementProviderUkprn",
        "Credits",
        "Grade",
        "ID",
        "Level",
        "Source",
        "Subject",
        "SubjectCode",
    ]
    assert nil_attributes(body) == [
        "AchievementAwardDate",
        "AchievementProviderUkprn",
        "Grade",
        "Level",
        "Source",
        "SubjectCode",
    ]


def test_an_empty_string_member_is_an_empty_element_not_nil():
    body = r9.get_learner_learning_events_response(
        response_code="WSRC0004",
        found_uln="5551234567",
        incoming_uln="5551234567",
        learning_events=[{"ParticipationEndDate": "", "ID": 1}],
    )
    assert b"<a:ID>1</a:ID><a:ParticipationEndDate/></a:LearningEvent>" in body


def test_not_verified_wsec0208_has_an_empty_found_uln_and_learner_record():
    body = r9.get_learner_learning_events_response(
        response_code="WSEC0208", found_uln="", incoming_uln="5551234567", learning_events=[]
    )
    assert (
        b"<a:ResponseCode>WSEC0208</a:ResponseCode><a:FoundULN/>"
        b"<a:IncomingULN>5551234567</a:IncomingULN><a:LearnerRecord/></GetLearnerLearningEventsResult>"
        in body
    )


def test_not_shared_wsec0206_has_the_found_uln_and_an_empty_learner_record():
    body = r9.get_learner_learning_events_response(
        response_code="WSEC0206",
        found_uln="5551234567",
        incoming_uln="5551234567",
        learning_events=[],
    )
    assert b"<a:FoundULN>5551234567</a:FoundULN>" in body
    assert b"<a:LearnerRecord/>" in body


def test_a_linked_learner_wsrc0022_reports_the_master_as_found_uln():
    body = r9.get_learner_learning_events_response(
        response_code="WSRC0022",
        found_uln="5551234567",
        incoming_uln="3141592658",
        learning_events=[EVENT],
    )
    result = etree.fromstring(body)[0][0][0]
    assert result.findtext("{http://api.lrs.qcf.gov.uk/model}FoundULN") == "5551234567"
    assert result.findtext("{http://api.lrs.qcf.gov.uk/model}IncomingULN") == "3141592658"


def test_a_null_response_code_and_learner_record_are_omitted_and_null_ulns_nil():
    body = r9.get_learner_learning_events_response(
        response_code=None, found_uln=None, incoming_uln=None, learning_events=None
    )
    assert (
        b'<GetLearnerLearningEventsResult xmlns:a="http://api.lrs.qcf.gov.uk/model" '
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><a:FoundULN i:nil="true"/>'
        b'<a:IncomingULN i:nil="true"/></GetLearnerLearningEventsResult>' in body
    )


def test_learner_by_uln_writes_the_miap_learner_subset_alphabetically_with_dates_as_datetimes():
    body = r9.learner_by_uln_response(
        response_code="WSRC0004",
        uln="5551234567",
        family_name="Example",
        given_name="Ann",
        learner={
            "VersionNumber": 2,
            "Uln": "5551234567",
            "DateOfBirth": dt.date(2001, 4, 3),
            "LastUpdatedDate": dt.datetime(2025, 1, 14, 15, 23, 47, 5),
            "LinkedUlns": ["3141592658"],
            "Title": None,
            "Gender": 2,
        },
    )
    result = etree.fromstring(body)[0][0][0]
    assert [etree.QName(c).localname for c in result] == [
        "ResponseCode",
        "FamilyName",
        "GivenName",
        "Learner",
        "Uln",
    ]
    learner = result.find("{http://api.lrs.qcf.gov.uk/model}Learner")
    assert [etree.QName(c).localname for c in learner] == [
        "DateOfBirth",
        "Gender",
        "LastUpdatedDate",
        "LinkedUlns",
        "Title",
        "Uln",
        "VersionNumber",
    ]
    assert {etree.QName(c).namespace for c in learner} == {r9.MIAP_MODEL_NS}
    assert learner.findtext(f"{{{r9.MIAP_MODEL_NS}}}DateOfBirth") == "2001-04-03T00:00:00"
    assert learner.findtext(f"{{{r9.MIAP_MODEL_NS}}}LastUpdatedDate") == "2025-01-14T15:23:47"
    assert b"<c:string>3141592658</c:string>" in body
    assert "Title" in nil_attributes(body)


def test_learner_by_uln_with_no_learner_omits_it():
    body = r9.learner_by_uln_response(response_code="WSRC0001", uln="5551234567")
    assert b"Learner>" not in body.replace(b"LearnerByUln", b"")


def test_update_learner_subset_fields_result_is_a_plain_string():
    assert r9.update_learner_subset_fields_response(response_code="WSRC0006") == (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
        b'<UpdateLearnerSubsetFieldsResponse xmlns="http://tempuri.org/">'
        b"<UpdateLearnerSubsetFieldsResult>WSRC0006</UpdateLearnerSubsetFieldsResult>"
        b"</UpdateLearnerSubsetFieldsResponse></s:Body></s:Envelope>"
    )
    assert b'i:nil="true"' in r9.update_learner_subset_fields_response(response_code=None)


def test_view_audit_writes_a_page_of_access_entries():
    body = r9.view_audit_response(
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
    )
    result = etree.fromstring(body)[0][0][0]
    assert [etree.QName(c).localname for c in result] == [
        "List",
        "PageCount",
        "PageIndex",
        "PageSize",
        "SortIndex",
        "SortOrder",
        "TotalItems",
    ]
    entry = result[0][0]
    assert etree.QName(entry).localname == "PlrAccessEntryResponse"
    assert [etree.QName(c).localname for c in entry] == [
        "Action",
        "DateTime",
        "Organisation",
        "User",
    ]
    assert b"<a:DateTime>2025-01-14T15:23:47</a:DateTime>" in body


def test_data_challenge_responses():
    created = r9.create_data_challenge_response(
        response_code="WSRC0001", data_challenge_reference="DC-000123", response_description=None
    )
    assert (
        b"<a:ResponseCode>WSRC0001</a:ResponseCode><a:DataChallengeReference>DC-000123"
        b'</a:DataChallengeReference><a:ResponseDescription i:nil="true"/>' in created
    )
    listed = r9.list_data_challenge_response(
        response_code="WSRC0001",
        data_challenges=[
            {
                "CreatedDate": dt.date(2025, 1, 2),
                "ReferenceNo": "DC-000123",
                "ResolvedDate": None,
                "Status": "Open",
                "Type": "Grade",
            }
        ],
    )
    assert (
        b"<a:DataChallenges><a:ListDataChallengeItem><a:CreatedDate>2025-01-02T00:00:00</a:CreatedDate>"
        b'<a:ReferenceNo>DC-000123</a:ReferenceNo><a:ResolvedDate i:nil="true"/><a:Status>Open'
        b"</a:Status><a:Type>Grade</a:Type></a:ListDataChallengeItem></a:DataChallenges>"
        b"<a:ResponseCode>WSRC0001</a:ResponseCode>" in listed
    )
    assert b"<a:DataChallenges/>" in r9.list_data_challenge_response(
        response_code="WSRC0001", data_challenges=[]
    )
    deleted = r9.delete_data_challenge_response(response_code="WSRC0001")
    assert b"<DeleteDataChallengeResult" in deleted
    assert b"<a:ResponseCode>WSRC0001</a:ResponseCode></DeleteDataChallengeResult>" in deleted


def test_values_are_escaped_in_r9_responses():
    body = r9.get_learner_learning_events_response(
        response_code="WSRC0004",
        found_uln="1",
        incoming_uln="1",
        learning_events=[{"Subject": "</a:Subject><a:Grade>A*</a:Grade>", "ID": 1}],
    )
    event = etree.fromstring(body).find(".//{http://api.lrs.qcf.gov.uk/model}LearningEvent")
    assert [etree.QName(c).localname for c in event] == ["ID", "Subject"]


def test_unknown_members_are_a_programming_error():
    with pytest.raises(ValueError, match="Grades"):
        r9.get_learner_learning_events_response(
            response_code="WSRC0004",
            found_uln="1",
            incoming_uln="1",
            learning_events=[{"Grades": "A"}],
        )

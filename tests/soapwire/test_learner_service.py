"""LearnerService.svc: readers on the reference's request shapes, writers against its responses."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from lrs.soapwire import learner_service as ls
from lrs.soapwire.envelope import Credentials, parse_request
from lrs.soapwire.faults import SoapFault
from tests.soapwire.conftest import CREDS, SOAP11, compact, frame, shape

C = Credentials(None, "10099999", "Pa55word-16chars", "probe_user")

# lrs-soap-facts.md section 2.6: FindLearnerByDemographics as HMPPS sends it.
HMPPS_DEMOGRAPHICS_FIND = f"""
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:fin="http://api.lrs.miap.gov.uk/findmsg">
 <soapenv:Header/><soapenv:Body><fin:FindLearnerByDemographics><FindType>FUL</FindType>{CREDS}
  <FamilyName>Example</FamilyName><GivenName>Ann</GivenName><DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender>
  <LastKnownPostCode>AB12CD</LastKnownPostCode><PreviousFamilyName></PreviousFamilyName><SchoolAtAge16></SchoolAtAge16>
  <PlaceOfBirth></PlaceOfBirth><EmailAddress></EmailAddress></fin:FindLearnerByDemographics></soapenv:Body></soapenv:Envelope>
"""

REFERENCE_FIND_RESPONSE = """
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns2:FindLearnerResponse xmlns:ns2="http://api.lrs.miap.gov.uk/findmsg"><ResponseCode>WSRC0004</ResponseCode>
 <FamilyName>Example</FamilyName><GivenName>Ann</GivenName><DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender>
 <LastKnownPostCode>AB12CD</LastKnownPostCode><Learner><CreatedDate>2015-09-01</CreatedDate><ULN>5551234567</ULN>
 <GivenName>Ann</GivenName><FamilyName>Example</FamilyName><LastKnownPostCode>AB1 2CD</LastKnownPostCode>
 <DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender><AbilityToShare>1</AbilityToShare><LearnerStatus>1</LearnerStatus>
 <LinkedULNs xmlns="http://api.lrs.miap.gov.uk/learner"/><Notes/><VersionNumber>1</VersionNumber></Learner></ns2:FindLearnerResponse></soapenv:Body></soapenv:Envelope>
"""  # noqa: E501 - kept line for line as in the reference

# The WCF XmlSerializer VerifyLearner body of the reference, with xsi declared on Body.
WCF_VERIFY_LEARNER = f"""
<s:Envelope xmlns:s="{SOAP11}"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<VerifyLearner xmlns="http://api.lrs.miap.gov.uk/reportmsg"><OrganisationRef xsi:nil="true" xmlns=""/>
 <UKPRN xmlns="">10099999</UKPRN><OrgPassword xmlns="">Pa55word-16chars</OrgPassword><UserName xmlns="">probe_user</UserName>
 <LearnerToVerify xmlns=""><ULN>5551234567</ULN><FamilyName>Example</FamilyName><GivenName>Ann</GivenName>
 <DateOfBirth>2001-04-03</DateOfBirth><Gender>2</Gender></LearnerToVerify></VerifyLearner></s:Body></s:Envelope>
"""  # noqa: E501 - kept line for line as in the reference

REFERENCE_VERIFY_RESPONSE = (
    '<ns2:VerifyLearnerResponse xmlns:ns2="http://api.lrs.miap.gov.uk/reportmsg"><VerifiedLearner>'
    "<SearchedULN>5551234567</SearchedULN><SearchedFamilyName>Example</SearchedFamilyName>"
    "<SearchedGivenName>Ann</SearchedGivenName><SearchedDateOfBirth>2001-04-03</SearchedDateOfBirth>"
    "<SearchedGender>2</SearchedGender><ResponseCode>WSVRC001</ResponseCode><ULN>5551234567</ULN>"
    "<FamilyName>Example</FamilyName><GivenName>Ann</GivenName><DateOfBirth>2001-04-03</DateOfBirth>"
    "<Gender>2</Gender></VerifiedLearner></ns2:VerifyLearnerResponse>"
)

ANN = {
    "CreatedDate": "2015-09-01",
    "ULN": "5551234567",
    "GivenName": "Ann",
    "FamilyName": "Example",
    "LastKnownPostCode": "AB1 2CD",
    "DateOfBirth": "2001-04-03",
    "Gender": "2",
    "AbilityToShare": "1",
    "LearnerStatus": "1",
    "VersionNumber": 1,
}


def _read(body: bytes | str, soap_action: str | None = None):
    data = body.encode() if isinstance(body, str) else body
    return ls.read_request(parse_request(data, content_type="text/xml", soap_action=soap_action))


def _fault(body: bytes | str) -> SoapFault:
    with pytest.raises(SoapFault) as caught:
        _read(body)
    return caught.value


# --- Readers -------------------------------------------------------------------------


def test_hmpps_demographics_find_with_empty_optionals_and_no_soap_action_is_read():
    request = _read(HMPPS_DEMOGRAPHICS_FIND, soap_action=None)
    assert request == ls.FindByDemographicsRequest(
        credentials=C,
        find_type="FUL",
        search={
            "FamilyName": "Example",
            "GivenName": "Ann",
            "DateOfBirth": "2001-04-03",
            "Gender": "2",
            "LastKnownPostCode": "AB12CD",
            "PreviousFamilyName": None,
            "SchoolAtAge16": None,
            "PlaceOfBirth": None,
            "EmailAddress": None,
        },
    )
    assert list(request.search) == list(ls.DEMOGRAPHICS_SEARCH)


def test_wcf_verify_learner_with_xmlns_empty_children_and_nil_organisation_ref_is_read():
    request = _read(
        WCF_VERIFY_LEARNER, soap_action='"http://tempuri.org/LearnerPortType/verifyLearner"'
    )
    assert request == ls.VerifyLearnerRequest(
        credentials=C,
        learner={
            "ULN": "5551234567",
            "FamilyName": "Example",
            "GivenName": "Ann",
            "DateOfBirth": "2001-04-03",
            "Gender": "2",
        },
    )


def test_das_style_credentials_with_organisation_ref_and_nil_ukprn_are_read():
    body = frame(
        '<rep:VerifyLearner xmlns:rep="http://api.lrs.miap.gov.uk/reportmsg" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<OrganisationRef>ORG001</OrganisationRef><UKPRN xsi:nil="true"/>'
        "<OrgPassword>pw</OrgPassword><UserName>u</UserName></rep:VerifyLearner>"
    )
    request = _read(body)
    assert request.credentials == Credentials("ORG001", None, "pw", "u")
    assert request.learner is None


def test_find_by_uln_is_read():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{ls.FINDMSG_NS}"><FindType>FUL</FindType>{CREDS}'
        "<ULN>5551234567</ULN><FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
        "</fin:FindLearnerByULN>"
    )
    assert _read(body) == ls.FindByUlnRequest(
        credentials=C,
        find_type="FUL",
        search={"ULN": "5551234567", "FamilyName": "Example", "GivenName": "Ann"},
    )


def test_register_learner_reads_every_learner_to_register_field_in_wire_order():
    learner = "".join(f"<{name}>v{i}</{name}>" for i, name in enumerate(ls.LEARNER_TO_REGISTER))
    body = frame(
        f'<reg:RegisterLearner xmlns:reg="{ls.REGMSG_NS}">{CREDS}<Learner>{learner}</Learner>'
        "</reg:RegisterLearner>"
    )
    request = _read(body)
    assert isinstance(request, ls.RegisterLearnerRequest)
    assert request.credentials == C
    assert request.learner == {name: f"v{i}" for i, name in enumerate(ls.LEARNER_TO_REGISTER)}
    assert list(request.learner) == list(ls.LEARNER_TO_REGISTER)


def test_update_learner_reads_uln_and_version_number_after_the_register_fields():
    body = frame(
        f'<reg:UpdateLearner xmlns:reg="{ls.REGMSG_NS}">{CREDS}<Learner><GivenName>Ann</GivenName>'
        "<FamilyName>Example</FamilyName><Gender>2</Gender><VerificationType>1</VerificationType>"
        "<AbilityToShare>1</AbilityToShare><ULN>5551234567</ULN><VersionNumber>1</VersionNumber>"
        "</Learner></reg:UpdateLearner>"
    )
    request = _read(body)
    assert isinstance(request, ls.UpdateLearnerRequest)
    assert request.learner is not None
    assert request.learner["ULN"] == "5551234567"
    assert request.learner["VersionNumber"] == "1"
    assert request.learner["Title"] is None
    assert list(request.learner)[-2:] == ["ULN", "VersionNumber"]


def test_submit_batch_reads_repeated_learners_in_order():
    learners = "".join(
        f"<Learner><MISIdentifier>S00{i}</MISIdentifier><GivenName>Ann</GivenName></Learner>"
        for i in (1, 2, 3)
    )
    body = frame(
        f'<bat:SubmitBatch xmlns:bat="{ls.BATCHMSG_NS}">{CREDS}<JobType>LRB</JobType>'
        f"<LearnerRecordCount>3</LearnerRecordCount>{learners}</bat:SubmitBatch>"
    )
    request = _read(body)
    assert isinstance(request, ls.SubmitBatchRequest)
    assert request.job_type == "LRB"
    assert request.learner_record_count == "3"
    assert [learner["MISIdentifier"] for learner in request.learners] == ["S001", "S002", "S003"]
    assert all(list(learner) == list(ls.BATCH_LEARNER) for learner in request.learners)


def test_a_submit_batch_without_learners_reads_an_empty_list():
    body = frame(
        f'<bat:SubmitBatch xmlns:bat="{ls.BATCHMSG_NS}">{CREDS}'
        "<LearnerRecordCount>0</LearnerRecordCount></bat:SubmitBatch>"
    )
    assert _read(body).learners == []


def test_get_submit_batch_output_and_get_verify_batch_output_read_the_job_id():
    batch = frame(
        f'<bat:GetSubmitBatchOutput xmlns:bat="{ls.BATCHMSG_NS}">{CREDS}<JobID>4711</JobID>'
        "</bat:GetSubmitBatchOutput>"
    )
    verify = frame(
        f'<vld:GetVerifyBatchOutput xmlns:vld="{ls.VLDMSG_NS}">{CREDS}<JobID>4712</JobID>'
        "</vld:GetVerifyBatchOutput>"
    )
    assert _read(batch) == ls.GetSubmitBatchOutputRequest(credentials=C, job_id="4711")
    assert _read(verify) == ls.GetVerifyBatchOutputRequest(credentials=C, job_id="4712")


def test_submit_verify_batch_reads_learners_to_verify_and_nil_org_email():
    body = frame(
        f'<vld:SubmitVerifyBatch xmlns:vld="{ls.VLDMSG_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'{CREDS}<LearnerRecordCount>1</LearnerRecordCount><OrgEmail xsi:nil="true"/>'
        "<Learner><MISIdentifier>S001</MISIdentifier><ULN>5551234567</ULN><FamilyName>Example</FamilyName>"
        '<GivenName>Ann</GivenName><DateOfBirth xsi:nil="true"/><Gender>2</Gender></Learner>'
        "</vld:SubmitVerifyBatch>"
    )
    assert _read(body) == ls.SubmitVerifyBatchRequest(
        credentials=C,
        learner_record_count="1",
        org_email=None,
        learners=[
            {
                "MISIdentifier": "S001",
                "ULN": "5551234567",
                "FamilyName": "Example",
                "GivenName": "Ann",
                "DateOfBirth": None,
                "Gender": "2",
            }
        ],
    )


def test_retrieve_ulns_reads_the_repeated_ulns_in_order():
    body = frame(
        f'<rep:RetrieveULNs xmlns:rep="{ls.REPORTMSG_NS}">{CREDS}<ULNsToRetrieve>'
        "<ULN>3141592658</ULN><ULN/><ULN>5551234567</ULN></ULNsToRetrieve></rep:RetrieveULNs>"
    )
    assert _read(body) == ls.RetrieveUlnsRequest(
        credentials=C, ulns=["3141592658", None, "5551234567"]
    )


def test_retrieve_ulns_without_a_list_reads_no_ulns():
    body = frame(f'<rep:RetrieveULNs xmlns:rep="{ls.REPORTMSG_NS}">{CREDS}</rep:RetrieveULNs>')
    assert _read(body).ulns == []


def test_every_operation_is_registered_with_its_soap_action():
    assert [op.name for op in ls.OPERATION_LIST] == [
        "learnerByULN",
        "learnerByDemographics",
        "registerSingleLearner",
        "updateSingleLearner",
        "submitBatchRegistration",
        "getBatchRegistrationOutput",
        "submitVerifyBatch",
        "getVerifyBatchOutput",
        "retrieveULNs",
        "verifyLearner",
    ]
    actions = {op.name: op.soap_action for op in ls.OPERATION_LIST}
    assert actions.pop("verifyLearner") == "http://tempuri.org/LearnerPortType/verifyLearner"
    assert set(actions.values()) == {""}


# --- Reader faults -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        frame(f'<fin:FindLearnerByName xmlns:fin="{ls.FINDMSG_NS}"/>'),
        frame('<FindLearnerByDemographics xmlns="urn:wrong"/>'),
        frame("<FindLearnerByDemographics/>"),
        frame('<tem:GetLearnerLearningEvents xmlns:tem="http://tempuri.org/"/>'),
    ],
)
def test_an_unknown_body_element_is_wsec0002(body):
    fault = _fault(body)
    assert fault.code == "WSEC0002"
    assert "LearnerService.svc" in fault.further_details


def test_an_unexpected_child_is_wsec0001_naming_it_and_the_allowed_names():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{ls.FINDMSG_NS}"><FindType>FUL</FindType>'
        "<Surname>Example</Surname></fin:FindLearnerByULN>"
    )
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert fault.further_details.startswith("FindLearnerByULN/Surname: unexpected element")
    assert "FamilyName" in fault.further_details


def test_a_qualified_child_is_wsec0001_asking_for_an_unqualified_one():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{ls.FINDMSG_NS}"><fin:FindType>FUL</fin:FindType>'
        "</fin:FindLearnerByULN>"
    )
    fault = _fault(body)
    assert fault.code == "WSEC0001"
    assert "FindLearnerByULN/FindType" in fault.further_details
    assert 'no namespace (xmlns="")' in fault.further_details


def test_a_repeated_single_child_is_wsec0001():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{ls.FINDMSG_NS}"><ULN>1</ULN><ULN>2</ULN>'
        "</fin:FindLearnerByULN>"
    )
    assert "FindLearnerByULN/ULN: appears more than once" in _fault(body).further_details


def test_a_value_holding_elements_is_wsec0001():
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{ls.FINDMSG_NS}"><ULN><x>1</x></ULN>'
        "</fin:FindLearnerByULN>"
    )
    assert "FindLearnerByULN/ULN: must hold a value" in _fault(body).further_details


def test_text_inside_a_record_is_wsec0001():
    body = frame(
        f'<rep:VerifyLearner xmlns:rep="{ls.REPORTMSG_NS}"><LearnerToVerify>junk<ULN>1</ULN>'
        "</LearnerToVerify></rep:VerifyLearner>"
    )
    assert "VerifyLearner/LearnerToVerify: must hold elements only" in _fault(body).further_details


def test_a_batch_learner_error_names_its_position():
    body = frame(
        f'<bat:SubmitBatch xmlns:bat="{ls.BATCHMSG_NS}"><Learner><ULN>1</ULN></Learner>'
        "<Learner><Bogus/></Learner></bat:SubmitBatch>"
    )
    assert _fault(body).further_details.startswith("SubmitBatch/Learner[2]/Bogus")


# --- Writers -------------------------------------------------------------------------


def test_find_response_is_byte_for_byte_the_reference_example():
    search = _read(HMPPS_DEMOGRAPHICS_FIND).search
    body = ls.find_learner_response(response_code="WSRC0004", search=search, learners=[ANN])
    assert body == compact(REFERENCE_FIND_RESPONSE)


def test_find_response_matches_the_reference_element_by_element():
    body = ls.find_learner_response(
        response_code="WSRC0004", search=_read(HMPPS_DEMOGRAPHICS_FIND).search, learners=[ANN]
    )
    assert shape(body) == shape(compact(REFERENCE_FIND_RESPONSE))
    got = shape(body)
    assert got[2][1:4] == (ls.FINDMSG_NS, "FindLearnerResponse", "ns2")
    assert all(ns == "" for _, ns, name, *_ in got[3:] if name != "LinkedULNs")


def test_a_linked_learner_has_master_substituted_and_ulns_with_xmlns_empty():
    linked = {**ANN, "MasterSubstituted": "Y", "LinkedULNs": ["3141592658"]}
    body = ls.find_learner_response(response_code="WSRC0022", learners=[linked])
    assert b"<ULN>5551234567</ULN><MasterSubstituted>Y</MasterSubstituted>" in body
    assert (
        b'<LinkedULNs xmlns="http://api.lrs.miap.gov.uk/learner"><ULN xmlns="">3141592658</ULN>'
        b"</LinkedULNs><Notes/><VersionNumber>1</VersionNumber></Learner>" in body
    )
    linked_uln = etree.fromstring(body).find(".//{http://api.lrs.miap.gov.uk/learner}LinkedULNs")
    assert linked_uln is not None
    assert [child.tag for child in linked_uln] == ["ULN"]


def test_learner_fields_follow_the_wsdl_order_whatever_the_mapping_order():
    scrambled = dict(reversed(list({**ANN, "Title": "Ms", "Notes": "n", "TierLevel": "0"}.items())))
    body = ls.find_learner_response(response_code="WSRC0004", learners=[scrambled])
    learner = etree.fromstring(body).find(".//Learner")
    names = [child.tag.split("}")[-1] for child in learner]
    assert names == [name for name in ls.LEARNER if name in names]
    assert names[-3:] == ["LinkedULNs", "Notes", "VersionNumber"]


def test_empty_optional_values_are_omitted_but_notes_and_linked_ulns_always_appear():
    body = ls.find_learner_response(
        response_code="WSRC0004",
        search={"ULN": "", "FamilyName": None},
        learners=[{"ULN": "5551234567", "Title": "", "Notes": None, "VersionNumber": 3}],
    )
    assert body.endswith(
        b"<ResponseCode>WSRC0004</ResponseCode><Learner><ULN>5551234567</ULN>"
        b'<LinkedULNs xmlns="http://api.lrs.miap.gov.uk/learner"/><Notes/>'
        b"<VersionNumber>3</VersionNumber></Learner></ns2:FindLearnerResponse>"
        b"</soapenv:Body></soapenv:Envelope>"
    )


def test_a_uln_find_response_echoes_the_uln_right_after_the_response_code():
    body = ls.find_learner_response(
        response_code="WSRC0001",
        search={"ULN": "5551234567", "FamilyName": "Example", "GivenName": "Ann"},
    )
    assert b"<ResponseCode>WSRC0001</ResponseCode><ULN>5551234567</ULN><FamilyName>" in body


def test_learner_values_are_escaped_and_dates_written_as_iso():
    body = ls.find_learner_response(
        response_code="WSRC0004",
        learners=[
            {
                "FamilyName": "O'Brien <&> Co",
                "DateOfBirth": dt.date(2001, 4, 3),
                "Notes": "line1\r\nline2",
                "VersionNumber": 2,
            }
        ],
    )
    learner = etree.fromstring(body).find(".//Learner")
    assert learner.findtext("FamilyName") == "O'Brien <&> Co"
    assert learner.findtext("DateOfBirth") == "2001-04-03"
    assert learner.findtext("Notes") == "line1\r\nline2"


def test_writer_programming_errors_are_loud():
    with pytest.raises(ValueError, match="VersionNumber"):
        ls.find_learner_response(response_code="WSRC0004", learners=[{"ULN": "1"}])
    with pytest.raises(ValueError, match="Surname"):
        ls.find_learner_response(
            response_code="WSRC0004", learners=[{"Surname": "x", "VersionNumber": 1}]
        )
    with pytest.raises(ValueError, match="Title"):
        ls.find_learner_response(response_code="WSRC0004", search={"Title": "x"})
    with pytest.raises(TypeError, match="bool"):
        ls.register_learner_response(response_code="WSRC0005", uln=True)


def test_verify_learner_response_matches_the_reference_and_puts_failure_flags_last():
    verified = {
        "SearchedULN": "5551234567",
        "SearchedFamilyName": "Example",
        "SearchedGivenName": "Ann",
        "SearchedDateOfBirth": "2001-04-03",
        "SearchedGender": "2",
        "ResponseCode": "WSVRC001",
        "ULN": "5551234567",
        "FamilyName": "Example",
        "GivenName": "Ann",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
    }
    assert ls.verify_learner_response(verified_learner=verified) == frame(REFERENCE_VERIFY_RESPONSE)
    mismatch = {"FailureFlag": ["VRF7", "VRF8"], **verified, "ResponseCode": "WSVRC005"}
    body = ls.verify_learner_response(verified_learner=mismatch)
    assert (
        b"<Gender>2</Gender><FailureFlag>VRF7</FailureFlag><FailureFlag>VRF8</FailureFlag>"
        b"</VerifiedLearner>" in body
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            ls.register_learner_response(response_code="WSRC0005", uln="5551234567"),
            '<ns2:RegisterLearnerResponse xmlns:ns2="http://api.lrs.miap.gov.uk/regmsg">'
            "<ResponseCode>WSRC0005</ResponseCode><ULN>5551234567</ULN></ns2:RegisterLearnerResponse>",
        ),
        (
            ls.update_learner_response(response_code="WSRC0006"),
            '<ns2:UpdateLearnerResponse xmlns:ns2="http://api.lrs.miap.gov.uk/regmsg">'
            "<ResponseCode>WSRC0006</ResponseCode></ns2:UpdateLearnerResponse>",
        ),
        (
            ls.submit_batch_response(response_code="WSRC0007", job_id=4711),
            '<ns2:SubmitBatchResponse xmlns:ns2="http://api.lrs.miap.gov.uk/batchmsg">'
            "<ResponseCode>WSRC0007</ResponseCode><JobID>4711</JobID></ns2:SubmitBatchResponse>",
        ),
        (
            ls.submit_batch_response(response_code="WSRC0017", job_id=None),
            '<ns2:SubmitBatchResponse xmlns:ns2="http://api.lrs.miap.gov.uk/batchmsg">'
            "<ResponseCode>WSRC0017</ResponseCode><JobID>0</JobID></ns2:SubmitBatchResponse>",
        ),
        (
            ls.submit_verify_batch_response(response_code="WSRC0007", job_id=4712),
            '<ns2:SubmitVerifyBatchResponse xmlns:ns2="http://api.lrs.miap.gov.uk/vldmsg">'
            "<ResponseCode>WSRC0007</ResponseCode><JobID>4712</JobID></ns2:SubmitVerifyBatchResponse>",
        ),
        (
            ls.retrieve_ulns_response(
                retrieved=[
                    {
                        "ULN": "3141592658",
                        "MasterULN": "5551234567",
                        "ResponseCode": "WSRC0022",
                        "FamilyName": "Example",
                        "Gender": "2",
                    }
                ]
            ),
            '<ns2:RetrieveULNsResponse xmlns:ns2="http://api.lrs.miap.gov.uk/reportmsg"><RetrievedULNs>'
            "<VerifiedULN><ULN>3141592658</ULN><MasterULN>5551234567</MasterULN>"
            "<ResponseCode>WSRC0022</ResponseCode><FamilyName>Example</FamilyName><Gender>2</Gender>"
            "</VerifiedULN></RetrievedULNs></ns2:RetrieveULNsResponse>",
        ),
        (
            ls.retrieve_ulns_response(retrieved=[]),
            '<ns2:RetrieveULNsResponse xmlns:ns2="http://api.lrs.miap.gov.uk/reportmsg">'
            "<RetrievedULNs/></ns2:RetrieveULNsResponse>",
        ),
    ],
)
def test_simple_responses_are_exact(body, expected):
    assert body == frame(expected)


def test_get_submit_batch_output_follows_the_wsdl_order():
    body = ls.get_submit_batch_output_response(
        response_code="WSRC0009",
        job_status="Completed",
        counts={
            "RejectedLearnersCount": 0,
            "NewLearnersCount": 1,
            "ExistsUpdatedLearnersCount": 0,
            "PossibleMatchLearnersCount": 0,
            "LearnersNotFoundCount": 0,
        },
        job_started=dt.datetime(2025, 1, 14, 9, 0, 0, 123),
        job_finished="2025-01-14T09:05:00",
        learners=[{"ReturnCode": "RC001", "MISIdentifier": "S001", "ULN": "5551234567"}],
    )
    root = etree.fromstring(body)[0][0]
    assert [child.tag for child in root] == [
        "ResponseCode",
        "JobStatus",
        *ls.BATCH_OUTPUT_COUNTS,
        "JobStartedDateTime",
        "JobFinishedDateTime",
        "Learner",
    ]
    assert root.findtext("NewLearnersCount") == "1"
    assert root.findtext("JobStartedDateTime") == "2025-01-14T09:00:00"
    assert [child.tag for child in root.find("Learner")] == ["ULN", "MISIdentifier", "ReturnCode"]


def test_get_verify_batch_output_writes_verified_batch_learners():
    body = ls.get_verify_batch_output_response(
        response_code="WSRC0009",
        job_status="Completed",
        verified_learners=[
            {"MISIdentifier": "S001", "SearchedULN": "5551234567", "ResponseCode": "WSVRC006"}
        ],
    )
    root = etree.fromstring(body)[0][0]
    assert [child.tag for child in root] == ["ResponseCode", "JobStatus", "VerifiedLearner"]
    assert [child.tag for child in root.find("VerifiedLearner")] == [
        "MISIdentifier",
        "SearchedULN",
        "ResponseCode",
    ]


def test_responses_have_no_declaration_no_header_and_the_soapenv_ns2_prefixes():
    for body in (
        ls.update_learner_response(response_code="WSRC0006"),
        ls.find_learner_response(response_code="WSRC0001"),
    ):
        assert body.startswith(
            f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body><ns2:'.encode()
        )
        assert b"Header" not in body
        assert b"<?xml" not in body

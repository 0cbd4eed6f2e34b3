"""Raw envelopes shaped as the reference says the real clients send them, through HTTP,
with the answers checked element by element."""

import pytest

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_register
from tests.soap.conftest import (
    body_of,
    children,
    fault_of,
    frame,
    make_account,
    person,
    post,
    register,
)

pytestmark = pytest.mark.django_db

FINDMSG = "http://api.lrs.miap.gov.uk/findmsg"
REGMSG = "http://api.lrs.miap.gov.uk/regmsg"
REPORTMSG = "http://api.lrs.miap.gov.uk/reportmsg"
LEARNER_NS = "http://api.lrs.miap.gov.uk/learner"


def hmpps_find(account, **search):
    values = {
        "FamilyName": "Example",
        "GivenName": "Ann",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
        "LastKnownPostCode": "CV49EE",
        **search,
    }
    demographics = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:fin="{FINDMSG}"><soapenv:Header/><soapenv:Body>'
        f"<fin:FindLearnerByDemographics><FindType>FUL</FindType>{account.creds()}"
        f"{demographics}<PreviousFamilyName></PreviousFamilyName>"
        "<SchoolAtAge16></SchoolAtAge16><PlaceOfBirth></PlaceOfBirth>"
        "<EmailAddress></EmailAddress></fin:FindLearnerByDemographics>"
        "</soapenv:Body></soapenv:Envelope>"
    )


def test_hmpps_find_without_soapaction_and_with_empty_optionals(client, account):
    uln = register(account.user)
    response = post(client, hmpps_find(account))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<soapenv:Envelope")
    answer = body_of(response)
    assert answer.tag == f"{{{FINDMSG}}}FindLearnerResponse"
    assert answer.prefix == "ns2"
    assert children(answer)[:6] == [
        ("ResponseCode", "WSRC0004"),
        ("FamilyName", "Example"),
        ("GivenName", "Ann"),
        ("DateOfBirth", "2001-04-03"),
        ("Gender", "2"),
        ("LastKnownPostCode", "CV49EE"),  # echoed as sent
    ]
    [learner] = answer.findall("Learner")
    assert [tag for tag, _ in children(learner)] == [
        "CreatedDate",
        "LastUpdatedDate",
        "ULN",
        "GivenName",
        "FamilyName",
        "LastKnownPostCode",
        "DateOfBirth",
        "Gender",
        "VerificationType",
        "AbilityToShare",
        "LearnerStatus",
        f"{{{LEARNER_NS}}}LinkedULNs",
        "Notes",
        "VersionNumber",
    ]
    assert learner.findtext("ULN") == uln
    assert learner.findtext("LastKnownPostCode") == "CV4 9EE"  # normalised
    assert learner.findtext("LearnerStatus") == LearnerStatus.ACTIVE
    assert learner.findtext("VersionNumber") == "1"
    assert b'<LinkedULNs xmlns="http://api.lrs.miap.gov.uk/learner"/><Notes/>' in response.content
    entry = AuditEntry.objects.filter(action="learner.find").get()
    assert entry.channel == "soap"
    assert entry.actor == account.user
    assert entry.detail["returned_ulns"] == [uln]


def test_find_of_a_linked_learner_substitutes_the_master(client, account):
    master = register(account.user)
    linked = register(
        account.user, given_name="Zara", family_name="Other", date_of_birth="1995-06-07"
    )
    Learner.objects.filter(uln=linked).update(
        master=Learner.objects.get(uln=master), status=LearnerStatus.LINKED
    )
    response = post(
        client, hmpps_find(account, GivenName="Zara", FamilyName="Other", DateOfBirth="1995-06-07")
    )
    answer = body_of(response)
    assert answer.findtext("ResponseCode") == "WSRC0022"
    [learner] = answer.findall("Learner")
    assert learner.findtext("ULN") == master
    assert learner.findtext("MasterSubstituted") == "Y"
    assert [u.text for u in learner.find(f"{{{LEARNER_NS}}}LinkedULNs")] == [linked]
    assert f'<ULN xmlns="">{linked}</ULN>'.encode() in response.content


def test_chk_find_answers_the_code_without_the_records(client, account):
    register(account.user)
    response = post(client, hmpps_find(account).replace(">FUL<", ">CHK<"))
    answer = body_of(response)
    assert answer.findtext("ResponseCode") == "WSRC0004"
    assert answer.findall("Learner") == []


def test_no_match_is_a_200_with_wsrc0001(client, account):
    response = post(client, hmpps_find(account))
    assert response.status_code == 200
    assert children(body_of(response))[0] == ("ResponseCode", "WSRC0001")


def find_by_uln(account, uln, given="Ann", family="Example"):
    return frame(
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FindType>FUL</FindType>{account.creds()}'
        f"<ULN>{uln}</ULN><FamilyName>{family}</FamilyName><GivenName>{given}</GivenName>"
        "</fin:FindLearnerByULN>"
    )


def test_find_by_uln(client, account):
    uln = register(account.user)
    answer = body_of(post(client, find_by_uln(account, uln), soap_action='""'))
    assert children(answer)[:4] == [
        ("ResponseCode", "WSRC0004"),
        ("ULN", uln),
        ("FamilyName", "Example"),
        ("GivenName", "Ann"),
    ]
    assert answer.find("Learner").findtext("ULN") == uln
    wrong = body_of(post(client, find_by_uln(account, uln, given="Zed", family="Nobody")))
    assert wrong.findtext("ResponseCode") == "WSRC0001"
    assert wrong.findall("Learner") == []
    invalid = body_of(post(client, find_by_uln(account, "1234567890")))
    assert invalid.findtext("ResponseCode") == "WSEC0136"


def register_envelope(account, **fields):
    values = {
        "GivenName": "Ann",
        "FamilyName": "Example",
        "LastKnownPostCode": "CV49EE",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
        "VerificationType": "1",
        "AbilityToShare": "1",
        **fields,
    }
    learner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return frame(
        f'<reg:RegisterLearner xmlns:reg="{REGMSG}">{account.creds()}'
        f"<Learner>{learner}</Learner></reg:RegisterLearner>"
    )


def test_register_then_register_again(client, account):
    response = post(client, register_envelope(account))
    answer = body_of(response)
    assert answer.tag == f"{{{REGMSG}}}RegisterLearnerResponse"
    code, uln = children(answer)
    assert code == ("ResponseCode", "WSRC0005")
    assert uln[0] == "ULN"
    learner = Learner.objects.get(uln=uln[1])
    assert learner.last_known_postcode == "CV4 9EE"
    again = body_of(post(client, register_envelope(account)))
    assert children(again) == [("ResponseCode", "WSRC0021")]
    entry = AuditEntry.objects.filter(action="learner.register", outcome="success").get()
    assert entry.channel == "soap"


def test_register_of_someone_similar_answers_the_find_code(client, account):
    register(account.user)
    similar = body_of(post(client, register_envelope(account, LastKnownPostCode="ZZ99ZZ")))
    assert similar.findtext("ResponseCode") in ("WSRC0003", "WSRC0004")
    assert similar.find("ULN") is None


def update_envelope(account, uln, version, **fields):
    values = {
        "GivenName": "Ann",
        "FamilyName": "Example",
        "LastKnownPostCode": "CV49EE",
        "DateOfBirth": "2001-04-03",
        "Gender": "2",
        "VerificationType": "1",
        "AbilityToShare": "1",
        **fields,
    }
    learner = "".join(f"<{k}>{v}</{k}>" for k, v in values.items())
    return frame(
        f'<reg:UpdateLearner xmlns:reg="{REGMSG}">{account.creds()}<Learner>{learner}'
        f"<ULN>{uln}</ULN><VersionNumber>{version}</VersionNumber></Learner></reg:UpdateLearner>"
    )


def test_update_with_the_current_version_then_a_stale_one(client, account):
    uln = register(account.user)
    updated = body_of(post(client, update_envelope(account, uln, 1, Title="Ms")))
    assert updated.tag == f"{{{REGMSG}}}UpdateLearnerResponse"
    assert children(updated) == [("ResponseCode", "WSRC0006")]
    assert Learner.objects.get(uln=uln).title == "Ms"
    stale = body_of(post(client, update_envelope(account, uln, 1, Title="Dr")))
    assert children(stale) == [("ResponseCode", "WSRC0013")]
    same = body_of(post(client, update_envelope(account, uln, 2, Title="Ms")))
    assert children(same) == [("ResponseCode", "WSRC0020")]
    unknown = body_of(post(client, update_envelope(account, "9276308686", 1)))
    assert children(unknown) == [("ResponseCode", "WSRC0019")]


def wcf_verify(account, uln, *, given="Ann", dob="2001-04-03"):
    return (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
        f'<VerifyLearner xmlns="{REPORTMSG}"><OrganisationRef xsi:nil="true" xmlns=""/>'
        f'<UKPRN xmlns="">{account.organisation.ukprn}</UKPRN>'
        f'<OrgPassword xmlns="">{account.password}</OrgPassword>'
        f'<UserName xmlns="">{account.user.username}</UserName>'
        f'<LearnerToVerify xmlns=""><ULN>{uln}</ULN><FamilyName>Example</FamilyName>'
        f"<GivenName>{given}</GivenName><DateOfBirth>{dob}</DateOfBirth><Gender>2</Gender>"
        "</LearnerToVerify></VerifyLearner></s:Body></s:Envelope>"
    )


VERIFY_ACTION = '"http://tempuri.org/LearnerPortType/verifyLearner"'


def test_wcf_verify_learner_with_nil_organisation_ref_and_quoted_soapaction(client, account):
    uln = register(account.user)
    response = post(client, wcf_verify(account, uln), soap_action=VERIFY_ACTION)
    assert response.status_code == 200, response.content
    answer = body_of(response)
    assert answer.tag == f"{{{REPORTMSG}}}VerifyLearnerResponse"
    [verified] = answer
    assert verified.tag == "VerifiedLearner"
    assert children(verified) == [
        ("SearchedULN", uln),
        ("SearchedFamilyName", "Example"),
        ("SearchedGivenName", "Ann"),
        ("SearchedDateOfBirth", "2001-04-03"),
        ("SearchedGender", "2"),
        ("ResponseCode", "WSVRC001"),
        ("ULN", uln),
        ("FamilyName", "Example"),
        ("GivenName", "Ann"),
        ("DateOfBirth", "2001-04-03"),
        ("Gender", "2"),
    ]


def test_verify_mismatch_gives_flags_and_no_stored_details(client, account):
    uln = register(account.user)
    response = post(client, wcf_verify(account, uln, given="Zoe", dob="1999-01-01"))
    verified = body_of(response)[0]
    assert verified.findtext("ResponseCode") == "WSVRC005"
    assert verified.findtext("ULN") is None
    assert [f.text for f in verified.findall("FailureFlag")]
    assert [c.tag for c in verified][-1] == "FailureFlag"


def test_verify_unknown_uln(client, account):
    verified = body_of(post(client, wcf_verify(account, "9276308686")))[0]
    assert verified.findtext("ResponseCode") == "WSVRC006"


def test_retrieve_ulns(client, account):
    master = register(account.user)
    linked = learner_register(
        actor=account.user,
        data=person(given_name="Zara", family_name="Other", date_of_birth="1995-06-07"),
    ).learner.uln
    Learner.objects.filter(uln=linked).update(
        master=Learner.objects.get(uln=master), status=LearnerStatus.LINKED
    )
    body = frame(
        f'<rep:RetrieveULNs xmlns:rep="{REPORTMSG}">{account.creds()}<ULNsToRetrieve>'
        f"<ULN>{master}</ULN><ULN>{linked}</ULN><ULN>9276308686</ULN></ULNsToRetrieve>"
        "</rep:RetrieveULNs>"
    )
    answer = body_of(post(client, body))
    assert answer.tag == f"{{{REPORTMSG}}}RetrieveULNsResponse"
    [holder] = answer
    first, second, third = holder.findall("VerifiedULN")
    assert children(first) == [
        ("ULN", master),
        ("MasterULN", master),
        ("ResponseCode", "WSRC0004"),
        ("FamilyName", "Example"),
        ("GivenName", "Ann"),
        ("DateOfBirth", "2001-04-03"),
        ("Gender", "2"),
    ]
    assert children(second)[:3] == [
        ("ULN", linked),
        ("MasterULN", master),
        ("ResponseCode", "WSRC0022"),
    ]
    assert children(third) == [("ULN", "9276308686"), ("ResponseCode", "WSRC0001")]


def test_organisation_ref_alone_identifies_the_organisation(client):
    account = make_account(Role.VIEW_LEARNER_ONLY)
    creds = account.creds().replace("UKPRN>", "OrganisationRef>")
    body = frame(
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FindType>FUL</FindType>{creds}'
        "<ULN>9276308686</ULN><FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
        "</fin:FindLearnerByULN>"
    )
    response = post(client, body)
    assert response.status_code == 200, response.content
    assert body_of(response).findtext("ResponseCode") == "WSRC0001"


@pytest.mark.parametrize(
    ("uln", "dob", "element"),
    [("1234567890", "2001-04-03", "ULN"), (None, "2001-13-45", "DateOfBirth")],
)
def test_verify_refuses_an_invalid_uln_or_date_as_wsec0001(client, account, uln, dob, element):
    uln = uln or register(account.user)
    fault = fault_of(post(client, wcf_verify(account, uln, dob=dob), soap_action=VERIFY_ACTION))
    assert fault["ErrorCode"] == "WSEC0001"
    assert fault["FurtherDetails"].startswith(f"VerifyLearner/LearnerToVerify/{element}: ")
    assert fault["ErrorActor"] == "LearnerService.verifyLearner"


def test_update_clears_an_optional_value_left_out(client, account):
    uln = register(account.user, title="Ms")
    answer = body_of(post(client, update_envelope(account, uln, 1)))
    assert children(answer) == [("ResponseCode", "WSRC0006")]
    assert Learner.objects.get(uln=uln).title == ""

"""The R9 handlers, called directly with requests parsed from raw envelopes."""

from __future__ import annotations

import pytest
from lxml import etree

from lrs.challenges.lifecycle import Status
from lrs.challenges.models import Challenge
from lrs.core import codes
from lrs.core.errors import Conflict, NotFound, NotPermitted
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.services import learner_register
from lrs.records.services import plr_get
from lrs.soap.handlers import r9
from lrs.soapwire import parse_request
from lrs.soapwire import r9 as wire
from lrs.soapwire.faults import SoapFault
from tests.factories import OLIVIA, make_event

pytestmark = pytest.mark.django_db

ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TEM = wire.TEMPURI_NS
A = f"{{{wire.MODEL_NS}}}"
NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
ORG = (
    "<tem:invokingOrganisation><Password>Pa55word-16chars</Password><Ukprn>10099999</Ukprn>"
    "<Username>u</Username></tem:invokingOrganisation><tem:userType>ORG</tem:userType>"
)


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.LRS_UPLOADS_DIR = tmp_path


@pytest.fixture
def event(ao_user, learner, gcse, provider_user):
    """Olivia's grade 7, which her school may challenge: it has found her."""
    return make_event(ao_user, learner, qualification=gcse, found_by=provider_user)


def call(user, operation: str, params: dict[str, str | None]) -> etree._Element:
    vendor = "vendorID" if operation == "GetLearnerLearningEvents" else "vendorId"
    body = "".join(
        f"<tem:{name}/>" if value is None else f"<tem:{name}>{value}</tem:{name}>"
        for name, value in params.items()
    )
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}" xmlns:tem="{TEM}" '
        f'xmlns="{wire.R10_NS}"><soapenv:Header/><soapenv:Body>'
        f"<tem:{operation}>{ORG}<tem:{vendor}>0</tem:{vendor}><tem:language>ENG</tem:language>"
        f"{body}</tem:{operation}></soapenv:Body></soapenv:Envelope>"
    )
    request = wire.read_request(parse_request(envelope.encode(), content_type="text/xml"))
    answer = r9.HANDLERS[operation](request, user)
    root = etree.fromstring(answer)
    (response,) = root[0]
    assert response.tag == f"{{{TEM}}}{operation}Response"
    return response


def result_of(response: etree._Element) -> etree._Element:
    (result,) = response
    assert result.tag == f"{{{TEM}}}{etree.QName(response).localname[:-8]}Result"
    return result


def names(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def events(user, uln: str, get_type: str = "FULL", **names_: str) -> etree._Element:
    params = {
        "uln": uln,
        "givenName": names_.get("given", "Olivia"),
        "familyName": names_.get("family", "Thornbury"),
        "dateOfBirth": None,
        "gender": None,
        "getType": get_type,
    }
    return result_of(call(user, "GetLearnerLearningEvents", params))


# --- GetLearnerLearningEvents ------------------------------------------------------------


def test_full_events_wsrc0004(provider_user, learner, event):
    result = events(provider_user, learner.uln)
    assert names(result) == ["ResponseCode", "FoundULN", "IncomingULN", "LearnerRecord"]
    assert result.findtext(f"{A}ResponseCode") == codes.EXACT
    assert result.findtext(f"{A}FoundULN") == learner.uln
    assert result.findtext(f"{A}IncomingULN") == learner.uln
    (item,) = result.find(f"{A}LearnerRecord")
    assert item.tag == f"{A}LearningEvent"
    members = names(item)
    assert members == sorted(members)  # DataContract order is alphabetical
    assert item.findtext(f"{A}ID") == str(event.pk)
    assert item.findtext(f"{A}SubjectCode") == "601/4702/5"
    assert item.findtext(f"{A}Grade") == "7"
    assert item.findtext(f"{A}AchievementAwardDate") == "2022-08-25"
    assert item.findtext(f"{A}AwardingOrganisationName") == "Meridian Awards"
    assert item.findtext(f"{A}UnderDataChallenge") == "N"
    assert "DateLoaded" in members
    assert "Credits" not in members  # no credits: an xs:int is omitted, never nil


def test_brief_events_leave_out_the_full_members(provider_user, learner, event):
    result = events(provider_user, learner.uln, "BRIEF")
    (item,) = result.find(f"{A}LearnerRecord")
    assert names(item) == [
        "AchievementAwardDate",
        "Grade",
        "ID",
        "Level",
        "QualificationType",
        "Source",
        "Status",
        "Subject",
        "SubjectCode",
    ]


def test_a_linked_uln_is_wsrc0022_with_the_master_found(provider_user, learner, event):
    old = learner_register(
        actor=provider_user,
        data={**OLIVIA, "given_name": "Livvy", "last_known_postcode": "B15 2TT"},
        confirm_new_learner=True,
        confirmation_reason="synthetic duplicate",
    ).learner
    Learner.objects.filter(pk=old.pk).update(status=LearnerStatus.LINKED, master=learner)
    result = events(provider_user, old.uln)
    assert result.findtext(f"{A}ResponseCode") == codes.MASTER_SUBSTITUTED
    assert result.findtext(f"{A}FoundULN") == learner.uln
    assert result.findtext(f"{A}IncomingULN") == old.uln
    assert len(result.find(f"{A}LearnerRecord")) == 1


def test_an_opted_out_learner_is_wsec0206_with_an_empty_record(provider_user, learner, event):
    Learner.objects.filter(pk=learner.pk).update(ability_to_share="2")
    result = events(provider_user, learner.uln)
    assert result.findtext(f"{A}ResponseCode") == codes.NOT_SHARED
    assert result.findtext(f"{A}FoundULN") == learner.uln
    record = result.find(f"{A}LearnerRecord")
    assert len(record) == 0


def test_names_that_do_not_match_are_wsec0208_with_empty_found_uln(provider_user, learner, event):
    result = events(provider_user, learner.uln, given="Someone", family="Else")
    assert names(result) == ["ResponseCode", "FoundULN", "IncomingULN", "LearnerRecord"]
    assert result.findtext(f"{A}ResponseCode") == codes.NOT_VERIFIED
    found = result.find(f"{A}FoundULN")
    assert found.text is None
    assert found.get(NIL) is None  # <a:FoundULN/>, as live
    assert len(result.find(f"{A}LearnerRecord")) == 0


def test_an_invalid_uln_is_wsec0136(provider_user, learner):
    result = events(provider_user, "9276308687")
    assert result.findtext(f"{A}ResponseCode") == codes.INVALID_ULN


def test_an_unknown_get_type_is_a_wsec0001_fault_naming_it(provider_user, learner):
    with pytest.raises(SoapFault) as caught:
        events(provider_user, learner.uln, "MEDIUM")
    assert caught.value.code == "WSEC0001"
    assert caught.value.further_details.startswith("GetLearnerLearningEvents/getType")


def test_a_role_that_may_not_view_is_refused_by_the_service(learner):
    from lrs.access import OrganisationType, Role
    from tests.factories import make_organisation, make_user

    desk = make_user(make_organisation(OrganisationType.SERVICE_DESK), Role.SERVICE_DESK_USER)
    with pytest.raises(NotPermitted):
        events(desk, learner.uln)


# --- LearnerByUln -------------------------------------------------------------------------


def by_uln(user, uln: str, given: str = "Olivia", family: str = "Thornbury") -> etree._Element:
    params = {"uln": uln, "givenName": given, "familyName": family, "findType": "FUL"}
    return result_of(call(user, "LearnerByUln", params))


def test_learner_by_uln_returns_the_learner(provider_user, learner):
    result = by_uln(provider_user, learner.uln)
    assert names(result) == ["ResponseCode", "FamilyName", "GivenName", "Learner", "Uln"]
    assert result.findtext(f"{A}ResponseCode") == codes.EXACT
    b = f"{{{wire.MIAP_MODEL_NS}}}"
    found = result.find(f"{A}Learner")
    assert found.findtext(f"{b}Uln") == learner.uln
    assert found.findtext(f"{b}DateOfBirth") == "2006-03-14T00:00:00"
    assert found.findtext(f"{b}Gender") == "2"
    assert found.findtext(f"{b}VersionNumber") == "1"
    members = names(found)
    assert members == [m.name for m in wire.MIAP_LEARNER if m.name in members]


def test_learner_by_uln_without_a_match_is_wsrc0001(provider_user, learner):
    result = by_uln(provider_user, learner.uln, given="Someone", family="Else")
    assert result.findtext(f"{A}ResponseCode") == codes.NO_MATCH
    assert result.find(f"{A}Learner") is None


# --- UpdateLearnerSubsetFields ------------------------------------------------------------


def update(user, uln: str, version: str, **params: str) -> str:
    wanted = {"uln": uln, "versionNumber": version, **params}
    response = call(user, "UpdateLearnerSubsetFields", wanted)
    return response.findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult")


def test_update_subset_fields_through_the_learner_update(provider_user, learner):
    assert (
        update(provider_user, learner.uln, "1", emailAddress="olivia@example.org") == codes.UPDATED
    )
    learner.refresh_from_db()
    assert (learner.email_address, learner.version_number) == ("olivia@example.org", 2)
    # A stale version and a refused ability-to-share change come back as codes.
    assert update(provider_user, learner.uln, "1", emailAddress="x@example.org") == (
        codes.STALE_VERSION
    )
    assert update(provider_user, learner.uln, "2", abilityToShare="FPNNotSeen") == (
        codes.INVALID_SHARE_CHANGE
    )
    assert update(provider_user, learner.uln, "2", abilityToShare="NotProvided") == (
        codes.NO_CHANGE
    )


def test_update_with_a_bad_version_is_a_fault(provider_user, learner):
    with pytest.raises(SoapFault) as caught:
        update(provider_user, learner.uln, "one")
    assert caught.value.code == "WSEC0001"


# --- ViewAudit ----------------------------------------------------------------------------


def test_view_audit_lists_the_views_of_the_learners_plr(provider_user, learner, event):
    plr_get(actor=provider_user, uln=learner.uln, given_name="Olivia", family_name="Thornbury")
    params = {
        "learnerUln": learner.uln,
        "learnerGivenName": "Olivia",
        "learnerFamilyName": "Thornbury",
        "page": "1",
    }
    result = result_of(call(provider_user, "ViewAudit", params))
    assert names(result) == [
        "List",
        "PageCount",
        "PageIndex",
        "PageSize",
        "SortIndex",
        "SortOrder",
        "TotalItems",
    ]
    (entry,) = result.find(f"{A}List")
    assert names(entry) == ["Action", "DateTime", "Organisation", "User"]
    assert entry.findtext(f"{A}Action") == "plr.view"
    assert entry.findtext(f"{A}Organisation") == provider_user.organisation.name
    assert entry.findtext(f"{A}User") == provider_user.username
    assert result.findtext(f"{A}TotalItems") == "1"
    assert result.findtext(f"{A}PageCount") == "1"


def test_view_audit_with_names_that_do_not_match_is_a_wsec0208_fault(provider_user, learner):
    params = {
        "learnerUln": learner.uln,
        "learnerGivenName": "Someone",
        "learnerFamilyName": "Else",
        "page": None,
    }
    with pytest.raises(SoapFault) as caught:
        call(provider_user, "ViewAudit", params)
    assert caught.value.code == codes.NOT_VERIFIED


# --- Data challenges ----------------------------------------------------------------------


def challenge_params(event_id: str, **changes: str) -> dict[str, str | None]:
    params: dict[str, str | None] = dict.fromkeys(wire.CHALLENGE_FIELDS)
    params.update(
        challengeType="incorrect_details",
        uln=None,
        learningEvent1Id=event_id,
        contactName="Priya Shah",
        emailAddress="exams@college.example",
        telephone="01234 567890",
        additionalInformation="The certificate shows grade 8.",
        suppliedAchievedGrade="8",
    )
    params.update(changes)
    return params


def test_challenge_create_list_delete_round_trip(provider_user, learner, event):
    created = result_of(call(provider_user, "CreateDataChallenge", challenge_params(str(event.pk))))
    assert names(created) == ["ResponseCode", "DataChallengeReference", "ResponseDescription"]
    assert created.findtext(f"{A}ResponseCode") == r9.CHALLENGE_OK
    reference = created.findtext(f"{A}DataChallengeReference")
    challenge = Challenge.objects.get(reference=reference)
    assert challenge.event == event
    assert challenge.supplied_values == {"grade": "8"}
    assert challenge.contact_telephone == "01234 567890"

    listed = result_of(
        call(
            provider_user,
            "ListDataChallenge",
            {"uln": learner.uln, "dateCreatedStart": None, "dateCreatedEnd": None},
        )
    )
    assert names(listed) == ["DataChallenges", "ResponseCode"]
    (item,) = listed.find(f"{A}DataChallenges")
    assert names(item) == ["CreatedDate", "ReferenceNo", "ResolvedDate", "Status", "Type"]
    assert item.findtext(f"{A}ReferenceNo") == reference
    assert item.findtext(f"{A}Status") == Status.SUBMITTED
    assert item.find(f"{A}ResolvedDate").get(NIL) == "true"

    deleted = result_of(
        call(
            provider_user, "DeleteDataChallenge", {"uln": learner.uln, "referenceNumber": reference}
        )
    )
    assert deleted.findtext(f"{A}ResponseCode") == r9.CHALLENGE_OK
    challenge.refresh_from_db()
    assert challenge.status == Status.WITHDRAWN
    with pytest.raises(Conflict):
        call(provider_user, "DeleteDataChallenge", {"uln": None, "referenceNumber": reference})


def test_list_for_another_uln_is_empty(provider_user, learner, event):
    call(provider_user, "CreateDataChallenge", challenge_params(str(event.pk)))
    listed = result_of(
        call(
            provider_user,
            "ListDataChallenge",
            {"uln": "9276308686", "dateCreatedStart": "2000-01-01", "dateCreatedEnd": None},
        )
    )
    assert len(listed.find(f"{A}DataChallenges")) == 0


def test_delete_with_the_wrong_uln_is_as_unknown(provider_user, learner, event):
    created = result_of(call(provider_user, "CreateDataChallenge", challenge_params(str(event.pk))))
    reference = created.findtext(f"{A}DataChallengeReference")
    with pytest.raises(NotFound):
        call(
            provider_user,
            "DeleteDataChallenge",
            {"uln": "9276308686", "referenceNumber": reference},
        )
    with pytest.raises(NotFound):
        call(provider_user, "DeleteDataChallenge", {"uln": None, "referenceNumber": "NOPE"})


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"challengeType": "bogus"}, "challengeType"),
        ({"contactName": None}, "contactName"),
        ({"learningEvent1Id": "999999"}, "learningEvent1Id"),
        ({"learningEvent1Id": "x"}, "learningEvent1Id"),
        ({"learningEvent1Id": None}, "learningEvent1Id"),
    ],
)
def test_refused_challenges_are_wsec0001_faults_naming_the_parameter(
    provider_user,
    event,
    changes,
    param,
):
    with pytest.raises(SoapFault) as caught:
        call(provider_user, "CreateDataChallenge", challenge_params(str(event.pk), **changes))
    assert caught.value.code == "WSEC0001"
    assert caught.value.further_details.startswith(f"CreateDataChallenge/{param}")
    assert not Challenge.objects.exists()


def test_through_the_endpoint_a_refusal_is_an_answer_not_a_fault(client):
    from tests.soap.conftest import body_of, make_account, post, register

    account = make_account()
    uln = register(account.user)
    Learner.objects.filter(uln=uln).update(ability_to_share="2")
    envelope = (
        f'<soapenv:Envelope xmlns:soapenv="{ENV}" xmlns:tem="{TEM}" xmlns="{wire.R10_NS}">'
        "<soapenv:Body><tem:GetLearnerLearningEvents><tem:invokingOrganisation>"
        f"<Password>{account.password}</Password><Ukprn>{account.organisation.ukprn}</Ukprn>"
        f"<Username>{account.user.username}</Username></tem:invokingOrganisation>"
        "<tem:userType>ORG</tem:userType><tem:vendorID>0</tem:vendorID>"
        f"<tem:language>ENG</tem:language><tem:uln>{uln}</tem:uln>"
        "<tem:givenName>Ann</tem:givenName><tem:familyName>Example</tem:familyName>"
        "<tem:dateOfBirth/><tem:gender/><tem:getType>FULL</tem:getType>"
        "</tem:GetLearnerLearningEvents></soapenv:Body></soapenv:Envelope>"
    )
    response = post(
        client,
        envelope,
        path="/LearnerServiceR9.svc",
        soap_action="http://tempuri.org/ILearnerServiceR9/GetLearnerLearningEvents",
    )
    assert response.status_code == 200, response.content
    result = result_of(body_of(response))
    assert result.findtext(f"{A}ResponseCode") == codes.NOT_SHARED
    assert result.findtext(f"{A}FoundULN") == uln

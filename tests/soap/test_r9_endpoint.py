"""LearnerServiceR9.svc through HTTP: the R9 credentials authenticate like LearnerService's,
and the view dispatches to the R9 handlers."""

import pytest

from tests.soap.conftest import body_of, fault_of, make_account, post, register

pytestmark = pytest.mark.django_db

TEMPURI = "http://tempuri.org/"
ACTION = "http://tempuri.org/ILearnerServiceR9/GetLearnerLearningEvents"


def hmpps_events(account, uln, *, password=None):
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:tem="http://tempuri.org/" '
        'xmlns="http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface">'
        "<soapenv:Header/><soapenv:Body><tem:GetLearnerLearningEvents>"
        f"<tem:invokingOrganisation><Password>{password or account.password}</Password>"
        f"<Ukprn>{account.organisation.ukprn}</Ukprn>"
        f"<Username>{account.user.username}</Username></tem:invokingOrganisation>"
        "<tem:userType>ORG</tem:userType><tem:vendorID>0</tem:vendorID>"
        f"<tem:language>ENG</tem:language><tem:uln>{uln}</tem:uln>"
        "<tem:givenName>Ann</tem:givenName><tem:familyName>Example</tem:familyName>"
        "<tem:dateOfBirth>2001-04-03</tem:dateOfBirth><tem:gender>2</tem:gender>"
        "<tem:getType>FULL</tem:getType></tem:GetLearnerLearningEvents>"
        "</soapenv:Body></soapenv:Envelope>"
    )


def test_hmpps_learning_events_with_the_unquoted_soapaction(client):
    account = make_account()
    uln = register(account.user)
    response = post(
        client, hmpps_events(account, uln), path="/LearnerServiceR9.svc", soap_action=ACTION
    )
    assert response.status_code == 200, response.content
    answer = body_of(response)
    assert answer.tag == f"{{{TEMPURI}}}GetLearnerLearningEventsResponse"
    result = answer[0]
    assert result.tag == f"{{{TEMPURI}}}GetLearnerLearningEventsResult"
    assert result.findtext("{http://api.lrs.qcf.gov.uk/model}IncomingULN") == uln


def test_r9_wrong_password_is_wsec0005(client):
    account = make_account()
    body = hmpps_events(account, "9276308686", password="Wrong-password-1")
    fault = fault_of(post(client, body, path="/LearnerServiceR9.svc", soap_action=ACTION))
    assert fault["ErrorCode"] == "WSEC0005"
    assert fault["ErrorActor"] == "LearnerServiceR9.GetLearnerLearningEvents"

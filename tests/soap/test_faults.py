"""Every fault path, through HTTP: the live shape (HTTP 500, ns10 MIAPAPIException) with
the WSEC code, and nothing from the inside."""

import re

import pytest
from django.test import override_settings

from lrs.access import Role
from lrs.audit.models import AuditEntry
from lrs.organisations.models import Organisation
from lrs.soap import views
from lrs.soap.services import ws_credential_create, ws_credential_revoke
from tests.factories import make_organisation, make_user
from tests.soap.conftest import SOAP11, fault_of, frame, make_account, post

pytestmark = pytest.mark.django_db

FINDMSG = "http://api.lrs.miap.gov.uk/findmsg"
REGMSG = "http://api.lrs.miap.gov.uk/regmsg"


def find_by_uln(creds, find_type="<FindType>FUL</FindType>", uln="9276308686"):
    return frame(
        f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}">{find_type}{creds}'
        f"<ULN>{uln}</ULN><FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
        "</fin:FindLearnerByULN>"
    )


def refusals(reason):
    return AuditEntry.objects.filter(
        action="soap.authenticate", outcome="refused", detail__reason=reason
    )


def test_fault_shape_is_the_one_hmpps_cuts_out_with_a_regex(client, account):
    response = post(client, find_by_uln(account.creds(), find_type=""))
    fault = fault_of(response)
    assert list(fault) == [
        "ErrorCode",
        "ErrorActor",
        "Description",
        "FurtherDetails",
        "ErrorTimestamp",
    ]
    assert fault["ErrorCode"] == "WSEC0001"
    assert fault["ErrorActor"] == "LearnerService.learnerByULN"
    assert fault["FurtherDetails"] == "FindLearnerByULN/FindType: is mandatory: FUL or CHK."
    text = response.content.decode()
    assert re.search(
        r'<ns10:MIAPAPIException xmlns:ns10="http://api.lrs.miap.gov.uk/exceptions">'
        r"[\s\S]*?</ns10:MIAPAPIException>",
        text,
    )
    assert "<faultcode>soapenv:Server</faultcode>" in text


def test_wsec0001_names_the_element_and_rule_of_a_service_refusal(client, account):
    body = frame(
        f'<fin:FindLearnerByDemographics xmlns:fin="{FINDMSG}"><FindType>FUL</FindType>'
        f"{account.creds()}<FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
        "<DateOfBirth>2001-04-03</DateOfBirth><Gender>7</Gender>"
        "<LastKnownPostCode>CV49EE</LastKnownPostCode></fin:FindLearnerByDemographics>"
    )
    fault = fault_of(post(client, body))
    assert fault["ErrorCode"] == "WSEC0001"
    assert fault["FurtherDetails"].startswith("FindLearnerByDemographics/Gender: ")


def test_wsec0001_for_an_unknown_child(client, account):
    body = find_by_uln(account.creds() + "<Bogus>1</Bogus>")
    fault = fault_of(post(client, body))
    assert fault["ErrorCode"] == "WSEC0001"
    assert fault["FurtherDetails"].startswith("FindLearnerByULN/Bogus: unexpected element")


def test_wsec0001_for_a_register_missing_mandatory_values(client, account):
    body = frame(
        f'<reg:RegisterLearner xmlns:reg="{REGMSG}">{account.creds()}'
        "<Learner><GivenName>Ann</GivenName></Learner></reg:RegisterLearner>"
    )
    fault = fault_of(post(client, body))
    assert fault["ErrorCode"] == "WSEC0001"
    assert fault["FurtherDetails"].startswith("RegisterLearner/Learner/")


def test_wsec0002_for_an_unknown_operation(client, account):
    body = frame(f'<fin:FindSomebody xmlns:fin="{FINDMSG}">{account.creds()}</fin:FindSomebody>')
    fault = fault_of(post(client, body, soap_action='"http://tempuri.org/x"'))
    assert fault["ErrorCode"] == "WSEC0002"
    assert fault["ErrorActor"] == "LearnerService"


def test_wsec0002_for_an_operation_of_the_other_service(client, account):
    fault = fault_of(post(client, find_by_uln(account.creds()), path="/LearnerServiceR9.svc"))
    assert fault["ErrorCode"] == "WSEC0002"


def test_wsec0003_for_an_unknown_or_inactive_organisation(client, account):
    creds = account.creds().replace(account.organisation.ukprn, "10999999")
    assert fault_of(post(client, find_by_uln(creds)))["ErrorCode"] == "WSEC0003"
    assert refusals("unknown_organisation").count() == 1
    Organisation.objects.filter(pk=account.organisation.pk).update(status="suspended")
    assert fault_of(post(client, find_by_uln(account.creds())))["ErrorCode"] == "WSEC0003"
    assert refusals("organisation_not_active").count() == 1


def test_wsec0003_without_web_service_credentials_or_any_organisation(client, account):
    ws_credential_revoke(actor=account.super_user, organisation=account.organisation)
    assert fault_of(post(client, find_by_uln(account.creds())))["ErrorCode"] == "WSEC0003"
    no_org = f"<OrgPassword>{account.password}</OrgPassword><UserName>x</UserName>"
    assert fault_of(post(client, find_by_uln(no_org)))["ErrorCode"] == "WSEC0003"
    mismatch = f"<OrganisationRef>10999999</OrganisationRef>{account.creds()}"
    assert fault_of(post(client, find_by_uln(mismatch)))["ErrorCode"] == "WSEC0003"


def test_wsec0005_for_a_wrong_or_missing_password_audited(client, account):
    wrong = account.creds(password="Wrong-password-1")
    fault = fault_of(post(client, find_by_uln(wrong)))
    assert fault["ErrorCode"] == "WSEC0005"
    assert "Wrong-password-1" not in str(fault)
    missing = account.creds(password="")
    assert fault_of(post(client, find_by_uln(missing)))["ErrorCode"] == "WSEC0005"
    entries = refusals("incorrect_password")
    assert entries.count() == 2
    assert {e.channel for e in entries} == {"soap"}
    assert entries.first().organisation_ukprn == account.organisation.ukprn
    assert entries.first().detail["username"] == account.user.username
    assert account.password not in str(entries.first().detail)


@override_settings(LRS_SOAP_FAILURE_LIMIT=3)
def test_repeated_wrong_passwords_lock_the_address_out(client, account):
    wrong = find_by_uln(account.creds(password="Wrong-password-1"))
    for _ in range(3):
        assert fault_of(post(client, wrong))["ErrorCode"] == "WSEC0005"
    locked = fault_of(post(client, find_by_uln(account.creds())))
    assert locked["ErrorCode"] == "WSEC0005"
    assert "Too many" in locked["FurtherDetails"]
    assert refusals("locked_out").count() == 1


def test_a_right_password_resets_the_failure_count(client, account):
    wrong = find_by_uln(account.creds(password="Wrong-password-1"))
    with override_settings(LRS_SOAP_FAILURE_LIMIT=2):
        post(client, wrong)
        assert post(client, find_by_uln(account.creds())).status_code == 200
        post(client, wrong)
        assert post(client, find_by_uln(account.creds())).status_code == 200


def test_wsec0006_for_a_user_of_another_organisation_or_inactive(client, account):
    stranger = make_user(make_organisation(), Role.ONLINE_USER)
    fault = fault_of(post(client, find_by_uln(account.creds(stranger.username))))
    assert fault["ErrorCode"] == "WSEC0006"
    account.user.is_active = False
    account.user.save()
    assert fault_of(post(client, find_by_uln(account.creds())))["ErrorCode"] == "WSEC0006"
    assert refusals("unknown_or_inactive_user").count() == 2


def test_wsec0006_when_the_role_may_not_do_the_operation(client):
    account = make_account(Role.VIEW_LEARNER_ONLY)
    body = frame(
        f'<reg:RegisterLearner xmlns:reg="{REGMSG}">{account.creds()}'
        "<Learner><GivenName>Ann</GivenName></Learner></reg:RegisterLearner>"
    )
    fault = fault_of(post(client, body))
    assert fault["ErrorCode"] == "WSEC0006"
    assert refusals("lacks_register_learner").get().actor == account.user


def test_wsec0006_for_an_awarding_organisation_finding_by_demographics(client):
    organisation = make_organisation("awarding_organisation")
    super_user = make_user(organisation, Role.SUPER_USER)
    user = make_user(organisation, Role.AWARDING_ORGANISATION_USER)
    _, password = ws_credential_create(actor=super_user, organisation=organisation)
    creds = (
        f"<UKPRN>{organisation.ukprn}</UKPRN><OrgPassword>{password}</OrgPassword>"
        f"<UserName>{user.username}</UserName>"
    )
    assert fault_of(post(client, find_by_uln(creds)))["ErrorCode"] == "WSEC0006"


# --- HTTP verbs and WSDLs --------------------------------------------------------------


@pytest.mark.parametrize("path", ["/LearnerService.svc", "/LearnerServiceR9.svc"])
def test_get_without_wsdl_is_the_unsupported_http_verb_fault(client, path):
    fault = fault_of(client.get(path))
    assert fault["Description"] == "UnsupportedHttpVerb"
    assert fault["FurtherDetails"] == "UnsupportedHttpVerb GET"
    assert fault_of(client.put(path, b"x"))["FurtherDetails"] == "UnsupportedHttpVerb PUT"


@pytest.mark.parametrize(
    ("path", "query", "service"),
    [
        ("/LearnerService.svc", "?singlewsdl", "LearnerServiceProxy"),
        ("/LearnerService.svc", "?WSDL", "LearnerServiceProxy"),
        ("/LearnerServiceR9.svc", "?singleWsdl", "LearnerServiceR9Proxy"),
    ],
)
def test_wsdl_with_the_request_address(client, path, query, service):
    response = client.get(path + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    text = response.content.decode()
    assert f'location="http://testserver{path}"' in text
    assert f'name="{service}"' in text


# --- Hostile and broken envelopes ---------------------------------------------------------


def test_oversize_body_is_refused_before_parsing(client, account):
    with override_settings(LRS_SOAP_MAX_BYTES=1000):
        body = find_by_uln(account.creds() + "<!--" + "x" * 2000 + "-->")
        fault = fault_of(post(client, body))
    assert fault["ErrorCode"] == "WSEC0001"
    assert "larger than the limit of 1000 bytes" in fault["FurtherDetails"]


def test_a_body_over_djangos_upload_limit_but_within_ours_is_read(client, account):
    padding = "<!--" + "x" * 3_000_000 + "-->"
    response = post(
        client,
        find_by_uln(account.creds()).replace(
            b"<soapenv:Body>", padding.encode() + b"<soapenv:Body>", 1
        ),
    )
    assert response.status_code == 200, response.content[:500]


XXE = (
    '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body>'
    f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FindType>&xxe;</FindType>'
    "</fin:FindLearnerByULN></soapenv:Body></soapenv:Envelope>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
    f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body><x>&lol9;</x>'
    "</soapenv:Body></soapenv:Envelope>"
)


@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_a_doctype_is_refused_and_nothing_leaks(client, body):
    response = post(client, body)
    fault = fault_of(response)
    assert fault["ErrorCode"] == "WSEC0001"
    assert "DOCTYPE" in fault["FurtherDetails"]
    assert b"root:" not in response.content
    assert b"lollol" not in response.content


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>",
        b"<Envelope/>",
        frame(""),
    ],
    ids=["empty", "text", "unclosed", "not-soap", "empty-body"],
)
def test_malformed_requests_are_wsec0001(client, body):
    assert fault_of(post(client, body))["ErrorCode"] == "WSEC0001"


def test_soap12_is_a_version_mismatch(client, account):
    response = post(client, find_by_uln(account.creds()), content_type="application/soap+xml")
    fault_of(response)
    assert b"<faultcode>soapenv:VersionMismatch</faultcode>" in response.content


def test_an_unexpected_error_is_a_fault_that_leaks_nothing(client, account, monkeypatch, caplog):
    def broken(request, user):
        raise RuntimeError("secret internal detail /srv/lrs/db")

    monkeypatch.setitem(views.HANDLERS["LearnerService"], "FindLearnerByULN", broken)
    response = post(client, find_by_uln(account.creds()))
    fault = fault_of(response)
    assert fault["ErrorCode"] == "WSEC0000"
    assert b"secret internal detail" not in response.content
    assert b"RuntimeError" not in response.content
    request_id = response["X-Request-ID"]
    assert request_id in fault["FurtherDetails"]
    assert "secret internal detail" in caplog.text


def test_the_rate_limit_is_the_rest_apis(client, account, monkeypatch):
    from lrs.core.throttling import API_THROTTLE

    monkeypatch.setattr(API_THROTTLE, "allow_request", lambda request: False)
    fault = fault_of(post(client, find_by_uln(account.creds())))
    assert fault["ErrorCode"] == "WSEC0004"


# Transactional: as in production the call runs in autocommit, so a cancelled statement
# does not abort an enclosing test transaction.
@pytest.mark.django_db(transaction=True)
def test_a_statement_over_the_time_limit_is_a_fault(client, account, monkeypatch, settings):
    from django.db import connection

    settings.LRS_SOAP_STATEMENT_TIMEOUT_MS = 50
    slow_sql = (
        "SELECT pg_sleep(2)"
        if connection.vendor == "postgresql"
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
        "WHERE x < 100000000) SELECT count(*) FROM c"
    )

    def slow(request, user):
        with connection.cursor() as cursor:
            cursor.execute(slow_sql)
        return b""

    monkeypatch.setitem(views.HANDLERS["LearnerService"], "FindLearnerByULN", slow)
    fault = fault_of(post(client, find_by_uln(account.creds())))
    assert fault["ErrorCode"] == "WSEC0000"
    assert fault["Description"].startswith("Time limit exceeded")
    # The limit ends with the call: the connection serves the next request unbounded.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "0"
        else:
            cursor.execute(
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                "WHERE x < 300000) SELECT count(*) FROM c"
            )
            assert cursor.fetchone()[0] == 300000


@override_settings(LRS_SOAP_FAILURE_LIMIT=2)
def test_failures_at_the_same_moment_are_all_counted(client, account, monkeypatch):
    """A failure counted by another request between this one's reading of the count and
    its own failure is not lost: the count is incremented in the cache, not written back."""
    from lrs.soap import services

    real = services.password_matches

    def another_request_fails_meanwhile(password, hashed):
        # The other request's failure, counted while this one checks the password.
        monkeypatch.setattr(services, "password_matches", real)
        post(client, find_by_uln(account.creds(password="Wrong-password-2")))
        return real(password, hashed)

    monkeypatch.setattr(services, "password_matches", another_request_fails_meanwhile)
    post(client, find_by_uln(account.creds(password="Wrong-password-1")))
    # Two failures: the limit is reached, and the right password is refused for now.
    locked = fault_of(post(client, find_by_uln(account.creds())))
    assert "Too many" in locked["FurtherDetails"]

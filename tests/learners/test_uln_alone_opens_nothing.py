"""A ULN alone never reveals or unlocks a learner, on any channel.

One organisation registers a learner; strangers (a provider, a view-only user and an
awarding organisation that never found that learner) then try every REST, SOAP and portal
operation that takes a ULN, knowing only the number. No answer may carry anything
personal about the learner, and none may leave the strangers able to see them later.

The REST operations are read from the OpenAPI document and the portal's from its URL
patterns, so a new operation that takes a ULN fails here until it is walked too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from lrs.access import OrganisationType, Role
from lrs.learners.models import Learner, LearnerAccess
from lrs.learners.services import learner_register, learners_retrieve
from lrs.soap.services import ws_credential_create
from lrs.users.models import User
from tests.factories import make_organisation, make_token, make_user
from tests.portal.helpers import sign_in_as

pytestmark = pytest.mark.django_db

FINDMSG = "http://api.lrs.miap.gov.uk/findmsg"
REGMSG = "http://api.lrs.miap.gov.uk/regmsg"
REPORTMSG = "http://api.lrs.miap.gov.uk/reportmsg"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"

SECRET = {
    "given_name": "Persephone",
    "family_name": "Quillfeather",
    "date_of_birth": "2003-02-01",
    "gender": "2",
    "last_known_postcode": "B15 2TT",
    "email_address": "persephone.q@example.org",
    "verification_type": "1",
    "ability_to_share": "1",
}
# Every form the learner's details could take in an answer: JSON, XML and the portal.
SECRET_TEXTS = (
    "Persephone",
    "Quillfeather",
    "2003-02-01",
    "1 February 2003",
    "01/02/2003",
    "B15 2TT",
    "B152TT",
    "persephone.q",
)
# What a stranger who knows only the ULN would send as names.
GUESS = {"given_name": "Ann", "family_name": "Example"}


def assert_nothing_personal(where: str, content: bytes | str) -> None:
    text = content.decode() if isinstance(content, bytes) else content
    leaked = [s for s in SECRET_TEXTS if s.lower() in text.lower()]
    assert not leaked, f"{where} revealed {leaked}"


@pytest.fixture(autouse=True)
def _clear_cache():
    _PASSWORDS.clear()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def learner() -> Learner:
    home = make_user(make_organisation(), Role.SUPER_USER)
    return learner_register(actor=home, data=SECRET).learner


def strangers() -> list[User]:
    provider = make_organisation()
    awarding = make_organisation(OrganisationType.AWARDING_ORGANISATION)
    return [
        make_user(provider, Role.SUPER_USER),
        make_user(provider, Role.VIEW_LEARNER_ONLY),
        make_user(awarding, Role.AWARDING_ORGANISATION_USER),
    ]


def assert_still_a_stranger(user: User, learner: Learner) -> None:
    assert not LearnerAccess.objects.filter(
        organisation_id=user.organisation_id, learner=learner
    ).exists()
    [again] = learners_retrieve(actor=user, ulns=[learner.uln])
    assert again.learner is None


# --- REST ---------------------------------------------------------------------------------

RestCall = Callable[[Client, dict[str, str], str], Any]


def _post(path: str, body: Callable[[str], Any]) -> RestCall:
    def call(client: Client, headers: dict[str, str], uln: str) -> Any:
        return client.post(
            path, json.dumps(body(uln)), content_type="application/json", headers=headers
        )

    return call


REST: dict[tuple[str, str], RestCall] = {
    ("POST", "/api/v1/learners/retrieve"): _post(
        "/api/v1/learners/retrieve", lambda u: {"ulns": [u]}
    ),
    ("POST", "/api/v1/learners/verify"): _post(
        "/api/v1/learners/verify", lambda u: {"learners": [{"uln": u, **GUESS}]}
    ),
    ("POST", "/api/v1/learners/lookup"): _post(
        "/api/v1/learners/lookup", lambda u: {"uln": u, **GUESS}
    ),
    ("POST", "/api/v1/learners/learning-events"): _post(
        "/api/v1/learners/learning-events", lambda u: {"uln": u, **GUESS}
    ),
    ("PATCH", "/api/v1/learners/{uln}"): lambda client, headers, uln: client.patch(
        f"/api/v1/learners/{uln}",
        json.dumps({"version_number": 1, "email_address": "mine@example.org"}),
        content_type="application/json",
        headers=headers,
    ),
    ("POST", "/api/v1/credentials"): _post(
        "/api/v1/credentials", lambda u: {"uln": u, "events": ["x"], "kind": "clr"}
    ),
    ("POST", "/api/v1/credentials/search"): _post(
        "/api/v1/credentials/search", lambda u: {"uln": u}
    ),
    # A stranger holds no batch or challenge of this learner's to resolve with the ULN.
    ("POST", "/api/v1/batches/{batch_id}/exceptions/{row}/resolve"): _post(
        "/api/v1/batches/999999/exceptions/1/resolve",
        lambda u: {"action": "use_uln", "uln": u, "correct_uln": u},
    ),
    ("POST", "/api/v1/challenges/{reference}/resolve"): _post(
        "/api/v1/challenges/CH-NONE/resolve",
        lambda u: {"outcome": "upheld", "correct_uln": u, "reason": "x"},
    ),
}


def _schema_properties(
    doc: dict[str, Any], schema: dict[str, Any], seen: frozenset = frozenset()
) -> set[str]:
    schemas = doc["components"]["schemas"]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return set() if name in seen else _schema_properties(doc, schemas[name], seen | {name})
    found = set(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found |= _schema_properties(doc, part, seen)
    for value in schema.get("properties", {}).values():
        if value.get("type") == "array" and "items" in value:
            found |= _schema_properties(doc, value["items"], seen)
        elif "$ref" in value:
            found |= _schema_properties(doc, value, seen)
    return found


def operations_taking_a_uln(client: Client) -> set[tuple[str, str]]:
    doc = client.get("/api/v1/openapi.json").json()
    taking = set()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", [])}
            for content in operation.get("requestBody", {}).get("content", {}).values():
                names |= _schema_properties(doc, content.get("schema", {}))
            if any("uln" in name.lower() for name in names):
                taking.add((method.upper(), path))
    return taking


def test_every_rest_operation_that_takes_a_uln_is_walked(client):
    missing = operations_taking_a_uln(client) - set(REST)
    assert not missing, f"walk these with a stranger's ULN too: {sorted(missing)}"


def test_a_strangers_uln_yields_nothing_personal_on_any_rest_operation(client, learner):
    for stranger in strangers():
        headers = {"Authorization": f"Bearer {make_token(stranger)}"}
        for (method, path), call in REST.items():
            response = call(client, headers, learner.uln)
            assert response.status_code < 500, (method, path, response.content)
            assert_nothing_personal(f"{method} {path} as {stranger.role}", response.content)
        assert_still_a_stranger(stranger, learner)
        # Nothing walked above has unlocked the learner: an update is still "not found".
        refused = REST[("PATCH", "/api/v1/learners/{uln}")](client, headers, learner.uln)
        assert refused.status_code in (403, 404)
    assert Learner.objects.get(pk=learner.pk).email_address == SECRET["email_address"]


def test_retrieve_answers_code_master_and_status_but_no_demographics_to_a_stranger(client, learner):
    stranger = strangers()[0]
    headers = {"Authorization": f"Bearer {make_token(stranger)}"}
    body = REST[("POST", "/api/v1/learners/retrieve")](client, headers, learner.uln).json()
    assert body["results"] == [
        {
            "uln": learner.uln,
            "response_code": "WSRC0004",
            "master_uln": learner.uln,
            "status": learner.status,
            "learner": None,
        }
    ]


# --- SOAP -----------------------------------------------------------------------------


_PASSWORDS: dict[int, str] = {}


def soap_account(user: User) -> tuple[str, str]:
    if user.organisation_id not in _PASSWORDS:
        super_user = make_user(user.organisation, Role.SUPER_USER)
        _, _PASSWORDS[user.organisation_id] = ws_credential_create(
            actor=super_user, organisation=user.organisation
        )
    password = _PASSWORDS[user.organisation_id]
    return (
        f"<UKPRN>{user.organisation.ukprn}</UKPRN><OrgPassword>{password}</OrgPassword>"
        f"<UserName>{user.username}</UserName>",
        password,
    )


def _frame(body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"><soapenv:Body>{body}'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _learner_service(body: Callable[[str, str], str]) -> Callable[[Client, User, str, str], Any]:
    def call(client: Client, user: User, creds: str, uln: str) -> Any:
        return client.generic(
            "POST", "/LearnerService.svc", _frame(body(creds, uln)), content_type="text/xml"
        )

    return call


def _r9(operation: str, params: str) -> Callable[[Client, User, str, str], Any]:
    def call(client: Client, user: User, password: str, uln: str) -> Any:
        vendor = "vendorID" if operation == "GetLearnerLearningEvents" else "vendorId"
        envelope = (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:tem="http://tempuri.org/" '
            'xmlns="http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface">'
            f"<soapenv:Header/><soapenv:Body><tem:{operation}>"
            f"<tem:invokingOrganisation><Password>{password}</Password>"
            f"<Ukprn>{user.organisation.ukprn}</Ukprn>"
            f"<Username>{user.username}</Username></tem:invokingOrganisation>"
            f"<tem:userType>ORG</tem:userType><tem:{vendor}>0</tem:{vendor}>"
            f"<tem:language>ENG</tem:language>{params.format(uln=uln)}</tem:{operation}>"
            "</soapenv:Body></soapenv:Envelope>"
        )
        return client.generic(
            "POST",
            "/LearnerServiceR9.svc",
            envelope.encode(),
            content_type="text/xml",
            headers={"SOAPAction": f"http://tempuri.org/ILearnerServiceR9/{operation}"},
        )

    return call


NAMES = "<FamilyName>Example</FamilyName><GivenName>Ann</GivenName>"
R9_NAMES = "<tem:givenName>Ann</tem:givenName><tem:familyName>Example</tem:familyName>"

LEARNER_SERVICE = {
    "FindLearnerByULN": _learner_service(
        lambda c, u: (
            f'<fin:FindLearnerByULN xmlns:fin="{FINDMSG}"><FindType>FUL</FindType>'
            f"{c}<ULN>{u}</ULN>{NAMES}</fin:FindLearnerByULN>"
        )
    ),
    "VerifyLearner": _learner_service(
        lambda c, u: (
            f'<rep:VerifyLearner xmlns:rep="{REPORTMSG}">{c}<LearnerToVerify>'
            f"<ULN>{u}</ULN>{NAMES}</LearnerToVerify></rep:VerifyLearner>"
        )
    ),
    "RetrieveULNs": _learner_service(
        lambda c, u: (
            f'<rep:RetrieveULNs xmlns:rep="{REPORTMSG}">{c}<ULNsToRetrieve>'
            f"<ULN>{u}</ULN></ULNsToRetrieve></rep:RetrieveULNs>"
        )
    ),
    "UpdateLearner": _learner_service(
        lambda c, u: (
            f'<reg:UpdateLearner xmlns:reg="{REGMSG}">{c}<Learner>{NAMES}'
            "<LastKnownPostCode>CV49EE</LastKnownPostCode><DateOfBirth>2001-04-03</DateOfBirth>"
            "<Gender>2</Gender><VerificationType>1</VerificationType>"
            f"<AbilityToShare>1</AbilityToShare><ULN>{u}</ULN><VersionNumber>1</VersionNumber>"
            "</Learner></reg:UpdateLearner>"
        )
    ),
}
R9 = {
    "LearnerByUln": _r9("LearnerByUln", "<tem:uln>{uln}</tem:uln>" + R9_NAMES),
    "GetLearnerLearningEvents": _r9(
        "GetLearnerLearningEvents",
        "<tem:uln>{uln}</tem:uln>" + R9_NAMES + "<tem:getType>FULL</tem:getType>",
    ),
    "UpdateLearnerSubsetFields": _r9(
        "UpdateLearnerSubsetFields",
        "<tem:uln>{uln}</tem:uln><tem:versionNumber>1</tem:versionNumber>"
        "<tem:emailAddress>mine@example.org</tem:emailAddress>",
    ),
    "ViewAudit": _r9(
        "ViewAudit",
        "<tem:learnerUln>{uln}</tem:learnerUln><tem:learnerGivenName>Ann</tem:learnerGivenName>"
        "<tem:learnerFamilyName>Example</tem:learnerFamilyName><tem:page>1</tem:page>",
    ),
    "ListDataChallenge": _r9("ListDataChallenge", "<tem:uln>{uln}</tem:uln>"),
}


def test_a_strangers_uln_yields_nothing_personal_on_any_soap_operation(client, learner):
    for stranger in strangers():
        creds, password = soap_account(stranger)
        for operation, call in LEARNER_SERVICE.items():
            response = call(client, stranger, creds, learner.uln)
            assert response.status_code == 200 or b"MIAPAPIException" in response.content, (
                operation,
                response.content,
            )
            assert_nothing_personal(f"{operation} as {stranger.role}", response.content)
        for operation, call in R9.items():
            response = call(client, stranger, password, learner.uln)
            assert response.status_code == 200 or b"MIAPAPIException" in response.content, (
                operation,
                response.content,
            )
            assert_nothing_personal(f"R9 {operation} as {stranger.role}", response.content)
        assert_still_a_stranger(stranger, learner)
    assert Learner.objects.get(pk=learner.pk).email_address == SECRET["email_address"]


def test_soap_verify_gives_a_stranger_the_uln_but_not_the_registers_details(client, learner):
    stranger = strangers()[0]
    creds, _ = soap_account(stranger)
    body = (
        f'<rep:VerifyLearner xmlns:rep="{REPORTMSG}">{creds}<LearnerToVerify>'
        f"<ULN>{learner.uln}</ULN><FamilyName>Quilfeather</FamilyName>"
        "<GivenName>Persephone</GivenName></LearnerToVerify></rep:VerifyLearner>"
    )
    response = client.generic("POST", "/LearnerService.svc", _frame(body), content_type="text/xml")
    text = response.content.decode()
    assert "<ResponseCode>WSVRC003</ResponseCode>" in text
    assert f"<ULN>{learner.uln}</ULN>" in text
    # The register's spelling, date of birth and gender stay in the register.
    assert "Quillfeather" not in text
    assert "2003-02-01" not in text
    assert "<Gender>" not in text


# --- Portal -------------------------------------------------------------------------------


def portal_paths_taking_a_uln() -> set[str]:
    found: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "uln" in route:
                found.add(route)

    walk(get_resolver().url_patterns, "")
    return found


PORTAL_FORMS = {
    "/learners/find-by-uln": lambda uln: {"uln": uln, **GUESS},
    "/learners/retrieve": lambda uln: {"ulns": uln},
    "/learners/verify": lambda uln: {"uln": uln, **GUESS},
    "/plr/": lambda uln: {"uln": uln, **GUESS},
}
# Routes with the ULN in the path; the service desk's merge history is its own (it sees
# every learner) and refuses everyone else.
PORTAL_PAGES = {
    "learners/<uln:uln>/": "/learners/{uln}/",
    "learners/<uln:uln>/update": "/learners/{uln}/update",
    "learners/<uln:uln>/registered": "/learners/{uln}/registered",
    "learners/<uln:uln>/viewers/": "/learners/{uln}/viewers/",
    "^duplicates/merges/of/(?P<uln>[0-9]{10})/$": "/duplicates/merges/of/{uln}/",
}
# Routes that name a ULN only as words (a support request about a ULN problem), and the
# REST API's, walked above from its OpenAPI document.
NOT_A_LEARNER_PAGE = re.compile(r"uln-problem|^api/")


def test_every_portal_page_that_takes_a_uln_is_walked():
    in_path = {r for r in portal_paths_taking_a_uln() if "<" in r or "(?P" in r}
    missing = {r for r in in_path if r not in PORTAL_PAGES and not NOT_A_LEARNER_PAGE.search(r)}
    assert not missing, f"walk these with a stranger's ULN too: {sorted(missing)}"


def test_a_strangers_uln_yields_nothing_personal_in_the_portal(client, learner):
    for stranger in strangers():
        sign_in_as(client, stranger)
        for path, form in PORTAL_FORMS.items():
            response = client.post(path, form(learner.uln), follow=True)
            assert response.status_code in (200, 403, 404), (path, response.status_code)
            assert_nothing_personal(f"portal {path} as {stranger.role}", response.content)
        for page in PORTAL_PAGES.values():
            response = client.get(page.format(uln=learner.uln), follow=True)
            assert response.status_code in (200, 403, 404), (page, response.status_code)
            assert_nothing_personal(f"portal {page} as {stranger.role}", response.content)
        assert_still_a_stranger(stranger, learner)
        client.logout()

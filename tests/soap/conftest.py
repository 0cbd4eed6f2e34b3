"""Shared fixtures of the SOAP facade tests: an organisation with a web service
password, its users, and helpers that post raw envelopes through the test client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from lxml import etree

from lrs.access import Role
from lrs.learners.services import learner_register
from lrs.organisations.models import Organisation
from lrs.soap.services import ws_credential_create
from lrs.users.models import User
from tests.factories import make_organisation, make_user

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
EXCEPTIONS_NS = "http://api.lrs.miap.gov.uk/exceptions"


@dataclass
class SoapAccount:
    organisation: Organisation
    super_user: User
    user: User
    password: str

    def creds(self, username: str | None = None, *, password: str | None = None) -> str:
        return (
            f"<UKPRN>{self.organisation.ukprn}</UKPRN>"
            f"<OrgPassword>{self.password if password is None else password}</OrgPassword>"
            f"<UserName>{username or self.user.username}</UserName>"
        )


@pytest.fixture(autouse=True)
def _clear_cache():
    # Failure counters and the per-user rate live in the cache.
    cache.clear()
    yield
    cache.clear()


def make_account(role: Role = Role.ONLINE_USER) -> SoapAccount:
    organisation = make_organisation()
    super_user = make_user(organisation, Role.SUPER_USER)
    user = make_user(organisation, role)
    _, password = ws_credential_create(actor=super_user, organisation=organisation)
    return SoapAccount(organisation, super_user, user, password)


@pytest.fixture
def account(db) -> SoapAccount:
    return make_account()


def person(**overrides: Any) -> dict[str, Any]:
    base = {
        "given_name": "Ann",
        "family_name": "Example",
        "date_of_birth": "2001-04-03",
        "gender": "2",
        "last_known_postcode": "CV49EE",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    return {**base, **overrides}


def register(user: User, **overrides: Any) -> str:
    return learner_register(actor=user, data=person(**overrides)).learner.uln


def frame(body: str, *extra_ns: str) -> bytes:
    declarations = "".join(f" {ns}" for ns in extra_ns)
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}"{declarations}><soapenv:Body>{body}'
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()


def post(
    client: Any,
    body: bytes | str,
    *,
    path: str = "/LearnerService.svc",
    soap_action: str | None = None,
    content_type: str = "text/xml; charset=utf-8",
) -> Any:
    headers = {} if soap_action is None else {"SOAPAction": soap_action}
    data = body.encode() if isinstance(body, str) else body
    return client.generic("POST", path, data, content_type=content_type, headers=headers)


def body_of(response: Any) -> Any:
    """The first element of the SOAP Body of an answer."""
    root = etree.fromstring(response.content)
    body = root.find(f"{{{SOAP11}}}Body")
    assert body is not None
    return body[0]


def fault_of(response: Any) -> dict[str, str]:
    """The MIAPAPIException of a fault answer, checked for the live shape on the way."""
    assert response.status_code == 500, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    fault = body_of(response)
    assert fault.tag == f"{{{SOAP11}}}Fault"
    exception = fault.find(f"detail/{{{EXCEPTIONS_NS}}}MIAPAPIException")
    assert exception is not None
    assert exception.prefix == "ns10"
    return {child.tag: child.text or "" for child in exception}


def children(element: Any) -> list[tuple[str, str]]:
    """(tag, text) of each child: tags unqualified unless namespaced (Clark notation)."""
    return [(child.tag, (child.text or "")) for child in element]

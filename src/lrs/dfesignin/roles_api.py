"""DfE Sign-in's public API, asked for a person's roles in LRS at the organisation they chose.

Real DfE Sign-in does not put a service's roles in the ID token: the service asks
``GET {api}/services/{service id}/organisations/{organisation id}/users/{user id}``,
with a bearer JWT it makes itself, signed HS256 with its API secret (not its client
secret), ``iss`` its client id and ``aud`` ``signin.education.gov.uk``. The answer's
``roles`` carry the role ``code``s LRS maps (``LRS_DFE_SIGN_IN_ROLES``). A 404 means the
person has no access to LRS at that organisation: no roles.

Only when ``LRS_DFE_SIGN_IN_API_URL`` is unset (the local stand-in provider of the demo and
tests) are roles read from a ``roles`` claim instead (lrs.dfesignin.services).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings
from joserfc import jwt
from joserfc.jwk import OctKey

AUDIENCE = "signin.education.gov.uk"
# Short: the token is made for one request, at the moment of use.
TOKEN_SECONDS = 60


class RolesUnavailable(Exception):
    """DfE Sign-in's API did not answer, or not in a way LRS can trust. ``detail`` is
    what the audit entry records (no personal data): the HTTP status, or what went wrong."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class RolesApi:
    url: str
    secret: str
    client_id: str
    service_id: str
    timeout: float

    def token(self) -> str:
        now = int(time.time())
        claims = {"iss": self.client_id, "aud": AUDIENCE, "iat": now, "exp": now + TOKEN_SECONDS}
        return jwt.encode({"alg": "HS256", "typ": "JWT"}, claims, OctKey.import_key(self.secret))

    def role_codes(self, *, user_id: str, organisation_id: str) -> list[str]:
        """The codes of the person's roles in this service at that organisation ([] if
        none), or RolesUnavailable."""
        path = "/".join(
            quote(part, safe="")
            for part in (
                "services",
                self.service_id,
                "organisations",
                organisation_id,
                "users",
                user_id,
            )
        )
        try:
            response = requests.get(
                f"{self.url.rstrip('/')}/{path}",
                headers={"Authorization": f"Bearer {self.token()}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            raise RolesUnavailable("timeout") from exc
        except requests.RequestException as exc:
            raise RolesUnavailable("unreachable") from exc
        if response.status_code == 404:
            return []
        if response.status_code != 200:
            raise RolesUnavailable(f"status {response.status_code}")
        try:
            answer = response.json()
        except ValueError as exc:
            raise RolesUnavailable("not json") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("roles", []), list):
            raise RolesUnavailable("unexpected answer")
        # An answer about another organisation or person is never taken as this one's.
        for key, expected in (("organisationId", organisation_id), ("userId", user_id)):
            if key in answer and str(answer[key]).lower() != expected.lower():
                raise RolesUnavailable(f"answer for another {key[:-2]}")
        return [
            role["code"]
            for role in answer.get("roles", [])
            if isinstance(role, dict) and isinstance(role.get("code"), str)
        ]


def configured_api() -> RolesApi | None:
    """The API as settings configure it, or None when roles come from a claim."""
    url = settings.LRS_DFE_SIGN_IN_API_URL
    if not url:
        return None
    provider = settings.LRS_OIDC_PROVIDERS.get("dfe_sign_in") or {}
    return RolesApi(
        url=url,
        secret=settings.LRS_DFE_SIGN_IN_API_SECRET,
        client_id=str(provider.get("client_id") or ""),
        service_id=settings.LRS_DFE_SIGN_IN_SERVICE_ID,
        timeout=settings.LRS_DFE_SIGN_IN_API_TIMEOUT,
    )

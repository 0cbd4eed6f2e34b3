"""GOV.UK One Login's identity claims: the signed core identity and the addresses.

With identity proving (``vtr`` ``["Cl.Cm.P2"]``) One Login's userinfo carries
``https://vocab.account.gov.uk/v1/coreIdentityJWT``, a JWT that One Login's identity
service signs (ES256) with the person's names and dates of birth, and
``https://vocab.account.gov.uk/v1/address``, their current and previous addresses. The
JWT's key is published in a DID document (``/.well-known/did.json``) and named by the
``kid`` header. Its ``iss``, ``aud`` (our client id), ``sub`` (the signed-in person),
expiry and ``vot`` (the confidence reached) are all checked before anything in it is used.

The profile settings (``LRS_OIDC_PROVIDERS["one_login"]["profile"]``):
``identity_issuer``, ``identity_did_url`` and ``identity_vot`` (the accepted levels).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from joserfc.jwt import JWTClaimsRegistry

from lrs.oidc.client import HTTP_TIMEOUT_SECONDS, SignInFailed
from lrs.oidc.profiles import ADDRESS, CORE_IDENTITY
from lrs.oidc.providers import OidcProvider

logger = logging.getLogger(__name__)

DID_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class ProvenName:
    given_names: tuple[str, ...]
    family_name: str
    current: bool


@dataclass(frozen=True)
class ProvenIdentity:
    """What One Login has proved about a person, current details first."""

    subject: str
    names: tuple[ProvenName, ...]
    dates_of_birth: tuple[dt.date, ...]
    postcodes: tuple[str, ...] = ()
    email: str = field(default="", repr=False)
    vot: str = ""

    @property
    def current_name(self) -> ProvenName | None:
        return self.names[0] if self.names else None

    @property
    def previous_family_names(self) -> tuple[str, ...]:
        current = self.current_name
        seen: list[str] = []
        for name in self.names:
            if name is current or not name.family_name:
                continue
            if current and name.family_name.casefold() == current.family_name.casefold():
                continue
            if name.family_name not in seen:
                seen.append(name.family_name)
        return tuple(seen)


_did_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_did_lock = threading.Lock()


def _did_document(url: str, *, refresh: bool = False) -> dict[str, Any]:
    with _did_lock:
        held = _did_cache.get(url)
        if held and not refresh and time.monotonic() - held[0] < DID_CACHE_SECONDS:
            return held[1]
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed(f"identity key document: {exc}") from None
    with _did_lock:
        _did_cache[url] = (time.monotonic(), document)
    return dict(document)


def _identity_key(provider: OidcProvider, kid: str) -> ECKey:
    url = str(provider.profile.get("identity_did_url") or "")
    if not url:
        raise SignInFailed("identity_did_url is not configured")
    for refresh in (False, True):  # a new key id: the document may have rotated
        for method in _did_document(url, refresh=refresh).get("assertionMethod", []):
            if isinstance(method, dict) and method.get("id") == kid:
                return ECKey.import_key(method["publicKeyJwk"])
    raise SignInFailed(f"no identity key {kid!r}")


def verify_core_identity(token: str, *, provider: OidcProvider, subject: str) -> dict[str, Any]:
    """The checked claims of a core identity JWT, or SignInFailed."""
    try:
        decoded = jwt.decode(
            token,
            lambda guest: _identity_key(provider, str(guest.headers().get("kid", ""))),
            algorithms=["ES256"],
        )
        accepted = [str(v) for v in provider.profile.get("identity_vot") or ["P2"]]
        JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": str(provider.profile.get("identity_issuer", ""))},
            aud={"essential": True, "value": provider.client_id},
            sub={"essential": True, "value": subject},
            exp={"essential": True},
            vot={"essential": True, "values": accepted},
        ).validate(decoded.claims)
    except SignInFailed:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SignInFailed(f"core identity: {exc}") from None
    return dict(decoded.claims)


def _date(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _names(subject_claims: dict[str, Any]) -> tuple[ProvenName, ...]:
    names: list[ProvenName] = []
    for entry in subject_claims.get("name") or []:
        parts = entry.get("nameParts") or []
        given = tuple(str(p["value"]).strip() for p in parts if p.get("type") == "GivenName")
        family = " ".join(str(p["value"]).strip() for p in parts if p.get("type") == "FamilyName")
        if given or family:
            names.append(ProvenName(given, family, current=not entry.get("validUntil")))
    # Current first; previous names most recent first.
    names.sort(key=lambda n: (not n.current,))
    return tuple(names)


def _postcodes(addresses: Any) -> tuple[str, ...]:
    def order(address: dict[str, Any]) -> tuple[int, str]:
        # Current (no validUntil) first, then the most recently left.
        until = str(address.get("validUntil") or "")
        return (1 if until else 0, "".join(chr(255 - ord(c)) for c in until))

    found: list[str] = []
    for address in sorted((a for a in addresses or [] if isinstance(a, dict)), key=order):
        postcode = str(address.get("postalCode") or "").strip()
        if postcode and postcode not in found:
            found.append(postcode)
    return tuple(found)


def proven_identity(userinfo: dict[str, Any], *, provider: OidcProvider) -> ProvenIdentity:
    """The person One Login has proved, from userinfo whose ``sub`` was already checked."""
    subject = str(userinfo.get("sub") or "")
    token = userinfo.get(CORE_IDENTITY)
    if not subject or not isinstance(token, str):
        raise SignInFailed("no core identity claim: the person's identity was not proved")
    claims = verify_core_identity(token, provider=provider, subject=subject)
    credential = (claims.get("vc") or {}).get("credentialSubject") or {}
    births = tuple(
        d for d in (_date(b.get("value")) for b in credential.get("birthDate") or []) if d
    )
    return ProvenIdentity(
        subject=subject,
        names=_names(credential),
        dates_of_birth=births,
        postcodes=_postcodes(userinfo.get(ADDRESS)),
        email=str(userinfo.get("email") or "") if userinfo.get("email_verified", True) else "",
        vot=str(claims.get("vot", "")),
    )

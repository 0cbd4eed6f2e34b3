"""The deployment's issuer identity, from settings: its did:web, name and signing key."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.conf import settings

from lrs.core.errors import Conflict
from lrs.vc.did import DidError, did_web
from lrs.vc.documents import IssuerProfile
from lrs.vc.multikey import KeyError_, SigningKey


@dataclass(frozen=True)
class Issuer:
    url: str
    did: str
    name: str

    @property
    def profile(self) -> IssuerProfile:
        return IssuerProfile(did=self.did, name=self.name, url=self.url)

    def status_list_url(self, number: int) -> str:
        return f"{self.url}/credentials/status/{number}"

    def method_id(self, public_multibase: str) -> str:
        return f"{self.did}#{public_multibase}"


class IssuingNotConfigured(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__("issuing_not_configured", message)


def issuer() -> Issuer:
    url = (settings.LRS_ISSUER_URL or "").rstrip("/")
    if not url:
        raise IssuingNotConfigured(
            "This LRS has no public address for its credentials: set LRS_ISSUER_URL "
            "(or LRS_PORTAL_URL)"
        )
    try:
        did = did_web(url)
    except DidError as exc:
        raise IssuingNotConfigured(f"LRS_ISSUER_URL is not usable: {exc}") from None
    return Issuer(url=url, did=did, name=settings.LRS_ISSUER_NAME)


@cache
def _key(secret: str) -> SigningKey:
    return SigningKey.from_multibase(secret)


def signing_key() -> SigningKey:
    secret = settings.LRS_ISSUER_KEY
    if not secret:
        raise IssuingNotConfigured(
            "This LRS has no credential signing key: set LRS_ISSUER_KEY "
            "(`lrs credential new-key` makes one)"
        )
    try:
        return _key(secret)
    except KeyError_ as exc:
        raise IssuingNotConfigured(f"LRS_ISSUER_KEY is not usable: {exc}") from None


def configured_public_key() -> str:
    """The configured key's public half, or "" when none (or a broken one) is set."""
    try:
        return signing_key().public_multibase
    except IssuingNotConfigured:
        return ""

"""OpenID Connect providers, as settings describe them.

``settings.LRS_OIDC_PROVIDERS`` maps a provider's name to its configuration::

    {"one_login": {
        "issuer": "https://oidc.account.gov.uk/",
        "client_id": "…",
        "private_key": "-----BEGIN PRIVATE KEY-----…",  # PEM: RSA (RS256) or EC P-256 (ES256)
        "scopes": "openid email",
        "authorize_params": {"vtr": ["Cl.Cm.P2"], "ui_locales": "en"},
        "claims": {"userinfo": {…}},   # the OIDC claims request, if any
        "profile": {…},                # anything a provider-specific module needs
    }}

Nothing about a provider is written in code: pointing LRS at another provider, or at the
local one the demo and tests run, is a change of settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.conf import settings
from joserfc.jwk import ECKey, RSAKey


class ProviderNotConfigured(Exception):
    pass


@dataclass(frozen=True)
class OidcProvider:
    name: str
    issuer: str
    client_id: str
    private_key_pem: str = field(repr=False)
    scopes: str = "openid"
    authorize_params: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] | None = None
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @cached_property
    def private_key(self) -> RSAKey | ECKey:
        """The client's signing key (request objects and client assertions)."""
        pem = self.private_key_pem.encode()
        try:
            return RSAKey.import_key(pem)
        except (ValueError, TypeError):
            return ECKey.import_key(pem)

    @property
    def signing_alg(self) -> str:
        return "RS256" if isinstance(self.private_key, RSAKey) else "ES256"

    def fingerprint(self) -> tuple[Any, ...]:
        """Equal for equal settings: a client is rebuilt only when its settings change."""
        return (self.issuer, self.client_id, self.private_key_pem, self.scopes)


def provider_config(name: str) -> OidcProvider:
    """The provider called ``name`` in settings, or ProviderNotConfigured."""
    config = dict(getattr(settings, "LRS_OIDC_PROVIDERS", {}).get(name) or {})
    missing = [key for key in ("issuer", "client_id", "private_key") if not config.get(key)]
    if missing:
        raise ProviderNotConfigured(f"{name}: {', '.join(missing)} not configured")
    return OidcProvider(
        name=name,
        issuer=str(config["issuer"]),
        client_id=str(config["client_id"]),
        private_key_pem=str(config["private_key"]),
        scopes=str(config.get("scopes") or "openid"),
        authorize_params=dict(config.get("authorize_params") or {}),
        claims=config.get("claims"),
        profile=dict(config.get("profile") or {}),
    )


def is_configured(name: str) -> bool:
    try:
        provider_config(name)
    except ProviderNotConfigured:
        return False
    return True

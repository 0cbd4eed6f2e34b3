"""What each supported provider's settings hold (imported by settings.py: no Django)."""

from __future__ import annotations

from typing import Any

CORE_IDENTITY = "https://vocab.account.gov.uk/v1/coreIdentityJWT"
ADDRESS = "https://vocab.account.gov.uk/v1/address"
# Asked for in the authorization request's ``claims`` parameter.
IDENTITY_CLAIMS_REQUEST: dict[str, Any] = {"userinfo": {CORE_IDENTITY: None, ADDRESS: None}}
# The Vector of Trust for "medium" authentication with "medium" identity confidence: a
# JSON array sent as a string, as One Login reads it.
IDENTITY_VTR = '["Cl.Cm.P2"]'


def dfe_sign_in_provider(
    *, issuer: str, client_id: str, private_key: str, scopes: str
) -> dict[str, Any]:
    """``LRS_OIDC_PROVIDERS["dfe_sign_in"]``: DfE Sign-in for organisation users; its
    ``organisation`` scope returns the organisation the person chose, with its UKPRN and
    URN (real DfE Sign-in serves the roles from its public API: lrs.dfesignin.roles_api)."""
    return {"issuer": issuer, "client_id": client_id, "private_key": private_key, "scopes": scopes}


def one_login_provider(
    *,
    issuer: str,
    client_id: str,
    private_key: str,
    identity_issuer: str,
    identity_did_url: str,
    scopes: str = "openid email",
) -> dict[str, Any]:
    """``LRS_OIDC_PROVIDERS["one_login"]``: GOV.UK One Login, asking for a proven identity."""
    return {
        "issuer": issuer,
        "client_id": client_id,
        "private_key": private_key,
        "scopes": scopes,
        "authorize_params": {"vtr": IDENTITY_VTR, "ui_locales": "en"},
        "claims": IDENTITY_CLAIMS_REQUEST,
        "profile": {
            "identity_issuer": identity_issuer,
            "identity_did_url": identity_did_url,
            "identity_vot": ["P2"],
        },
    }

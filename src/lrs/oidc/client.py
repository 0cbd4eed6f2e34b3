"""The authorization code flow against one configured provider, built on authlib.

authlib keeps the state, nonce and PKCE verifier in the Django session, exchanges the
code with a ``private_key_jwt`` client assertion and checks the ID token (signature from
the provider's JWKS, issuer, audience, expiry, nonce); joserfc signs the request object.
This module only wires them together and turns every failure into ``SignInFailed``.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.http import HttpRequest, HttpResponseRedirect
from joserfc import jwt
from joserfc.errors import JoseError

from lrs.core.errors import ServiceError
from lrs.oidc.providers import OidcProvider

logger = logging.getLogger(__name__)

# Request objects live a few minutes: long enough for the person to reach the provider.
REQUEST_OBJECT_SECONDS = 300
HTTP_TIMEOUT_SECONDS = 10


class SignInFailed(ServiceError):
    """The provider's answer could not be trusted or used; ``reason`` is for the logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            code="sign_in_failed",
            message="We could not sign you in. Try again, and if it keeps happening, try later",
            status=400,
        )
        self.reason = reason


@dataclass(frozen=True)
class SignInResult:
    provider: str
    subject: str
    id_token: str = field(repr=False)
    id_claims: dict[str, Any] = field(repr=False)
    userinfo: dict[str, Any] = field(repr=False)


_clients: dict[str, tuple[tuple[Any, ...], DjangoOAuth2App]] = {}


def _client(provider: OidcProvider) -> DjangoOAuth2App:
    """One authlib client per provider, rebuilt only when its settings change (it keeps
    the provider's metadata and keys between sign-ins)."""
    held = _clients.get(provider.name)
    if held is not None and held[0] == provider.fingerprint():
        return held[1]
    registry = OAuth()
    client = registry.register(
        provider.name,
        client_id=provider.client_id,
        # authlib signs the client assertion with the "secret": here the private key.
        client_secret=provider.private_key,
        server_metadata_url=provider.metadata_url,
        client_kwargs={
            "scope": provider.scopes,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "private_key_jwt",
            "timeout": HTTP_TIMEOUT_SECONDS,
        },
        client_auth_methods=[PrivateKeyJWT(alg=provider.signing_alg)],
    )
    _clients[provider.name] = (provider.fingerprint(), client)
    return client


def _request_object(provider: OidcProvider, params: dict[str, Any]) -> str:
    """The authorization request as a JWT signed with the client's key (RFC 9101)."""
    now = int(time.time())
    claims = {
        **params,
        "iss": provider.client_id,
        "aud": provider.issuer,
        "iat": now,
        "nbf": now,
        "exp": now + REQUEST_OBJECT_SECONDS,
        "jti": secrets.token_urlsafe(16),
    }
    header = {"alg": provider.signing_alg, "typ": "oauth-authz-req+jwt"}
    return jwt.encode(header, claims, provider.private_key, algorithms=[provider.signing_alg])


def authorization_redirect(
    request: HttpRequest, *, provider: OidcProvider, redirect_uri: str
) -> HttpResponseRedirect:
    """Send the person to the provider; authlib remembers state, nonce and PKCE verifier
    in the session for ``complete_sign_in``."""
    client = _client(provider)
    state, nonce, verifier = generate_token(30), generate_token(30), generate_token(48)
    signed = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "scope": provider.scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
        **provider.authorize_params,
    }
    if provider.claims:
        signed["claims"] = provider.claims
    # As authlib's authorize_redirect, whose own ``request`` argument (the Django
    # request) would collide with the request object's parameter name.
    try:
        started = client.create_authorization_url(
            redirect_uri,
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            **{"request": _request_object(provider, signed)},
        )
    except Exception as exc:  # the provider's metadata could not be fetched
        logger.warning("OIDC %s: could not start a sign-in: %s", provider.name, exc)
        raise SignInFailed(f"metadata: {exc}") from None
    client.save_authorize_data(request, redirect_uri=redirect_uri, **started)
    return HttpResponseRedirect(started["url"])


def complete_sign_in(request: HttpRequest, *, provider: OidcProvider) -> SignInResult:
    """Check the provider's answer on the redirect URI and fetch the person's claims."""
    client = _client(provider)
    try:
        token = client.authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": provider.client_id},
                "sub": {"essential": True},
            },
        )
        id_claims = dict(token.get("userinfo") or {})
        if not id_claims.get("sub"):
            raise SignInFailed("no ID token")
        userinfo = dict(client.userinfo(token=token))
    except SignInFailed:
        raise
    except (OAuthError, JoseError, ValueError, KeyError) as exc:
        logger.info("OIDC %s: sign-in refused: %s", provider.name, exc)
        raise SignInFailed(str(exc)) from None
    except Exception as exc:  # the provider could not be reached, or answered nonsense
        logger.warning("OIDC %s: sign-in failed: %s", provider.name, exc)
        raise SignInFailed(str(exc)) from None
    if userinfo.get("sub") != id_claims["sub"]:
        # OIDC Core 5.3.2: userinfo for someone else must never be used.
        raise SignInFailed("userinfo sub differs from the ID token's")
    return SignInResult(
        provider=provider.name,
        subject=str(id_claims["sub"]),
        id_token=str(token.get("id_token", "")),
        id_claims=id_claims,
        userinfo=userinfo,
    )


def logout_url(provider: OidcProvider, *, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's end-session address (RP-initiated logout), or "" if it has none."""
    try:
        metadata = _client(provider).load_server_metadata()
    except Exception:
        return ""
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return ""
    query = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": provider.client_id}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(query)}"

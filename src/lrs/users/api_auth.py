"""REST API authentication (bearer tokens) and capability checks for apps' api.py.

In users, not lrs.api, because it authenticates through users.services: lrs.api's own
helpers (errors, schemas, pagination) stay below every app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from lrs.access import Capability
from lrs.core.errors import NotPermitted
from lrs.users.models import User
from lrs.users.services import TokenRefused, api_token_authenticate


class TokenAuthenticationError(AuthenticationError):
    def __init__(self, message: str) -> None:
        super().__init__(401, message)


class BearerToken(HttpBearer):
    """``Authorization: Bearer lrs_…``: a personal API token created in the portal or CLI."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        try:
            user = api_token_authenticate(plaintext=token)
        except TokenRefused as exc:
            raise TokenAuthenticationError(exc.message) from None
        request.user = user
        return user


def api_user(request: HttpRequest) -> User:
    user: Any = request.auth  # type: ignore[attr-defined]
    return user


def require(request: HttpRequest, capability: Capability) -> User:
    user = api_user(request)
    if not user.can(capability):
        raise NotPermitted(f"Your role may not {capability.value.replace('_', ' ')}")
    return user

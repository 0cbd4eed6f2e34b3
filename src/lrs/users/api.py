from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Router, Schema, Status

from lrs.access import Capability, Role
from lrs.api.schemas import Declared, code, responses
from lrs.core.errors import NotFound
from lrs.users import selectors, services
from lrs.users.api_auth import api_user, require
from lrs.users.models import User

router = Router(tags=["Users and tokens"])


class OrganisationOut(Schema):
    name: str
    ukprn: str
    type: str
    status: str


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    organisation: OrganisationOut
    capabilities: list[str]


class UserOut(Schema):
    username: str
    email: str
    first_name: str
    last_name: str
    role: str
    is_active: bool


# The rules user_create checks (declared for the document; the service answers them).
RoleCode = Annotated[
    str,
    code(*Role),
    Declared(description="One of the roles; the organisation's type decides which it may have"),
]


class UserIn(Schema):
    username: Annotated[str, Declared(pattern=r"^[A-Za-z0-9.@+_-]{3,150}$")]
    role: RoleCode
    password: Annotated[
        str,
        Declared(
            format="password",
            minLength=12,
            description="At least 12 characters, not a common password, not all digits "
            "and not like the username or names",
        ),
    ]
    email: Annotated[str, Declared(format="email", maxLength=254)] = ""
    first_name: Annotated[str, Declared(maxLength=150)] = ""
    last_name: Annotated[str, Declared(maxLength=150)] = ""


class RoleIn(Schema):
    role: RoleCode


class TokenOut(Schema):
    id: int
    name: str
    key_id: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def _user_out(user: User) -> UserOut:
    return UserOut(
        username=user.username,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        role=user.role,
        is_active=user.is_active,
    )


def _find(actor: User, username: str) -> User:
    users = selectors.user_list_for_organisation(actor=actor)
    user = users.select_related("organisation").filter(username__iexact=username).first()
    if user is None:
        raise NotFound(f"No user '{username}' in your organisation")
    return user


@router.get("/me", response=responses({200: MeOut}), summary="Who this token speaks for")
def me(request: HttpRequest) -> MeOut:
    user = api_user(request)
    org = user.organisation
    return MeOut(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        organisation=OrganisationOut(
            name=org.name, ukprn=org.ukprn, type=org.type, status=org.status
        ),
        capabilities=sorted(c.value for c in user.capabilities()),
    )


@router.get("/users", response=responses({200: list[UserOut]}), summary="Your organisation's users")
def list_users(request: HttpRequest) -> list[UserOut]:
    actor = require(request, Capability.MANAGE_USERS)
    return [_user_out(u) for u in selectors.user_list_for_organisation(actor=actor)]


@router.post("/users", response=responses({201: UserOut}), summary="Create a user")
def create_user(request: HttpRequest, payload: UserIn) -> Status:
    actor = require(request, Capability.MANAGE_USERS)
    user = services.user_create(
        actor=actor,
        organisation=actor.organisation,
        username=payload.username,
        role=payload.role,
        password=payload.password,
        email=payload.email,
        first_name=payload.first_name,
        last_name=payload.last_name,
    )
    return Status(201, _user_out(user))


@router.put(
    "/users/{username}/role", response=responses({200: UserOut}), summary="Change a user's role"
)
def change_role(request: HttpRequest, username: str, payload: RoleIn) -> UserOut:
    actor = require(request, Capability.MANAGE_USERS)
    user = services.user_change_role(actor=actor, user=_find(actor, username), role=payload.role)
    return _user_out(user)


@router.post(
    "/users/{username}/deactivate",
    response=responses({200: UserOut}),
    summary="Deactivate a user (their tokens are revoked)",
)
def deactivate(request: HttpRequest, username: str) -> UserOut:
    actor = require(request, Capability.MANAGE_USERS)
    return _user_out(services.user_deactivate(actor=actor, user=_find(actor, username)))


@router.get("/tokens", response=responses({200: list[TokenOut]}), summary="Your API tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.from_orm(t) for t in selectors.api_token_list(user=api_user(request))]


@router.delete(
    "/tokens/{token_id}", response=responses({200: TokenOut}), summary="Revoke one of your tokens"
)
def revoke_token(request: HttpRequest, token_id: int) -> TokenOut:
    user = api_user(request)
    token = services.api_token_revoke(
        actor=user, token=selectors.api_token_get(user=user, token_id=token_id)
    )
    return TokenOut.from_orm(token)

from __future__ import annotations

from django.db.models import QuerySet

from lrs.access import Capability
from lrs.core.errors import NotFound, NotPermitted
from lrs.users.models import ApiToken, User


def user_list_for_organisation(*, actor: User) -> QuerySet[User]:
    if not actor.can(Capability.MANAGE_USERS):
        raise NotPermitted("Only super users can manage users")
    return User.objects.filter(organisation_id=actor.organisation_id).order_by(
        "-is_active", "username"
    )


def user_get_in_organisation(*, actor: User, user_id: int) -> User:
    try:
        return (
            user_list_for_organisation(actor=actor).select_related("organisation").get(pk=user_id)
        )
    except User.DoesNotExist:
        raise NotFound("No such user in your organisation") from None


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def api_token_get(*, user: User, token_id: int) -> ApiToken:
    try:
        return ApiToken.objects.get(user=user, pk=token_id)
    except ApiToken.DoesNotExist:
        raise NotFound("No such token") from None

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from lrs.access import ROLE_LABELS, Capability, Role, roles_allowed_in
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core.errors import (
    Conflict,
    FieldProblem,
    NotFound,
    NotPermitted,
    ServiceError,
    ValidationFailed,
)
from lrs.core.tasks import send_email
from lrs.users import tokens
from lrs.users.models import ApiToken, User
from lrs.users.signals import user_reactivating

if TYPE_CHECKING:
    # Only the type of User.organisation: organisations sits above users (it creates
    # users through these services), so users never imports it.
    from lrs.organisations.models import Organisation

_USERNAME = re.compile(r"[A-Za-z0-9.@+_-]{3,150}")
# Recording every use would turn each API call into a write; once a minute is plenty.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _a(noun: str) -> str:
    noun = noun.lower()
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _require_manager(actor: User | None, organisation: Organisation) -> None:
    """Super users manage their own organisation's users; the console manages any."""
    if actor is None:
        return
    if not actor.can(Capability.MANAGE_USERS) or actor.organisation_id != organisation.pk:
        raise NotPermitted("Only a super user of this organisation can manage its users")


def _check_role(organisation: Organisation, role: str) -> Role:
    try:
        chosen = Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise ValidationFailed(
            [FieldProblem("role", f"Unknown role '{role}'; use one of: {allowed}")]
        ) from None
    permitted = roles_allowed_in(organisation.type)
    if chosen not in permitted:
        names = ", ".join(sorted(ROLE_LABELS[r] for r in permitted))
        raise ValidationFailed(
            [
                FieldProblem(
                    "role",
                    f"{_a(organisation.type_label)} cannot have {_a(ROLE_LABELS[chosen])}; "
                    f"choose one of: {names}",
                )
            ]
        )
    return chosen


def _lock_organisation(organisation: Organisation) -> Organisation:
    # Serialises changes to one organisation's super users so that two administrators
    # demoting each other at once cannot leave it with none.
    return type(organisation).objects.select_for_update().get(pk=organisation.pk)


def _refuse_if_last_super_user(user: User, action: str, actor: User | None) -> None:
    others = (
        User.objects.filter(
            organisation_id=user.organisation_id, role=Role.SUPER_USER, is_active=True
        )
        .exclude(pk=user.pk)
        .exists()
    )
    if user.role == Role.SUPER_USER and user.is_active and not others:
        raise Conflict(
            "last_super_user",
            f"{user.username} is the organisation's last active super user. "
            "Make another user a super user first.",
        )


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    organisation: Organisation,
    username: str,
    role: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    _require_manager(actor, organisation)
    problems: list[FieldProblem] = []
    username = (username or "").strip()
    if not _USERNAME.fullmatch(username):
        problems.append(
            FieldProblem(
                "username",
                "A username is 3 to 150 characters: letters, digits and . @ + _ - only",
            )
        )
    elif User.objects.filter(username__iexact=username).exists():
        problems.append(FieldProblem("username", f"The username '{username}' is already taken"))
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(FieldProblem("email", "Enter an email address like name@example.com"))
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if len(value or "") > 150:
            problems.append(FieldProblem(field, "Must be 150 characters or fewer"))
    try:
        chosen = _check_role(organisation, role)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
        chosen = None
    candidate = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        organisation=organisation,
    )
    if password is not None:
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            problems.extend(FieldProblem("password", message) for message in exc.messages)
    if problems or chosen is None:
        raise ValidationFailed(problems)
    candidate.role = chosen
    if password is None:
        # The person chooses their own password through a sign-in link
        # (user_sign_in_link); until then nobody can sign in as them.
        candidate.set_unusable_password()
    else:
        candidate.set_password(password)
    candidate.save()
    audit_record(
        action="user.create",
        actor=actor,
        organisation=organisation,
        object_type="user",
        object_id=candidate.username,
        detail={"role": chosen.value},
    )
    return candidate


class SignInLinkInvalid(ServiceError):
    """A sign-in link that is malformed, used, expired or for an account that cannot sign in."""

    def __init__(self) -> None:
        super().__init__(
            code="sign_in_link_invalid",
            message="This link has expired or has already been used",
            status=400,
        )


def user_sign_in_link(*, user: User) -> str:
    """The path of a one-time link at which ``user`` chooses their password.

    Django's token generator signs the user's password hash and last sign-in with the
    time, so the link stops working once a password is set (by it or any other way) and
    after settings.PASSWORD_RESET_TIMEOUT seconds. Nothing is stored: the caller sends it.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("portal:set-password", kwargs={"uidb64": uidb64, "token": token})


def user_from_sign_in_link(*, uidb64: str, token: str) -> User:
    """The user a sign-in link is for, or SignInLinkInvalid (never saying why: an
    attacker learns nothing about which accounts exist)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        raise SignInLinkInvalid() from None
    user = User.objects.select_related("organisation").filter(pk=pk).first()
    if (
        user is None
        or not user.is_active
        or not user.organisation.is_active
        or not default_token_generator.check_token(user, token)
    ):
        raise SignInLinkInvalid()
    return user


def sign_in_link_lifetime() -> str:
    """How long a sign-in link works, in words (settings.PASSWORD_RESET_TIMEOUT)."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def portal_address(portal_url: str, path: str) -> str:
    """The absolute address of ``path``, for emails. The portal's address comes from the
    request that made the change (its host was checked against ALLOWED_HOSTS), or from
    settings.LRS_PORTAL_URL for changes made at the console."""
    base = portal_url or getattr(settings, "LRS_PORTAL_URL", "")
    return base.rstrip("/") + path


def email_footer() -> str:
    return f"\n\n-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"


def sign_in_link_email(
    *, user: User, portal_url: str, opening: str, sender: str, closing: str = ""
) -> None:
    """Email ``user`` a one-time link to choose their password (user_sign_in_link);
    ``sender`` is who sends a new link when this one has expired."""
    link = portal_address(portal_url, user_sign_in_link(user=user))
    body = (
        f"{opening}\n\n"
        f"Your username is: {user.username}\n\n"
        "Use this link to choose your password, then sign in:\n\n"
        f"{link}\n\n"
        f"The link works once and expires after {sign_in_link_lifetime()}. If it has "
        f"expired, ask {sender} to send you a new one."
    )
    if closing:
        body += f"\n\n{closing}"
    # The queue is in the database: the email is sent only if the change commits.
    send_email.enqueue(
        to=[user.email],
        subject="LRS: choose your password and sign in",
        body=body + email_footer(),
        kind="sign_in_link",
    )


@transaction.atomic
def user_password_reset(*, actor: User | None, user: User, portal_url: str = "") -> User:
    """A super user resets the password of a user of their organisation (who has
    forgotten it, or may have given it away): the old password stops working at once,
    and the user is emailed a one-time link to choose a new one."""
    _require_manager(actor, user.organisation)
    user = User.objects.select_for_update().select_related("organisation").get(pk=user.pk)
    if not user.is_active:
        raise Conflict("user_inactive", f"{user.username} is deactivated: reactivate them first")
    if not user.email:
        raise Conflict(
            "no_email",
            f"{user.username} has no email address to send a link to. LRS keeps no way to "
            "add one yet: deactivate the account and add a new one with an email address",
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit_record(
        action="user.password_reset",
        actor=actor,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
    )
    sign_in_link_email(
        user=user,
        portal_url=portal_url,
        opening=(
            f"A super user of {user.organisation.name} has reset your password for the "
            "Learning Records Service. Your old password no longer works."
        ),
        sender="your organisation's super user",
        closing="If you did not ask for this, tell your organisation's super user.",
    )
    return user


@transaction.atomic
def user_set_password_with_link(*, uidb64: str, token: str, password: str) -> User:
    """Set the password of the user a sign-in link is for; the link is then used up."""
    user = user_from_sign_in_link(uidb64=uidb64, token=token)
    # Checked again under the lock: the same link sent twice at once must work only once.
    user = User.objects.select_for_update().select_related("organisation").get(pk=user.pk)
    if not default_token_generator.check_token(user, token):
        raise SignInLinkInvalid()
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationFailed(
            [FieldProblem("password", message) for message in exc.messages]
        ) from None
    first = not user.has_usable_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        action="user.set_password",
        actor=user,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
        detail={"via": "sign_in_link", "first_password": first},
    )
    return user


@transaction.atomic
def user_change_role(*, actor: User | None, user: User, role: str) -> User:
    _require_manager(actor, user.organisation)
    _lock_organisation(user.organisation)
    user = User.objects.select_related("organisation").get(pk=user.pk)
    chosen = _check_role(user.organisation, role)
    if chosen == user.role:
        return user
    if chosen != Role.SUPER_USER:
        _refuse_if_last_super_user(user, "change_role", actor)
    old_role = user.role
    user.role = chosen
    user.save(update_fields=["role"])
    audit_record(
        action="user.change_role",
        actor=actor,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
        detail={"from": old_role, "to": chosen.value},
    )
    return user


@transaction.atomic
def user_deactivate(*, actor: User | None, user: User) -> User:
    _require_manager(actor, user.organisation)
    _lock_organisation(user.organisation)
    user = User.objects.select_related("organisation").get(pk=user.pk)
    if not user.is_active:
        return user
    _refuse_if_last_super_user(user, "deactivate", actor)
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    # A deactivated user's tokens die with the account; reactivation does not revive them.
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_record(
        action="user.deactivate",
        actor=actor,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
        detail={"tokens_revoked": revoked},
    )
    return user


@transaction.atomic
def user_reactivate(*, actor: User | None, user: User) -> User:
    _require_manager(actor, user.organisation)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    # Apps that may hold an account (the misuse watch) refuse here by raising.
    user_reactivating.send(sender=User, user=user)
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit_record(
        action="user.reactivate",
        actor=actor,
        organisation=user.organisation,
        object_type="user",
        object_id=user.username,
    )
    return user


@transaction.atomic
def api_token_create(
    *, actor: User | None, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns it with the plaintext, shown once and never again.

    People create their own tokens; the console may create one for anyone.
    """
    if actor is not None and actor.pk != user.pk:
        raise NotPermitted("You can only create API tokens for yourself")
    if not user.can(Capability.USE_API):
        raise NotPermitted("This account may not use the API")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(
            [FieldProblem("name", "Give the token a name of 1 to 100 characters")]
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed([FieldProblem("expires_at", "The expiry must be in the future")])
    new = tokens.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_id=new.key_id,
        digest=tokens.digest(new.plaintext),
        expires_at=expires_at,
    )
    audit_record(
        action="api_token.create",
        actor=actor or user,
        organisation=user.organisation,
        object_type="api_token",
        object_id=new.key_id,
        detail={"name": name, "for_user": user.username},
    )
    return token, new.plaintext


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id:
        raise NotFound("No such token")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            action="api_token.revoke",
            actor=actor or token.user,
            organisation=token.user.organisation,
            object_type="api_token",
            object_id=token.key_id,
        )
    return token


class TokenRefused(ServiceError):
    def __init__(self, message: str) -> None:
        super().__init__(code="unauthorised", message=message, status=401)


def api_token_authenticate(*, plaintext: str) -> User:
    """The user a bearer token speaks for, or TokenRefused with the reason."""
    key_id = tokens.parse(plaintext)
    if key_id is None:
        raise TokenRefused("The bearer token is not an LRS API token")
    token = (
        ApiToken.objects.select_related("user", "user__organisation").filter(key_id=key_id).first()
    )
    if token is None or not tokens.matches(plaintext, token.digest):
        raise TokenRefused("The API token is not recognised")
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("The API token has been revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused("The API token has expired")
    user = token.user
    if not user.is_active:
        raise TokenRefused("The account this token belongs to is deactivated")
    if not user.organisation.is_active:
        raise TokenRefused("The organisation this token belongs to is not active")
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_RESOLUTION:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


@transaction.atomic(savepoint=False)
def audit_refusal(*, actor: User | None, action: str, object_id: str, reason: str) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type="user",
        object_id=object_id,
        outcome=Outcome.REFUSED,
        detail={"reason": reason},
    )

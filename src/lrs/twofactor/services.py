"""Two-factor sign-in for organisation users who sign in with a password.

The second factor is a TOTP authenticator app (django-otp's TOTPDevice) with one-time
recovery codes (a StaticDevice). A password alone never makes a session for a user who
has, or must have, a second factor: the sign-in view keeps them "pending" until the code
step (or, for a required user with none yet, enrolment) is done. API tokens and SOAP
web service passwords are separate credentials and are not affected.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.access import OrganisationType, Role
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core.errors import FieldProblem, NotPermitted, ValidationFailed
from lrs.core.tasks import send_email
from lrs.users.models import User

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
_REQUIRED_ROLES = {Role.SUPER_USER.value, Role.SERVICE_DESK_USER.value}


def two_factor_required(*, user: User) -> bool:
    """Super users and service desk users must use a second factor; the setting
    LRS_TWO_FACTOR_REQUIRED_FOR_ALL extends that to everyone."""
    if getattr(settings, "LRS_TWO_FACTOR_REQUIRED_FOR_ALL", False):
        return True
    return user.role in _REQUIRED_ROLES or user.organisation.type == OrganisationType.SERVICE_DESK


def two_factor_enrolled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Lockout after wrong codes -----------------------------------------------------------


def _lock_key(user_id: int) -> str:
    return f"lrs-2fa-lock:{user_id}"


def _failures_key(user_id: int) -> str:
    return f"lrs-2fa-failures:{user_id}"


def lockout_seconds() -> int:
    return round(float(settings.AXES_COOLOFF_TIME) * 3600)


def two_factor_locked(*, user: User) -> bool:
    return bool(cache.get(_lock_key(user.pk)))


@dataclass(frozen=True)
class CodeCheck:
    device: object | None
    recovery_code_used: bool = False
    locked: bool = False
    attempts_left: int = 0


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def two_factor_check_code(*, user: User, code: str) -> CodeCheck:
    """Check a code from the authenticator app, or a recovery code (used up by this).

    Wrong codes are counted per user, wherever they come from: after
    LRS_TWO_FACTOR_FAILURE_LIMIT in a row the user is locked out for the sign-in lockout
    period (LRS_SIGN_IN_LOCKOUT_HOURS), audited."""
    if two_factor_locked(user=user):
        return CodeCheck(device=None, locked=True)
    token = _normalise(code)
    device = match_token(user, token) if token else None
    limit = int(settings.LRS_TWO_FACTOR_FAILURE_LIMIT)
    if device is not None:
        cache.delete(_failures_key(user.pk))
        recovery = isinstance(device, StaticDevice)
        if recovery:
            audit_record(
                action="user.two_factor_recovery_code",
                actor=user,
                object_type="user",
                object_id=user.username,
                detail={"recovery_codes_left": recovery_codes_left(user=user)},
            )
        return CodeCheck(device=device, recovery_code_used=recovery)
    failures = cache.get(_failures_key(user.pk), 0) + 1
    cache.set(_failures_key(user.pk), failures, lockout_seconds())
    locked = failures >= limit
    audit_record(
        action="user.two_factor_code",
        actor=user,
        object_type="user",
        object_id=user.username,
        outcome=Outcome.REFUSED,
        detail={"failures": failures, "locked": locked},
    )
    if locked:
        cache.set(_lock_key(user.pk), time.time(), lockout_seconds())
        cache.delete(_failures_key(user.pk))
    return CodeCheck(device=None, locked=locked, attempts_left=max(limit - failures, 0))


# --- Enrolment ---------------------------------------------------------------------------


@transaction.atomic
def two_factor_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (made now if there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the authenticator app with a code from it; returns the new recovery codes
    (shown to the person once, on the next page)."""
    if device.user_id != user.pk or device.confirmed:
        raise NotPermitted("That authenticator is not being set up")
    token = _normalise(code)
    if not token:
        raise ValidationFailed([FieldProblem("code", "Enter the 6-digit code from your app")])
    if not (token.isdigit() and len(token) == 6) or not device.verify_token(token):
        raise ValidationFailed(
            [
                FieldProblem(
                    "code",
                    "The code is not right: enter the 6-digit code your app shows now",
                )
            ]
        )
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_record(
        action="user.two_factor_enrol", actor=user, object_type="user", object_id=user.username
    )
    return codes


@transaction.atomic
def two_factor_new_recovery_codes(*, user: User) -> list[str]:
    if not two_factor_enrolled(user=user):
        raise NotPermitted("Set up two-factor sign-in first")
    codes = _new_recovery_codes(user)
    audit_record(
        action="user.two_factor_recovery_codes",
        actor=user,
        object_type="user",
        object_id=user.username,
    )
    return codes


@transaction.atomic
def two_factor_turn_off(*, user: User) -> None:
    """A user for whom it is optional turns their own second factor off."""
    if two_factor_required(user=user):
        raise NotPermitted("Your role must use two-factor sign-in")
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit_record(
        action="user.two_factor_off", actor=user, object_type="user", object_id=user.username
    )


@transaction.atomic
def two_factor_reset(*, actor: User, user: User) -> User:
    """A super user removes another user's second factor (a lost phone): audited, and the
    user is emailed. They set it up again when they next sign in, if it is required."""
    if actor.role != Role.SUPER_USER or actor.organisation_id != user.organisation_id:
        raise NotPermitted("Only a super user of their organisation can reset it")
    if actor.pk == user.pk:
        raise NotPermitted("Ask another super user to reset your own two-factor sign-in")
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    cache.delete(_lock_key(user.pk))
    cache.delete(_failures_key(user.pk))
    audit_record(
        action="user.two_factor_reset",
        actor=actor,
        object_type="user",
        object_id=user.username,
        detail={"devices_removed": removed},
    )
    if user.email:
        send_email.enqueue(
            to=[user.email],
            subject="LRS: your two-factor sign-in has been reset",
            body=(
                f"A super user of {user.organisation.name} has reset the two-factor sign-in "
                f"of your LRS account ({user.username}). Your authenticator app and recovery "
                "codes no longer work.\n\n"
                "When you next sign in, LRS will ask you to set up an authenticator app "
                "again. If you did not ask for this, contact your organisation's super user "
                "or the LRS service desk at once."
                f"\n\n-- \nLearning Records Service ({settings.DEFAULT_FROM_EMAIL})\n"
            ),
            kind="two_factor_reset",
        )
    return user

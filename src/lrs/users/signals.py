"""What users announces, and sign-in and sign-out audited like any other action."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from lrs.audit.models import Outcome
from lrs.audit.services import audit_record

# A deactivated user is about to be reactivated. Sent inside user_reactivate's
# transaction, before the change; a receiver refuses by raising a ServiceError (misuse
# holds an account its watch suspended, so users never imports misuse). Arguments: user.
user_reactivating = Signal()


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(action="user.sign_in", actor=user, object_type="user", object_id=user.username)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(
            action="user.sign_out", actor=user, object_type="user", object_id=user.username
        )


@receiver(user_login_failed)
def _sign_in_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Never the password; the username may be mistyped, so it is kept as given.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        action="user.sign_in",
        object_type="user",
        object_id=username[:64],
        outcome=Outcome.REFUSED,
        detail={"username": username},
    )

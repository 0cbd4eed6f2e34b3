"""How misuse follows users' changes (connected in MisuseConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lrs.core.errors import Conflict
from lrs.misuse.models import AlertStatus, MisuseAlert
from lrs.users.signals import user_reactivating


@receiver(user_reactivating, dispatch_uid="misuse.reactivation_hold")
def refuse_reactivating_a_suspended_user(sender: Any, user: Any, **kwargs: Any) -> None:
    """The misuse watch suspended this account; only the service desk may lift that
    (by deciding the alert), not the organisation's super user reactivating it."""
    if MisuseAlert.objects.filter(user=user, status=AlertStatus.OPEN).exists():
        raise Conflict(
            "misuse_suspension",
            f"{user.username} was suspended automatically for unusual activity. "
            "The LRS service desk reviews it and decides whether to reinstate the account.",
        )

"""Credentials follow the records they state.

Connected to lrs.records' signals in CredentialsConfig.ready, so that records never
imports credentials.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lrs.credentials.services import credentials_revoke_for_event
from lrs.records.signals import event_changed


@receiver(event_changed, dispatch_uid="lrs-credentials-event-changed")
def on_event_changed(sender: Any, *, event: Any, action: str, actor: Any, **_: Any) -> None:
    # Runs inside the transaction that changed the event: revoked with it, or not at all.
    credentials_revoke_for_event(event=event, action=action, actor=actor)

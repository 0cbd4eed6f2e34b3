"""What records announces, for apps built on top of it.

Sent by lrs.records.services, so that records never imports the apps that follow its
changes (credentials subscribes in CredentialsConfig.ready).
"""

from __future__ import annotations

from django.dispatch import Signal

# An event's recorded values changed (updated, withdrawn, reinstated, promoted or moved to
# another learner). Sent inside the transaction that changes it, so a receiver's writes
# commit or roll back with the change. Arguments: event, action, actor.
event_changed = Signal()

"""Support requests follow what the service desk decides about the pairs they reported.

Connected to lrs.duplicates' signals in SupportConfig.ready, so that duplicates never
imports support (support proposes reported pairs through lrs.duplicates.services).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from lrs.duplicates.signals import merge_undone, pairs_decided
from lrs.support.services import support_requests_merge_undone, support_requests_pairs_decided


@receiver(pairs_decided, dispatch_uid="lrs-support-pairs-decided")
def on_pairs_decided(sender: Any, *, actor: Any, pairs: Any, merge: Any, **_: Any) -> None:
    support_requests_pairs_decided(actor=actor, pairs=pairs, merge=merge)


@receiver(merge_undone, dispatch_uid="lrs-support-merge-undone")
def on_merge_undone(sender: Any, *, actor: Any, merge: Any, pair_ids: Any, **_: Any) -> None:
    support_requests_merge_undone(actor=actor, merge=merge, pair_ids=pair_ids)

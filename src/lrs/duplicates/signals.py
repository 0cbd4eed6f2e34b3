"""What the duplicates app announces, for other apps to act on without being imported.

Both are sent inside the transaction that made the change, with ``send`` (not
``send_robust``): a receiver that fails rolls the whole decision back, so nothing is
half-written.
"""

from __future__ import annotations

from django.dispatch import Signal

# Pairs were decided (merged, not the same person, or no longer applying).
# Arguments: actor (User), pairs (Sequence[DuplicatePair]), merge (LearnerMerge | None).
pairs_decided = Signal()

# A merge was undone and these pairs of it are open again.
# Arguments: actor (User), merge (LearnerMerge), pair_ids (list[int]).
merge_undone = Signal()

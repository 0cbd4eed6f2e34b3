"""The scorer a find uses: the matching engine fitted to the live register.

Agreement on a rare name is stronger evidence than on a common one, and the evidence an
exact match needs grows with the register (one person among 4,000 or among 10 million).
So a find scores with the register's name frequencies and size. Counting them takes two
GROUP BY queries over the register, so the result is kept for
``LRS_MATCHING_STATS_SECONDS`` (default 600) per process; a register of a few thousand
(or an empty one) gives frequencies shrunk almost to the shipped averages, so small
registers behave as the shipped defaults do.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from django.conf import settings
from django.db.models import Count

from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.parameters import active_weights
from lrs.matching import FrequencyTable, Scorer
from lrs.matching.normalise import name_compact

__all__ = ["register_scorer", "register_scorer_reset"]

_lock = threading.Lock()
_cached: tuple[float, Scorer] | None = None


def _counts(column: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    rows = (
        Learner.objects.exclude(status=LearnerStatus.CLOSED)
        .values_list(column)
        .annotate(n=Count("id"))
        .order_by()
    )
    for name, n in rows:
        counts[name_compact(name or "")] += n
    counts.pop("", None)
    return counts


def build_register_scorer() -> Scorer:
    given = _counts("given_name")
    family = _counts("family_name")
    size = sum(given.values())
    return Scorer(active_weights(), FrequencyTable.from_counts(given, family), register_size=size)


def register_scorer() -> Scorer:
    """The scorer for finds now (rebuilt when older than the setting allows)."""
    global _cached
    ttl = float(getattr(settings, "LRS_MATCHING_STATS_SECONDS", 600))
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    with _lock:
        if _cached is not None and now - _cached[0] < ttl:
            return _cached[1]
        scorer = build_register_scorer()
        _cached = (time.monotonic(), scorer)
        return scorer


def register_scorer_reset() -> None:
    """Forget the cached scorer (after a calibration, and between tests)."""
    global _cached
    _cached = None

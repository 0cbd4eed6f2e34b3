"""The scorer a find uses: the matching engine fitted to the live register.

Agreement on a rare name is stronger evidence than on a common one, and the evidence an
exact match needs grows with the register (one person among 4,000 or among 10 million).
So a find scores with the register's name frequencies and size. Counting them takes two
GROUP BY queries over the register, so the result is kept for
``LRS_MATCHING_STATS_SECONDS`` (default 600) per process; a register of a few thousand
(or an empty one) gives frequencies shrunk almost to the shipped averages, so small
registers behave as the shipped defaults do.

The count grows with the register (seconds at a million learners, tens of seconds at ten
million), so once a process has a scorer no find waits for it again: for as long again as
the setting, finds keep the scorer they have while one background thread counts afresh.
Every count is also left in the cache (Redis in production, shared by every machine), so
a process that starts (a web process, a batch worker) takes the counts another made if
they are younger than twice the setting, and counts afresh in the background if they are
older than it. Only a process that finds none counts in line.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count

from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.parameters import active_weights
from lrs.matching import FrequencyTable, Scorer
from lrs.matching.normalise import name_compact

__all__ = ["register_counts_forget", "register_scorer", "register_scorer_reset"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cached: tuple[float, Scorer] | None = None
_refresh_lock = threading.Lock()
_refreshing: threading.Thread | None = None
# Moved on by a reset (a calibration), so a count begun before it is not kept after it.
_generation = 0


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


def _ttl() -> float:
    return float(getattr(settings, "LRS_MATCHING_STATS_SECONDS", 600))


def _scorer(given: Mapping[str, int], family: Mapping[str, int]) -> Scorer:
    return Scorer(
        active_weights(),
        FrequencyTable.from_counts(given, family),
        register_size=sum(given.values()),
    )


def build_register_scorer() -> Scorer:
    """Count the register's names now, leave the counts for other processes, and build."""
    given = _counts("given_name")
    family = _counts("family_name")
    if _ttl() > 0:
        _share(given, family)
    return _scorer(given, family)


def shared_counts_key() -> str:
    """Where the counts one process made wait for the next to start, as (time.time(),
    given, family): named by the database they were counted in, so that two registers
    sharing a cache (a test and a demo database, a staging and a live one) never take
    each other's."""
    db = connections[router.db_for_read(Learner)].settings_dict
    where = "|".join(str(db.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME"))
    return "lrs:learners:register-name-counts:" + hashlib.sha256(where.encode()).hexdigest()[:16]


def _share(given: Counter[str], family: Counter[str]) -> None:
    try:
        cache.set(shared_counts_key(), (time.time(), dict(given), dict(family)), timeout=None)
    except Exception:
        # Only a later process's start is slower for it.
        logger.warning("Could not leave the register's name counts in the cache", exc_info=True)


def _from_shared(ttl: float) -> tuple[float, Scorer] | None:
    """A scorer from counts another process left, stamped (on this process's monotonic
    clock) with the time they were counted; None if there are none young enough."""
    try:
        shared = cache.get(shared_counts_key())
    except Exception:
        logger.warning("Could not read the register's name counts from the cache", exc_info=True)
        return None
    try:
        counted_at, given, family = shared
        age = time.time() - float(counted_at)
    except (TypeError, ValueError):  # nothing there, or left by another version
        return None
    if not 0 <= age < 2 * ttl:
        return None
    return time.monotonic() - age, _scorer(given, family)


def register_scorer() -> Scorer:
    """The scorer for finds now: counted afresh once older than the setting allows, in
    the background while it is younger than twice that, in line after."""
    global _cached
    ttl = _ttl()
    now = time.monotonic()
    cached = _cached
    if cached is None and ttl > 0:
        with _lock:
            if _cached is None:
                _cached = _from_shared(ttl)
            cached = _cached
    if cached is not None:
        age = now - cached[0]
        if age < ttl:
            return cached[1]
        if age < 2 * ttl:
            _refresh_in_background()
            return cached[1]
    with _lock:
        if _cached is not None and now - _cached[0] < ttl:
            return _cached[1]
        scorer = build_register_scorer()
        _cached = (time.monotonic(), scorer)
        return scorer


def _refresh_in_background() -> None:
    global _refreshing
    with _refresh_lock:
        if _refreshing is not None and _refreshing.is_alive():
            return
        _refreshing = threading.Thread(target=_refresh, name="lrs-register-scorer", daemon=True)
        _refreshing.start()


def _refresh() -> None:
    global _cached
    generation = _generation
    try:
        scorer = build_register_scorer()
        with _lock:
            if generation == _generation:
                _cached = (time.monotonic(), scorer)
    except Exception:
        # The scorer of before keeps answering; the next find past the setting tries again.
        logger.exception("Counting the register's names for the scorer failed")
    finally:
        connections.close_all()  # this thread's own connections


def register_scorer_reset() -> None:
    """Forget the cached scorer (after a calibration, and between tests)."""
    global _cached, _generation
    with _lock:
        _generation += 1
        _cached = None


def register_counts_forget() -> None:
    """After a bulk load: this process's scorer and the counts left for others are both
    of a register that has changed out of measure, and must be counted again."""
    register_scorer_reset()
    try:
        cache.delete(shared_counts_key())
    except Exception:
        logger.warning("Could not forget the register's name counts in the cache", exc_info=True)

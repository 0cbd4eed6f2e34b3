"""The one request rate limit per user (token), shared by every channel that answers
machines: the REST API and SOAP count against the same allowance.

ninja's own throttles keep each user's list of request times in the cache and rewrite it
on every request, so a request's cost grows with the rate allowed (a client allowed
100,000 a minute rewrites a list of up to 100,000 times), and they keep the request
being checked on the throttle object, which one web process's threads share: under load
one user's request could be counted against another's. This one keeps two counters per
user, this window's and the last, and estimates the requests of the last full period as
the current count plus the share of the previous window's count still inside it (the
"sliding window counter" of Cloudflare and others), so a request costs the same whatever
the rate, nothing is shared between threads, and a client cannot double its rate at the
turn of a window as a plain fixed window would allow.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AuthRateThrottle

__all__ = ["API_THROTTLE", "SlidingWindowThrottle"]


class SlidingWindowThrottle(AuthRateThrottle):
    """A per-user limit of ``num_requests`` in any ``duration`` seconds (approximately:
    requests are assumed spread evenly over the previous window).

    The counters live in the default cache, shared by every web process: with Redis the
    increment is atomic; with the file cache of a single machine two requests of one
    user at the same instant may be counted once, which only ever lets a client a
    little over its limit, never a little under.
    """

    def __init__(self, rate: str | None = None) -> None:
        super().__init__(rate)
        # What wait() reports belongs to the request this thread just checked.
        self._checked = threading.local()
        self.clock: Callable[[], float] = time.time

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None or self.num_requests is None or self.duration is None:
            return True
        now = self.clock()
        window, into = divmod(now, self.duration)
        this_key, last_key = f"{key}:{int(window)}", f"{key}:{int(window) - 1}"
        last_count = self.cache.get(last_key, 0)
        # Two windows' time, so the next window still reads this one as "the last".
        if self.cache.add(this_key, 0, 2 * self.duration):
            # A new window: the one before last is no longer read by anyone. (Redis
            # expires it anyway; the file cache would keep the file until a cull.)
            self.cache.delete(f"{key}:{int(window) - 2}")
        try:
            count = self.cache.incr(this_key)
        except ValueError:  # expired between add and incr
            self.cache.set(this_key, 1, 2 * self.duration)
            count = 1
        weight = 1 - into / self.duration
        estimate = count - 1 + last_count * weight
        if estimate < self.num_requests:
            return True
        # Refused requests are not counted, as with the throttles this replaces: a client
        # that waits as told gets its next request through.
        # (If the window's counter expired meanwhile there is nothing to take back.)
        with contextlib.suppress(ValueError):
            self.cache.decr(this_key)
        excess = estimate - self.num_requests + 1
        self._checked.wait = _seconds_until_allowed(
            excess, last_count, self.duration, self.duration - into
        )
        return False

    def wait(self) -> float | None:
        return getattr(self._checked, "wait", None)


def _seconds_until_allowed(
    excess: float, last_count: int, duration: int, window_left: float
) -> float:
    """When the estimate falls ``excess`` requests lower (the previous window's share
    fades linearly as this window goes on), or when this window ends if sooner."""
    if last_count > 0:
        fade = excess / last_count * duration
        if fade <= window_left:
            return max(fade, 1.0)
    return max(window_left, 1.0)


# A module constant so tests can tighten it.
API_THROTTLE = SlidingWindowThrottle(settings.LRS_API_RATE)

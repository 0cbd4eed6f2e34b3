import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from lrs.core.throttling import SlidingWindowThrottle


class _User:
    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _request(user: str):
    request = RequestFactory().get("/api/v1/me")
    request.auth = _User(user)  # type: ignore[attr-defined]
    return request


def _throttle(rate: str, clock: list[float]) -> SlidingWindowThrottle:
    throttle = SlidingWindowThrottle(rate)
    throttle.clock = lambda: clock[0]
    return throttle


def test_a_user_gets_the_rate_and_no_more_and_is_told_when_to_come_back():
    clock = [6_000.0]
    throttle = _throttle("3/m", clock)
    answers = [throttle.allow_request(_request("college")) for _ in range(4)]
    assert answers == [True, True, True, False]
    wait = throttle.wait()
    assert wait is not None
    assert 1 <= wait <= 60


def test_refused_requests_are_not_counted_so_a_client_that_waits_gets_through():
    clock = [6_000.0]
    throttle = _throttle("2/m", clock)
    for _ in range(10):
        throttle.allow_request(_request("college"))
    clock[0] += 120  # two windows later nothing of before is counted
    assert throttle.allow_request(_request("college"))


def test_users_are_counted_apart():
    clock = [6_000.0]
    throttle = _throttle("1/m", clock)
    assert throttle.allow_request(_request("college"))
    assert not throttle.allow_request(_request("college"))
    assert throttle.allow_request(_request("school"))


def test_the_turn_of_a_window_does_not_double_the_rate():
    # A plain fixed window would allow 10 at the end of one minute and 10 more at the
    # start of the next; the previous window's count still weighs on the new one.
    clock = [6_000.0 + 59]
    throttle = _throttle("10/m", clock)
    assert all(throttle.allow_request(_request("college")) for _ in range(10))
    clock[0] = 6_000.0 + 61
    allowed = sum(throttle.allow_request(_request("college")) for _ in range(10))
    assert allowed <= 1
    # Half a window on, half the previous window has faded.
    clock[0] = 6_000.0 + 90
    allowed = sum(throttle.allow_request(_request("college")) for _ in range(10))
    assert 3 <= allowed <= 5


def test_a_request_costs_the_same_whatever_the_rate_allowed():
    # The throttle this replaced stored every request time of the last period in one
    # cache entry; these counters stay two small numbers a user.
    clock = [6_000.0]
    throttle = _throttle("1000000/m", clock)
    for _ in range(500):
        clock[0] += 0.01
        assert throttle.allow_request(_request("college"))
    key = throttle.get_cache_key(_request("college"))
    assert cache.get(f"{key}:100") == 500


def test_threads_of_one_process_never_count_one_users_request_against_another():
    clock = [6_000.0]
    throttle = _throttle("50/m", clock)
    barrier = threading.Barrier(8)

    def send(user: str) -> None:
        barrier.wait()
        for _ in range(20):
            throttle.allow_request(_request(user))

    threads = [threading.Thread(target=send, args=(f"user{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n in range(8):
        key = throttle.get_cache_key(_request(f"user{n}"))
        assert cache.get(f"{key}:100") == 20

import threading

import pytest
from django.db import connection

from lrs.core.models import AllocatedUln
from lrs.identifiers import uln
from lrs.learners.services import uln_allocate


@pytest.mark.django_db
def test_allocated_ulns_are_valid_recorded_and_audited():
    ulns = uln_allocate(actor=None, count=25, purpose="cli")
    assert len(set(ulns)) == 25
    assert all(uln.is_valid(u) for u in ulns)
    assert AllocatedUln.objects.filter(uln__in=ulns).count() == 25


@pytest.mark.django_db
def test_an_allocation_that_draws_an_issued_number_draws_again(monkeypatch):
    first = uln_allocate(actor=None, count=1, purpose="cli")[0]
    draws = iter([first, first, "9276308686"])
    monkeypatch.setattr(uln, "random_uln", lambda rng=None: next(draws))
    assert uln_allocate(actor=None, count=1, purpose="cli") == ["9276308686"]


@pytest.mark.django_db
def test_allocation_refuses_silly_counts():
    with pytest.raises(ValueError, match="between 1 and"):
        uln_allocate(actor=None, count=0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_issue_the_same_uln_twice(monkeypatch):
    # Force every thread to draw from the same tiny pool so collisions are certain.
    pool = [f"{p}{uln.check_digit(p)}" for p in ("927630868", "100000001", "100000002")]
    pool = [u for u in pool if uln.is_valid(u)]
    lock = threading.Lock()
    counter = iter(range(10_000))

    def draw(rng=None):
        with lock:
            return pool[next(counter) % len(pool)]

    monkeypatch.setattr(uln, "random_uln", draw)
    results: list[str] = []
    errors: list[Exception] = []

    def worker():
        try:
            results.extend(uln_allocate(actor=None, count=1, purpose="cli"))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(len(pool))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == sorted(pool)

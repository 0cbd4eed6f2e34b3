import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Wrong-code counters live in the cache, keyed by user id; ids come round again
    when each test's transaction is rolled back."""
    cache.clear()
    yield
    cache.clear()

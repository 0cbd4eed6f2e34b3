"""The scorer behind every find: counted from the register, and never counted again on a
find's own time once a process has one."""

import threading
import time
from collections import defaultdict

import pytest
from django.core.cache import cache

from lrs.learners import scoring
from lrs.learners.bulk import learners_bulk_load, synthetic_learner_record
from lrs.matching import Scorer
from lrs.synthetic import iter_people
from tests.factories import make_learner


class _Counts:
    """Stands in for counting the register: each call hands out the next scorer, and may
    be held until the test lets it finish."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        monkeypatch.setattr(scoring, "build_register_scorer", self)

    def __call__(self) -> object:
        self.calls += 1
        self.started.set()
        assert self.release.wait(5)
        return f"scorer {self.calls}"


@pytest.fixture
def no_scorer_yet(monkeypatch, settings):
    """A process with no scorer and no counts left by another; kept 100 s once made."""
    settings.LRS_MATCHING_STATS_SECONDS = 100.0
    scoring.register_scorer_reset()
    cache.delete(scoring.shared_counts_key())
    monkeypatch.setattr(scoring, "_refreshing", None)
    yield
    if scoring._refreshing is not None:
        scoring._refreshing.join(5)
    cache.delete(scoring.shared_counts_key())
    scoring.register_scorer_reset()


@pytest.fixture
def counts(no_scorer_yet, monkeypatch):
    made = _Counts(monkeypatch)
    yield made
    made.release.set()


def _age_cache(seconds: float) -> None:
    assert scoring._cached is not None
    scoring._cached = (time.monotonic() - seconds, scoring._cached[1])


def test_a_process_without_a_scorer_counts_in_line_and_then_keeps_it(counts):
    assert scoring.register_scorer() == "scorer 1"
    assert scoring.register_scorer() == "scorer 1"
    assert counts.calls == 1


def test_a_stale_scorer_keeps_answering_while_one_background_count_runs(counts):
    scoring.register_scorer()
    _age_cache(150)  # past the setting, not yet twice it
    counts.release.clear()
    counts.started.clear()

    # No find waits: each gets the scorer of before, and only one count starts.
    assert scoring.register_scorer() == "scorer 1"
    assert counts.started.wait(5)
    assert scoring.register_scorer() == "scorer 1"
    assert counts.calls == 2

    counts.release.set()
    assert scoring._refreshing is not None
    scoring._refreshing.join(5)
    assert scoring.register_scorer() == "scorer 2"


def test_a_scorer_older_than_twice_the_setting_is_counted_again_in_line(counts):
    scoring.register_scorer()
    _age_cache(250)
    assert scoring.register_scorer() == "scorer 2"
    assert scoring._refreshing is None


def test_a_count_begun_before_a_calibration_is_not_kept_after_it(counts):
    scoring.register_scorer()
    _age_cache(150)
    counts.release.clear()
    scoring.register_scorer()
    assert counts.started.wait(5)

    scoring.register_scorer_reset()  # a calibration activated another parameter set
    counts.release.set()
    assert scoring._refreshing is not None
    scoring._refreshing.join(5)

    assert scoring._cached is None
    assert scoring.register_scorer() == "scorer 3"


def test_a_failed_background_count_leaves_the_scorer_of_before_answering(
    counts, monkeypatch, caplog
):
    scoring.register_scorer()
    _age_cache(150)

    def broken() -> object:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(scoring, "build_register_scorer", broken)
    assert scoring.register_scorer() == "scorer 1"
    assert scoring._refreshing is not None
    scoring._refreshing.join(5)
    assert scoring.register_scorer() == "scorer 1"
    assert "Counting the register's names" in caplog.text


@pytest.fixture
def shared(no_scorer_yet, monkeypatch):
    """The real count, with the counts it reads from the register counted as it goes."""
    counted: list[str] = []
    real = scoring._counts

    def counting(column: str):
        counted.append(column)
        return real(column)

    monkeypatch.setattr(scoring, "_counts", counting)
    return counted


def _one_learner_registered(counted: list[str]) -> None:
    """Ann, registered; then as if no process had counted (her registration's own find
    counted the register before she was in it)."""
    make_learner(given_name="Ann", family_name="Example")
    scoring.register_scorer_reset()
    cache.delete(scoring.shared_counts_key())
    counted.clear()


@pytest.mark.django_db
def test_a_process_that_starts_takes_the_counts_another_left_instead_of_counting(shared):
    _one_learner_registered(shared)
    first = scoring.register_scorer()
    assert shared == ["given_name", "family_name"]

    scoring.register_scorer_reset()  # as a new process would start: no scorer of its own
    second = scoring.register_scorer()

    assert shared == ["given_name", "family_name"]  # not counted again
    assert isinstance(second, Scorer)
    assert second is not first
    assert second.register_size == first.register_size == 1


@pytest.mark.django_db
def test_counts_left_long_ago_are_not_taken_and_the_register_is_counted_in_line(shared):
    _one_learner_registered(shared)
    cache.set(scoring.shared_counts_key(), (time.time() - 250, {"ANN": 99}, {"EXAMPLE": 99}))

    scorer = scoring.register_scorer()

    assert shared == ["given_name", "family_name"]
    assert scorer.register_size == 1


# Committed, so that the background thread's own connection sees Ann.
@pytest.mark.django_db(transaction=True)
def test_counts_a_little_stale_are_taken_and_counted_afresh_in_the_background(shared):
    _one_learner_registered(shared)
    cache.set(scoring.shared_counts_key(), (time.time() - 150, {"ANN": 99}, {"EXAMPLE": 99}))

    assert scoring.register_scorer().register_size == 99  # no find waits for the count
    assert scoring._refreshing is not None
    scoring._refreshing.join(5)
    assert scoring.register_scorer().register_size == 1


@pytest.mark.django_db
def test_a_cache_that_fails_only_means_counting_in_line(shared, monkeypatch):
    _one_learner_registered(shared)

    def broken(*args, **kwargs):
        raise ConnectionError("the cache is down")

    monkeypatch.setattr(scoring.cache, "get", broken)
    monkeypatch.setattr(scoring.cache, "set", broken)
    assert scoring.register_scorer().register_size == 1
    assert shared == ["given_name", "family_name"]


@pytest.mark.django_db
def test_a_bulk_load_forgets_the_counts_left_for_other_processes(shared):
    cache.set(scoring.shared_counts_key(), (time.time(), {"ANN": 1}, {"EXAMPLE": 1}))
    people = [synthetic_learner_record(p) for p, _ in zip(iter_people(3), range(5), strict=False)]
    learners_bulk_load(records=people)

    assert cache.get(scoring.shared_counts_key()) is None
    assert scoring.register_scorer().register_size == 5


def test_counts_are_shared_only_between_processes_of_one_database(monkeypatch):
    here = scoring.shared_counts_key()

    class AnotherRegister:
        settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": "another.sqlite3"}

    monkeypatch.setattr(scoring, "connections", defaultdict(AnotherRegister))
    assert scoring.shared_counts_key() != here

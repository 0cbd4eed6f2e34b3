"""The scorer behind every find: counted from the register, and never counted again on a
find's own time once a process has one."""

import threading
import time

import pytest

from lrs.learners import scoring


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
def counts(monkeypatch, settings):
    settings.LRS_MATCHING_STATS_SECONDS = 100.0
    scoring.register_scorer_reset()
    monkeypatch.setattr(scoring, "_refreshing", None)
    made = _Counts(monkeypatch)
    yield made
    made.release.set()
    if scoring._refreshing is not None:
        scoring._refreshing.join(5)
    scoring.register_scorer_reset()


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

"""The share of unregistered twins among people not registered is a stated parameter."""

import pytest

from lrs.evaluation import generate_independent_queries, twins_across_the_register
from lrs.synthetic import generate_population, generate_queries


@pytest.fixture(scope="module")
def population():
    return generate_population(3_000, seed=43)


def _twin_ids(population):
    return twins_across_the_register(population)


@pytest.mark.parametrize("make", ["independent", "synthetic"])
@pytest.mark.parametrize("twin_share", [0.0, 0.01, 0.5])
def test_twins_come_only_through_twin_share(population, make, twin_share):
    if make == "independent":
        queries = generate_independent_queries(
            population, 3_000, seed=3, absent_share=0.5, twin_share=twin_share
        )
    else:
        queries = generate_queries(
            population, 3_000, seed=3, absent_share=0.5, twin_share=twin_share
        )
    twins = _twin_ids(population)
    absent = [q for q in queries if q.true_id is None]
    twin_queries = [q for q in absent if q.kind == "absent_twin"]
    # Relatives are never twins of a registered learner: those are counted as twins.
    assert not [q for q in absent if q.kind == "absent_relative" and q.source_id in twins]
    assert len(twin_queries) / len(absent) == pytest.approx(twin_share, abs=0.04)
    assert {q.kind for q in absent} >= {"absent_relative", "absent_stranger"}

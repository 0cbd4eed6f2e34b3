"""The independent error model: its own kinds, repeatable, labelled truthfully."""

import datetime as dt
import random

import pytest

from lrs.evaluation import ERROR_KINDS, generate_independent_queries
from lrs.evaluation.errors import digit_slip, keyboard_slip, ocr_slip, truncate, wrong_date
from lrs.synthetic import generate_population


@pytest.fixture(scope="module")
def population():
    return generate_population(2_000, seed=41)


def test_queries_are_repeatable_for_a_seed_and_differ_between_seeds(population):
    first = generate_independent_queries(population, 300, seed=5)
    again = generate_independent_queries(population, 300, seed=5)
    other = generate_independent_queries(population, 300, seed=6)
    assert [q.query for q in first] == [q.query for q in again]
    assert [q.query for q in first] != [q.query for q in other]


def test_labels_point_at_registered_people_and_absent_ones_at_nobody(population):
    by_id = {p.person_id: p for p in population}
    queries = generate_independent_queries(population, 2_000, seed=7, absent_share=0.25)
    absent = [q for q in queries if q.true_id is None]
    assert 0.2 < len(absent) / len(queries) < 0.3
    assert all(q.kind.startswith("absent_") for q in absent)
    assert {q.kind for q in absent} >= {"absent_stranger", "absent_namesake_given_dob"}
    for q in queries:
        if q.true_id is not None:
            assert by_id[q.true_id].registered
    seen = {part for q in queries for part in q.kind.split("+")}
    assert seen >= {"clean", "moved", "dob_wrong", "given_keyboard", "family_replaced"}
    assert seen - {"clean"} - {k for k in seen if k.startswith("absent_")} <= set(ERROR_KINDS)


def test_each_error_changes_what_it_should():
    rng = random.Random(1)
    assert keyboard_slip("Oliver", rng) != "Oliver"
    assert ocr_slip("Emma", rng) != "Emma"
    assert truncate("Christopher", rng).startswith("Chr")
    dob = dt.date(2008, 3, 14)
    assert abs((wrong_date(dob, rng) - dob).days) > 40
    assert digit_slip(dob, rng) != dob

import itertools
from collections import Counter

from lrs.matching import GENDERS, normalise_postcode
from lrs.synthetic import (
    QUERY_KINDS,
    REFERENCE_DATE,
    generate_learners,
    generate_population,
    generate_queries,
)


def test_the_same_seed_gives_the_same_learners_and_another_seed_different_ones():
    first = [p.demographics for p in generate_learners(300, seed=5)]
    again = [p.demographics for p in generate_learners(300, seed=5)]
    other = [p.demographics for p in generate_learners(300, seed=6)]
    assert first == again
    assert first != other


def test_learners_have_valid_postcodes_genders_and_ages_between_13_and_110():
    for person in generate_learners(2000, seed=1):
        d = person.demographics
        assert normalise_postcode(d.postcode) == d.postcode
        assert d.gender in GENDERS
        age = REFERENCE_DATE.year - d.date_of_birth.year
        assert 12 <= age <= 110
        assert 1 <= len(d.given_name) <= 35
        assert 1 <= len(d.family_name) <= 35


def test_surname_frequencies_are_skewed_so_common_names_are_common():
    counts = Counter(p.demographics.family_name for p in generate_learners(20_000, seed=2))
    top, top_count = counts.most_common(1)[0]
    assert top in {"Smith", "Jones", "Williams"}
    assert top_count > 100
    assert sum(1 for c in counts.values() if c == 1) > 1000


def test_households_share_postcodes_and_include_twins_and_name_changes():
    population = generate_population(20_000, seed=3)
    postcodes = Counter(p.demographics.postcode for p in population)
    assert max(postcodes.values()) >= 4
    twins = [p for p in population if p.twin_of is not None]
    assert len(twins) > 100
    by_id = {p.person_id: p for p in population}
    for twin in twins[:50]:
        other = by_id[twin.twin_of].demographics
        assert twin.demographics.date_of_birth == other.date_of_birth
        # One twin may since have changed name (recorded as the previous family name).
        born = twin.demographics.previous_family_name or twin.demographics.family_name
        assert born == (other.previous_family_name or other.family_name)
        assert twin.demographics.given_name != other.given_name
    assert any(p.demographics.previous_family_name for p in population)
    assert {"0", "9"} & {p.demographics.gender for p in population}
    assert any(not p.registered for p in population)


def test_generate_learners_streams_exactly_n_registered_people():
    # How fast it streams is a benchmark figure (scripts/benchmark_learners.py, the load
    # phase), not a timed test: a loaded machine would fail it for nothing.
    learners = list(itertools.islice(generate_learners(50_000, seed=4), 60_000))
    assert len(learners) == 50_000
    assert all(p.registered for p in learners)
    assert len({p.person_id for p in learners}) == 50_000


def test_queries_are_labelled_and_cover_every_kind_of_error():
    population = generate_population(10_000, seed=8)
    queries = generate_queries(population, 4000, seed=9)
    kinds = Counter(q.kind for q in queries)
    assert set(QUERY_KINDS) - {"family_name_changed"} <= set(kinds)
    assert {"absent_twin", "absent_relative", "absent_stranger"} <= set(kinds)
    registered = {p.person_id for p in population if p.registered}
    for q in queries:
        if q.kind.startswith("absent"):
            assert q.true_id is None
        else:
            assert q.true_id in registered
    absent = sum(q.true_id is None for q in queries) / len(queries)
    assert 0.15 < absent < 0.25

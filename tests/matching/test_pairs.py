"""lrs.matching.pairs without a database: blocks are runs of one key value, oversized
blocks are set aside for later columns, and every pair that shares a key is scored once,
in the first column that brings it together."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
from collections import defaultdict

from lrs.matching import KEY_COLUMNS, Demographics, default_scorer, prepare, stored_keys
from lrs.matching.pairs import (
    DEFAULT_MAX_BLOCK,
    BlockMember,
    BlockScan,
    ProbablePair,
    already_compared,
    scan_column,
)
from lrs.synthetic import generate_population
from lrs.synthetic.queries import typo

OLIVIA = Demographics(
    given_name="Olivia",
    family_name="Thornbury",
    date_of_birth=dt.date(2006, 3, 14),
    gender="2",
    postcode="CV4 9EE",
)
# Olivia again with a typing error in her given name: shares every key but the first.
OLIVAI = dataclasses.replace(OLIVIA, given_name="Olivai")
# Olivia again after a move: shares every key but the postcode's.
MOVED = dataclasses.replace(OLIVIA, postcode="B15 2TT")
# Someone else at Olivia's address with her initial: shares only the postcode key.
OSCAR = Demographics(
    given_name="Oscar",
    family_name="Bell",
    date_of_birth=dt.date(1990, 1, 1),
    gender="1",
    postcode="CV4 9EE",
)
MARCUS = Demographics(
    given_name="Marcus",
    family_name="Ellingham",
    date_of_birth=dt.date(1999, 11, 2),
    gender="1",
    postcode="LS6 3HN",
)


def keys_of(d: Demographics) -> tuple[str | None, ...]:
    stored = stored_keys(d)
    return tuple(stored[column] for column in KEY_COLUMNS)


def members(people: dict[int, Demographics], column: int):
    """What the scan reads from the register: (value, ref, keys, payload) in key order."""
    rows = []
    for ref, person in people.items():
        keys = keys_of(person)
        if keys[column] is not None:
            rows.append((keys[column], ref, keys, person))
    return sorted(rows, key=lambda row: (row[0], row[1]))


class Counted:
    """``prepare`` that counts how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, d: Demographics):
        self.calls += 1
        return prepare(d)


def scan_all(people: dict[int, Demographics], **options):
    oversized: set[tuple[int, str]] = set()
    found: list[ProbablePair] = []
    counts: list[BlockScan] = []
    person = options.pop("person", prepare)
    for column in range(len(KEY_COLUMNS)):
        count = BlockScan()
        found.extend(
            scan_column(
                members(people, column),
                column=column,
                person=person,
                oversized=oversized,
                counts=count,
                **options,
            )
        )
        counts.append(count)
    return found, counts, oversized


def refs(found: list[ProbablePair]) -> list[tuple[int, int]]:
    return [(p.first, p.second) for p in found]


def test_two_records_of_one_person_are_one_probable_pair_lower_ref_first_with_explanation():
    found, counts, _ = scan_all({7: OLIVIA, 3: OLIVAI})
    assert refs(found) == [(3, 7)]
    [pair] = found
    assert pair.result.score > 0.99
    assert {e.field for e in pair.result.explanation} >= {
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode",
    }
    assert sum(c.comparisons for c in counts) == 1


def test_people_who_share_no_key_value_are_never_compared():
    found, counts, _ = scan_all({1: OLIVIA, 2: MARCUS})
    assert found == []
    assert [(c.blocks, c.comparisons) for c in counts] == [(0, 0)] * len(KEY_COLUMNS)


def test_a_pair_sharing_several_columns_is_scored_once_in_the_first_of_them():
    shared = [a == b for a, b in zip(keys_of(OLIVIA), keys_of(MOVED), strict=True)]
    # Every key but the postcode's (the last column, year and day of birth, included).
    assert shared == [True, True, True, True, False, True]
    found, counts, _ = scan_all({1: OLIVIA, 2: MOVED})
    assert refs(found) == [(1, 2)]
    assert [c.comparisons for c in counts] == [1, 0, 0, 0, 0, 0]
    # Each column with both in it still counts the block it read.
    assert [c.blocks for c in counts] == [1, 1, 1, 1, 0, 1]


def test_a_pair_sharing_only_a_later_column_is_compared_there():
    found, counts, _ = scan_all({1: OLIVIA, 2: OSCAR})
    assert [c.comparisons for c in counts] == [0, 0, 0, 0, 1, 0]
    assert found == []  # compared, but nowhere near a duplicate


def test_the_floor_decides_which_compared_pairs_are_kept():
    found, _, _ = scan_all({1: OLIVIA, 2: OSCAR}, floor=0.0)
    assert refs(found) == [(1, 2)]
    assert found[0].result.score < 0.001
    score = default_scorer().score(OLIVIA, OLIVAI).score
    assert refs(scan_all({1: OLIVIA, 2: OLIVAI}, floor=score)[0]) == [(1, 2)]
    assert scan_all({1: OLIVIA, 2: OLIVAI}, floor=score + 1e-12)[0] == []


def test_an_oversized_block_is_set_aside_and_its_pairs_compared_in_a_later_column():
    # Three people born the same day whose given names sound alike share bk_dob_given.
    oliver = Demographics(
        # A common given sound keeps all of it in the key: Olive, not Oliver, sounds
        # like Olivia.
        given_name="Olive",
        family_name="Smith",
        date_of_birth=OLIVIA.date_of_birth,
        gender="1",
        postcode="M1 1AE",
    )
    people = {1: OLIVIA, 2: OLIVAI, 3: oliver}
    assert len({keys_of(p)[0] for p in people.values()}) == 1
    found, counts, oversized = scan_all(people, max_block=2)
    assert counts[0].oversized == 1
    assert counts[0].comparisons == 0
    assert oversized == {(0, keys_of(OLIVIA)[0])}
    # Olivia's two records meet again in the family-name + date column and are compared
    # there, once; Oliver shares nothing else with them.
    assert refs(found) == [(1, 2)]
    assert [c.comparisons for c in counts] == [0, 1, 0, 0, 0, 0]
    # With room for the block, the same pair is compared in the first column instead.
    found, counts, oversized = scan_all(people, max_block=DEFAULT_MAX_BLOCK)
    assert refs(found) == [(1, 2)]
    assert counts[0].comparisons == 3
    assert oversized == set()


def test_already_compared_means_an_earlier_column_compared_the_pair():
    def member(ref, *keys):
        return BlockMember(ref, prepare(OLIVIA), tuple(keys))

    a = member(1, "A", None, "C", "D")
    b = member(2, "A", None, "X", "D")
    c = member(3, "Z", None, "C", "D")
    assert not already_compared(a, b, 0, set())  # column 0 is the first: nothing earlier
    assert already_compared(a, b, 3, set())  # they shared "A" in column 0
    assert not already_compared(a, b, 3, {(0, "A")})  # ... in a block set aside
    assert not already_compared(a, c, 2, set())  # missing values never count as shared
    assert already_compared(a, c, 3, set())  # "C" in column 2


def test_only_members_with_a_pair_left_to_score_are_prepared():
    person = Counted()
    scan_all({1: OLIVIA, 2: MOVED, 3: MARCUS}, person=person)
    # Olivia's two records are prepared for column 0 and never again; Marcus, alone in
    # every block of his, never.
    assert person.calls == 2


def test_blocks_are_runs_of_one_value_and_singletons_are_not_blocks():
    counts = BlockScan()
    rows = [("A", 1, ("A",), OLIVIA), ("B", 2, ("B",), MOVED), ("B", 3, ("B",), OLIVAI)]
    rows.append(("C", 4, ("C",), MARCUS))
    found = list(
        scan_column(rows, column=0, person=prepare, oversized=set(), counts=counts, floor=0.0)
    )
    assert (counts.blocks, counts.comparisons) == (1, 1)
    assert refs(found) == [(2, 3)]


def test_a_synthetic_register_yields_exactly_the_pairs_that_share_a_key_each_once():
    """Against brute force: every pair of people sharing at least one key value, scored
    directly, against the scan's five columns with their de-duplication."""
    rng = random.Random(5)
    people: dict[int, Demographics] = {}
    for person in generate_population(1500, seed=11):
        if person.registered:
            people[len(people) + 1] = person.demographics
    planted: dict[int, int] = {}
    originals = list(people)
    for original in rng.sample(originals, 60):
        d = people[original]
        planted[len(people) + 1] = original
        people[len(people) + 1] = dataclasses.replace(d, given_name=typo(d.given_name, rng))
    for original in rng.sample(originals, 60):
        planted[len(people) + 1] = original
        people[len(people) + 1] = dataclasses.replace(people[original], postcode="B15 2TT")

    found, counts, oversized = scan_all(people, floor=0.0)
    assert oversized == set()

    by_value: dict[tuple[int, str], list[int]] = defaultdict(list)
    for ref, d in people.items():
        for column, value in enumerate(keys_of(d)):
            if value is not None:
                by_value[column, value].append(ref)
    sharing = {
        pair for group in by_value.values() for pair in itertools.combinations(sorted(group), 2)
    }
    assert len(refs(found)) == len(set(refs(found)))  # no pair twice
    assert set(refs(found)) == sharing
    assert sum(c.comparisons for c in counts) == len(sharing)
    assert len(sharing) < len(people) * 3  # a few per person, not n squared
    scorer = default_scorer()
    for pair in found[:50]:
        direct = scorer.score(people[pair.first], people[pair.second])
        assert abs(direct.score - pair.result.score) < 1e-12
    # With the usual floor, the planted duplicates (a typo, a move) are all kept.
    kept = set(refs(scan_all(people)[0]))
    assert {(original, copy) for copy, original in planted.items()} <= kept

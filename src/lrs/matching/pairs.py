"""Probable duplicates within the register, found through the blocking keys.

Comparing every learner with every other is out of the question at a million records
(5 * 10**11 pairs). Instead each blocking-key column is read in key order, and only the
learners who share a value of that column (a *block*) are compared with each other: the
same keys that let a find reach a person despite one wrong field let the scan reach a
second record of that person despite one differing field.

A pair that shares values in several columns would be compared once per column; it is
compared only in the first column that brought it together (``already_compared``), so
no pair is scored twice and no set of seen pairs has to be held in memory. Only the
columns before the current one are looked at, so a pass over a value that is not one of
the stored keys (names either way round, say) can come after them all.

A block larger than ``max_block`` (one key value shared by very many people: a common
name born on a common date at one large postcode) is not compared pair by pair; its
pairs are still compared in any other column that brings them together, and the scan
reports how many blocks it set aside.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from lrs.matching.classify import default_thresholds
from lrs.matching.demographics import Prepared
from lrs.matching.score import MatchResult, Scorer, default_scorer

__all__ = [
    "DEFAULT_MAX_BLOCK",
    "BlockMember",
    "BlockScan",
    "ProbablePair",
    "already_compared",
    "scan_column",
]

DEFAULT_MAX_BLOCK = 60
P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class BlockMember:
    ref: int
    person: Prepared
    # The learner's value of every key column, in one fixed column order.
    keys: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class ProbablePair:
    first: int
    second: int
    result: MatchResult


@dataclass(slots=True)
class BlockScan:
    """Counts of one column's scan."""

    blocks: int = 0
    oversized: int = 0
    comparisons: int = 0


def already_compared(
    a: BlockMember, b: BlockMember, column: int, oversized: set[tuple[int, str]]
) -> bool:
    """Whether an earlier column brought this pair together in a block it compared."""
    return _already_compared(a.keys, b.keys, column, oversized)


def scan_column(
    members: Iterable[tuple[str, int, tuple[str | None, ...], P]],
    *,
    column: int,
    person: Callable[[P], Prepared],
    oversized: set[tuple[int, str]],
    counts: BlockScan,
    scorer: Scorer | None = None,
    floor: float | None = None,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> Iterator[ProbablePair]:
    """Yield the probable duplicate pairs of one key column.

    ``members`` are (key value, ref, every key value, payload) in key order, as
    ``ORDER BY column`` returns them (any order that keeps equal values together);
    ``person(payload)`` prepares a member's demographics, and is called only for members
    with a pair in this column not compared in an earlier one. Pairs scoring ``floor``
    or more (default: the find's "possible" threshold) are yielded, lower ref first.
    Oversized blocks of this column are added to ``oversized`` so that later columns
    compare their pairs.
    """
    scorer = scorer or default_scorer()
    floor = default_thresholds().possible if floor is None else floor
    block: list[tuple[int, tuple[str | None, ...], P]] = []
    current: str | None = None
    for value, ref, keys, payload in members:
        if value != current:
            if len(block) > 1:
                yield from _compare_block(
                    block, current, column, person, oversized, counts, scorer, floor, max_block
                )
            block = []
            current = value
        block.append((ref, keys, payload))
    if len(block) > 1:
        yield from _compare_block(
            block, current, column, person, oversized, counts, scorer, floor, max_block
        )


def _compare_block(
    block: Sequence[tuple[int, tuple[str | None, ...], P]],
    value: str | None,
    column: int,
    person: Callable[[P], Prepared],
    oversized: set[tuple[int, str]],
    counts: BlockScan,
    scorer: Scorer,
    floor: float,
    max_block: int,
) -> Iterator[ProbablePair]:
    counts.blocks += 1
    if value is None:
        return
    if len(block) > max_block:
        counts.oversized += 1
        oversized.add((column, value))
        return
    members = sorted(block, key=_by_ref)
    # Which pairs are new to this column comes first, from the keys alone: a member is
    # prepared (the costly part after scoring) only if it has a pair left to score.
    todo = [
        (i, j)
        for i in range(len(members))
        for j in range(i + 1, len(members))
        if not _already_compared(members[i][1], members[j][1], column, oversized)
    ]
    if not todo:
        return
    prepared: dict[int, Prepared] = {}
    for i, j in todo:
        first = prepared.get(i)
        if first is None:
            first = prepared[i] = person(members[i][2])
        second = prepared.get(j)
        if second is None:
            second = prepared[j] = person(members[j][2])
        counts.comparisons += 1
        result = scorer.score(first, second, ref=members[j][0])
        if result.score >= floor:
            yield ProbablePair(members[i][0], members[j][0], result)


def _already_compared(
    a: tuple[str | None, ...],
    b: tuple[str | None, ...],
    column: int,
    oversized: set[tuple[int, str]],
) -> bool:
    for earlier in range(column):
        value = a[earlier]
        if value is not None and value == b[earlier] and (earlier, value) not in oversized:
            return True
    return False


def _by_ref(member: tuple[int, tuple[str | None, ...], object]) -> int:
    return member[0]

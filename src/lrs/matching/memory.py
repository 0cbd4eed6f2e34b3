"""An in-memory register with dict indexes that behave like the indexed key columns.

Used by calibration, the evaluation script and tests, so that they exercise exactly the
blocking a database would do (``WHERE bk_a IN (...) OR bk_b IN (...)``) without one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

from lrs.matching.classify import (
    Classification,
    Outcome,
    Thresholds,
    classify,
    classify_second_look,
)
from lrs.matching.demographics import Demographics, Prepared, prepare
from lrs.matching.keys import KEY_COLUMNS, household_keys, query_keys, stored_keys
from lrs.matching.score import MatchResult, Scorer

__all__ = ["InMemoryRegister"]


class InMemoryRegister:
    def __init__(self) -> None:
        self.records: dict[Hashable, Prepared] = {}
        self.index: dict[str, defaultdict[str, list[Hashable]]] = {
            column: defaultdict(list) for column in KEY_COLUMNS
        }

    def add(self, ref: Hashable, record: Demographics | Prepared) -> None:
        p = prepare(record)
        self.records[ref] = p
        for column, value in stored_keys(p).items():
            if value is not None:
                self.index[column][value].append(ref)

    def add_many(self, items: Iterable[tuple[Hashable, Demographics | Prepared]]) -> None:
        for ref, record in items:
            self.add(ref, record)

    def __len__(self) -> int:
        return len(self.records)

    def candidate_refs(self, query: Demographics | Prepared) -> set[Hashable]:
        return self._lookup(query_keys(query))

    def _lookup(self, keys: dict[str, list[str]]) -> set[Hashable]:
        refs: set[Hashable] = set()
        for column, values in keys.items():
            index = self.index[column]
            for value in values:
                bucket = index.get(value)
                if bucket:
                    refs.update(bucket)
        return refs

    def score_candidates(self, query: Demographics | Prepared, scorer: Scorer) -> list[MatchResult]:
        q = prepare(query)
        records = self.records
        return scorer.score_all(q, ((ref, records[ref]) for ref in self.candidate_refs(q)))

    def find(
        self,
        query: Demographics | Prepared,
        scorer: Scorer,
        thresholds: Thresholds | None = None,
    ) -> Classification:
        return self.find_with_refs(query, scorer, thresholds)[1]

    def find_with_refs(
        self,
        query: Demographics | Prepared,
        scorer: Scorer,
        thresholds: Thresholds | None = None,
    ) -> tuple[set[Hashable], Classification]:
        """The answer of a find, as the service gives it (with the second look when the
        first answers no match), and every candidate it scored."""
        q = prepare(query)
        records = self.records
        refs = self.candidate_refs(q)
        results = scorer.score_all(q, ((ref, records[ref]) for ref in refs))
        answer = classify(results, thresholds)
        if answer.outcome is Outcome.NONE:
            more = self._lookup(household_keys(q)) - refs
            if more:
                refs = refs | more
                second = scorer.score_all(q, ((ref, records[ref]) for ref in more))
                answer = classify_second_look(results, second, thresholds)
        return refs, answer

    def largest_buckets(self) -> dict[str, tuple[str, int]]:
        """For each key column, its most shared value and how many records share it."""
        result = {}
        for column, index in self.index.items():
            if index:
                value, refs = max(index.items(), key=lambda item: len(item[1]))
                result[column] = (value, len(refs))
        return result

"""An in-memory register with dict indexes that behave like the indexed key columns.

Used by calibration, the evaluation script and tests, so that they exercise exactly the
blocking a database would do (``WHERE bk_a IN (...) OR bk_b IN (...)``) without one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

from lrs.matching.classify import Classification, Thresholds, classify
from lrs.matching.demographics import Demographics, Prepared, prepare
from lrs.matching.keys import KEY_COLUMNS, query_keys, stored_keys
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
        refs: set[Hashable] = set()
        for column, values in query_keys(query).items():
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
        return classify(self.score_candidates(query, scorer), thresholds)

    def largest_buckets(self) -> dict[str, tuple[str, int]]:
        """For each key column, its most shared value and how many records share it."""
        result = {}
        for column, index in self.index.items():
            if index:
                value, refs = max(index.items(), key=lambda item: len(item[1]))
                result[column] = (value, len(refs))
        return result

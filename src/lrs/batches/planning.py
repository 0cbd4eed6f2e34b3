"""Splitting one batch file into units that several workers can process at once.

Records of a registration file are decided in file order, and a later record can depend
on an earlier one: it finds the learner the earlier one registered (RC002, RC007), it is
the same person again (RC012), it names the same ULN, or its find meets a learner whose
address an earlier record moved (RC004). Two records can only affect one another through
the register's blocking keys, the demographics digest or a ULN, so:

- every record without a ULN is joined (union-find) with every earlier record whose
  learner would be stored under one of its query keys or has its demographics digest;
- every record with a ULN is joined with every record whose find can meet that learner,
  before or after the move (its stored keys now and with the record's address), and with
  the other records of the same ULN.

Each group lies wholly inside one unit (groups are packed whole into units of about
``LRS_BATCH_CHUNK_SIZE`` records), and a unit decides its records in file order, so its
outcomes are those of deciding the whole file in order.

One direction is left open on purpose: an EARLIER record whose query keys would meet
the learner a LATER record of another unit registers. Deciding in file order, it would
not see that learner; a worker might. So a unit's finds leave out the learners this
batch registered in other units (``RegistrationProcessor(batch_id=...)``): any of them a
find can meet belongs to a later record, since the earlier ones are in its own unit.
That keeps the index here to five stored keys a record, not every query key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lrs.batchfiles import BatchRecord
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.selectors import PERSON_FIELDS
from lrs.learners.services import (
    ADDRESS_FIELDS,
    demographics_key,
    learner_demographics,
)
from lrs.matching import KEY_COLUMNS, household_keys, prepare, query_keys, stored_keys
from lrs.validation.learner import Purpose, validate_learner


class _Groups:
    """Union-find over record positions, with path halving and union by size."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))
        self.size = [1] * count

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        if self.size[a] < self.size[b]:
            a, b = b, a
        self.parent[b] = a
        self.size[a] += self.size[b]


def _key(column: str, value: str) -> int:
    # Only equality matters; a collision of two hashes joins two groups, which is safe.
    return hash((column, value))


# The second look (household_keys) reads this column for every initial after the
# postcode unit: so records meet there when their units are the same.
_HOUSEHOLD_COLUMN = "bk_postcode_given"


def _unit_key(value: str) -> int:
    """The postcode-unit key of a ``_HOUSEHOLD_COLUMN`` value (the unit, then an initial)."""
    return _key("postcode_unit", value[:-1])


def _learner_keys(learner: Learner, record: BatchRecord) -> list[int]:
    """The keys ``learner``'s row has now and would have with ``record``'s address."""
    keys = [_key(c, v) for c in KEY_COLUMNS if (v := getattr(learner, c, None))]
    address, problems = validate_learner(
        {f: getattr(record, f) for f in ADDRESS_FIELDS}, purpose=Purpose.UPDATE
    )
    postcode = address.get("last_known_postcode")
    if postcode and not problems:
        values = {f: getattr(learner, f, None) for f in PERSON_FIELDS}
        values["last_known_postcode"] = postcode
        moved = stored_keys(learner_demographics(values))
        keys.extend(_key(c, v) for c, v in moved.items() if v)
        if moved_unit := moved.get(_HOUSEHOLD_COLUMN):
            keys.append(_unit_key(moved_unit))
    if unit := getattr(learner, _HOUSEHOLD_COLUMN, None):
        keys.append(_unit_key(unit))
    return keys


def registration_groups(
    records: Sequence[BatchRecord],
    rejected: Iterable[int],
    *,
    resolve_ulns: Callable[[list[str]], dict[str, tuple[Learner | None, bool]]],
) -> list[int]:
    """For each record, the position of the first record of its group."""
    refused = set(rejected)
    groups = _Groups(len(records))
    index: dict[int, int] = {}

    def join(position: int, key: int) -> None:
        other = index.setdefault(key, position)
        if other != position:
            groups.union(position, other)

    # The ULNs' learners first: a record BEFORE the one that moves a learner must also
    # be in its group (it would meet the learner at its old address, not its new one).
    with_uln = [i for i, r in enumerate(records) if r.uln and r.row not in refused]
    learners: dict[str, tuple[Learner | None, bool]] = {}
    for start in range(0, len(with_uln), 1000):
        learners.update(resolve_ulns([records[i].uln for i in with_uln[start : start + 1000]]))
    for i in with_uln:
        record = records[i]
        join(i, _key("uln", record.uln))
        learner, linked = learners.get(record.uln, (None, False))
        if learner is not None and not linked and learner.status != LearnerStatus.CLOSED:
            for key in _learner_keys(learner, record):
                join(i, key)

    for i, record in enumerate(records):
        if record.uln or record.row in refused:
            continue
        values, problems = validate_learner(record.learner_data(), purpose=Purpose.REGISTER)
        if problems:
            continue  # decided alone (RC011), reaching nobody
        prepared = prepare(learner_demographics(values))
        # What its find looks up.
        for column, values_of_column in query_keys(prepared).items():
            for value in values_of_column:
                other = index.get(_key(column, value))
                if other is not None:
                    groups.union(i, other)
        # Its second look reads everyone at its own postcode unit, whatever the initial:
        # so records meet there when their units are the same (one key, not 26 probes).
        household = household_keys(prepared).get(_HOUSEHOLD_COLUMN)
        if household:
            join(i, _unit_key(household[0]))
        join(i, _key("digest", demographics_key(values)))
        for column, stored in stored_keys(prepared).items():
            if stored:
                join(i, _key(column, stored))
    return [groups.find(i) for i in range(len(records))]


def units_of(roots: Sequence[int], *, size: int) -> list[list[int]]:
    """Record positions per unit, each in file order: whole groups, taken in the order of
    their first records and packed into units of at most ``size`` records (a group of
    more makes a unit of its own, never split).

    Packing by records, not by first records, keeps units even: the big groups of a file
    (households, common names and birthdays) start early, and a unit holding the groups
    of the first ``size`` first records held 40% of a 100,000-record file, which one
    worker then decided while the others waited."""
    groups: dict[int, list[int]] = {}
    for position, root in enumerate(roots):
        groups.setdefault(root, []).append(position)
    units: list[list[int]] = []
    current: list[int] = []
    for members in groups.values():  # in the order of their first records
        if current and len(current) + len(members) > size:
            units.append(sorted(current))
            current = []
        current.extend(members)
    if current:
        units.append(sorted(current))
    return units


def plain_units(count: int, *, size: int) -> list[list[int]]:
    """Units of consecutive records, for records that cannot reach one another."""
    return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


def unit_rejected(rows: Iterable[int], rejected: dict[int, Any]) -> dict[str, Any]:
    """The validator's verdict on a unit's rejected records, as a unit stores it."""
    return {
        str(row): [
            rejected[row].return_code,
            [
                {"field": p.field or "", "rule": p.rule, "code": p.code}
                for p in rejected[row].problems
            ],
        ]
        for row in rows
        if row in rejected
    }

"""The duplicate scan: every blocking-key column of the register read once in key order,
learners sharing a value compared with the matching engine (lrs.matching.pairs), and
the probable pairs added to the review queue. Runs in the worker."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lrs.duplicates.models import DuplicatePair, DuplicateScan, PairSource, ScanStatus
from lrs.learners.models import Learner, LearnerStatus
from lrs.learners.selectors import PERSON_FIELDS
from lrs.learners.services import learner_demographics
from lrs.matching import KEY_COLUMNS, Prepared, prepare
from lrs.matching.compare import N_DIFF
from lrs.matching.pairs import BlockScan, ProbablePair, scan_column
from lrs.matching.score import MatchResult

logger = logging.getLogger(__name__)

_FETCH = ("id", *KEY_COLUMNS, *PERSON_FIELDS)
_KEYS = slice(1, 1 + len(KEY_COLUMNS))
_PERSON = slice(1 + len(KEY_COLUMNS), None)
_STORE_EVERY = 2000
_ROWS_PER_FETCH = 5000
# Shared key values read per page by a pass over one column.
_VALUES_PER_PAGE = 2000
# Characters of a date of birth at the start of ``bk_dob_given``.
_DATE = 8
# The blocking-key columns, then one more pass for names entered the wrong way round,
# which no stored key survives (a find looks the swap up on the query side). It comes
# last: the pair scan's de-duplication looks only at the columns before the current one.
SWAPPED_NAMES = "names_either_way"
PASSES: tuple[str, ...] = (*KEY_COLUMNS, SWAPPED_NAMES)
# A pair is proposed from this score (weight 19.93 bits: as likely one person as anyone
# else in a register of a million). The find's "possible" threshold (12 bits) is for a
# person looking for themselves; over every pair of a register it would fill the queue
# with strangers who share a name and a birthday (measured in docs/duplicates.md).
FLOOR = 0.5
# A running scan says it is alive at least this often (the stall limit is far longer),
# and learns there whether another worker has declared it stalled meanwhile.
_PROGRESS_SECONDS = 30.0
# Members read between two looks at the clock.
_PROGRESS_EVERY = 1000


class _ScanLost(Exception):
    """Another worker declared the scan stalled and failed it: stop without a word."""


def _members(column: str) -> Iterator[tuple[str, int, tuple[str | None, ...], tuple[Any, ...]]]:
    """The active learners whose value of ``column`` someone else shares, in key order.

    Most values of a tight key are held by one person alone; the database leaves those
    out (with a GROUP BY), so Python reads and prepares only the people who have someone
    to be compared with. The grouping counts every status, so a value
    may come back held by a single active learner; the pair scan skips such blocks.

    Read page by page (keyset on the value), each page read whole: the scan writes its
    progress and its pairs while it reads, and on SQLite a write on a connection whose
    read statement is still open fails at once ("database is locked") as soon as any
    other connection has committed since the read began, as the worker and the web
    processes always do on a live register.
    """
    after: str | None = None
    while True:
        held = Learner.objects.filter(**{f"{column}__isnull": False})
        if after is not None:
            held = held.filter(**{f"{column}__gt": after})
        values = list(
            held.order_by(column)
            .values(column)
            .annotate(holders=Count("id"))
            .filter(holders__gt=1)
            .values_list(column, flat=True)[:_VALUES_PER_PAGE]
        )
        if not values:
            return
        after = values[-1]
        # Only active learners: a linked learner already has its master, a closed one is
        # gone.
        rows = list(
            Learner.objects.filter(status=LearnerStatus.ACTIVE, **{f"{column}__in": values})
            .order_by(column, "id")
            .values_list(*_FETCH)
        )
        position = _FETCH.index(column)
        for row in rows:
            yield row[position], row[0], tuple(row[_KEYS]), tuple(row[_PERSON])


def _names_either_way() -> RawSQL:
    """Date of birth and the sounds of both names in sorted order, from the stored keys:
    the same for a learner and for a second record with given and family names
    exchanged. ``bk_dob_given`` is the date and the given name's sound, of which the
    first 2 characters are taken (a common sound goes on after a "+"); ``bk_family_dob``
    the family name's sound and the date, of which the first 2 characters are taken, as
    many as the given name's."""
    q = connection.ops.quote_name
    dob_given, family_dob = q("bk_dob_given"), q("bk_family_dob")
    shorter = "least" if connection.vendor == "postgresql" else "min"
    # Byte order, as Python's, whatever the database's collation.
    collate = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    given = f"substr({dob_given}, 9, 2)"
    family = f"substr({family_dob}, 1, {shorter}(2, length({family_dob}) - 8))"
    # Only column names and constants go into the SQL: nothing from outside.
    return RawSQL(  # noqa: S611
        f"substr({dob_given}, 1, 8) || CASE WHEN {given}{collate} < {family}{collate} "
        f"THEN {given} || '/' || {family} ELSE {family} || '/' || {given} END",
        [],
    )


def _swapped_members() -> Iterator[tuple[str, int, tuple[str | None, ...], tuple[Any, ...]]]:
    """As ``_members``, for the names-either-way value, which no column stores.

    The value starts with the date of birth, the first 8 characters of the indexed
    ``bk_dob_given``: pages are runs of whole dates (about ``_ROWS_PER_FETCH`` learners),
    read through that index, so a value never spans two pages and each page is read
    whole before the scan writes (see ``_members``).
    """
    keyed = Learner.objects.filter(
        bk_dob_given__isnull=False, bk_family_dob__isnull=False
    ).annotate(names_key=_names_either_way())
    start = ""
    while True:
        ahead = Learner.objects.filter(bk_dob_given__gte=start).order_by("bk_dob_given")
        first = ahead.values_list("bk_dob_given", flat=True).first()
        if first is None:
            return
        start = first[:_DATE]
        boundary = (
            ahead.values_list("bk_dob_given", flat=True)[_ROWS_PER_FETCH : _ROWS_PER_FETCH + 1]
        ).first()
        if boundary is None:  # the rest of the register is one page
            end = None
            page = keyed.filter(bk_dob_given__gte=start)
        else:
            # The page ends where a later date begins (at least one date further on).
            end = max(boundary[:_DATE], _next_date(start))
            page = keyed.filter(bk_dob_given__gte=start, bk_dob_given__lt=end)
        shared = (
            page.order_by()
            .values("names_key")
            .annotate(holders=Count("id"))
            .filter(holders__gt=1)
            .values("names_key")
        )
        rows = list(
            page.filter(status=LearnerStatus.ACTIVE, names_key__in=shared)
            .order_by("names_key", "id")
            .values_list("names_key", *_FETCH)
        )
        for row in rows:
            yield row[0], row[1], tuple(row[1:][_KEYS]), tuple(row[1:][_PERSON])
        if end is None:
            return
        start = end


def _next_date(text: str) -> str:
    """The 8-character date (YYYYMMDD, as the keys hold it) after ``text``'s."""
    return (dt.datetime.strptime(text, "%Y%m%d").date() + dt.timedelta(days=1)).strftime("%Y%m%d")


def _proposable(result: MatchResult) -> bool:
    # Wholly different given names with everything else alike is what twins look like
    # (the find never gives an exact match on it either); a second record of one person
    # nearly always keeps the given name, a typo of it, a nickname or a middle name.
    # Such a pair may still be proposed by hand.
    return result.level("given_name") != N_DIFF


def _person(values: tuple[Any, ...]) -> Prepared:
    return prepare(learner_demographics(dict(zip(PERSON_FIELDS, values, strict=True))))


def _store(scan: DuplicateScan, pairs: list[ProbablePair]) -> None:
    if not pairs:
        return
    now = timezone.now()
    # Pairs already in the queue, whatever their status (above all "not the same
    # person"), are left as they are: the unique pair constraint drops the new row.
    DuplicatePair.objects.bulk_create(
        [
            DuplicatePair(
                first_id=p.first,
                second_id=p.second,
                score=round(p.result.score, 4),
                explanation=[
                    {"field": e.field, "level": e.level, "weight": e.weight}
                    for e in p.result.explanation
                ],
                source=PairSource.SCAN,
                found_at=now,
                scan=scan,
            )
            for p in pairs
        ],
        ignore_conflicts=True,
    )


def _still_running(scan_id: int, **progress: Any) -> None:
    if not DuplicateScan.objects.filter(pk=scan_id, status=ScanStatus.RUNNING).update(
        progressed_at=timezone.now(), **progress
    ):
        raise _ScanLost


def _heartbeat(scan_id: int, members: Iterable[Any]) -> Iterator[Any]:
    # A pass over a big register takes minutes: progress is shown within it too, so the
    # stall check (which fails a scan that shows none for LRS_DUPLICATE_SCAN_STALL_SECONDS)
    # never mistakes a long pass for a dead worker.
    due = time.monotonic() + _PROGRESS_SECONDS
    for count, member in enumerate(members):
        if not count % _PROGRESS_EVERY and time.monotonic() >= due:
            _still_running(scan_id)
            due = time.monotonic() + _PROGRESS_SECONDS
        yield member


def scan_run(scan_id: int) -> str:
    """Run a queued scan to its end. Returns its final status."""
    now = timezone.now()
    claimed = DuplicateScan.objects.filter(pk=scan_id, status=ScanStatus.QUEUED).update(
        status=ScanStatus.RUNNING,
        started_at=now,
        progressed_at=now,
        columns_total=len(PASSES),
        learners=Learner.objects.filter(status=LearnerStatus.ACTIVE).count(),
    )
    if not claimed:
        return "not queued"
    scan = DuplicateScan.objects.get(pk=scan_id)
    try:
        oversized: set[tuple[int, str]] = set()
        for index, column in enumerate(PASSES):
            counts = BlockScan()
            found: list[ProbablePair] = []
            pairs_found = 0
            members = _swapped_members() if column == SWAPPED_NAMES else _members(column)
            for pair in scan_column(
                _heartbeat(scan_id, members),
                column=index,
                person=_person,
                oversized=oversized,
                counts=counts,
                floor=FLOOR,
            ):
                if not _proposable(pair.result):
                    continue
                found.append(pair)
                if len(found) >= _STORE_EVERY:
                    _store(scan, found)
                    pairs_found += len(found)
                    found = []
            _store(scan, found)
            pairs_found += len(found)
            scan.columns_done = index + 1
            scan.blocks += counts.blocks
            scan.oversized_blocks += counts.oversized
            scan.comparisons += counts.comparisons
            scan.pairs_found += pairs_found
            _still_running(
                scan_id,
                columns_done=scan.columns_done,
                blocks=scan.blocks,
                oversized_blocks=scan.oversized_blocks,
                comparisons=scan.comparisons,
                pairs_found=scan.pairs_found,
            )
        finished = DuplicateScan.objects.filter(pk=scan_id, status=ScanStatus.RUNNING).update(
            status=ScanStatus.COMPLETE,
            finished_at=timezone.now(),
            pairs_new=DuplicatePair.objects.filter(scan_id=scan_id).count(),
        )
        if not finished:
            raise _ScanLost
    except _ScanLost:
        logger.warning("Duplicate scan %s was failed by another worker; stopped", scan_id)
        return ScanStatus.FAILED
    except Exception as exc:
        logger.exception("Duplicate scan %s failed", scan_id)
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=ScanStatus.FAILED,
            finished_at=timezone.now(),
            failure_reason=f"{type(exc).__name__}: {exc}"[:1000],
        )
        return ScanStatus.FAILED
    return ScanStatus.COMPLETE

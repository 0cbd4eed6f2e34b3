"""Benchmark the duplicate scan on a register with planted duplicates: speed, memory, quality.

Prints figures and never asserts them; docs/performance.md records the results. Run it on
an empty scratch database (it refuses a database that already has learners, unless
--reuse says to scan what an earlier run loaded, with the labels file it wrote):

    LRS_DATA_DIR=/tmp/lrs-dup-bench .venv/bin/python scripts/benchmark_duplicates.py
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lrs_dup_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lrs_dup_bench \\
        .venv/bin/python scripts/benchmark_duplicates.py

1. Load N synthetic learners through the bulk loader (``learners_bulk_load``, as
   ``lrs generate`` does): the people of ``lrs.synthetic`` (households with siblings,
   parents and twins), and for a share of them a second ULN of the same person, with
   the errors a second registration brings (typos, nicknames, a changed family name,
   day and month swapped, a move …; ``lrs.synthetic``'s query maker makes them). Each
   second record is loaded some way after the first, as it would be registered later.
   Which ULNs are one person, twins or one household is written to a labels file.
   Then VACUUM ANALYZE (PostgreSQL) or a WAL checkpoint (SQLite), untimed.
2. ``scan_run`` on a new scan, in a child process of its own (this script run again with
   --scan-only), so that its peak memory is the scan's alone and not this process's
   labels. The child reads its own VmHWM (the kernel's high-water mark of its resident
   set) from /proc: ``resource.getrusage``'s ru_maxrss would not do, in the child or
   here, because Linux carries the parent's high-water mark into the child at exec
   (a first run showed 799 MB, the load's peak, for a scan that needed a third of it).
3. Quality: every pair found against the labels: recall of the planted duplicates (by
   kind of error), and what the pairs that are not planted are (twins, others of one
   household, people with nothing in common but their names and birthday), at the
   scan's floor and at higher scores.

Runs in production mode (DEBUG off); a throwaway SECRET_KEY is made up when none is set.
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from lrs.core.context import call_context  # noqa: E402
from lrs.duplicates import scan as duplicate_scan  # noqa: E402
from lrs.duplicates.models import DuplicatePair, DuplicateScan  # noqa: E402
from lrs.learners.bulk import learners_bulk_load, synthetic_learner_record  # noqa: E402
from lrs.learners.models import Learner, LearnerStatus  # noqa: E402
from lrs.matching import Demographics  # noqa: E402
from lrs.synthetic import SyntheticPerson, iter_people  # noqa: E402
from lrs.synthetic.queries import _QueryMaker  # noqa: E402
from lrs.validation.learner import Purpose, validate_learner  # noqa: E402

# The errors of a second registration of someone already registered, and how often each
# is planted: mostly a move or a keying slip; some a changed family name, a nickname,
# a date entered the other way round. "clean" differs only in the optional fields.
DUPLICATE_KINDS: dict[str, float] = {
    "clean": 0.05,
    "formatting": 0.04,
    "typo_given": 0.11,
    "typo_family": 0.10,
    "spelling_variant": 0.05,
    "nickname": 0.07,
    "names_swapped": 0.03,
    "family_name_changed": 0.07,
    "dob_day_month_swapped": 0.07,
    "dob_typo": 0.07,
    "moved": 0.17,
    "moved_and_typo": 0.05,
    "moved_and_name_changed": 0.03,
    "moved_and_dob_typo": 0.02,
    "gender_different": 0.03,
    "middle_name_as_given": 0.02,
}
# Records loaded between a person's first ULN and the second (at most; a twentieth of
# the register for a small one).
DELAY = 50_000
# Scores at which the quality is also reported, beside the scan's floor.
SCORE_LEVELS = (0.05, 0.5, 0.9, 0.99)


@dataclasses.dataclass(frozen=True, slots=True)
class Label:
    person: int
    household: int
    twin_of: int  # -1: not a twin
    kind: str  # "" for a first registration, else the kind of error planted


def database_description() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_database_size(current_database())")
            version, size = cursor.fetchone()
            return f"{version.split(' on ')[0]}, database {size / 1e6:,.0f} MB"
        cursor.execute("SELECT sqlite_version()")
        (version,) = cursor.fetchone()
        path = Path(connection.settings_dict["NAME"])
        size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
        return f"SQLite {version} ({path}), file {size / 1e6:,.0f} MB"


def settle() -> None:
    """Leave the freshly loaded register as a register in use would be, not mid-load."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def default_labels_file() -> Path:
    if connection.vendor == "sqlite":
        return Path(connection.settings_dict["NAME"]).parent / "duplicate-labels.tsv"
    return Path(tempfile.gettempdir()) / f"duplicate-labels-{connection.settings_dict['NAME']}.tsv"


# --- 1. The register -------------------------------------------------------------------


def _record(d: Demographics, person: SyntheticPerson) -> dict[str, Any]:
    return synthetic_learner_record(dataclasses.replace(person, demographics=d))


def _valid(record: dict[str, Any]) -> bool:
    # A typo can make a name the register refuses (too long, say); the bulk loader would
    # stop the whole load for it, so such a duplicate is not planted.
    _, problems = validate_learner(
        {k: v for k, v in record.items() if v is not None}, purpose=Purpose.UPDATE
    )
    return not problems


class Stream:
    """Records for the loader, with the label of each in load order."""

    def __init__(self, *, total: int, share: float, seed: int) -> None:
        self.total = total
        # Each first registration brings a second with this chance, so that second ULNs
        # are ``share`` of all rows.
        self.chance = share / (1 - share)
        self.seed = seed
        self.rng = random.Random(seed + 7)
        self.maker = _QueryMaker(seed + 11)
        self.maker.kinds = list(DUPLICATE_KINDS)
        self.maker.kind_weights = list(DUPLICATE_KINDS.values())
        self.in_flight: deque[Label] = deque()
        self.labels: dict[str, Label] = {}
        self.kinds: Counter[str] = Counter()

    def _second(self, person: SyntheticPerson) -> tuple[dict[str, Any], Label] | None:
        query = self.maker.registered_query(person, twins=[])
        record = _record(query.query, person)
        if not _valid(record):
            return None
        twin = person.twin_of if person.twin_of is not None else -1
        return record, Label(person.person_id, person.household, twin, query.kind)

    def records(self) -> Iterator[dict[str, Any]]:
        waiting: list[tuple[int, int, dict[str, Any], Label]] = []
        emitted = 0
        order = 0
        people = iter_people(self.seed)
        delay = max(1, min(DELAY, self.total // 20))
        while emitted < self.total:
            # Near the end, second ULNs still waiting go in, so that all are loaded.
            if waiting and (waiting[0][0] <= emitted or emitted + len(waiting) >= self.total):
                _, _, record, label = heapq.heappop(waiting)
            else:
                person = next(people)
                if not person.registered:
                    continue
                twin = person.twin_of if person.twin_of is not None else -1
                record = synthetic_learner_record(person)
                label = Label(person.person_id, person.household, twin, "")
                if self.rng.random() < self.chance:
                    second = self._second(person)
                    if second is not None:
                        order += 1
                        due = emitted + self.rng.randint(1, delay)
                        heapq.heappush(waiting, (due, order, *second))
            self.in_flight.append(label)
            emitted += 1
            yield record

    def issued(self, ulns: list[str]) -> None:
        for uln in ulns:
            label = self.in_flight.popleft()
            self.labels[uln] = label
            if label.kind:
                self.kinds[label.kind] += 1


def load(args: argparse.Namespace, labels_file: Path) -> None:
    print(
        f"\n1. Load {args.learners:,} learners, {args.duplicate_share:.1%} of them second ULNs "
        "of someone already registered"
    )
    stream = Stream(total=args.learners, share=args.duplicate_share, seed=args.seed)
    started = time.perf_counter()
    with call_context(channel="cli"):
        loaded = learners_bulk_load(
            records=stream.records(),
            source=f"benchmark_duplicates --seed {args.seed}",
            on_batch=lambda _count, ulns: stream.issued(list(ulns)),
        )
    elapsed = time.perf_counter() - started
    print(f"  loaded {loaded:,} learners in {elapsed:.1f} s ({loaded / elapsed:,.0f} a second)")
    planted = sum(stream.kinds.values())
    print(f"  planted second ULNs: {planted:,}")
    for kind, count in sorted(stream.kinds.items(), key=lambda item: -item[1]):
        print(f"    {kind:<26} {count:>7,}")
    with labels_file.open("w", encoding="utf-8") as out:
        for uln, label in stream.labels.items():
            out.write(f"{uln}\t{label.person}\t{label.household}\t{label.twin_of}\t{label.kind}\n")
    print(f"  labels written to {labels_file}")
    started = time.perf_counter()
    settle()
    print(f"  settled (VACUUM ANALYZE or WAL checkpoint) in {time.perf_counter() - started:.1f} s")
    print(f"  {database_description()}")


def read_labels(path: Path) -> dict[str, Label]:
    labels = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            uln, person, household, twin_of, kind = line.rstrip("\n").split("\t")
            labels[uln] = Label(int(person), int(household), int(twin_of), kind)
    return labels


# --- 2. The scan, in a child process --------------------------------------------------


def peak_memory_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    # Elsewhere: an upper bound (it includes the parent's peak, see the module docstring).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def scan_only(profile: bool, floor: float | None) -> None:
    """The child: one scan, then its figures as one JSON line on stdout."""
    if floor is not None:
        duplicate_scan.FLOOR = floor
    scan_run = duplicate_scan.scan_run
    scan = DuplicateScan.objects.create(requested_at=timezone.now())
    started = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        status = profiler.runcall(scan_run, scan.pk)
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
    else:
        status = scan_run(scan.pk)
    elapsed = time.perf_counter() - started
    peak_kib = peak_memory_kib()
    result = {
        "scan": scan.pk,
        "status": status,
        "seconds": elapsed,
        "peak_kib": peak_kib,
        "floor": duplicate_scan.FLOOR,
    }
    print(json.dumps(result))


def run_scan_child(profile: bool, floor: float | None) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--scan-only"]
    if profile:
        command.append("--profile")
    if floor is not None:
        command.extend(["--floor", str(floor)])
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- 3. Quality ------------------------------------------------------------------------


def relation(a: Label, b: Label) -> str:
    if a.person == b.person:
        return "planted (one person)"
    if a.twin_of == b.person or b.twin_of == a.person:
        return "twins"
    if a.household == b.household:
        return "same household (siblings, parent)"
    return "different households"


def quality(scan: DuplicateScan, labels: dict[str, Label], floor: float) -> None:
    planted_by_kind: Counter[str] = Counter(label.kind for label in labels.values() if label.kind)
    planted = sum(planted_by_kind.values())
    registered = {label.person for label in labels.values()}
    twins_registered = sum(
        1 for label in labels.values() if label.twin_of in registered and not label.kind
    )
    found = list(
        DuplicatePair.objects.filter(scan=scan).values_list("first__uln", "second__uln", "score")
    )
    by_relation: dict[str, list[float]] = {}
    found_kinds: dict[str, list[float]] = {}
    for first, second, score in found:
        a, b = labels[first], labels[second]
        kind = relation(a, b)
        by_relation.setdefault(kind, []).append(score)
        if kind.startswith("planted"):
            found_kinds.setdefault(a.kind or b.kind, []).append(score)
    levels = sorted({floor, *(level for level in SCORE_LEVELS if level > floor)})
    header = "".join(f"  >= {level:<8.4g}" for level in levels)
    print(f"\n3. Quality ({len(found):,} pairs found, {planted:,} planted)")
    print(f"  {'':<36}{header}")
    for kind in (
        "planted (one person)",
        "twins",
        "same household (siblings, parent)",
        "different households",
    ):
        scores = by_relation.get(kind, [])
        cells = "".join(f"  {sum(s >= level for s in scores):>10,}" for level in levels)
        print(f"  {kind:<36}{cells}")
    cells = "".join(
        f"  {sum(s >= level for s in by_relation.get('planted (one person)', [])) / planted:>10.2%}"
        for level in levels
    )
    print(f"  {'recall of planted duplicates':<36}{cells}")
    not_planted = len(found) - len(by_relation.get("planted (one person)", []))
    print(
        f"  found but not planted: {not_planted:,} "
        f"({not_planted / max(1, len(found)):.1%} of pairs found); "
        f"pairs of twins both registered: {twins_registered:,}"
    )
    print("  recall by kind of error planted (at the floor, and at >= 0.99):")
    for kind, count in sorted(planted_by_kind.items(), key=lambda item: -item[1]):
        scores = found_kinds.get(kind, [])
        high = sum(s >= 0.99 for s in scores)
        print(
            f"    {kind:<26} {len(scores):>7,} of {count:>7,}  {len(scores) / count:>7.2%}"
            f"   {high / count:>7.2%}"
        )
    sample = [
        (first, second, score)
        for first, second, score in found
        if relation(labels[first], labels[second]) == "different households"
    ][:5]
    if sample:
        print("  a few pairs from different households (people who only look alike):")
        for first, second, score in sample:
            a, b = (
                Learner.objects.filter(uln=uln)
                .values_list("given_name", "family_name", "date_of_birth", "last_known_postcode")
                .get()
                for uln in (first, second)
            )
            print(f"    {score:.4f}  {' '.join(map(str, a))}  ~  {' '.join(map(str, b))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000, help="Rows in the register")
    parser.add_argument(
        "--duplicate-share",
        type=float,
        default=0.02,
        help="Share of the rows that are a second ULN of someone registered (default 0.02)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--labels-file", type=Path, help="Where the load writes its labels")
    parser.add_argument(
        "--reuse", action="store_true", help="Skip the load: scan what an earlier run loaded"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the scan (slower)")
    parser.add_argument(
        "--floor",
        type=float,
        help=f"Score from which pairs are kept, for this run (default {duplicate_scan.FLOOR})",
    )
    parser.add_argument("--scan-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scan_only:
        scan_only(args.profile, args.floor)
        return

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Database: {database_description()}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {cpu_model()}")
    labels_file = args.labels_file or default_labels_file()
    if args.reuse:
        print(f"\n1. Load skipped (--reuse): {Learner.objects.count():,} learners present")
    else:
        if Learner.objects.exists():
            raise SystemExit("The database already has learners: use an empty one, or --reuse")
        load(args, labels_file)
    labels = read_labels(labels_file)
    # Earlier scans' pairs would be "not new": every run starts from an empty queue.
    DuplicatePair.objects.all().delete()

    active = Learner.objects.filter(status=LearnerStatus.ACTIVE).count()
    print(f"\n2. scan_run over {active:,} active learners (child process)")
    child = run_scan_child(args.profile, args.floor)
    scan = DuplicateScan.objects.get(pk=child["scan"])
    seconds = child["seconds"]
    print(f"  status                     {scan.status}")
    print(f"  wall time                  {seconds:.1f} s")
    print(f"  learners a second          {active / seconds:,.0f}")
    print(f"  blocks compared            {scan.blocks:,}")
    print(f"  oversized blocks           {scan.oversized_blocks:,}")
    print(f"  comparisons                {scan.comparisons:,}")
    print(f"  pairs found                {scan.pairs_found:,} (new {scan.pairs_new:,})")
    print(f"  peak memory (VmHWM)        {child['peak_kib'] / 1024:,.0f} MB")
    print(f"  floor (score kept from)    {child['floor']:g}")
    quality(scan, labels, child["floor"])


if __name__ == "__main__":
    main()

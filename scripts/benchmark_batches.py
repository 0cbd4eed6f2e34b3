"""Benchmark a 100,000-record registration batch against a register of a million learners.

Prints figures and never asserts them; docs/performance.md records the results. Run it on
an empty scratch database (it refuses a database that already has learners, unless
--reuse says to use the register an earlier run loaded with the same --learners/--seed):

    LRS_DATA_DIR=/tmp/lrs-batch-bench .venv/bin/python scripts/benchmark_batches.py
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lrs_batch_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lrs_batch_bench \\
        .venv/bin/python scripts/benchmark_batches.py

1. ``lrs generate``: N synthetic learners through the bulk loader (skipped with --reuse),
   then VACUUM ANALYZE (PostgreSQL) or a WAL checkpoint (SQLite), untimed.
2. An LRB CSV file of realistic records for an organisation the script creates: people
   not yet registered (most of them; a few of them twice), registered people with the
   errors providers make (from ``lrs.synthetic``'s query maker, so some are exact and
   some possible matches), registered people with their ULN (a few moved, a few with an
   unknown or someone else's ULN) and a few invalid records. Written streaming.
3. ``batch_submit`` in this process (as the portal and the API do), then ONE real worker
   process, ``python -m lrs.cli worker --batch``, which processes the queue and exits.
   End to end = from the call to ``batch_submit`` until the batch is complete.
   The worker's peak memory is its VmHWM (the kernel's high-water mark of its resident
   set), read from /proc every quarter second until it exits. (RUSAGE_CHILDREN's
   ru_maxrss would count this script's own memory, copied into the child at fork.)

Runs in production mode (DEBUG off); a throwaway SECRET_KEY is made up when none is set.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
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

from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from lrs.access import OrganisationType, Role  # noqa: E402
from lrs.batches.models import Batch, BatchRow, BatchStatus, BatchUnit  # noqa: E402
from lrs.batches.services import batch_submit  # noqa: E402
from lrs.batchfiles import BatchHeader, BatchRecord, write_batch  # noqa: E402
from lrs.core.models import AllocatedUln  # noqa: E402
from lrs.identifiers.uln import random_ulns  # noqa: E402
from lrs.learners.models import Learner  # noqa: E402
from lrs.matching import Demographics  # noqa: E402
from lrs.organisations.models import Organisation  # noqa: E402
from lrs.organisations.services import organisation_create  # noqa: E402
from lrs.synthetic import SyntheticPerson, iter_people  # noqa: E402
from lrs.synthetic.queries import _QueryMaker  # noqa: E402
from lrs.users.models import User  # noqa: E402
from lrs.users.services import user_create  # noqa: E402

STAMP = "010920251030"
TARGET_RATE = 1000.0
TARGET_PEAK_MB = 400.0
# Shares of the file's records (the rest are people not yet registered).
SHARES = {
    "registered": 0.30,  # no ULN supplied: found by demographics, with realistic errors
    "with_uln": 0.08,  # ULN supplied
    "repeat": 0.01,  # a person already earlier in the same file, again
    "repeat_typo": 0.005,  # the same, with a typo in the given name
    "invalid": 0.015,  # rejected by the file check
}
LEARNER_FIELDS = (
    "id",
    "uln",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "previous_family_name",
    "middle_other_name",
    "date_of_address_capture",
)


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
    """Leave the freshly loaded register as a register in use would be, not mid-load.

    PostgreSQL: VACUUM ANALYZE (else the first reads of each new row set its hint bits
    and dirty its page, and tables the loader does not analyse have no statistics).
    SQLite: a checkpoint folds the load's write-ahead log back into the database file.
    """
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


def batch_user(ukprn: str) -> User:
    username = f"batchbench{ukprn}"
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is not None:
        return user
    organisation = Organisation.objects.filter(ukprn=ukprn).first() or organisation_create(
        actor=None,
        name=f"Batch Benchmark College {ukprn}",
        type=OrganisationType.FURTHER_EDUCATION_COLLEGE,
        ukprn=ukprn,
    )
    return user_create(
        actor=None,
        organisation=organisation,
        username=username,
        role=Role.BATCH_USER,
        password=secrets.token_urlsafe(24),
        email=f"{username}@example.com",
        first_name="Batch",
        last_name="Bench",
    )


# --- The file ---------------------------------------------------------------------------


def _record(d: Demographics, **extra: str) -> dict[str, str]:
    fields = {
        "given_name": d.given_name,
        "family_name": d.family_name,
        "date_of_birth": d.date_of_birth.isoformat(),
        "gender": d.gender,
        "last_known_postcode": d.postcode,
        "previous_family_name": d.previous_family_name or "",
        "middle_other_name": d.middle_names or "",
        "school_at_16": d.school_at_16 or "",
        "place_of_birth": d.place_of_birth or "",
        "email_address": d.email or "",
        "ability_to_share": "1",
        "verification_type": "1",
    }
    fields.update(extra)
    return fields


def _people(
    args: argparse.Namespace, wanted_new: int, wanted_registered: int
) -> tuple[list[SyntheticPerson], list[SyntheticPerson], list[SyntheticPerson]]:
    """Walk the register's own stream of people: a sample of the registered ones, the
    unregistered look-alikes among them (twins, relatives), and the people that come
    after the N-th registered one (the next cohort: not yet registered)."""
    rng = random.Random(args.seed + 11)
    keep_registered = min(1.0, 1.5 * wanted_registered / args.learners)
    registered_sample: list[SyntheticPerson] = []
    lookalikes: list[SyntheticPerson] = []
    cohort: list[SyntheticPerson] = []
    want_lookalikes = wanted_new // 5
    registered = 0
    for person in iter_people(args.seed):
        if registered < args.learners:
            if person.registered:
                registered += 1
                if rng.random() < keep_registered:
                    registered_sample.append(person)
            elif len(lookalikes) < want_lookalikes and rng.random() < 0.5:
                lookalikes.append(person)
            continue
        cohort.append(person)
        if len(cohort) + len(lookalikes) >= wanted_new:
            break
    rng.shuffle(registered_sample)
    return registered_sample[:wanted_registered], lookalikes, cohort


def _learner_rows(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` random learners of the register (id, ULN and details)."""
    bounds = Learner.objects.aggregate(low=Min("id"), high=Max("id"))
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        ids = rng.sample(range(bounds["low"], bounds["high"] + 1), min(900, count - len(rows)))
        rows += list(
            Learner.objects.filter(pk__in=ids, master__isnull=True).values(*LEARNER_FIELDS)
        )
    return rows[:count]


def _new_postcode(old: str, rng: random.Random) -> str:
    unit = rng.choice("ABDEFGHJ") + rng.choice("LNPQRSTUWXYZ")
    return f"{old.split(' ')[0]} {rng.randrange(10)}{unit}"


def build_records(args: argparse.Namespace) -> tuple[list[dict[str, str]], Counter[str]]:
    """The file's records as dicts of BatchRecord fields, in file order, and their kinds."""
    n = args.records
    rng = random.Random(args.seed + 29)
    n_registered = int(n * SHARES["registered"])
    n_uln = int(n * SHARES["with_uln"])
    n_repeat = int(n * SHARES["repeat"])
    n_repeat_typo = int(n * SHARES["repeat_typo"])
    n_invalid = int(n * SHARES["invalid"])
    n_new = n - n_registered - n_uln - n_repeat - n_repeat_typo - n_invalid
    registered, lookalikes, cohort = _people(args, n_new + n_invalid, n_registered)

    kinds: Counter[str] = Counter()
    items: list[tuple[str, dict[str, str]]] = []
    maker = _QueryMaker(args.seed + 101)
    for person in registered:
        query = maker.registered_query(person, [])
        items.append(("registered:" + query.kind, _record(query.query)))
    new_people = lookalikes + cohort
    rng.shuffle(new_people)
    for person in new_people[:n_new]:
        items.append(("new", _record(person.demographics)))
    # A few invalid records: the file check refuses them before any matching.
    for i, person in enumerate(new_people[n_new : n_new + n_invalid]):
        fields = _record(person.demographics)
        problem = ("no_given_name", "bad_gender", "too_young", "bad_postcode")[i % 4]
        if problem == "no_given_name":
            fields["given_name"] = ""
        elif problem == "bad_gender":
            fields["gender"] = "7"
        elif problem == "too_young":
            fields["date_of_birth"] = (dt.date.today() - dt.timedelta(days=365 * 5)).isoformat()
        else:
            fields["last_known_postcode"] = "NOT A POSTCODE"
        items.append(("invalid:" + problem, fields))
    # Registered learners with their ULN: most as registered, some moved since (with a
    # later address capture date), some with an unknown ULN or with somebody else's.
    for i, row in enumerate(_learner_rows(n_uln, args.seed + 43)):
        d = Demographics(
            given_name=row["given_name"],
            family_name=row["family_name"],
            date_of_birth=row["date_of_birth"],
            gender=row["gender"],
            postcode=row["last_known_postcode"],
            previous_family_name=row["previous_family_name"] or None,
            middle_names=row["middle_other_name"] or None,
        )
        pick = i % 20
        if pick < 15:
            items.append(("uln:as_registered", _record(d, uln=row["uln"])))
        elif pick < 18:
            moved = _new_postcode(row["last_known_postcode"], rng)
            fields = _record(d, uln=row["uln"], last_known_postcode=moved)
            fields["date_of_address_capture"] = "2025-08-01"
            fields["last_known_address_line1"] = f"{rng.randint(1, 200)} New Street"
            items.append(("uln:moved", fields))
        elif pick == 18:
            items.append(("uln:unknown", _record(d, uln=next(iter(random_ulns(1))))))
        else:
            other = registered[i % len(registered)].demographics if registered else d
            items.append(("uln:someone_else", _record(other, uln=row["uln"])))
    rng.shuffle(items)
    # People already earlier in the file, again (another MIS id): exactly, or with a typo.
    new_positions = [i for i, (kind, _) in enumerate(items) if kind == "new"]
    repeats: list[tuple[int, tuple[str, dict[str, str]]]] = []
    for j in range(n_repeat + n_repeat_typo):
        origin = rng.choice(new_positions[: len(new_positions) // 2])
        fields = dict(items[origin][1])
        kind = "repeat:exact"
        if j >= n_repeat:
            kind = "repeat:typo"
            fields["given_name"] = fields["given_name"] + rng.choice("aeiouy")
        # Later in the file than the first time, often within the same chunk.
        later = origin + rng.choice((rng.randint(1, 50), rng.randint(1, len(items) - origin)))
        repeats.append((later, (kind, fields)))
    for position, item in sorted(repeats, key=lambda r: r[0], reverse=True):
        items.insert(position, item)
    records = []
    for row, (kind, fields) in enumerate(items, start=2):
        kinds[kind] += 1
        records.append({"row": row, "mis_identifier": f"M{row:07d}", **fields})
    return records, kinds


def write_file(path: Path, ukprn: str, records: list[dict[str, str]]) -> None:
    header = BatchHeader(
        file_version="2A", file_name=path.name, ukprn=ukprn, learner_record_count=len(records)
    )
    with path.open("wb") as out:
        write_batch(out, header, (BatchRecord(**r) for r in records), fmt="CSV")


# --- Submit and process ------------------------------------------------------------------


def _vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclasses.dataclass
class Run:
    submit_seconds: float
    end_to_end_seconds: float
    validated_after: float | None
    worker_exit_seconds: float
    peak_hwm_mb: float
    helper_peak_hwm_mb: float
    progress: list[tuple[float, int]]


def submit_and_process(user: User, path: Path, workers: int) -> tuple[Batch, Run]:
    started = time.perf_counter()
    wall_started = timezone.now()
    with path.open("rb") as handle:
        batch = batch_submit(actor=user, upload=File(handle, name=path.name))
    submitted = time.perf_counter() - started
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "LRS_BATCH_WORKERS": str(workers),
        # The file is measured, not the jobs a worker starts when they are due (a
        # duplicate scan of the whole register, a calibration), which would share its cores.
        "LRS_DUPLICATE_SCAN_HOURS": "0",
        "LRS_MATCHING_CALIBRATE_HOURS": "0",
    }
    command = [sys.executable, "-m", "lrs.cli", "worker", "--batch", "--interval", "0.2"]
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    # The helpers: started once the first worker has queued their tasks (it does so when
    # it has split the file into units), each exiting when the queue is empty.
    helpers: list[subprocess.Popen[str]] = []
    hwm = 0
    helper_hwm = 0
    progress: list[tuple[float, int]] = []
    validated_after: float | None = None
    finished_at: float | None = None
    while True:
        hwm = max(hwm, _vm_hwm_kib(worker.pid))
        for helper in helpers:
            helper_hwm = max(helper_hwm, _vm_hwm_kib(helper.pid))
        if workers > 1 and not helpers and BatchUnit.objects.filter(batch=batch).exists():
            helpers = [
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
                for _ in range(workers - 1)
            ]
        state = Batch.objects.filter(pk=batch.pk).values("status", "processed_records").get()
        now = time.perf_counter() - started
        if validated_after is None and state["status"] in (
            BatchStatus.PROCESSING,
            BatchStatus.COMPLETE,
        ):
            validated_after = now
        if not progress or progress[-1][1] != state["processed_records"]:
            progress.append((now, state["processed_records"]))
        if state["status"] in (BatchStatus.COMPLETE, BatchStatus.FAILED) and finished_at is None:
            finished_at = now
        if worker.poll() is not None and all(h.poll() is not None for h in helpers):
            break
        time.sleep(0.25)
    exited = time.perf_counter() - started
    stderr = worker.stderr.read() if worker.stderr else ""
    batch.refresh_from_db()
    if worker.returncode or batch.status != BatchStatus.COMPLETE:
        print(stderr[-4000:])
        raise SystemExit(f"The worker exited with {worker.returncode}")
    batch.refresh_from_db()
    if finished_at is None:
        finished_at = exited
    # The batch records when it finished; the poll above only sees it a little later.
    if batch.finished_at is not None:
        finished_at = min(finished_at, (batch.finished_at - wall_started).total_seconds())
    return batch, Run(
        submit_seconds=submitted,
        end_to_end_seconds=finished_at,
        validated_after=validated_after,
        worker_exit_seconds=exited,
        peak_hwm_mb=hwm / 1024,
        helper_peak_hwm_mb=helper_hwm / 1024,
        progress=progress,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=100_000, help="Records in the file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ukprn", default="10099991", help="Of the organisation created")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Skip the load and use the register of an earlier run (same --learners/--seed)",
    )
    parser.add_argument("--keep-file", action="store_true", help="Keep the CSV file written")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Worker processes on the one file (LRS_BATCH_WORKERS); 1 decides it in chunks",
    )
    args = parser.parse_args()

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Database: {database_description()}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {cpu_model()}")
    print(f"Chunk size (LRS_BATCH_CHUNK_SIZE): {settings.LRS_BATCH_CHUNK_SIZE}")
    if args.reuse:
        print(f"\n1. Load skipped (--reuse): {Learner.objects.count():,} learners present")
    else:
        if Learner.objects.exists():
            raise SystemExit("The database already has learners: use an empty one, or --reuse")
        print(f"\n1. Load {args.learners:,} learners with lrs generate")
        started = time.perf_counter()
        call_command("generate", learners=args.learners, seed=args.seed)
        print(f"  load {time.perf_counter() - started:.1f} s; {database_description()}")
        started = time.perf_counter()
        settle()
        print(
            f"  settled (VACUUM ANALYZE or WAL checkpoint) in {time.perf_counter() - started:.1f} s"
        )

    print(f"\n2. Write a {args.records:,}-record LRB CSV file")
    started = time.perf_counter()
    user = batch_user(args.ukprn)
    records, kinds = build_records(args)
    folder = Path(tempfile.gettempdir())
    if connection.vendor == "sqlite":
        folder = Path(connection.settings_dict["NAME"]).parent
    path = folder / f"LRB_{args.ukprn}_{STAMP}.CSV"
    write_file(path, args.ukprn, records)
    del records
    size_mb = path.stat().st_size / 1e6
    print(f"  {path} ({size_mb:.1f} MB) in {time.perf_counter() - started:.1f} s")
    print("  kinds of record:")
    for kind, count in sorted(kinds.items()):
        print(f"    {kind:<36} {count:>7,}")

    learners_before = Learner.objects.count()
    allocated_before = AllocatedUln.objects.count()
    print(f"\n3. batch_submit, then {args.workers} worker process(es) (lrs worker --batch)")
    batch, run = submit_and_process(user, path, args.workers)
    if not args.keep_file:
        path.unlink(missing_ok=True)
    rows = BatchRow.objects.filter(batch=batch)
    codes = dict(rows.values_list("return_code").annotate(n=Count("id")).order_by("return_code"))
    new_learners = Learner.objects.count() - learners_before
    new_allocated = AllocatedUln.objects.count() - allocated_before
    created = Learner.objects.filter(created_at__gte=batch.created_at)
    twice = created.values("demographics_key").annotate(n=Count("id")).filter(n__gt=1).count()
    rate = batch.processed_records / run.end_to_end_seconds
    print(
        f"  status                              {batch.status} ({batch.processed_records:,} rows)"
    )
    print(f"  submit (store + hash + queue)       {run.submit_seconds:.2f} s")
    if run.validated_after is not None:
        print(f"  validated (pass 1) after            ~{run.validated_after:.1f} s")
    print(f"  end to end (submit -> complete)     {run.end_to_end_seconds:.1f} s")
    print(f"  worker exited after                 {run.worker_exit_seconds:.1f} s")
    print(f"  records a second, end to end        {rate:,.0f}  (target >= {TARGET_RATE:,.0f})")
    print(
        f"  worker peak RSS (VmHWM)             {run.peak_hwm_mb:.0f} MB  "
        f"(target < {TARGET_PEAK_MB:.0f} MB)"
    )
    if args.workers > 1:
        print(f"  helper workers' peak RSS (highest)  {run.helper_peak_hwm_mb:.0f} MB")
    print(
        f"  counts: new {batch.new_learners:,}, existing {batch.existing_learners:,}, "
        f"possible {batch.possible_matches:,}, not found {batch.not_found:,}, "
        f"rejected {batch.rejected:,}"
    )
    print(f"  return codes                        {codes}")
    print(
        f"  checks: learners added {new_learners:,} (RC001 {codes.get('RC001', 0):,}), "
        f"ULNs recorded {new_allocated:,}, demographics registered twice {twice}"
    )
    steps = run.progress
    if len(steps) > 2:
        print("  progress (seconds, rows done):")
        for t, done in [*steps[:: max(1, len(steps) // 12)], steps[-1]]:
            print(f"    {t:7.1f}  {done:>8,}")

    print(f"\nSummary ({connection.vendor}, {learners_before:,} learners before the file)")
    print("| Measure | Figure | Target |\n|---|---|---|")
    print(f"| {batch.processed_records:,} records, end to end | {run.end_to_end_seconds:.0f} s | |")
    print(f"| Records a second | {rate:,.0f} | >= {TARGET_RATE:,.0f} |")
    print(f"| Worker peak RSS | {run.peak_hwm_mb:.0f} MB | < {TARGET_PEAK_MB:.0f} MB |")


if __name__ == "__main__":
    main()

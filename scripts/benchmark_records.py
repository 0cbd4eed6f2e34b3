"""Benchmark Personal Learning Records: a million achievements through the upload path,
then the PLR view through the service and the HTTP API.

Prints figures and never asserts them; docs/performance.md records the results. Run it on
an empty scratch database (it refuses a database that already has learners, unless
--reuse says to use the register an earlier run loaded):

    LRS_DATA_DIR=/tmp/lrs-records-bench .venv/bin/python scripts/benchmark_records.py
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lrs_plr_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lrs_plr_bench \\
        .venv/bin/python scripts/benchmark_records.py

1. ``lrs generate``: N synthetic learners through the bulk loader (skipped with --reuse).
2. The demo qualifications catalogue (``src/lrs/demo/qualifications.csv``), its awarding
   organisation (Meridian Awards, UKPRN 10000007) with an awarding organisation user, and
   a school with an online user (the PLR viewer, also named as the provider of the
   achievements).
3. ACH_ CSV files of --per-file create rows each (100,000 by default, the largest file
   LRS_BATCH_MAX_RECORDS allows), --records rows in all: registered learners, in random
   order, each with 1 to 9 achievements of distinct qualifications, with the learner's
   own names, date of birth, gender and postcode as the register holds them, realistic
   grades and award dates (a GCSE in the August the learner was 16, an A level at 18,
   vocational qualifications and units later; never before the qualification could be
   awarded, never in the future), mostly final, a few provisional.
4. Every file submitted with ``achievement_job_submit`` in this process (as the portal
   and the API do), then ONE real worker process, ``python -m lrs.cli worker --batch``,
   which processes the queue and exits. End to end = from the first submit until the last
   job has ended. The worker's peak memory is its VmHWM (sampled).
5. ``plr_get`` (FULL) in this process for --timed learners with achievements (who have
   not opted out of sharing), one at a time after 200 warm-up calls (each view is
   audited and records the organisation's access to the learner).
6. ``POST /api/v1/learners/learning-events`` against ``lrs serve`` on a free local port,
   one keep-alive connection, a bearer token from ``lrs token create``, the same learners.

On PostgreSQL with autovacuum off (as the development machines' CI configuration has it),
the planner would never get statistics for the tables: the script runs ANALYZE where
autovacuum would (after the register's load; on the event tables whenever 50 rows + 10%
have been added since the last time) unless --no-analyze.

Runs in production mode (DEBUG off); a throwaway SECRET_KEY is made up when none is set,
and the API's per-user throttle is lifted. Uploaded files go to LRS_UPLOADS_DIR (a
scratch folder unless set) and are removed at the end unless --keep-files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The API's per-user throttle (600 a minute) would otherwise stop the HTTP benchmark.
os.environ["LRS_API_RATE"] = "1000000/m"
SCRATCH_UPLOADS = "LRS_UPLOADS_DIR" not in os.environ
if SCRATCH_UPLOADS:
    os.environ["LRS_UPLOADS_DIR"] = tempfile.mkdtemp(prefix="lrs-records-bench-uploads-")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files import File  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Max, Min, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402

from lrs.access import OrganisationType, Role  # noqa: E402
from lrs.achievementfiles import AchievementRecord, make_header, write_achievements  # noqa: E402
from lrs.learners.models import Learner, LearnerStatus  # noqa: E402
from lrs.learners.services import LearnerError  # noqa: E402
from lrs.organisations.models import Organisation  # noqa: E402
from lrs.organisations.services import organisation_create  # noqa: E402
from lrs.records.models import (  # noqa: E402
    AchievementJob,
    LearningEvent,
    LearningEventChange,
    Qualification,
)
from lrs.records.services import (  # noqa: E402
    OPTED_OUT,
    achievement_job_submit,
    plr_get,
    qualifications_import,
)
from lrs.users.models import User  # noqa: E402
from lrs.users.services import user_create  # noqa: E402

CATALOGUE = ROOT / "src" / "lrs" / "demo" / "qualifications.csv"
AO_UKPRN = "10000007"  # the demo catalogue's awarding organisation
SCHOOL_UKPRN = "10099992"
AO_USERNAME = "recordsbench-ao"
VIEWER_USERNAME = "recordsbench-viewer"
STAMP_DAY = "0109202510"
TARGETS = {"load_seconds": 600.0, "plr_p95_ms": 20.0}
WARM_UP = 200
LEARNER_FIELDS = (
    "id",
    "uln",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "ability_to_share",
)
# Achievements a learner gets (1 to 9), and how likely each count is: mean about 3.9.
PER_LEARNER = (1, 2, 3, 4, 5, 6, 7, 8, 9)
PER_LEARNER_WEIGHTS = (22, 16, 13, 11, 10, 9, 8, 6, 5)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def latency_line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label:<34} n={len(ms):,}  p50 {percentile(ms, 0.50):6.2f} ms  "
        f"p95 {percentile(ms, 0.95):6.2f} ms  p99 {percentile(ms, 0.99):6.2f} ms  "
        f"mean {statistics.mean(ms):6.2f} ms"
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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


# --- Organisations, users and the catalogue -----------------------------------------------


def _user(username: str, organisation: Organisation, role: str) -> User:
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is not None:
        return user
    return user_create(
        actor=None,
        organisation=organisation,
        username=username,
        role=role,
        password=secrets.token_urlsafe(24),
        email=f"{username}@example.com",
        first_name="Records",
        last_name="Bench",
    )


def _organisation(ukprn: str, name: str, kind: str) -> Organisation:
    return Organisation.objects.filter(ukprn=ukprn).first() or organisation_create(
        actor=None, name=name, type=kind, ukprn=ukprn
    )


def set_up() -> tuple[User, User, Organisation]:
    """The awarding organisation and its user, the catalogue, a college and its viewer."""
    ao = _organisation(AO_UKPRN, "Meridian Awards", OrganisationType.AWARDING_ORGANISATION)
    ao_user = _user(AO_USERNAME, ao, Role.AWARDING_ORGANISATION_USER)
    school = _organisation(
        SCHOOL_UKPRN, "Records Benchmark College", OrganisationType.FURTHER_EDUCATION_COLLEGE
    )
    viewer = _user(VIEWER_USERNAME, school, Role.ONLINE_USER)
    if not Qualification.objects.filter(awarding_organisation=ao).exists():
        result = qualifications_import(actor=None, text=CATALOGUE.read_text(encoding="utf-8"))
        print(f"  catalogue: {result.created} qualifications and units imported")
    return ao_user, viewer, school


# --- The files -----------------------------------------------------------------------------


def _grade(rng: random.Random, q: Qualification) -> str:
    if q.qualification_type.startswith("GCSE"):
        return rng.choice("987654433221")
    if q.qualification_type == "GCE A level":
        return rng.choice(("A*", "A", "A", "B", "B", "C", "C", "D", "E"))
    if q.kind == "unit" or q.qualification_type in ("Functional Skills", "Entry Level"):
        return "Pass"
    return rng.choice(("Pass", "Pass", "Merit", "Merit", "Distinction"))


def _award_date(rng: random.Random, q: Qualification, born: dt.date, today: dt.date) -> dt.date:
    """When a learner born on ``born`` would have been awarded ``q``: a GCSE in the August
    of the school year they turned 16, an A level two years later, anything else from 16
    on; never before the qualification could be awarded, never in the future."""
    school_year = born.year + (1 if born.month >= 9 else 0)
    if q.qualification_type.startswith("GCSE"):
        awarded = dt.date(school_year + 16, 8, rng.randint(20, 25))
    elif q.qualification_type == "GCE A level":
        awarded = dt.date(school_year + 18, 8, rng.randint(13, 18))
    else:
        awarded = dt.date(school_year + 16, 9, 1) + dt.timedelta(days=rng.randint(200, 2500))
    earliest = q.valid_from or dt.date(2012, 1, 1)
    if awarded < earliest:
        awarded = earliest + dt.timedelta(days=rng.randint(60, 900))
    if awarded > today:
        span = max(1, (today - earliest).days)
        awarded = earliest + dt.timedelta(days=rng.randint(0, span))
    return min(awarded, today)


def _learner_details(ids: list[int]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 900):
        for row in Learner.objects.filter(pk__in=ids[start : start + 900]).values(*LEARNER_FIELDS):
            found[row["id"]] = row
    return found


def _file_records(
    rng: random.Random,
    learners: Iterator[int],
    count: int,
    first_row: int,
    catalogue: list[Qualification],
    school_ukprn: str,
    today: dt.date,
    carry: list[tuple[int, Qualification]],
) -> list[AchievementRecord]:
    """``count`` create rows: the learners' achievements, a learner's all together (one
    may carry over into the next file, through ``carry``), in random learner order."""
    picks: list[tuple[int, Qualification]] = carry[:count]
    del carry[: len(picks)]
    while len(picks) < count:
        learner_id = next(learners)
        n = rng.choices(PER_LEARNER, PER_LEARNER_WEIGHTS)[0]
        for q in rng.sample(catalogue, n):
            if len(picks) < count:
                picks.append((learner_id, q))
            else:
                carry.append((learner_id, q))
    details = _learner_details(sorted({learner_id for learner_id, _ in picks}))
    records = []
    for offset, (learner_id, q) in enumerate(picks):
        person = details[learner_id]
        awarded = _award_date(rng, q, person["date_of_birth"], today)
        row = first_row + offset
        records.append(
            AchievementRecord(
                row=offset + 2,
                mis_identifier=f"MA{row:08d}",
                uln=person["uln"],
                given_name=person["given_name"],
                family_name=person["family_name"],
                date_of_birth=person["date_of_birth"].isoformat(),
                gender=person["gender"],
                learner_postcode=person["last_known_postcode"] or "",
                provider_ukprn=school_ukprn if rng.random() < 0.9 else "",
                reference=q.reference,
                grade=_grade(rng, q),
                award_date=awarded.isoformat(),
                status="P" if rng.random() < 0.03 else "F",
                action="1",
                action_date=min(today, awarded + dt.timedelta(days=rng.randint(0, 20))).isoformat(),
            )
        )
    return records


def write_files(args: argparse.Namespace, folder: Path) -> tuple[list[Path], int]:
    """The ACH_ files; returns them and how many learners got achievements."""
    rng = random.Random(args.seed + 7)
    catalogue = list(Qualification.objects.filter(awarding_organisation__ukprn=AO_UKPRN))
    ids = list(
        Learner.objects.filter(master__isnull=True, status=LearnerStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(ids)
    used: list[int] = []

    def learners() -> Iterator[int]:
        for learner_id in ids:
            used.append(learner_id)
            yield learner_id
        raise SystemExit("Not enough learners for that many achievements: use more --learners")

    stream = learners()
    carry: list[tuple[int, Qualification]] = []
    today = timezone.localdate()
    paths = []
    written = 0
    for number in range(args.files):
        count = min(args.per_file, args.records - written)
        if count <= 0:
            break
        # One file a minute of the same day: ACH_<UKPRN>_<DDMMYYYYHHMM>.CSV
        name = f"ACH_{AO_UKPRN}_{STAMP_DAY}{number:02d}.CSV"
        records = _file_records(
            rng, stream, count, written + 1, catalogue, SCHOOL_UKPRN, today, carry
        )
        path = folder / name
        with path.open("wb") as out:
            write_achievements(out, make_header(name, AO_UKPRN, len(records)), records, fmt="CSV")
        written += len(records)
        paths.append(path)
    return paths, len(used)


# --- Submit and process -------------------------------------------------------------------


def _vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def autovacuum_off() -> bool:
    """Whether this is PostgreSQL with autovacuum off (the CI configuration of the
    development machines), which then never gathers the planner's statistics."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "off"


def analyze(*tables: str) -> None:
    """ANALYZE, as autovacuum would (only called when it is off)."""
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


EVENT_TABLES = (LearningEvent._meta.db_table, LearningEventChange._meta.db_table)


def submit_and_process(ao_user: User, paths: list[Path], stand_in: bool) -> dict[str, Any]:
    """Submit, run the worker, wait. ``stand_in``: ANALYZE the event tables whenever
    autovacuum would (50 rows + 10% of the table changed since the last time)."""
    started = time.perf_counter()
    table_rows = LearningEvent.objects.count()
    analyzed_at = 0
    analyses = 0
    wall_started = timezone.now()
    jobs = []
    for path in paths:
        with path.open("rb") as handle:
            jobs.append(achievement_job_submit(actor=ao_user, upload=File(handle, name=path.name)))
    submitted = time.perf_counter() - started
    worker = subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "worker", "--batch", "--interval", "0.2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    ids = [j.pk for j in jobs]
    hwm = 0
    progress: list[tuple[float, int]] = []
    while worker.poll() is None:
        hwm = max(hwm, _vm_hwm_kib(worker.pid))
        done = (
            AchievementJob.objects.filter(pk__in=ids).aggregate(n=Sum("processed_records"))["n"]
            or 0
        )
        now = time.perf_counter() - started
        if not progress or progress[-1][1] != done:
            progress.append((now, done))
        if stand_in and done - analyzed_at > 50 + 0.1 * (table_rows + analyzed_at):
            analyze(*EVENT_TABLES)
            analyzed_at = done
            analyses += 1
        time.sleep(0.5)
    exited = time.perf_counter() - started
    stderr = worker.stderr.read() if worker.stderr else ""
    if worker.returncode:
        print(stderr[-4000:])
        raise SystemExit(f"The worker exited with {worker.returncode}")
    finished = AchievementJob.objects.filter(pk__in=ids)
    ended = finished.aggregate(last=Max("ended_at"), first=Min("started_at"))
    end_to_end = (ended["last"] - wall_started).total_seconds() if ended["last"] else exited
    per_job = [
        (j.file_name, j.status, j.records, (j.ended_at - j.started_at).total_seconds())
        for j in finished.order_by("pk")
        if j.started_at and j.ended_at
    ]
    return {
        "jobs": ids,
        "submit_seconds": submitted,
        "end_to_end_seconds": end_to_end,
        "worker_exit_seconds": exited,
        "peak_hwm_mb": hwm / 1024,
        "per_job": per_job,
        "progress": progress,
        "analyses": analyses,
    }


# --- The PLR view ---------------------------------------------------------------------------


def plr_sample(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` different learners that have achievements (drawn through random events, so a
    learner with more achievements is a little more likely), with their details."""
    bounds = LearningEvent.objects.aggregate(low=Min("id"), high=Max("id"))
    rng = random.Random(seed)
    learner_ids: dict[int, None] = {}
    tries = 0
    while len(learner_ids) < 1.2 * n and tries < 50:
        tries += 1
        picks = rng.sample(range(bounds["low"], bounds["high"] + 1), 900)
        for learner_id in LearningEvent.objects.filter(pk__in=picks).values_list(
            "learner_id", flat=True
        ):
            learner_ids[learner_id] = None
    chosen = list(learner_ids)
    rng.shuffle(chosen)
    details = _learner_details(chosen)
    # Learners who opted out of sharing before May 2018 are refused (NOT_SHARED) until a
    # provider records the privacy notice: they are left out, as views are what is timed.
    chosen = [i for i in chosen if details[i]["ability_to_share"] != OPTED_OUT][:n]
    return [
        {
            "uln": details[i]["uln"],
            "given_name": details[i]["given_name"],
            "family_name": details[i]["family_name"],
            "date_of_birth": details[i]["date_of_birth"].isoformat(),
        }
        for i in chosen
        if i in details
    ]


def plr_service(viewer: User, people: list[dict[str, Any]]) -> tuple[list[float], list[int]]:
    def view(person: dict[str, Any]) -> int:
        try:
            return len(plr_get(actor=viewer, **person).events)
        except LearnerError:
            return -1

    for person in people[:WARM_UP]:
        view(person)
    timings, sizes = [], []
    for person in people:
        started = time.perf_counter()
        sizes.append(view(person))
        timings.append(time.perf_counter() - started)
    return timings, sizes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def plr_http(people: list[dict[str, Any]]) -> tuple[list[float], Counter[int], list[int]]:
    lrs = [sys.executable, "-m", "lrs.cli"]
    token = subprocess.run(  # noqa: S603
        [*lrs, "token", "create", "--user", VIEWER_USERNAME, "--name", "records benchmark"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*lrs, "serve", "--no-migrate", "--workers", "0", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    statuses: Counter[int] = Counter()
    timings: list[float] = []
    sizes: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("lrs serve did not start") from None
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def post(person: dict[str, Any]) -> tuple[int, bytes]:
            body = json.dumps({**person, "detail": "FULL"})
            conn.request("POST", "/api/v1/learners/learning-events", body, headers)
            response = conn.getresponse()
            return response.status, response.read()

        for person in people[:WARM_UP]:
            post(person)
        for person in people:
            started = time.perf_counter()
            status, body = post(person)
            timings.append(time.perf_counter() - started)
            statuses[status] += 1
            if status == 200:
                sizes.append(len(json.loads(body)["learning_events"]))
        conn.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return timings, statuses, sizes


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=1_000_000, help="Create rows in all")
    parser.add_argument(
        "--per-file", type=int, default=100_000, help="Rows a file (<= LRS_BATCH_MAX_RECORDS)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timed", type=int, default=2_000, help="PLRs timed (service, HTTP)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Skip the learner load; with achievements already loaded, skip the upload too",
    )
    parser.add_argument("--skip-http", action="store_true", help="Time the service only")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="On PostgreSQL with autovacuum off, do not stand in for it with ANALYZE",
    )
    parser.add_argument("--keep-files", action="store_true", help="Keep the ACH_ files")
    args = parser.parse_args()
    args.files = -(-args.records // args.per_file)
    if args.per_file > settings.LRS_BATCH_MAX_RECORDS:
        raise SystemExit(
            f"--per-file {args.per_file:,} is over LRS_BATCH_MAX_RECORDS "
            f"({settings.LRS_BATCH_MAX_RECORDS:,}): raise it in the environment for the run"
        )

    call_command("migrate", interactive=False, verbosity=0)
    print(f"Database: {database_description()}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {cpu_model()}")
    chunk = getattr(settings, "LRS_ACHIEVEMENT_CHUNK_SIZE", settings.LRS_BATCH_CHUNK_SIZE)
    print(
        f"Achievement chunk size {chunk}, LRS_BATCH_MAX_RECORDS "
        f"{settings.LRS_BATCH_MAX_RECORDS:,}, uploads in {settings.LRS_UPLOADS_DIR}"
    )
    load_seconds: float | None = None
    if args.reuse:
        print(f"\n1. Load skipped (--reuse): {Learner.objects.count():,} learners present")
    else:
        if Learner.objects.exists():
            raise SystemExit("The database already has learners: use an empty one, or --reuse")
        print(f"\n1. Load {args.learners:,} learners with lrs generate")
        started = time.perf_counter()
        call_command("generate", learners=args.learners, seed=args.seed)
        load_seconds = time.perf_counter() - started
        print(f"  load {load_seconds:.1f} s; {database_description()}")

    stand_in = autovacuum_off() and not args.no_analyze
    if stand_in:
        # A register loaded long ago has its statistics: gather them as autovacuum would.
        started = time.perf_counter()
        analyze(Learner._meta.db_table, *EVENT_TABLES)
        took = time.perf_counter() - started
        print(f"\n  autovacuum is off: ANALYZE stands in for it ({took:.1f} s)")

    print("\n2. Catalogue, awarding organisation, college and users")
    ao_user, viewer, _school = set_up()
    ao = ao_user.organisation
    run: dict[str, Any] | None = None
    events_before = LearningEvent.objects.filter(awarding_organisation=ao).count()
    if args.reuse and events_before:
        print(f"\n3-4. Upload skipped (--reuse): {events_before:,} achievements already loaded")
    else:
        print(f"\n3. Write {args.files} ACH_ CSV file(s), {args.records:,} create rows in all")
        started = time.perf_counter()
        folder = Path(tempfile.mkdtemp(prefix="lrs-records-bench-files-"))
        paths, learners_used = write_files(args, folder)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"  {len(paths)} files in {folder} ({size_mb:.1f} MB) for {learners_used:,} "
            f"learners in {time.perf_counter() - started:.1f} s"
        )

        print("\n4. achievement_job_submit for each file, then one worker (lrs worker --batch)")
        changes_before = LearningEventChange.objects.count()
        run = submit_and_process(ao_user, paths, stand_in)
        if not args.keep_files:
            shutil.rmtree(folder, ignore_errors=True)
        jobs = AchievementJob.objects.filter(pk__in=run["jobs"])
        totals = jobs.aggregate(
            records=Sum("records"),
            processed=Sum("processed_records"),
            created=Sum("created"),
            field=Sum("field_errors"),
            learner=Sum("learner_errors"),
            business=Sum("business_errors"),
            final=Sum("final_count"),
            provisional=Sum("provisional_count"),
        )
        statuses = dict(jobs.values_list("status").annotate(n=Count("id")).order_by("status"))
        events_added = (
            LearningEvent.objects.filter(awarding_organisation=ao).count() - events_before
        )
        changes_added = LearningEventChange.objects.count() - changes_before
        run["rows"] = totals["processed"] or 0
        run["rate"] = run["rows"] / run["end_to_end_seconds"]
        print(f"  job statuses                        {statuses}")
        print(f"  submit (store + hash + queue)       {run['submit_seconds']:.1f} s")
        print(f"  end to end (submit -> last ended)   {run['end_to_end_seconds']:.1f} s")
        print(f"  worker exited after                 {run['worker_exit_seconds']:.1f} s")
        print(f"  rows a second, end to end           {run['rate']:,.0f}")
        print(f"  worker peak RSS (VmHWM)             {run['peak_hwm_mb']:.0f} MB")
        if stand_in:
            print(f"  ANALYZE of the event tables while loading (for autovacuum) {run['analyses']}")
        print(
            f"  rows {totals['records']:,}, created {totals['created']:,} "
            f"(final {totals['final']:,}, provisional {totals['provisional']:,}); rejected: "
            f"field {totals['field']}, learner {totals['learner']}, business {totals['business']}"
        )
        print(
            f"  checks: learning events added {events_added:,}, history rows added "
            f"{changes_added:,}"
        )
        print("  per job (file, status, rows, started -> ended):")
        for name, status, records, seconds in run["per_job"]:
            print(f"    {name}  {status:<10} {records:>8,}  {seconds:6.1f} s")
        print(f"  {database_description()}")

    print(f"\n5. The PLR through the service (plr_get, FULL), {WARM_UP} warm-up views first")
    people = plr_sample(args.timed, args.seed + 3)
    service, sizes = plr_service(viewer, people)
    print(latency_line("plr_get", service))
    shown = [s for s in sizes if s >= 0]
    print(
        f"  achievements a PLR                 mean {statistics.mean(shown):.1f}, "
        f"max {max(shown)}; refused {len(sizes) - len(shown)}"
    )

    http_times: list[float] = []
    if not args.skip_http:
        print("\n6. The PLR through the HTTP API (POST /api/v1/learners/learning-events)")
        http_times, http_statuses, _ = plr_http(people)
        print(latency_line("HTTP round trip", http_times))
        print(f"  statuses                           {dict(http_statuses)}")

    def ms(values: list[float], fraction: float) -> str:
        return f"{percentile(values, fraction) * 1000:.2f}"

    print(
        f"\nSummary ({connection.vendor}, {Learner.objects.count():,} learners, "
        f"{LearningEvent.objects.count():,} learning events)"
    )
    print("| Measure | Figure | Target |\n|---|---|---|")
    if load_seconds is not None:
        print(f"| Load {args.learners:,} learners (lrs generate) | {load_seconds:.0f} s | |")
    if run is not None:
        print(
            f"| {run['rows']:,} achievements, submit to last job ended | "
            f"{run['end_to_end_seconds']:.0f} s ({run['end_to_end_seconds'] / 60:.1f} min) | "
            f"< {TARGETS['load_seconds'] / 60:.0f} min |"
        )
        print(f"| Achievement rows a second | {run['rate']:,.0f} | |")
        print(f"| Worker peak RSS | {run['peak_hwm_mb']:.0f} MB | |")
    print(
        f"| plr_get p50 / p95 / p99 | {ms(service, 0.5)} / {ms(service, 0.95)} / "
        f"{ms(service, 0.99)} ms | p95 < {TARGETS['plr_p95_ms']:.0f} ms |"
    )
    if http_times:
        print(
            f"| HTTP learning-events p50 / p95 / p99 | {ms(http_times, 0.5)} / "
            f"{ms(http_times, 0.95)} / {ms(http_times, 0.99)} ms | |"
        )
    if SCRATCH_UPLOADS and not args.keep_files:
        shutil.rmtree(settings.LRS_UPLOADS_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()

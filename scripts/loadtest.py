"""Load-test the whole service with locust: a mixed MIS workload through the REST API.

Prints figures and never asserts them; docs/performance.md records the results. Run it on
a register that scripts/benchmark_learners.py (or ``lrs generate`` with a queries file)
loaded, with the same database settings:

    LRS_DATA_DIR=/tmp/lrs-bench .venv/bin/python scripts/benchmark_learners.py --learners 100000
    LRS_DATA_DIR=/tmp/lrs-bench .venv/bin/python scripts/loadtest.py --web-workers 1,2

For each number of web processes it starts ``lrs serve`` (no background workers) on a
free local port, and for each number of concurrent users it runs locust headless for a
fixed time: each user sends its next request as soon as the last is answered, finds 70%,
PLR views 20%, registrations 5% (new synthetic people), updates 5% (of learners the
benchmark organisation has been shown; each user its own, so no version races). Then it
prints requests a second, p50 / p95 / p99 and errors per request type.

Runs in production mode (DEBUG off). The API's per-user throttle and the misuse watch's
daily limit are lifted for the server it starts: one benchmark user sends everything.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ["LRS_API_RATE"] = "100000000/m"
os.environ["LRS_MISUSE_DAILY_LIMIT"] = "1000000000"

import django  # noqa: E402

django.setup()

from benchmark_user import USERNAME, benchmark_user  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Min  # noqa: E402

from lrs.learners.bulk import synthetic_learner_record  # noqa: E402
from lrs.learners.models import Learner, LearnerStatus  # noqa: E402
from lrs.learners.services import learner_access_record  # noqa: E402
from lrs.synthetic.people import generate_learners  # noqa: E402
from lrs.validation.learner import Purpose, validate_learner  # noqa: E402

LOCUSTFILE = ROOT / "scripts" / "loadtest_locustfile.py"
TYPES = ["find", "PLR view", "register", "update"]


def lrs(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "lrs.cli", *args], check=True, text=True, **kwargs
    )


def sample_learners(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """About n random active learners (ids drawn at random, not a scan of the table)."""
    bounds = Learner.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    ids = rng.sample(range(low, high + 1), min(high - low + 1, n * 2))
    rows = list(
        # Learners who opted out of sharing answer a PLR view with a refusal (403).
        Learner.objects.filter(id__in=ids, status=LearnerStatus.ACTIVE, master__isnull=True)
        .exclude(ability_to_share="2")
        .values("id", "uln", "given_name", "family_name", "version_number")[:n]
    )
    rng.shuffle(rows)
    return rows


def find_queries(path: Path, limit: int) -> list[dict[str, Any]]:
    """Labelled queries that pass the find's validation (a refused one is not a find)."""
    queries = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            query = json.loads(line)["query"]
            if not validate_learner(query, purpose=Purpose.FIND)[1]:
                queries.append(query)
            if len(queries) >= limit:
                break
    return queries


def new_people(n: int, seed: int) -> list[dict[str, Any]]:
    """People to register, each valid today (the generator's oldest may be past 110)."""
    people = []
    for person in generate_learners(n, seed=seed):
        record = synthetic_learner_record(person)
        record["date_of_birth"] = record["date_of_birth"].isoformat()
        record = {k: v for k, v in record.items() if v not in (None, "")}
        if not validate_learner(record, purpose=Purpose.REGISTER)[1]:
            people.append(record)
    return people


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    web_workers: int, threads: int, server: str, log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "lrs.cli", "serve", "--no-migrate"),
                *("--workers", "0", "--web-workers", str(web_workers)),
                *("--threads", str(threads), "--server", server, "--port", str(port)),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"lrs serve did not start: see {log}") from None
            time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_locust(port: int, users: int, seconds: int, data: Path, prefix: Path) -> Path:
    # --reset-stats: the figures start once every user is running.
    lrs_env = {**os.environ, "LRS_LOADTEST_DATA": str(data)}
    subprocess.run(  # noqa: S603
        [
            *(sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"),
            *("--users", str(users), "--spawn-rate", str(users), "--reset-stats"),
            *("--run-time", f"{seconds}s", "--stop-timeout", "10"),
            *("--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary"),
            *("--loglevel", "WARNING", "--exit-code-on-error", "0"),
        ],
        check=True,
        env=lrs_env,
        stdout=subprocess.DEVNULL,
    )
    return prefix.with_name(prefix.name + "_stats.csv")


def read_stats(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8") as file:
        return {row["Name"]: row for row in csv.DictReader(file)}


def load_description() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--web-workers", default="1,2", help="Web processes to compare (default 1,2)"
    )
    parser.add_argument("--users", default="16,64", help="Concurrent users (default 16,64)")
    parser.add_argument("--seconds", type=int, default=60, help="Length of each run (60)")
    parser.add_argument("--threads", type=int, default=8, help="Threads a web process (8)")
    parser.add_argument("--server", default="auto", choices=["auto", "gunicorn", "waitress"])
    parser.add_argument("--learners", type=int, default=2_000, help="Learners viewed, updated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--tokens",
        type=int,
        default=1,
        help="API tokens the users share out, as that many MIS clients (default 1)",
    )
    parser.add_argument(
        "--queries-file", type=Path, help="Default: next to the SQLite file, or /tmp"
    )
    parser.add_argument("--out", type=Path, help="Where locust's CSV files go (default: temp)")
    args = parser.parse_args()

    if args.queries_file is None:
        folder = (
            Path(connection.settings_dict["NAME"]).parent
            if connection.vendor == "sqlite"
            else Path("/tmp")  # noqa: S108
        )
        args.queries_file = folder / f"benchmark-queries-{connection.vendor}.jsonl"
    if not args.queries_file.exists() or not Learner.objects.exists():
        raise SystemExit(
            "No register to test: load one first with scripts/benchmark_learners.py "
            f"(or lrs generate --queries-file {args.queries_file})"
        )
    out = args.out or Path(tempfile.mkdtemp(prefix="lrs-loadtest-"))
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    web_counts = [int(n) for n in args.web_workers.split(",")]
    user_counts = [int(n) for n in args.users.split(",")]

    user = benchmark_user()
    tokens = [
        lrs(
            "token", "create", "--user", USERNAME, "--name", f"loadtest {n}", capture_output=True
        ).stdout.strip()
        for n in range(args.tokens)
    ]
    finds = find_queries(args.queries_file, 5_000)
    learners = sample_learners(args.learners, rng)
    # Updating a learner needs the organisation to have been shown it (as a find would).
    learner_access_record(
        organisation_id=user.organisation_id, learner_ids=[row["id"] for row in learners]
    )
    print(f"Database: {connection.vendor}, {Learner.objects.count():,} learners")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {load_description()}")
    print(f"{len(finds):,} find queries, {len(learners):,} learners to view and update")
    print(f"Each run: {args.seconds} s of locust after all users started; CSV files in {out}")

    results: list[tuple[int, int, str, dict[str, dict[str, str]]]] = []
    run = 0
    for web_workers in web_counts:
        log = out / "serve.log"
        server, port = start_server(web_workers, args.threads, args.server, log)
        try:
            for users in user_counts:
                run += 1
                ids = [row["id"] for row in learners]
                versions = dict(
                    Learner.objects.filter(id__in=ids).values_list("id", "version_number")
                )
                data = {
                    "token": tokens[0],
                    "tokens": tokens,
                    "users": users,
                    "find": finds,
                    "plr": [
                        {k: row[k] for k in ("uln", "given_name", "family_name")}
                        for row in learners
                    ],
                    "update": [
                        {"uln": row["uln"], "version_number": versions[row["id"]]}
                        for row in learners
                    ],
                    # Plenty (5% of the requests of a fast run), and never people an
                    # earlier run registered: registering one again is refused (409).
                    "register": new_people(
                        max(500, args.seconds * 60), seed=secrets.randbelow(2**31)
                    ),
                }
                data_file = out / f"data-{run}.json"
                data_file.write_text(json.dumps(data), encoding="utf-8")
                load = load_description()
                print(f"\nRun {run}: {web_workers} web processes, {users} users ({load})")
                stats = read_stats(
                    run_locust(
                        port, users, args.seconds, data_file, out / f"w{web_workers}-u{users}"
                    )
                )
                results.append((web_workers, users, load, stats))
                total = stats.get("Aggregated", {})
                print(
                    f"  {float(total.get('Requests/s', 0)):.0f} requests/s, "
                    f"{total.get('Failure Count', '?')} errors"
                )
        finally:
            stop_server(server)

    learner_count = Learner.objects.count()
    print(f"\nSummary ({connection.vendor}, {learner_count:,} learners, server {args.server})")
    print("| Web processes | Users | Request | Requests/s | p50 ms | p95 ms | p99 ms | Errors |")
    print("|---|---|---|---|---|---|---|---|")
    for web_workers, users, _, stats in results:
        for name in [*TYPES, "Aggregated"]:
            row = stats.get(name)
            if row is None:
                continue
            label = "all" if name == "Aggregated" else name
            print(
                f"| {web_workers} | {users} | {label} | {float(row['Requests/s']):.1f} | "
                f"{row['50%']} | {row['95%']} | {row['99%']} | {row['Failure Count']} of "
                f"{row['Request Count']} |"
            )
    failures = sorted(out.glob("*_failures.csv"))
    for path in failures:
        with path.open(encoding="utf-8") as file:
            for row in csv.DictReader(file):
                error, times = row["Error"][:160], row["Occurrences"]
                print(f"  error in {path.name}: {row['Name']}: {error} x{times}")


if __name__ == "__main__":
    main()

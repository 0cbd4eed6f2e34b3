"""Benchmark the learner register on a real database: load, find, find over HTTP, quality.

Prints figures and never asserts them; docs/performance.md records the results. Run it on
an empty scratch database (it refuses a database that already has learners, unless
--reuse says to benchmark what an earlier run loaded):

    LRS_DATA_DIR=/tmp/lrs-bench .venv/bin/python scripts/benchmark_learners.py
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE lrs_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lrs_bench \\
        .venv/bin/python scripts/benchmark_learners.py

1. ``lrs generate``: N synthetic learners through the bulk loader, plus labelled queries.
2. ``learner_find`` in this process, one query at a time (audited, like every find).
3. ``POST /api/v1/learners/search`` against ``lrs serve`` on a free local port, one
   keep-alive connection, a bearer token from ``lrs token create``.
4. Matching quality over the labelled queries through the database path.

Runs in production mode (DEBUG off, which also stops Django recording every query); a
throwaway SECRET_KEY is made up when none is set.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
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

import django  # noqa: E402

django.setup()

from benchmark_user import USERNAME, benchmark_user  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from lrs.learners.models import Learner  # noqa: E402
from lrs.learners.services import (  # noqa: E402
    LearnerError,
    _candidate_rows,
    learner_demographics,
    learner_find,
)
from lrs.matching import Prepared, from_form  # noqa: E402
from lrs.users.models import User  # noqa: E402
from lrs.validation.learner import Purpose, validate_learner  # noqa: E402

TARGETS = {
    "load_seconds": 300.0,
    "service_p95_ms": 20.0,
    "http_p95_ms": 40.0,
    "precision": 0.9995,
    "recall": 0.99,
    "false_exact": 0.0005,
}
WARM_UP = 200


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


def load(args: argparse.Namespace, queries_file: Path) -> float:
    print(f"\n1. Load {args.learners:,} learners with lrs generate")
    started = time.perf_counter()
    call_command(
        "generate",
        learners=args.learners,
        seed=args.seed,
        queries=args.queries,
        queries_file=queries_file,
    )
    elapsed = time.perf_counter() - started
    print(f"  load (generate + validate + keys + insert + index)  {elapsed:.1f} s")
    print(f"  {database_description()}")
    return elapsed


def service_latency(user: User, queries: list[dict[str, Any]], n: int) -> list[float]:
    for item in queries[:WARM_UP]:
        _find_quietly(user, item["query"])
    timings = []
    for item in queries[:n]:
        started = time.perf_counter()
        _find_quietly(user, item["query"])
        timings.append(time.perf_counter() - started)
    return timings


def candidate_costs(queries: list[dict[str, Any]], n: int) -> dict[str, list[float]]:
    """Per find: the candidate fetch, then making the fetched rows ready to score from
    their stored normal forms and, for comparison, by normalising them afresh."""
    costs: dict[str, list[float]] = {"fetch": [], "stored forms": [], "normalised afresh": []}
    for item in queries[:n]:
        values, problems = validate_learner(item["query"], purpose=Purpose.FIND)
        if problems:
            continue
        started = time.perf_counter()
        rows = _candidate_rows(learner_demographics(values))
        fetched = time.perf_counter()
        for row in rows:
            from_form(learner_demographics(row), row["match_form"])
        formed = time.perf_counter()
        for row in rows:
            Prepared(learner_demographics(row))
        costs["fetch"].append(fetched - started)
        costs["stored forms"].append(formed - fetched)
        costs["normalised afresh"].append(time.perf_counter() - formed)
    return costs


def _find_quietly(user: User, query: dict[str, Any]) -> Any:
    try:
        return learner_find(actor=user, data=query)
    except LearnerError:
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_latency(queries: list[dict[str, Any]], n: int) -> tuple[list[float], Counter[int]]:
    lrs = [sys.executable, "-m", "lrs.cli"]
    token = subprocess.run(  # noqa: S603
        [*lrs, "token", "create", "--user", USERNAME, "--name", "benchmark"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [*lrs, "serve", "--no-migrate", "--workers", "0", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    statuses: Counter[int] = Counter()
    timings: list[float] = []
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

        def post(query: dict[str, Any]) -> int:
            conn.request("POST", "/api/v1/learners/search", json.dumps(query), headers)
            response = conn.getresponse()
            response.read()
            return response.status

        for item in queries[:WARM_UP]:
            post(item["query"])
        for item in queries[:n]:
            started = time.perf_counter()
            status = post(item["query"])
            timings.append(time.perf_counter() - started)
            statuses[status] += 1
        conn.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    return timings, statuses


def quality(user: User, queries: list[dict[str, Any]]) -> dict[str, float]:
    outcomes: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    exact_total = exact_correct = twin_false_exact = refused = 0
    registered_total = found = blocked = 0
    absent_total = absent_exact = 0
    candidate_counts: list[int] = []
    misses: list[str] = []
    for item in queries:
        query, true_uln = item["query"], item["true_uln"]
        kind = by_kind[item["kind"]]
        kind["n"] += 1
        values, problems = validate_learner(query, purpose=Purpose.FIND)
        if problems:
            refused += 1
            outcome, ulns, candidate_ulns = "refused", [], set()
        else:
            result = learner_find(actor=user, data=query)
            outcome, ulns = result.outcome, [c.uln for c in result.candidates]
            rows = _candidate_rows(learner_demographics(values))
            candidate_counts.append(len(rows))
            candidate_ulns = {row["uln"] for row in rows}
        outcomes[outcome] += 1
        kind[outcome] += 1
        if outcome == "exact_match":
            exact_total += 1
            if ulns[0] == true_uln:
                exact_correct += 1
            elif ulns[0] in item["twin_ulns"]:
                twin_false_exact += 1
        if true_uln is None:
            absent_total += 1
            absent_exact += outcome == "exact_match"
            continue
        registered_total += 1
        blocked += true_uln in candidate_ulns
        if true_uln in ulns:
            found += 1
            kind["found"] += 1
        elif len(misses) < 10:
            misses.append(f"    {item['kind']}: {outcome} {query}")
    precision = exact_correct / exact_total if exact_total else 1.0
    recall = found / registered_total if registered_total else 1.0
    false_exact = absent_exact / absent_total if absent_total else 0.0
    print(f"  queries                            {len(queries):,} ({refused} refused as invalid)")
    print(f"  exact answers                      {exact_total:,}")
    print(
        f"  precision of exact matches         {precision:.4%}  (target >= 99.95%)  "
        f"wrong: {exact_total - exact_correct}"
    )
    print(
        f"  recall (true learner in answer)    {recall:.4%}  (target >= 99%)  "
        f"missed: {registered_total - found} of {registered_total:,}"
    )
    print(f"  true learner among candidates      {blocked / max(1, registered_total):.4%}")
    print(
        f"  false exact, people not registered {false_exact:.4%}  (target <= 0.05%)  "
        f"{absent_exact} of {absent_total:,}"
    )
    print(f"  twins false exact                  {twin_false_exact}")
    print(
        f"  candidates per query               mean {statistics.mean(candidate_counts):.1f}, "
        f"p95 {percentile([float(c) for c in candidate_counts], 0.95):.0f}, "
        f"max {max(candidate_counts)}"
    )
    print(f"  outcomes                           {dict(outcomes)}")
    print("  by kind (found = true learner in the answer)")
    for name, c in sorted(by_kind.items()):
        found_text = f"found {c['found'] / c['n']:7.2%}" if not name.startswith("absent") else ""
        exact, possible = c["exact_match"] / c["n"], c["possible_matches"] / c["n"]
        print(
            f"    {name:<24} n={c['n']:>5}  {found_text:<13}  "
            f"exact {exact:6.1%}  possible {possible:6.1%}"
        )
    if misses:
        print("  some misses")
        print("\n".join(misses))
    return {
        "precision": precision,
        "recall": recall,
        "false_exact": false_exact,
        "twins": twin_false_exact,
        "candidates": statistics.mean(candidate_counts),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=10_000, help="Labelled queries (quality)")
    parser.add_argument("--timed", type=int, default=2_000, help="Queries timed (service, HTTP)")
    parser.add_argument(
        "--queries-file", type=Path, help="Default: next to the SQLite file, or /tmp"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Skip the load and use the learners and queries file of an earlier run",
    )
    args = parser.parse_args()

    call_command("migrate", interactive=False, verbosity=0)
    if args.queries_file is None:
        folder = (
            Path(connection.settings_dict["NAME"]).parent
            if connection.vendor == "sqlite"
            else Path("/tmp")  # noqa: S108
        )
        args.queries_file = folder / f"benchmark-queries-{connection.vendor}.jsonl"
    print(f"Database: {database_description()}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    load_seconds: float | None = None
    if args.reuse:
        print(f"\n1. Load skipped (--reuse): {Learner.objects.count():,} learners present")
    else:
        if Learner.objects.exists():
            raise SystemExit("The database already has learners: use an empty one, or --reuse")
        load_seconds = load(args, args.queries_file)
    queries = [json.loads(line) for line in args.queries_file.read_text().splitlines()]
    user = benchmark_user()

    print(f"\n2. Find through the service (learner_find), {WARM_UP} warm-up queries first")
    service = service_latency(user, queries, args.timed)
    print(latency_line("learner_find", service))
    for name, values in candidate_costs(queries, args.timed).items():
        print(latency_line(f"  candidates: {name}", values))

    print("\n3. Find through the HTTP API (POST /api/v1/learners/search, lrs serve)")
    http_times, statuses = http_latency(queries, args.timed)
    print(latency_line("HTTP round trip", http_times))
    print(f"  statuses                           {dict(statuses)}")

    print(f"\n4. Matching quality over {len(queries):,} labelled queries (database path)")
    figures = quality(user, queries)

    def ms(values: list[float], fraction: float) -> str:
        return f"{percentile(values, fraction) * 1000:.2f}"

    print(f"\nSummary ({connection.vendor}, {Learner.objects.count():,} learners)")
    print("| Measure | Figure | Target |\n|---|---|---|")
    if load_seconds is not None:
        print(f"| Load {args.learners:,} learners | {load_seconds:.0f} s | < 300 s |")
    print(
        f"| Service find p50 / p95 / p99 | {ms(service, 0.5)} / {ms(service, 0.95)} / "
        f"{ms(service, 0.99)} ms | p95 < {TARGETS['service_p95_ms']:.0f} ms |"
    )
    print(
        f"| HTTP find p50 / p95 / p99 | {ms(http_times, 0.5)} / {ms(http_times, 0.95)} / "
        f"{ms(http_times, 0.99)} ms | p95 < {TARGETS['http_p95_ms']:.0f} ms |"
    )
    print(f"| Precision of exact matches | {figures['precision']:.4%} | >= 99.95% |")
    print(f"| Recall (exact or possible) | {figures['recall']:.4%} | >= 99% |")
    print(f"| False exact, not registered | {figures['false_exact']:.4%} | <= 0.05% |")
    print(f"| Twins false exact | {figures['twins']:.0f} | 0 |")
    print(f"| Candidates per query (mean) | {figures['candidates']:.1f} | |")


if __name__ == "__main__":
    main()

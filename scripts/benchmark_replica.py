"""Benchmark the read replica for real: a PostgreSQL primary and a streaming replica.

Prints figures and never asserts them; docs/performance.md records the results.

    .venv/bin/python scripts/benchmark_replica.py --learners 100000

1. Makes a throwaway pair of PostgreSQL clusters under --dir: a primary (``initdb``, with
   pg_stat_statements) on --port and a hot standby made from it with ``pg_basebackup -R``
   on --port + 1. Run as root, the clusters run as the ``postgres`` user. The server on
   5432 is never touched.
2. Loads a register into the primary with ``lrs migrate`` and ``lrs generate`` (labelled
   queries for the finds); the standby follows by streaming replication.
3. Runs the mixed locust load of scripts/loadtest.py (finds 70%, PLR views 20%,
   registrations 5%, updates 5%) twice: against the primary alone, then with
   ``DATABASE_REPLICA_URL`` naming the standby.
4. For each run, prints the requests a second and the transactions and statements each
   server ran (pg_stat_database, pg_stat_statements), and how far the standby was behind.

The clusters are stopped at the end, and their folder removed unless --keep.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def pg_bin() -> Path:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise SystemExit("No PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) found")


class Clusters:
    def __init__(self, base: Path, port: int) -> None:
        self.base = base
        self.bin = pg_bin()
        self.primary = base / "primary"
        self.replica = base / "replica"
        self.ports = {"primary": port, "replica": port + 1}
        self.as_postgres = os.geteuid() == 0
        self.top: dict[str, str] = {}

    def run(self, *args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        command = [str(a) for a in args]
        if self.as_postgres:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, text=True, cwd="/tmp", **kwargs)  # noqa: S603, S108

    def tool(self, name: str) -> str:
        return str(self.bin / name)

    def url(self, which: str, database: str = "lrs") -> str:
        return f"postgres://postgres@127.0.0.1:{self.ports[which]}/{database}"

    def psql(self, which: str, sql: str, database: str = "lrs") -> str:
        return self.run(
            self.tool("psql"),
            *("-h", "127.0.0.1", "-p", self.ports[which], "-U", "postgres", "-d", database),
            *("-X", "-A", "-t", "-q", "-c", sql),
            capture_output=True,
        ).stdout.strip()

    def start(self) -> None:
        if self.base.exists():
            raise SystemExit(f"{self.base} exists: remove it or choose another --dir")
        self.base.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        self.run(
            self.tool("initdb"),
            "-D",
            self.primary,
            "-U",
            "postgres",
            "--auth=trust",
            capture_output=True,
        )
        with (self.primary / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# benchmark_replica.py\n"
                "listen_addresses = '127.0.0.1'\n"
                "shared_preload_libraries = 'pg_stat_statements'\n"
                "pg_stat_statements.track = top\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                "max_connections = 200\n"
            )
        self.pg_ctl(self.primary, "primary")
        self.run(
            self.tool("pg_basebackup"),
            *("-h", "127.0.0.1", "-p", self.ports["primary"], "-U", "postgres"),
            *("-D", self.replica, "-R", "-X", "stream", "-c", "fast"),
        )
        self.pg_ctl(self.replica, "replica")
        self.psql("primary", "CREATE DATABASE lrs", database="postgres")
        self.psql("primary", "CREATE EXTENSION pg_stat_statements")

    def pg_ctl(self, data: Path, which: str) -> None:
        self.run(
            self.tool("pg_ctl"),
            "-D",
            data,
            "-l",
            self.base / f"{which}.log",
            "-o",
            f"-p {self.ports[which]}",
            "-w",
            "start",
            capture_output=True,
        )

    def stop(self) -> None:
        for data in (self.replica, self.primary):
            if (data / "postmaster.pid").exists():
                self.run(
                    self.tool("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop", capture_output=True
                )

    def wait_for_replay(self) -> float:
        """Seconds until the standby has replayed everything the primary wrote so far."""
        target = self.psql("primary", "SELECT pg_current_wal_lsn()")
        started = time.monotonic()
        while self.psql("replica", f"SELECT pg_last_wal_replay_lsn() >= '{target}'") != "t":
            time.sleep(0.1)
        return time.monotonic() - started

    def counters(self) -> dict[str, dict[str, int]]:
        """Transactions, statements and rows read so far on each server."""
        found = {}
        for which in self.ports:
            xacts, returned, fetched = self.psql(
                which,
                "SELECT xact_commit + xact_rollback, tup_returned, tup_fetched "
                "FROM pg_stat_database WHERE datname = 'lrs'",
            ).split("|")
            kinds = dict(
                line.split("|")
                for line in self.psql(which, _KINDS_SQL).splitlines()
                if line.strip()
            )
            top = self.psql(
                which,
                "SELECT calls, regexp_replace(left(query, 90), '\\s+', ' ', 'g') "
                "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
                "WHERE d.datname = 'lrs' ORDER BY calls DESC LIMIT 8",
            )
            self.top[which] = top
            found[which] = {
                "transactions": int(xacts),
                "rows read": int(returned) + int(fetched),
                **{kind: int(kinds.get(kind, 0)) for kind in KINDS},
            }
        return found


# What the statements each server ran were for, by their text (monitoring left out).
KINDS = [
    "register reads",
    "other reads",
    "replay checks",
    "foreign key checks",
    "writes",
    "BEGIN/COMMIT/RESET",
]
_KINDS_SQL = """
SELECT kind, SUM(calls) FROM (
  SELECT calls, CASE
    WHEN query ILIKE '%pg_last_wal_replay_lsn%' THEN 'replay checks'
    WHEN query ILIKE '%FOR KEY SHARE%' THEN 'foreign key checks'
    WHEN query ~* '^\\s*(INSERT|UPDATE|DELETE)' THEN 'writes'
    WHEN query ~* '^\\s*SELECT'
      AND query ~ '"(learners_learner|learners_learnerchange|records_[a-z]+)"'
      AND query !~ 'learners_learneraccess' THEN 'register reads'
    WHEN query ~* '^\\s*SELECT' THEN 'other reads'
    ELSE 'BEGIN/COMMIT/RESET' END AS kind
  FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
  WHERE d.datname = 'lrs' AND query !~* 'pg_stat_'
) k GROUP BY kind
"""


def lrs(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "-m", "lrs.cli", *args], check=True, env=env)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--users", default="16", help="Concurrent locust users (default 16)")
    parser.add_argument("--seconds", type=int, default=60, help="Length of each run (60)")
    parser.add_argument("--web-workers", default="2", help="Web processes (default 2)")
    parser.add_argument(
        "--tokens", default="16", help="API tokens, one an MIS client (default 16: one a user)"
    )
    parser.add_argument("--port", type=int, default=55432, help="Primary's port (+1: replica)")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/lrs-replica-bench"))  # noqa: S108
    parser.add_argument("--keep", action="store_true", help="Leave the clusters' folder")
    args = parser.parse_args()

    clusters = Clusters(args.dir, args.port)
    data_dir = args.dir / "lrs-data"
    env = {
        **os.environ,
        "DATABASE_URL": clusters.url("primary"),
        "LRS_DATA_DIR": str(data_dir),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "benchmark-only-" + "x" * 40,
        "DEBUG": "false",
        "DATABASE_POOL": os.environ.get("DATABASE_POOL", "true"),
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    results = []
    try:
        clusters.start()
        print(f"Primary on port {args.port}, streaming replica on {args.port + 1} ({args.dir})")
        print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} (1 min)")
        queries = data_dir / "queries.jsonl"
        data_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        lrs(env, "migrate", "-v0")
        lrs(
            env,
            "generate",
            "--learners",
            str(args.learners),
            "--queries",
            "5000",
            "--queries-file",
            str(queries),
        )
        print(
            f"Loaded {args.learners:,} learners in {time.monotonic() - started:.0f} s; "
            f"the replica caught up {clusters.wait_for_replay():.2f} s after"
        )
        for label, extra in (
            ("primary only", {}),
            ("primary + replica", {"DATABASE_REPLICA_URL": clusters.url("replica")}),
        ):
            for which in clusters.ports:
                clusters.psql(which, "SELECT pg_stat_statements_reset()")
            before = clusters.counters()
            print(f"\n== {label}")
            run = subprocess.run(  # noqa: S603
                [
                    PYTHON,
                    str(ROOT / "scripts" / "loadtest.py"),
                    "--web-workers",
                    args.web_workers,
                    "--users",
                    args.users,
                    "--seconds",
                    str(args.seconds),
                    "--queries-file",
                    str(queries),
                    "--tokens",
                    args.tokens,
                ],
                check=True,
                env={**env, **extra},
                text=True,
                capture_output=True,
            )
            lag = clusters.wait_for_replay()
            after = clusters.counters()
            for which, top in clusters.top.items():
                print(f"  most frequent statements on the {which} (calls | statement):")
                for line in top.splitlines():
                    print(f"    {line}")
            print(run.stdout.split("\nSummary", 1)[-1].strip())
            delta = {
                which: {k: after[which][k] - before[which][k] for k in after[which]}
                for which in after
            }
            results.append((label, delta, lag))
        audit = clusters.psql(
            "primary",
            "SELECT COUNT(*), pg_total_relation_size(format('%I', c.relname)) "
            "FROM audit_auditentry a JOIN pg_class c ON c.oid = a.tableoid "
            "GROUP BY c.relname ORDER BY 1 DESC LIMIT 1",
        ).split("|")
    finally:
        clusters.stop()
        if not args.keep and args.dir.exists():
            shutil.rmtree(args.dir)

    print("\nWhat each server ran during each load test (statements by kind, set-up included)")
    print(f"| Run | Server | Transactions | {' | '.join(KINDS)} |")
    print("|---|---|---|" + "---|" * len(KINDS))
    for label, delta, _ in results:
        for which, d in delta.items():
            cells = " | ".join(f"{d[kind]:,}" for kind in KINDS)
            print(f"| {label} | {which} | {d['transactions']:,} | {cells} |")
    for label, delta, _ in results:
        reads = {which: delta[which]["register reads"] for which in delta}
        total = sum(reads.values()) or 1
        print(
            f"{label}: {100 * reads['replica'] / total:.0f}% of the register reads on the replica"
        )
    entries, size = int(audit[0]), int(audit[1])
    print(
        f"Audit log: {entries:,} entries in this month's partition, {size / 2**20:.1f} MiB "
        f"with its indexes ({size / max(entries, 1):.0f} bytes an entry)"
    )
    for label, _, lag in results:
        print(f"{label}: the replica had replayed everything {lag:.2f} s after the run")


if __name__ == "__main__":
    main()

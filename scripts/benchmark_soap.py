"""Benchmark the SOAP facade against the REST API: the same finds through both, over HTTP.

Prints figures and never asserts them; docs/performance.md records the results. Issue #8
asks that a find by demographics through SOAP add at most 2 ms at p95 over the same find
through the REST API, at 1,000,000 learners. Run it on an empty scratch database (or
--reuse what an earlier run, of this script or of benchmark_learners.py, loaded):

    LRS_DATA_DIR=/tmp/lrs-bench .venv/bin/python scripts/benchmark_soap.py
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE soap_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/soap_bench \\
        .venv/bin/python scripts/benchmark_soap.py

1. ``lrs generate``: N synthetic learners through the bulk loader, plus labelled queries
   (as scripts/benchmark_learners.py loads them).
2. An organisation, an online user (USE_API), an API token and a web-service password.
3. ``lrs serve`` (waitress, the production WSGI app) on a free 127.0.0.1 port in a child
   process; two keep-alive connections, one per interface.
4. The same K queries through ``POST /api/v1/learners/search`` (JSON, bearer token) and
   ``POST /LearnerService.svc`` FindLearnerByDemographics (the raw envelope HMPPS sends:
   no SOAPAction, FUL, empty optional elements), alternating one query at a time and
   swapping which goes first, after a warm-up of both. Both answers' response codes are
   compared query by query.

Runs in production mode (DEBUG off); a throwaway SECRET_KEY is made up when none is set.
The per-user API rate (LRS_API_RATE, which SOAP shares) and the misuse watch's daily
limit (LRS_MISUSE_DAILY_LIMIT) are lifted, since one user makes thousands of finds.
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
from collections import Counter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

# Read by lrs.settings, so set before benchmark_learners sets Django up (it also lifts
# LRS_API_RATE and turns DEBUG off); the child server inherits them.
os.environ["LRS_MISUSE_DAILY_LIMIT"] = "1000000000"
os.environ["LRS_API_RATE"] = "1000000/m"

import benchmark_learners as bl  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from lxml import etree  # noqa: E402

from lrs.access import Role  # noqa: E402
from lrs.learners.models import Learner  # noqa: E402
from lrs.soap.handlers.learner_service import WIRE_NAMES  # noqa: E402
from lrs.soap.models import WebServiceCredential  # noqa: E402
from lrs.soap.services import ws_credential_create, ws_credential_rotate  # noqa: E402
from lrs.soapwire.learner_service import DEMOGRAPHICS_SEARCH  # noqa: E402
from lrs.users.models import User  # noqa: E402
from lrs.users.services import api_token_create, user_create  # noqa: E402

SUPER_USERNAME = "benchmark.super"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
FINDMSG = "http://api.lrs.miap.gov.uk/findmsg"
EXCEPTIONS = "http://api.lrs.miap.gov.uk/exceptions"
TARGET_P95_DIFFERENCE_MS = 2.0


def accounts() -> tuple[User, str, str]:
    """The benchmark user, a new API token for it and a new web-service password."""
    user = bl.benchmark_user()
    organisation = user.organisation
    super_user = User.objects.filter(username=SUPER_USERNAME).first() or user_create(
        actor=None,
        organisation=organisation,
        username=SUPER_USERNAME,
        role=Role.SUPER_USER,
        password=secrets.token_urlsafe(24),
        email="benchmark.super@example.com",
        first_name="Bench",
        last_name="Super",
    )
    _, token = api_token_create(actor=None, user=user, name=f"soap benchmark {time.time():.0f}")
    existing = WebServiceCredential.objects.filter(organisation=organisation).first()
    if existing is not None and existing.is_usable:
        _, password = ws_credential_rotate(actor=super_user, organisation=organisation)
    else:
        _, password = ws_credential_create(actor=super_user, organisation=organisation)
    return user, token, password


def envelope(
    query: dict[str, Any], *, ukprn: str, password: str, username: str, find_type: str = "FUL"
) -> bytes:
    """FindLearnerByDemographics as HMPPS sends it: every search element, empty if unset."""
    search = {WIRE_NAMES[field]: str(value) for field, value in query.items() if value}
    elements = "".join(
        f"<{name}>{escape(search.get(name, ''))}</{name}>" for name in DEMOGRAPHICS_SEARCH
    )
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:fin="{FINDMSG}">'
        "<soapenv:Header/><soapenv:Body><fin:FindLearnerByDemographics>"
        f"<FindType>{find_type}</FindType><UKPRN>{ukprn}</UKPRN>"
        f"<OrgPassword>{password}</OrgPassword>"
        f"<UserName>{escape(username)}</UserName>{elements}"
        "</fin:FindLearnerByDemographics></soapenv:Body></soapenv:Envelope>"
    ).encode()


def rest_code(status: int, body: bytes) -> str:
    try:
        return str(json.loads(body)["response_code"])
    except (ValueError, KeyError, TypeError):
        return f"HTTP {status}"


def soap_code(status: int, body: bytes) -> str:
    root = etree.fromstring(body)
    if status == 200:
        code = root.findtext(f"{{{SOAP11}}}Body/{{{FINDMSG}}}FindLearnerResponse/ResponseCode")
        return code or f"HTTP {status}"
    fault = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/detail/{{{EXCEPTIONS}}}MIAPAPIException")
    code = fault.findtext("ErrorCode") if fault is not None else None
    return code or f"HTTP {status}"


class Server:
    """``lrs serve`` on a free port in a child process, as benchmark_learners runs it."""

    def __init__(self) -> None:
        self.port = bl.free_port()
        command = [sys.executable, "-m", "lrs.cli", "serve", "--no-migrate", "--workers", "0"]
        self.process = subprocess.Popen(  # noqa: S603
            [*command, "--port", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("lrs serve did not start") from None
                time.sleep(0.2)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def compare(
    queries: list[dict[str, Any]],
    *,
    user: User,
    token: str,
    password: str,
    warm_up: int,
    find_type: str,
) -> tuple[list[float], list[float], Counter[tuple[str, str]], list[str]]:
    server = Server()
    rest_conn, soap_conn = server.connection(), server.connection()
    rest_headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    soap_headers = {"Content-Type": "text/xml; charset=utf-8"}
    ukprn, username = user.organisation.ukprn, user.username

    def rest(query: dict[str, Any]) -> tuple[float, str]:
        body = json.dumps(query)
        started = time.perf_counter()
        rest_conn.request("POST", "/api/v1/learners/search", body, rest_headers)
        response = rest_conn.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        return elapsed, rest_code(response.status, content)

    def soap(query: dict[str, Any]) -> tuple[float, str]:
        body = envelope(
            query, ukprn=ukprn, password=password, username=username, find_type=find_type
        )
        started = time.perf_counter()
        soap_conn.request("POST", "/LearnerService.svc", body, soap_headers)
        response = soap_conn.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        return elapsed, soap_code(response.status, content)

    rest_times: list[float] = []
    soap_times: list[float] = []
    pairs: Counter[tuple[str, str]] = Counter()
    mismatches: list[str] = []
    try:
        for item in queries[:warm_up]:
            rest(item["query"])
            soap(item["query"])
        for i, item in enumerate(queries[warm_up:]):
            query = item["query"]
            if i % 2:
                (soap_time, soap_answer), (rest_time, rest_answer) = soap(query), rest(query)
            else:
                (rest_time, rest_answer), (soap_time, soap_answer) = rest(query), soap(query)
            rest_times.append(rest_time)
            soap_times.append(soap_time)
            pairs[(rest_answer, soap_answer)] += 1
            if rest_answer != soap_answer and len(mismatches) < 10:
                mismatches.append(f"    REST {rest_answer} / SOAP {soap_answer}: {query}")
    finally:
        rest_conn.close()
        soap_conn.close()
        server.stop()
    return rest_times, soap_times, pairs, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=10_000, help="Labelled queries written")
    parser.add_argument("--timed", type=int, default=2_000, help="Queries timed through each")
    parser.add_argument("--warm-up", type=int, default=200, help="Untimed queries through each")
    parser.add_argument(
        "--find-type",
        choices=("FUL", "CHK"),
        default="FUL",
        help="SOAP FindType: FUL (full learner records, as HMPPS sends) or CHK (codes only)",
    )
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
    print(f"Database: {bl.database_description()}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    if args.reuse:
        print(f"\n1. Load skipped (--reuse): {Learner.objects.count():,} learners present")
    else:
        if Learner.objects.exists():
            raise SystemExit("The database already has learners: use an empty one, or --reuse")
        bl.load(args, args.queries_file)
    queries = [json.loads(line) for line in args.queries_file.read_text().splitlines()]
    needed = args.warm_up + args.timed
    if len(queries) < needed:
        raise SystemExit(f"{args.queries_file} has {len(queries):,} queries; {needed:,} needed")
    queries = queries[:needed]

    print("\n2. Accounts: an online user with an API token and a web-service password")
    user, token, password = accounts()
    print(f"  organisation {user.organisation.ukprn}, user {user.username}")

    print(
        f"\n3. The same {args.timed:,} finds through REST and SOAP (lrs serve, FindType "
        f"{args.find_type}), alternating, after {args.warm_up} warm-up finds through each"
    )
    rest_times, soap_times, pairs, mismatches = compare(
        queries,
        user=user,
        token=token,
        password=password,
        warm_up=args.warm_up,
        find_type=args.find_type,
    )
    print(bl.latency_line("REST POST /api/v1/learners/search", rest_times))
    print(bl.latency_line(f"SOAP FindLearnerByDemographics {args.find_type}", soap_times))
    differences = [s - r for r, s in zip(rest_times, soap_times, strict=True)]
    print(bl.latency_line("SOAP minus REST, per query", differences))
    mismatch_count = sum(n for (r, s), n in pairs.items() if r != s)
    print(f"  response codes (REST, SOAP)        {dict(pairs)}")
    print(f"  mismatches                         {mismatch_count}")
    if mismatches:
        print("\n".join(mismatches))

    def ms(values: list[float], fraction: float) -> float:
        return bl.percentile(values, fraction) * 1000

    p95_difference = ms(soap_times, 0.95) - ms(rest_times, 0.95)
    print(f"\nSummary ({connection.vendor}, {Learner.objects.count():,} learners)")
    print("| Measure | p50 | p95 | p99 | mean |\n|---|---|---|---|---|")
    for label, values in (("REST find", rest_times), (f"SOAP find ({args.find_type})", soap_times)):
        mean = statistics.mean(values) * 1000
        print(
            f"| {label} | {ms(values, 0.5):.2f} ms | {ms(values, 0.95):.2f} ms | "
            f"{ms(values, 0.99):.2f} ms | {mean:.2f} ms |"
        )
    print(
        f"| SOAP p95 minus REST p95 | | {p95_difference:+.2f} ms | | "
        f"(target <= {TARGET_P95_DIFFERENCE_MS:.0f} ms) |"
    )
    print(f"| Response code mismatches | {mismatch_count} of {len(rest_times):,} | | | |")


if __name__ == "__main__":
    main()

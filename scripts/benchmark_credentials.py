"""Benchmark the cryptography of verifiable credentials (lrs.vc; no database).

Signs and verifies an Open Badges 3.0 AchievementCredential and CLR 2.0 credentials of 5
and 20 achievements with eddsa-rdfc-2022 (pyld RDFC-1.0 canonicalization, Ed25519), and
encodes and decodes a 131,072-bit status list. Prints milliseconds per operation (median
and p95 of --repeat runs after warm-up); never asserts them. docs/performance.md records
the results.

    .venv/bin/python scripts/benchmark_credentials.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lrs.vc import documents, statuslist
from lrs.vc.did import PublishedKey, Resolver, did_document, did_web
from lrs.vc.multikey import SigningKey
from lrs.vc.proof import add_proof, verify_proof

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def timed(label: str, repeat: int, run: Callable[[], Any]) -> None:
    for _ in range(3):
        run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(f"{label:<46} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    key = SigningKey.generate()
    did = did_web("https://lrs.example.org")
    method = f"{did}#{key.public_multibase}"
    issuer = documents.IssuerProfile(did, "Learning Records Service", "https://lrs.example.org")
    learner = documents.LearnerIdentity("9990001234", "Olivia", "Thornbury")
    resolve = Resolver([did_document(did, [PublishedKey(key.public_multibase)])])
    list_url = "https://lrs.example.org/credentials/status/1"

    def achievement(n: int) -> dict[str, Any]:
        award = documents.Award(
            reference=f"601/{4700 + n:04d}/5",
            title=f"Qualification {n}",
            is_unit=False,
            qualification_type="GCSE (9 to 1)",
            level="Level 1/2",
            grade="7",
            award_date=dt.date(2022, 8, 25),
            credits=12,
            awarding_organisation_name="Meridian Awards",
            awarding_organisation_ukprn="10000007",
        )
        return documents.achievement_credential(
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            issuer=issuer,
            learner=learner,
            award=award,
            status=statuslist.entry(list_url=list_url, index=n),
            issued_at=NOW,
        )

    def sign(document: dict[str, Any]) -> dict[str, Any]:
        return add_proof(document, key=key, verification_method=method, created=NOW)

    def clr(size: int) -> dict[str, Any]:
        return documents.clr_credential(
            credential_id="urn:uuid:00000000-0000-4000-9000-000000000001",
            issuer=issuer,
            learner=learner,
            credentials=[sign(achievement(n)) for n in range(size)],
            status=statuslist.entry(list_url=list_url, index=999),
            issued_at=NOW,
        )

    one = achievement(1)
    signed_one = sign(one)
    timed("sign an achievement credential", repeat, lambda: sign(one))
    timed(
        "verify an achievement credential",
        repeat,
        lambda: verify_proof(signed_one, resolve=resolve),
    )
    for size in (5, 20):
        unsigned = clr(size)
        signed = sign(unsigned)
        timed(f"sign a CLR of {size} (outer proof only)", repeat, lambda u=unsigned: sign(u))
        timed(
            f"verify a CLR of {size} (outer proof only)",
            repeat,
            lambda s=signed: verify_proof(s, resolve=resolve),
        )
    bits = list(range(0, 131_072, 97))
    encoded = statuslist.encode(bits)
    timed("encode a status list (1,352 bits set)", repeat, lambda: statuslist.encode(bits))
    timed("decode a status list", repeat, lambda: statuslist.decode(encoded))
    print(f"encoded status list: {len(encoded)} characters")


if __name__ == "__main__":
    main()

"""How many exceptions a batch of people new to the register raises: issue 15's target.

A file of N (default 20,000) new, distinct people goes through the real batch path
(``batch_submit``, then one ``lrs worker --batch`` process) against a register loaded by
``benchmark_batches.py`` (use ``--reuse`` there, or load one with ``lrs generate``).
The people come from ``lrs.synthetic`` on a seed of their own, one per household: Faker
en_GB names with the generator's frequencies, their own family names, postcodes and
dates of birth, so that none is registered and no two are related. Every record should
come back RC001 (a new ULN); each RC007 (possible match) is an exception a person must
clear by hand. Prints the share (target <= 2%) and never asserts it.

    LRS_DATA_DIR=/work/scratch/23/reg100k .venv/bin/python scripts/benchmark_new_people_batch.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_batches import (
    STAMP,
    _record,
    batch_user,
    submit_and_process,
    write_file,
)
from django.db import connection
from django.db.models import Count

from lrs.batches.models import BatchRow
from lrs.batches.processing import EXCEPTION_CODES
from lrs.learners.models import Learner
from lrs.synthetic import iter_people

TARGET_EXCEPTIONS = 0.02


def new_people(n: int, seed: int) -> list[dict[str, str]]:
    """n distinct people, one per household, aged 14 to 60 (the file check's range)."""
    today = dt.date.today()
    seen_households: set[int] = set()
    seen: set[tuple[str, str, dt.date]] = set()
    records: list[dict[str, str]] = []
    for person in iter_people(seed):
        d = person.demographics
        age = (today - d.date_of_birth).days // 365
        key = (d.given_name, d.family_name, d.date_of_birth)
        if person.household in seen_households or key in seen or not 14 <= age <= 60:
            continue
        seen_households.add(person.household)
        seen.add(key)
        records.append({"row": len(records) + 2, "mis_identifier": f"N{len(records):07d}"})
        records[-1].update(_record(d))
        if len(records) >= n:
            return records
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=90_210, help="Of the new people's stream")
    parser.add_argument("--ukprn", default="10099992")
    parser.add_argument("--workers", type=int, default=1, help="LRS_BATCH_WORKERS")
    args = parser.parse_args()

    register = Learner.objects.count()
    print(f"Register: {register:,} learners ({connection.vendor})")
    user = batch_user(args.ukprn)
    records = new_people(args.records, args.seed)
    folder = Path(tempfile.gettempdir())
    if connection.vendor == "sqlite":
        folder = Path(connection.settings_dict["NAME"]).parent
    path = folder / f"LRB_{args.ukprn}_{STAMP}.CSV"
    write_file(path, args.ukprn, records)
    batch, run = submit_and_process(user, path, args.workers)
    path.unlink(missing_ok=True)
    rows = BatchRow.objects.filter(batch=batch)
    codes: Counter[str] = Counter(
        dict(rows.values_list("return_code").annotate(n=Count("id")).order_by("return_code"))
    )
    total = max(1, batch.processed_records)
    possible = codes.get("RC007", 0)
    exceptions = sum(codes.get(code, 0) for code in EXCEPTION_CODES)
    print(f"Batch of {batch.processed_records:,} new people: {dict(sorted(codes.items()))}")
    print(
        f"RC007 (possible match): {possible:,} = {possible / total:.2%}; all exceptions "
        f"(RC007, RC008, RC010): {exceptions:,} = {exceptions / total:.2%} "
        f"(target <= {TARGET_EXCEPTIONS:.0%}); end to end {run.end_to_end_seconds:.0f} s"
    )


if __name__ == "__main__":
    main()

"""How big the blocking-key buckets get as the register grows, without a database.

Streams the synthetic people ``lrs generate`` would load (same seed, registered ones only)
through the blocking keys and counts how many learners share each key value. A find
fetches every learner in the buckets its keys land in, so the sizes a *learner* sees
(weighted by learners, as finds for them are) are what matter:

    .venv/bin/python scripts/key_buckets.py --learners 1000000
    .venv/bin/python scripts/key_buckets.py --learners 10000000 --scheme both

For each key column it prints the distinct values, the biggest bucket, and the bucket a
learner's own key lands in at the median, p99 and on average (sum of squares over
learners), then a bound on the candidates a find for a registered learner with exact
details fetches: the learner, and the others in each column's bucket (someone who shares
two columns with them counted twice).

``--scheme legacy`` is the key table before frequency-aware keys (copied here so that
before and after come from one pass over the same people); ``current`` is
``lrs.matching.stored_keys``; ``both`` prints the two.
"""

from __future__ import annotations

import argparse
import sys
import time
from array import array
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lrs.matching import KEY_COLUMNS, prepare, stored_keys  # noqa: E402
from lrs.matching.demographics import Prepared  # noqa: E402
from lrs.matching.normalise import phonetic  # noqa: E402
from lrs.synthetic import iter_people  # noqa: E402

LEGACY_COLUMNS = (
    "bk_dob_given",
    "bk_family_dob",
    "bk_family_given_year",
    "bk_family_given_md",
    "bk_postcode_given",
)


def legacy_keys(p: Prepared) -> dict[str, str | None]:
    """The key table as it stood before frequency-aware keys (issue 18)."""
    sound = phonetic(p.given_first)[:2]
    initial = p.given_first[:1]
    postcode = p.postcode.replace(" ", "")
    year = p.dob_text[:4]
    fam = p.family_phon
    return {
        "bk_dob_given": p.dob_text + sound if sound else None,
        "bk_family_dob": fam + p.dob_text if fam else None,
        "bk_family_given_year": fam + sound + year if fam and sound else None,
        "bk_family_given_md": fam + sound + p.dob_text[4:] if fam and sound else None,
        "bk_postcode_given": postcode + initial if postcode and initial else None,
    }


def _current(p: Prepared) -> dict[str, str | None]:
    return stored_keys(p)


SCHEMES: dict[str, tuple[tuple[str, ...], Callable[[Prepared], dict[str, str | None]]]] = {
    "legacy": (LEGACY_COLUMNS, legacy_keys),
    "current": (KEY_COLUMNS, _current),
}


def _sizes(hashes: array) -> list[int]:
    """Bucket sizes of a column from the hashes of its values."""
    ordered = sorted(hashes)
    sizes: list[int] = []
    run = 0
    previous = None
    for value in ordered:
        if value == previous:
            run += 1
        else:
            if run:
                sizes.append(run)
            run, previous = 1, value
    if run:
        sizes.append(run)
    return sizes


def _report(name: str, columns: tuple[str, ...], hashes: dict[str, array]) -> None:
    print(f"\nscheme {name}")
    print(f"{'column':24} {'values':>10} {'max':>6} {'p50':>5} {'p99':>6} {'mean':>7}")
    others = 0.0
    for column in columns:
        sizes = _sizes(hashes[column])
        learners = sum(sizes)
        if not learners:
            print(f"{column:24} {'-':>10}")
            continue
        # Bucket size as each learner sees it: ``size`` learners see a bucket of ``size``.
        by_size = sorted(sizes)
        mean = sum(s * s for s in sizes) / learners
        others += mean - 1

        def at(fraction: float, by_size: list[int] = by_size, learners: int = learners) -> int:
            wanted = fraction * learners
            seen = 0
            for s in by_size:
                seen += s
                if seen >= wanted:
                    return s
            return by_size[-1]

        print(
            f"{column:24} {len(sizes):>10,} {by_size[-1]:>6} {at(0.5):>5} {at(0.99):>6} "
            f"{mean:>7.1f}"
        )
    print(f"{'candidates bound (1 + sum of mean - 1)':40} {1 + others:>21.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scheme", choices=("legacy", "current", "both"), default="both")
    args = parser.parse_args()
    names = ["legacy", "current"] if args.scheme == "both" else [args.scheme]
    hashes = {n: {c: array("q") for c in SCHEMES[n][0]} for n in names}
    started = time.perf_counter()
    count = 0
    for person in iter_people(args.seed):
        if not person.registered:
            continue
        p = prepare(person.demographics)
        for n in names:
            keys = SCHEMES[n][1]
            into = hashes[n]
            for column, value in keys(p).items():
                if value is not None:
                    into[column].append(hash(value))
        count += 1
        if count % 1_000_000 == 0:
            print(f"  {count:>12,} learners  {time.perf_counter() - started:7.1f} s", flush=True)
        if count >= args.learners:
            break
    print(f"{count:,} learners (seed {args.seed}) in {time.perf_counter() - started:.1f} s")
    for n in names:
        _report(n, SCHEMES[n][0], hashes[n])


if __name__ == "__main__":
    main()

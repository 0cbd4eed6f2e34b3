"""How often people who are not registered get a possible answer, through the database.

Issue 15's target: a possible for at most 5% of people not registered at 1,000,000
learners and 8% at 10,000,000, on both error models. The in-memory evaluation
(``scripts/evaluate_matching.py``) cannot hold ten million learners in 24 GB, so this
measures on a register loaded by ``scripts/benchmark_learners.py`` (``lrs generate``):

    LRS_DATA_DIR=/tmp/lrs-10m .venv/bin/python scripts/benchmark_learners.py \\
        --learners 10000000 --seed 1
    LRS_DATA_DIR=/tmp/lrs-10m .venv/bin/python scripts/measure_not_registered.py \\
        --learners 10000000 --seed 1

It streams the same people again (same seed, up to the same number of registered
learners), keeps every k-th household as ``lrs generate`` does for its queries, and asks
``learner_find`` (the service, audited like every find) about people from that sample
who are not registered, made by both error models in the realistic mix (1% unregistered
twins), and about new people (``lrs.synthetic``'s stream on the batch benchmark's seed,
one per household, aged 14 to 60). Prints figures; never asserts them.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))

os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from benchmark_user import benchmark_user  # noqa: E402
from evaluate_matching import (  # noqa: E402
    REALISTIC_TWIN_SHARE,
    make_queries,
    new_people,
    percentile,
)

from lrs.evaluation import twins_across_the_register  # noqa: E402
from lrs.learners.management.commands.generate import find_fields  # noqa: E402
from lrs.learners.models import Learner  # noqa: E402
from lrs.learners.services import LearnerError, learner_find  # noqa: E402
from lrs.matching import Demographics  # noqa: E402
from lrs.synthetic import SyntheticPerson, iter_people  # noqa: E402
from lrs.users.models import User  # noqa: E402


def sample_people(learners: int, seed: int, every: int) -> list[SyntheticPerson]:
    """Every ``every``-th household of the stream ``lrs generate --seed`` loaded, up to
    the person who made ``learners`` registered."""
    sample: list[SyntheticPerson] = []
    registered = 0
    for person in iter_people(seed):
        if person.household % every == 0:
            sample.append(person)
        if person.registered:
            registered += 1
            if registered >= learners:
                break
    return sample


def ask(user: User, queries: list[tuple[str, Demographics, bool]], label: str) -> None:
    """Find each (kind, query, is a registered learner's twin) and print the shares."""
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    times: list[float] = []
    # A false exact for someone not registered is the worst answer there is: show each.
    wrong: list[str] = []
    for kind, query, twin in queries:
        fields = find_fields(query)
        started = time.perf_counter()
        try:
            result = learner_find(actor=user, data=fields)
        except LearnerError:
            outcome = "refused"
        else:
            outcome = result.outcome
            if outcome == "exact_match":
                found = Learner.objects.get(uln=result.candidates[0].uln)
                wrong.append(
                    f"  {kind}: {fields}\n    -> {found.given_name} "
                    f"{found.family_name} {found.date_of_birth} {found.last_known_postcode}"
                )
        times.append(time.perf_counter() - started)
        for name in (kind, "all", *(() if twin else ("all but twins",))):
            by_kind[name]["n"] += 1
            by_kind[name][outcome] += 1
    print(f"\n{label}")
    for name in ("all", "all but twins", *sorted(k for k in by_kind if k.startswith("absent"))):
        c = by_kind[name]
        if not c["n"]:
            continue
        offered = c["possible_matches"] + c["too_many"]
        print(
            f"  {name:<26} n={c['n']:>5}  possible or too many {offered / c['n']:6.2%}"
            f"  exact {c['exact_match']:>3}  refused {c['refused']}"
        )
    if wrong:
        print("  answered exact though not registered:")
        print("\n".join(wrong))
    print(
        f"  find p50 / p95 {percentile(times, 0.5) * 1e3:.2f} / "
        f"{percentile(times, 0.95) * 1e3:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, required=True, help="as loaded")
    parser.add_argument("--seed", type=int, default=1, help="as loaded")
    parser.add_argument("--queries", type=int, default=4_000, help="per error model")
    parser.add_argument("--new-people", type=int, default=5_000)
    parser.add_argument("--query-seed", type=int, default=2024)
    args = parser.parse_args()

    count = Learner.objects.count()
    if count != args.learners:
        sys.exit(f"The register holds {count:,} learners, not {args.learners:,}.")
    started = time.perf_counter()
    every = max(1, args.learners // 50_000)
    sample = sample_people(args.learners, args.seed, every)
    twins = twins_across_the_register(sample)
    print(
        f"Register {count:,} learners; sample of every {every}th household: "
        f"{len(sample):,} people ({time.perf_counter() - started:.0f} s)"
    )
    user = benchmark_user()
    for model in ("synthetic", "independent"):
        queries = make_queries(
            sample, model, args.queries, args.query_seed, 1.0, REALISTIC_TWIN_SHARE
        )
        ask(
            user,
            [(q.kind, q.query, q.source_id in twins) for q in queries],
            f"{model.capitalize()} error model: {len(queries):,} people not registered",
        )
    if args.new_people:
        people = new_people(args.new_people)
        ask(
            user,
            [("absent_new_person", d, False) for d in people],
            f"New people: {len(people):,}, one per household",
        )


if __name__ == "__main__":
    main()

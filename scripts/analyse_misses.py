"""Why registered learners are not found, or not found exactly: a breakdown per query.

Builds the same register and queries as ``scripts/evaluate_matching.py`` (same seeds) and
sorts every registered learner's find that is not exact into:

* ``blocked``: the true learner is not among the candidates (with the error kinds, and
  which of the learner's stored keys the query's lookups would have needed);
* ``floor``: among them, but under the possible floor (weight, posterior) or the spread;
* ``thin``: dropped by the evidence rule (nothing beyond given name and birthday);
* ``possible``: answered possible, with the rule that held it back (``held_back_by``),
  whether the learner was the top candidate, and the gap to the runner-up.

    .venv/bin/python scripts/analyse_misses.py --register 100000 --model independent
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from evaluate_matching import (
    REALISTIC_TWIN_SHARE,
    build_register,
    make_queries,
    single_run_parser,
)

from lrs.matching import Outcome, prepare, stored_keys
from lrs.matching.classify import default_thresholds, has_evidence_beyond_given_and_dob
from lrs.matching.keys import query_keys

LEVELS = {
    0: ("exact", "nick", "prev", "part", "phon", "typo", "similar", "initial", "diff"),
    2: ("exact", "swapped", "typo", "year", "diff"),
    3: ("unit", "sector", "district", "area", "diff", "missing"),
}


def describe(levels: tuple[int, ...]) -> str:
    given, family, dob, postcode = levels[:4]
    return f"g={LEVELS[0][given]} f={LEVELS[0][family]} d={LEVELS[2][dob]} p={LEVELS[3][postcode]}"


def main() -> None:
    parser = single_run_parser(__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=8)
    args = parser.parse_args()

    population, register, scorer = build_register(args.register, args.seed)
    t = default_thresholds()
    queries = make_queries(
        population, args.model, args.queries, args.seed, 0.2, REALISTIC_TWIN_SHARE
    )
    tally: Counter[str] = Counter()
    blocked_kinds: Counter[str] = Counter()
    floor_kinds: Counter[str] = Counter()
    possible_why: Counter[str] = Counter()
    possible_levels: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    registered = 0
    absent = Counter()

    def find(q):
        refs, answer = register.find_with_refs(q, scorer)
        results = scorer.score_all(q, ((r, register.records[r]) for r in refs))
        return refs, results, answer

    for labelled in queries:
        q = prepare(labelled.query)
        if labelled.true_id is None:
            _r, _s, answer = find(q)
            absent[answer.outcome.name] += 1
            continue
        registered += 1
        refs, results, answer = find(q)
        answered = [m.ref for m in answer.matches]
        kind = labelled.kind
        if answer.outcome is Outcome.EXACT and answered[0] == labelled.true_id:
            tally["exact"] += 1
            continue
        if labelled.true_id not in refs:
            tally["blocked"] += 1
            blocked_kinds[kind] += 1
            record = register.records[labelled.true_id]
            line = (
                f"{kind}: {labelled.query} <- "
                f"{record.given_first} {record.family} {record.dob_text}"
            )
            stored = stored_keys(record)
            wanted = query_keys(q)
            line += "\n      stored " + " ".join(f"{v}" for v in stored.values())
            line += "\n      query  " + " ".join(
                f"{c}:{','.join(v[:3])}" for c, v in wanted.items()
            )
            examples.setdefault("blocked", []).append(line)
            continue
        true = next(r for r in results if r.ref == labelled.true_id)
        if labelled.true_id not in answered:
            if true.weight < t.possible_weight or true.score < t.min_possible_posterior:
                why = "floor"
            elif not has_evidence_beyond_given_and_dob(true) and (
                true.score < t.thin_evidence_posterior
            ):
                why = "thin"
            elif answer.outcome is Outcome.TOO_MANY:
                why = "too_many"
            elif answer.outcome is Outcome.EXACT:
                why = "wrong_exact"
            else:
                why = "spread"
            tally[why] += 1
            floor_kinds[f"{why} {kind} {describe(true.levels)}"] += 1
            continue
        if answer.outcome is Outcome.EXACT:
            tally["wrong_exact"] += 1
            continue
        top = answer.matches[0]
        is_top = top.ref == labelled.true_id
        gap = top.weight - answer.matches[1].weight if len(answer.matches) > 1 else 99.0
        key = f"{answer.held_back_by} top={is_top} gap>=5={gap >= 5}"
        tally["possible"] += 1
        possible_why[key] += 1
        if is_top:
            possible_levels[
                f"{answer.held_back_by} {describe(true.levels)} above_exact={true.score >= t.exact}"
            ] += 1
            if len(examples.setdefault(answer.held_back_by, [])) < args.examples:
                record = true.candidate
                examples[answer.held_back_by].append(
                    f"{kind}: {labelled.query.given_name} {labelled.query.family_name} "
                    f"{labelled.query.date_of_birth} {labelled.query.postcode} <- "
                    f"{record.given} {record.family} {record.dob_text} {record.postcode} "
                    f"w={true.weight:.1f} gap={gap:.1f}"
                )
    print(f"[{args.model}] {args.register:,}: {registered:,} registered finds")
    print(f"  people not registered: {dict(absent)}")
    for name, n in tally.most_common():
        print(f"  {name:<12} {n:>6}  {n / registered:.2%}")
    print("\nBlocked, by error kinds")
    for name, n in blocked_kinds.most_common(30):
        print(f"  {n:>5}  {name}")
    print("\nBelow the floor / thin / spread, by kind and levels")
    for name, n in floor_kinds.most_common(30):
        print(f"  {n:>5}  {name}")
    print("\nPossible, by rule")
    for name, n in possible_why.most_common():
        print(f"  {n:>5}  {name}")
    print("\nPossible with the learner on top, by rule and levels")
    for name, n in possible_levels.most_common(40):
        print(f"  {n:>5}  {name}")
    for name, lines in examples.items():
        print(f"\nExamples: {name}")
        for line in lines[: args.examples * (3 if name == "blocked" else 1)]:
            print("  " + line)


if __name__ == "__main__":
    main()

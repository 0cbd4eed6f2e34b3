"""Regenerate the matching engine's ``weights.json`` from labelled synthetic data.

Run ``python -m lrs.synthetic.calibrate``. The estimators are in lrs.matching.calibrate
(see its docstring for the method); this run lives in synthetic because it draws the
synthetic population, and matching must not import its generator.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path

from lrs.matching import calibrate as matching_calibrate
from lrs.matching.calibrate import choose_thresholds, estimate_weights
from lrs.matching.demographics import Prepared, prepare
from lrs.matching.memory import InMemoryRegister
from lrs.matching.score import FrequencyTable, Scorer, Weights
from lrs.synthetic.people import generate_population
from lrs.synthetic.queries import generate_queries


def calibrate(
    register_size: int = 60_000,
    n_queries: int = 20_000,
    seed: int = 11,
    possible_weight: float = 12.0,
) -> Weights:
    population = generate_population(register_size, seed=seed)
    registered = [p for p in population if p.registered]
    prepared = {p.person_id: prepare(p.demographics) for p in registered}
    labelled = generate_queries(population, n_queries, seed=seed + 1, absent_share=0.0)
    matches = [(prepare(q.query), prepared[q.true_id]) for q in labelled if q.true_id is not None]
    rng = random.Random(seed + 2)
    ids = list(prepared)
    non_matches: list[tuple[Prepared, Prepared]] = []
    while len(non_matches) < 400_000:
        a, b = rng.sample(ids, 2)
        non_matches.append((prepared[a], prepared[b]))
    weights = estimate_weights(matches, non_matches)

    register = InMemoryRegister()
    register.add_many(prepared.items())
    frequencies = FrequencyTable.from_names(prepared.values())
    scorer = Scorer(weights, frequencies)
    check = generate_queries(population, n_queries, seed=seed + 3, absent_share=0.3)
    thresholds, info = choose_thresholds(
        register,
        [(prepare(q.query), q.true_id) for q in check],
        scorer,
        possible_weight=possible_weight,
    )
    meta = dict(weights.meta)
    meta["thresholds"] = {
        "exact": thresholds.exact,
        "possible": thresholds.possible,
        "margin": thresholds.margin,
        "spread": thresholds.spread,
        **info,
    }
    meta["calibration"] = {
        "register_size": register_size,
        "queries": n_queries,
        "seed": seed,
        "non_match_pairs": len(non_matches),
    }
    return Weights(
        levels=weights.levels,
        swap=weights.swap,
        offset=weights.offset,
        m_exact=weights.m_exact,
        tf_bounds=weights.tf_bounds,
        meta=meta,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--register", type=int, default=60_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--possible-weight", type=float, default=12.0)
    parser.add_argument(
        "--out", type=Path, default=Path(matching_calibrate.__file__).with_name("weights.json")
    )
    args = parser.parse_args(argv)
    weights = calibrate(args.register, args.queries, args.seed, args.possible_weight)
    args.out.write_text(json.dumps(weights.to_json(), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(weights.to_json()["levels"], indent=1))
    print(json.dumps(weights.meta["thresholds"], indent=1))


if __name__ == "__main__":
    main()

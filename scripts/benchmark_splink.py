"""Peer benchmark: LRS's matching engine beside Splink on the same register and queries.

Splink (https://github.com/moj-analytical-services/splink) is the open-source
probabilistic linker most used in UK government: unsupervised EM for the m-probabilities,
random pairs for the u-probabilities, term-frequency adjustment on names. It is an
optional benchmark dependency, never a runtime one:

    .venv/bin/python -m pip install -e '.[benchmark]'
    .venv/bin/python scripts/benchmark_splink.py --register 4000 --queries 20000

Both engines get the same four fields (given name, family name, date of birth, postcode;
LRS also gets gender where the query has it, as the service does) and the same register
and labelled queries as ``scripts/evaluate_matching.py``. An answer is "exact" for Splink
when its best candidate for the query has a match probability of at least each
``--splink-exact`` (0.99 and 0.9999 by default) and no other candidate does; the true
learner is "found" when it is among the candidates at or above ``--splink-possible``. Splink knows
nothing of twins: its false exacts are counted with twins included, as LRS's are.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from lrs.evaluation import generate_independent_queries
from lrs.matching import FrequencyTable, Outcome, Scorer, classify, prepare
from lrs.matching.memory import InMemoryRegister
from lrs.matching.normalise import name_compact
from lrs.synthetic import generate_population, generate_queries

INDEPENDENT_SEED = 7_000_001  # as scripts/evaluate_matching.py


def _row(uid: int, d: Any) -> dict[str, Any]:
    return {
        "unique_id": uid,
        "given_name": name_compact(d.given_name) or None,
        "family_name": name_compact(d.family_name) or None,
        "dob": d.date_of_birth.isoformat(),
        "postcode": (d.postcode or "").upper().strip() or None,
    }


def run_splink(
    register: dict[int, Any], queries: list[Any], possible: float
) -> tuple[dict[int, list[tuple[int, float]]], float]:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    left = pd.DataFrame([_row(ref, d) for ref, d in register.items()])
    right = pd.DataFrame([_row(i, q.query) for i, q in enumerate(queries)])
    blocking = [
        block_on("given_name", "dob"),
        block_on("family_name", "dob"),
        block_on("postcode", "given_name"),
        block_on("family_name", "given_name"),
        block_on("family_name", "postcode"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=blocking,
    )
    started = time.perf_counter()
    linker = Linker([left, right], settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    # EM over blocked pairs of query and register (the fields blocked on are not learnt
    # in that pass, so two passes cover all four).
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "family_name"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(
        threshold_match_probability=possible
    ).as_pandas_dataframe()
    elapsed = time.perf_counter() - started
    by_query: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for row in predictions.itertuples():
        # link_only keeps the register (first frame) on the left.
        if row.source_dataset_l == row.source_dataset_r:
            continue
        ref, query = (row.unique_id_l, row.unique_id_r)
        if str(row.source_dataset_l).endswith("1"):
            ref, query = query, ref
        by_query[int(query)].append((int(ref), float(row.match_probability)))
    for candidates in by_query.values():
        candidates.sort(key=lambda c: c[1], reverse=True)
    return by_query, elapsed


def run(
    register_size: int, n_queries: int, seed: int, model: str, exact: float, possible: float
) -> None:
    population = generate_population(register_size, seed=seed)
    by_id = {p.person_id: p for p in population}
    register = InMemoryRegister()
    register.add_many((p.person_id, p.demographics) for p in population if p.registered)
    scorer = Scorer(
        frequencies=FrequencyTable.from_names(register.records.values()),
        register_size=len(register),
    )
    queries: list[Any]
    if model == "independent":
        queries = generate_independent_queries(
            population, n_queries, seed=seed + INDEPENDENT_SEED, absent_share=0.2
        )
    else:
        queries = generate_queries(population, n_queries, seed=seed + 100, absent_share=0.2)
    raw = {p.person_id: p.demographics for p in population if p.registered}

    started = time.perf_counter()
    lrs_answers: list[tuple[str, list[int]]] = []
    for labelled in queries:
        q = prepare(labelled.query)
        refs = register.candidate_refs(q)
        answer = classify(scorer.score_all(q, ((r, register.records[r]) for r in refs)))
        lrs_answers.append((answer.outcome.name, [r.ref for r in answer.matches]))
    lrs_elapsed = time.perf_counter() - started

    splink_by_query, splink_elapsed = run_splink(raw, queries, possible)
    columns: dict[str, list[tuple[str, list[int]]]] = {"LRS": lrs_answers}
    for threshold in exact:
        columns[f"Splink {threshold:g}"] = _splink_answers(splink_by_query, len(queries), threshold)
    splink_answers = columns[f"Splink {exact[0]:g}"]

    print(
        f"\n=== register of {len(register):,}, {model} error model, {len(queries):,} queries "
        f"(Splink exact at p >= each threshold shown, possible at p >= {possible}) ==="
    )
    print(f"{'':40}" + "".join(f"{name:>14}" for name in columns))
    figures = {name: _figures(queries, answers, by_id) for name, answers in columns.items()}
    for label in figures["LRS"]:
        print(f"  {label:<38}" + "".join(f"{figures[name][label]:>14}" for name in columns))
    print(f"  {'time (s)':<38}{lrs_elapsed:>14.1f}{splink_elapsed:>14.1f}")
    print(f"\nExact for registered learners, by kind of query (Splink at p >= {exact[0]:g})")
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for labelled, (lo, lr), (so, sr) in zip(queries, lrs_answers, splink_answers, strict=True):
        if labelled.true_id is None:
            continue
        for kind in (
            labelled.kind.split("+") if "+" not in labelled.kind else ["two or more errors"]
        ):
            kinds[kind]["n"] += 1
            kinds[kind]["lrs"] += lo == "EXACT" and lr[0] == labelled.true_id
            kinds[kind]["splink"] += so == "EXACT" and sr[0] == labelled.true_id
    for kind, c in sorted(kinds.items()):
        print(
            f"  {kind:<28} n={c['n']:>5}  LRS {c['lrs'] / c['n']:6.1%}  "
            f"Splink {c['splink'] / c['n']:6.1%}"
        )


def _splink_answers(
    by_query: dict[int, list[tuple[int, float]]], n: int, threshold: float
) -> list[tuple[str, list[int]]]:
    answers: list[tuple[str, list[int]]] = []
    for i in range(n):
        candidates = by_query.get(i, [])
        certain = [ref for ref, p in candidates if p >= threshold]
        if len(certain) == 1:
            answers.append((Outcome.EXACT.name, certain))
        elif candidates:
            answers.append((Outcome.POSSIBLE.name, [ref for ref, _ in candidates]))
        else:
            answers.append((Outcome.NONE.name, []))
    return answers


def _figures(
    queries: list[Any], answers: list[tuple[str, list[int]]], by_id: dict[int, Any]
) -> dict[str, str]:
    registered = exact_right = found = wrong = twin_wrong = absent = absent_possible = 0
    for labelled, (outcome, refs) in zip(queries, answers, strict=True):
        if outcome == "EXACT" and refs[0] != labelled.true_id:
            wrong += 1
            source = by_id.get(labelled.source_id)
            chosen = by_id[refs[0]]
            if source is not None and (
                chosen.twin_of == source.person_id or source.twin_of == chosen.person_id
            ):
                twin_wrong += 1
        if labelled.true_id is None:
            absent += 1
            absent_possible += outcome in ("POSSIBLE", "TOO_MANY")
            continue
        registered += 1
        exact_right += outcome == "EXACT" and refs[0] == labelled.true_id
        found += labelled.true_id in refs
    return {
        "exact for registered learners": f"{exact_right / registered:.2%}",
        "false exact matches (all)": str(wrong),
        "  of which a twin": str(twin_wrong),
        "recall (exact or possible)": f"{found / registered:.2%}",
        "possible, people not registered": f"{absent_possible / max(1, absent):.2%}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", type=int, default=4_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--model", choices=("synthetic", "independent", "both"), default="both")
    parser.add_argument("--splink-exact", type=float, nargs="+", default=[0.99, 0.9999])
    parser.add_argument("--splink-possible", type=float, default=0.5)
    args = parser.parse_args()
    for model in ("synthetic", "independent") if args.model == "both" else (args.model,):
        run(args.register, args.queries, args.seed, model, args.splink_exact, args.splink_possible)


if __name__ == "__main__":
    main()

"""Experiment (measured and not adopted): a third look on the names alone.

``docs/matching.md`` (fourth pass) named it as the next step for recall: when a find
answers no match even after its second look, look once more at everyone whose family
sound and given sound agree with the query's, whatever their date of birth and postcode
(in a database, a prefix of ``bk_family_given_year``), and offer those whose given and
family names both agree closely. It would reach the learners whose date of birth is
wholly wrong *and* who moved, whom no key reaches.

This script measures it in memory, on the same register and queries as
``scripts/evaluate_matching.py`` (same seeds), against the engine as it is, and prints:
recall leaving out given-name-and-birthday queries, the share of people not registered
given a possible, the share of new people given a possible (the batch's exceptions),
and what the look fetched. The result and the decision are in ``docs/matching.md``
("A names-only look, measured and not adopted").

    .venv/bin/python scripts/experiment_names_look.py --register 100000
    .venv/bin/python scripts/experiment_names_look.py --register 1000000
"""

from __future__ import annotations

import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Hashable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from evaluate_matching import (
    REALISTIC_TWIN_SHARE,
    build_register,
    make_queries,
    new_people,
    single_run_parser,
)

from lrs.matching import Outcome, Prepared, Scorer, prepare
from lrs.matching import compare as cmp
from lrs.matching.classify import Classification, classify, kept_by_second_look
from lrs.matching.keys import loose_key, query_keys, stored_keys
from lrs.matching.memory import InMemoryRegister

# Both names must agree closely for a candidate of the names-only look to be offered.
_GIVEN_AGREES = (cmp.N_EXACT, cmp.N_TYPO, cmp.N_NICKNAME, cmp.N_PHONETIC)
_FAMILY_AGREES = (cmp.N_EXACT, cmp.N_TYPO, cmp.N_PREVIOUS, cmp.N_PHONETIC)
# bk_family_given_year is family sound + given sound + year (4 digits), then after a
# "+" what a common given sound adds: the names are what is left without the year.
_YEAR = 4


def _names(key: str) -> str:
    return loose_key(key)[:-_YEAR]


class NamesLookRegister(InMemoryRegister):
    """The in-memory register with a names-only index beside its key indexes."""

    def __init__(self) -> None:
        super().__init__()
        self.by_names: defaultdict[str, list[Hashable]] = defaultdict(list)

    def add(self, ref: Hashable, record: object) -> None:
        super().add(ref, record)  # type: ignore[arg-type]
        key = stored_keys(self.records[ref])["bk_family_given_year"]
        if key:
            self.by_names[_names(key)].append(ref)

    def find_with_names(self, q: Prepared, scorer: Scorer) -> tuple[Classification, int]:
        """The answer with the third look (if the service's answer is no match), and how
        many candidates the third look fetched."""
        refs, answer = self.find_with_refs(q, scorer)
        if answer.outcome is not Outcome.NONE:
            return answer, 0
        more: set[Hashable] = set()
        for key in query_keys(q)["bk_family_given_year"]:
            more.update(self.by_names.get(_names(key), ()))
        more -= refs
        if not more:
            return answer, 0
        own = self.candidate_refs(q)
        records = self.records
        first = scorer.score_all(q, ((r, records[r]) for r in own))
        first += [
            r
            for r in scorer.score_all(q, ((r, records[r]) for r in refs - own))
            if kept_by_second_look(r)
        ]
        third = [
            r
            for r in scorer.score_all(q, ((r, records[r]) for r in more))
            if r.levels[0] in _GIVEN_AGREES and r.levels[1] in _FAMILY_AGREES
        ]
        with_names = classify([*first, *third])
        return (with_names if with_names.outcome is not Outcome.NONE else answer), len(more)


def main() -> None:
    parser = single_run_parser(__doc__.splitlines()[0])
    parser.add_argument("--new-people", type=int, default=5_000)
    args = parser.parse_args()

    register = NamesLookRegister()
    population, _, scorer = build_register(args.register, args.seed, register)
    queries = make_queries(
        population, args.model, args.queries, args.seed, 0.2, REALISTIC_TWIN_SHARE
    )
    tally: Counter[str] = Counter()
    gained: Counter[str] = Counter()
    fetched: list[int] = []
    for labelled in queries:
        q = prepare(labelled.query)
        before = register.find(q, scorer)
        after, more = register.find_with_names(q, scorer)
        if more:
            fetched.append(more)
        offered = Outcome.POSSIBLE, Outcome.TOO_MANY
        if labelled.true_id is None:
            tally["absent"] += 1
            tally["absent offered before"] += before.outcome in offered
            tally["absent offered after"] += after.outcome in offered
            tally["absent exact after"] += after.outcome is Outcome.EXACT
            continue
        if not getattr(labelled, "shares_more", True):
            continue
        tally["reachable"] += 1
        found_before = labelled.true_id in [m.ref for m in before.matches]
        found_after = labelled.true_id in [m.ref for m in after.matches]
        tally["found before"] += found_before
        tally["found after"] += found_after
        if found_after and not found_before:
            gained[labelled.kind] += 1
        if after.outcome is Outcome.EXACT and after.matches[0].ref != labelled.true_id:
            tally["wrong exact after"] += 1
    new_before = new_after = 0
    people = new_people(args.new_people)
    for person in people:
        q = prepare(person)
        new_before += register.find(q, scorer).outcome is not Outcome.NONE
        new_after += register.find_with_names(q, scorer)[0].outcome is not Outcome.NONE

    reachable, absent = max(1, tally["reachable"]), max(1, tally["absent"])
    print(f"[{args.model}] register {len(register):,}; {len(queries):,} queries")
    print(
        "  recall, sharing more than given name + DOB   "
        f"{tally['found before'] / reachable:.2%} -> {tally['found after'] / reachable:.2%}"
        f"  (+{tally['found after'] - tally['found before']} of {reachable:,})"
    )
    print(
        "  people not registered given a possible      "
        f"{tally['absent offered before'] / absent:.2%} -> "
        f"{tally['absent offered after'] / absent:.2%}  (of {absent:,}; exact after: "
        f"{tally['absent exact after']})"
    )
    print(
        f"  new people given a possible                  {new_before / len(people):.2%} -> "
        f"{new_after / len(people):.2%}  (of {len(people):,})"
    )
    print(f"  wrong exact after                            {tally['wrong exact after']}")
    if fetched:
        print(
            f"  third looks {len(fetched):,} ({len(fetched) / len(queries):.1%} of finds), "
            f"candidates fetched mean {statistics.mean(fetched):.1f}, max {max(fetched)}"
        )
    print(f"  learners gained, by error kind: {dict(gained.most_common())}")


if __name__ == "__main__":
    main()

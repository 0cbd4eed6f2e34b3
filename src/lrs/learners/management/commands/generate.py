"""`lrs generate`: a synthetic register for demos and benchmarks, and labelled finds for it."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.context import call_context
from lrs.learners.bulk import DEFAULT_BATCH_SIZE, learners_bulk_load, synthetic_learner_record
from lrs.learners.services import LearnerError
from lrs.matching import Demographics
from lrs.synthetic import LabelledQuery, SyntheticPerson, generate_queries, iter_people

# Queries are drawn from a sample of whole households (so twins and siblings come along):
# about this many people per query, and at least this many people, when the register is big.
_SAMPLE_PER_QUERY = 20
_SAMPLE_MIN = 50_000
_PROGRESS_EVERY = 100_000


def find_fields(d: Demographics) -> dict[str, str]:
    """A query in the field names of the find service and ``POST /api/v1/learners/search``."""
    fields = {
        "given_name": d.given_name,
        "family_name": d.family_name,
        "date_of_birth": d.date_of_birth.isoformat(),
        "gender": d.gender,
        "last_known_postcode": d.postcode,
        "previous_family_name": d.previous_family_name,
        "school_at_16": d.school_at_16,
        "place_of_birth": d.place_of_birth,
        "email_address": d.email,
    }
    return {k: v for k, v in fields.items() if v}


class _Stream:
    """People from the generator: the registered ones go to the loader as records, a sample
    of whole households is kept for queries, and ULNs come back for the sampled people."""

    def __init__(self, *, learners: int, seed: int, sample_every: int) -> None:
        self.learners = learners
        self.seed = seed
        self.sample_every = sample_every
        self.sample: list[SyntheticPerson] = []
        self.uln_of: dict[int, str] = {}
        self._in_flight: deque[int] = deque()
        self._sampled: set[int] = set()

    def records(self) -> Iterator[dict[str, Any]]:
        registered = 0
        for person in iter_people(self.seed):
            if self.sample_every and person.household % self.sample_every == 0:
                self.sample.append(person)
                self._sampled.add(person.person_id)
            if not person.registered:
                continue
            self._in_flight.append(person.person_id)
            yield synthetic_learner_record(person)
            registered += 1
            if registered >= self.learners:
                return

    def issued(self, ulns: Sequence[str]) -> None:
        for uln in ulns:
            person_id = self._in_flight.popleft()
            if person_id in self._sampled:
                self.uln_of[person_id] = uln


class Command(BaseCommand):
    help = (
        "Create synthetic learners in the database through the bulk loader (for demos, "
        "benchmarks and tests; never on a real register), and optionally write labelled find "
        "queries for them as JSON Lines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--learners", type=int, required=True, help="How many learners to create"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same people (default 1)"
        )
        parser.add_argument(
            "--queries", type=int, default=0, help="How many labelled find queries to write"
        )
        parser.add_argument(
            "--queries-file",
            type=Path,
            help="Where to write the queries (JSON Lines: query, true_uln, kind, twin_ulns)",
        )
        parser.add_argument(
            "--absent-share",
            type=float,
            default=0.2,
            help="Share of queries for people who are not registered (default 0.2)",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Learners per insert batch (default {DEFAULT_BATCH_SIZE:,})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        learners: int = options["learners"]
        queries: int = options["queries"]
        queries_file: Path | None = options["queries_file"]
        seed: int = options["seed"]
        if learners < 1:
            raise CommandError("--learners must be at least 1")
        if queries < 0 or bool(queries) != bool(queries_file):
            raise CommandError("--queries and --queries-file go together")
        sample_every = 0
        if queries:
            sample_every = max(1, learners // max(_SAMPLE_MIN, queries * _SAMPLE_PER_QUERY))
        stream = _Stream(learners=learners, seed=seed, sample_every=sample_every)
        started = time.perf_counter()
        next_report = _PROGRESS_EVERY

        def on_batch(loaded: int, ulns: Sequence[str]) -> None:
            nonlocal next_report
            stream.issued(ulns)
            if loaded >= next_report or loaded == learners:
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {loaded:>12,} learners loaded  {elapsed:7.1f} s")
                while next_report <= loaded:
                    next_report += _PROGRESS_EVERY

        self.stdout.write(f"Creating {learners:,} synthetic learners (seed {seed})")
        with call_context(channel="cli"):
            try:
                loaded = learners_bulk_load(
                    records=stream.records(),
                    batch_size=options["batch_size"],
                    source=f"lrs generate --seed {seed}",
                    on_batch=on_batch,
                )
            except LearnerError as exc:
                raise CommandError(exc.message) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Loaded {loaded:,} learners in {elapsed:.1f} s ({loaded / elapsed:,.0f} a second)"
        )
        if queries and queries_file is not None:
            started = time.perf_counter()
            labelled = generate_queries(
                stream.sample, queries, seed=seed + 100, absent_share=options["absent_share"]
            )
            self._write_queries(queries_file, labelled, stream)
            self.stdout.write(
                f"Wrote {len(labelled):,} labelled queries to {queries_file} "
                f"in {time.perf_counter() - started:.1f} s"
            )

    def _write_queries(self, path: Path, labelled: list[LabelledQuery], stream: _Stream) -> None:
        twins: dict[int, list[int]] = {}
        for person in stream.sample:
            if person.twin_of is not None:
                twins.setdefault(person.person_id, []).append(person.twin_of)
                twins.setdefault(person.twin_of, []).append(person.person_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for q in labelled:
                true_uln = stream.uln_of[q.true_id] if q.true_id is not None else None
                twin_ulns = sorted(
                    stream.uln_of[t] for t in twins.get(q.source_id, []) if t in stream.uln_of
                )
                line = {
                    "query": find_fields(q.query),
                    "true_uln": true_uln,
                    "kind": q.kind,
                    "twin_ulns": twin_ulns,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")

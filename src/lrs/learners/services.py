"""Writes to the learner register and the finds that guard them.

Every function is atomic and audits itself. A find returns candidates scored by the
matching engine; a register runs the same find first and refuses to create a second
ULN for someone already registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core.errors import FieldProblem, NotPermitted, ServiceError
from lrs.core.models import AllocatedUln
from lrs.core.observability import FINDS
from lrs.core.services import UlnSpaceExhausted, uln_allocate
from lrs.identifiers import uln as uln_rules
from lrs.learners import codes
from lrs.learners.models import Learner, LearnerAccess, LearnerChange, LearnerStatus
from lrs.learners.scoring import register_scorer
from lrs.matching import (
    HELD_BACK_REASONS,
    KEY_COLUMNS,
    Demographics,
    MatchResult,
    Prepared,
    classify,
    default_thresholds,
    prepare,
    query_keys,
    stored_keys,
)
from lrs.matching import Outcome as MatchOutcome
from lrs.matching.normalise import name_compact
from lrs.matching.verify import NameAgreement, StoredPerson, verify_person
from lrs.misuse.models import UlnKind
from lrs.misuse.services import misuse_count_ulns
from lrs.users.models import User
from lrs.validation.learner import (
    ALL_FIELDS,
    MANDATORY,
    Problem,
    Purpose,
    parse_date,
    validate_learner,
)

FIND_RESULT_FIELDS = (
    "id",
    "uln",
    "status",
    "master_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "previous_family_name",
    "preferred_given_name",
    "middle_other_name",
    "school_at_16",
    "place_of_birth",
    "email_address",
)


class LearnerError(ServiceError):
    """A refusal carrying the real service's response code."""

    def __init__(
        self,
        response_code: str,
        message: str,
        *,
        status: int = 400,
        problems: list[FieldProblem] | None = None,
        candidates: list[Candidate] | None = None,
    ) -> None:
        super().__init__(
            code=response_code, message=message, problems=problems or [], status=status
        )
        self.response_code = response_code
        self.candidates = candidates or []


def _invalid(problems: list[Any]) -> LearnerError:
    first = problems[0]
    return LearnerError(
        codes.INVALID_REQUEST,
        f"{first.field}: {first.rule}",
        status=422,
        problems=[FieldProblem(p.field, p.rule) for p in problems],
    )


class LearnerAccessDenied(NotPermitted):
    """A role refusal that also carries the real service's WSEC0006."""

    response_code = codes.INSUFFICIENT_ACCESS
    candidates: list[Candidate] = []


def _require(actor: User, capability: Capability) -> None:
    if not actor.can(capability):
        raise LearnerAccessDenied(f"Your role may not {capability.value.replace('_', ' ')}")


@dataclass(frozen=True)
class FieldExplanation:
    field: str
    level: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    learner_id: int
    uln: str
    score: float
    explanation: list[FieldExplanation]
    master_substituted: bool = False
    # Set on the best candidate of a possible answer when it scored above the exact
    # threshold and a safety rule kept it possible: the rule's code and its words.
    held_back_by: str = ""
    held_back_reason: str = ""


@dataclass(frozen=True)
class FindResult:
    response_code: str
    outcome: str
    candidates: list[Candidate] = field(default_factory=list)
    possible_count: int = 0
    # Why the best candidate is not an exact match though it scored like one ("" if not).
    held_back_by: str = ""
    held_back_reason: str = ""


def learner_demographics(values: Mapping[str, Any]) -> Demographics:
    return Demographics(
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=values["date_of_birth"],
        gender=values["gender"],
        postcode=values["last_known_postcode"],
        previous_family_name=values.get("previous_family_name") or None,
        preferred_given_name=values.get("preferred_given_name") or None,
        middle_names=values.get("middle_other_name") or None,
        school_at_16=values.get("school_at_16") or None,
        place_of_birth=values.get("place_of_birth") or None,
        email=values.get("email_address") or None,
    )


def demographics_key(values: Mapping[str, Any]) -> str:
    """A digest of the five mandatory demographics, normalised, for WSRC0021."""
    parts = (
        name_compact(values["given_name"]),
        name_compact(values["family_name"]),
        values["date_of_birth"].isoformat(),
        values["gender"],
        values["last_known_postcode"].replace(" ", ""),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _candidate_rows(query: Demographics) -> list[dict[str, Any]]:
    keys = query_keys(query)
    condition = Q()
    for column in KEY_COLUMNS:
        values = [v for v in keys.get(column, []) if v]
        if values:
            condition |= Q(**{f"{column}__in": values})
    if not condition:
        return []
    return list(
        Learner.objects.filter(condition)
        .exclude(status=LearnerStatus.CLOSED)
        .values(*FIND_RESULT_FIELDS)
    )


def _find(values: Mapping[str, Any]) -> FindResult:
    query = learner_demographics(values)
    return _classify_rows(query, _candidate_rows(query))


def _classify_rows(query: Demographics | Prepared, rows: list[dict[str, Any]]) -> FindResult:
    by_id = {row["id"]: row for row in rows}
    candidates = [(row["id"], learner_demographics(row)) for row in rows]
    scored = register_scorer().score_all(prepare(query), candidates)
    # A linked record and its master are one person: only the better of them (scored
    # best first) takes part, so that they never contest each other.
    best: dict[int, MatchResult] = {}
    for scored_one in scored:
        row = by_id[int(str(scored_one.ref))]
        best.setdefault(row["master_id"] or row["id"], scored_one)
    result = classify(best.values())
    if result.outcome is MatchOutcome.NONE:
        return FindResult(codes.NO_MATCH, "no_match")
    if result.outcome is MatchOutcome.TOO_MANY:
        return FindResult(
            codes.TOO_MANY,
            "too_many",
            possible_count=result.possible_count,
            held_back_by=result.held_back_by,
            held_back_reason=result.held_back_reason,
        )
    linked_masters = _masters_of(
        [by_id[int(str(m.ref))] for m in result.matches if by_id[int(str(m.ref))]["master_id"]]
    )
    found: list[Candidate] = []
    seen: set[int] = set()
    for match in result.matches:
        row = by_id[int(str(match.ref))]
        substituted = row["master_id"] is not None
        target_id, uln = (
            (row["master_id"], linked_masters[row["master_id"]])
            if substituted
            else (row["id"], row["uln"])
        )
        if target_id in seen:
            continue
        seen.add(target_id)
        held_back = (
            result.held_back_by
            if match is result.matches[0]
            else "better_candidate"
            if result.outcome is MatchOutcome.POSSIBLE
            else ""
        )
        found.append(
            Candidate(
                learner_id=target_id,
                uln=uln,
                score=_shown_score(match.score, result.outcome),
                explanation=[
                    FieldExplanation(e.field, e.level, e.weight) for e in match.explanation
                ],
                master_substituted=substituted,
                held_back_by=held_back,
                held_back_reason=HELD_BACK_REASONS.get(held_back, ""),
            )
        )
    if result.outcome is MatchOutcome.EXACT:
        code = codes.MASTER_SUBSTITUTED if found[0].master_substituted else codes.EXACT
        return FindResult(code, "exact_match", found, result.possible_count)
    return FindResult(
        codes.POSSIBLE,
        "possible_matches",
        found,
        result.possible_count,
        result.held_back_by,
        result.held_back_reason,
    )


def _shown_score(score: float, outcome: MatchOutcome) -> float:
    """The score a person sees: never a near-certainty beside "possible".

    A candidate that scored above the exact threshold yet is only possible was held back
    by a rule about someone the register cannot tell apart from them (a twin, a sibling,
    a second record): it is shown as no more likely than that other person, 50%.
    """
    if outcome is MatchOutcome.POSSIBLE and score >= default_thresholds().exact:
        return 0.5
    return round(score, 4)


def _masters_of(rows: list[dict[str, Any]]) -> dict[int, str]:
    ids = {row["master_id"] for row in rows}
    if not ids:
        return {}
    return dict(Learner.objects.filter(pk__in=ids).values_list("pk", "uln"))


@transaction.atomic(savepoint=False)
def learner_access_record(*, organisation_id: int, learner_ids: Iterable[int]) -> None:
    """Remember that an organisation was shown these learners (see LearnerAccess)."""
    now = timezone.now()
    LearnerAccess.objects.bulk_create(
        [
            LearnerAccess(organisation_id=organisation_id, learner_id=i, first_seen_at=now)
            for i in set(learner_ids)
        ],
        ignore_conflicts=True,
    )


def _has_seen(actor: User, learner: Learner) -> bool:
    return (
        actor.can(Capability.MERGE_LEARNERS)
        or LearnerAccess.objects.filter(
            organisation_id=actor.organisation_id, learner=learner
        ).exists()
    )


# The services below read first and then make their writes (an access grant, the audit
# entry, the misuse watch's counts) in one transaction: on SQLite a transaction holds the
# write lock from its start, so the reading is kept out of it.


def learner_find(*, actor: User, data: Mapping[str, Any]) -> FindResult:
    """Find a learner by demographics. Audited with the ULNs returned."""
    _require(actor, Capability.FIND_LEARNER)
    values, problems = validate_learner(
        {k: data.get(k) for k in data if k in ALL_FIELDS}, purpose=Purpose.FIND
    )
    if problems:
        # A refused find is audited too (which fields broke which rule, never the values
        # sent), committed before the refusal is raised.
        with transaction.atomic():
            audit_record(
                action="learner.find",
                actor=actor,
                object_type="uln",
                outcome=Outcome.REFUSED,
                detail={
                    "response_code": codes.INVALID_REQUEST,
                    "problems": sorted({p.field for p in problems}),
                    "returned_ulns": [],
                },
            )
        raise _invalid(problems)
    result = _find(values)
    with transaction.atomic():
        _find_record(actor, result)
    FINDS.labels(result.response_code).inc()
    return result


def _find_record(actor: User, result: FindResult) -> None:
    learner_access_record(
        organisation_id=actor.organisation_id, learner_ids=[c.learner_id for c in result.candidates]
    )
    audit_record(
        action="learner.find",
        actor=actor,
        object_type="uln",
        object_id=result.candidates[0].uln if len(result.candidates) == 1 else "",
        detail={
            "response_code": result.response_code,
            "returned_ulns": [c.uln for c in result.candidates],
        },
    )


def learners_lock_for_registration(dates_of_birth: Iterable[Any]) -> None:
    """Hold, until the transaction ends, the right to register people with these dates.

    Two registrations of one person share a date of birth: serialising registrations per
    date of birth makes find-then-insert atomic without locking the whole register, for
    online registrations and batch chunks alike. Locks are taken in sorted order, so two
    transactions asking for several never deadlock. SQLite needs nothing here: its
    IMMEDIATE transactions already serialise writes.
    """
    if connection.vendor != "postgresql":
        return
    keys = sorted({f"learner-dob:{d}" for d in dates_of_birth})
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(hashtext(k))) "
            "FROM (SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS ordered",
            [keys],
        )


@dataclass(frozen=True)
class RegisterResult:
    response_code: str
    learner: Learner


@transaction.atomic
def learner_register(
    *,
    actor: User,
    data: Mapping[str, Any],
    confirm_new_learner: bool = False,
    confirmation_reason: str = "",
) -> RegisterResult:
    _require(actor, Capability.REGISTER_LEARNER)
    values, problems = validate_learner(
        {k: data.get(k) for k in data if k in ALL_FIELDS}, purpose=Purpose.REGISTER
    )
    if problems:
        raise _invalid(problems)
    learners_lock_for_registration([values["date_of_birth"]])
    key = demographics_key(values)
    if Learner.objects.filter(demographics_key=key).exclude(status=LearnerStatus.CLOSED).exists():
        audit_record(
            action="learner.register",
            actor=actor,
            object_type="uln",
            outcome=Outcome.REFUSED,
            detail={"response_code": codes.ALREADY_REGISTERED},
        )
        raise LearnerError(
            codes.ALREADY_REGISTERED,
            "A learner with the same given name, family name, date of birth, gender and "
            "postcode is already registered",
            status=409,
        )
    found = _find(values)
    if found.candidates and not confirm_new_learner:
        raise LearnerError(
            found.response_code,
            "This learner may already be registered. Check the candidates; if this is a "
            "different person, register again with confirm_new_learner and a reason.",
            status=409,
            candidates=found.candidates,
        )
    if found.response_code == codes.TOO_MANY and not confirm_new_learner:
        raise LearnerError(
            codes.TOO_MANY,
            "Too many similar learners: supply more optional data, or confirm a new learner",
            status=409,
        )
    reason = confirmation_reason.strip()
    if confirm_new_learner and found.candidates and not reason:
        raise _invalid([FieldProblem("confirmation_reason", "Say why this is a different person")])
    learner = learner_insert(actor=actor, values=values, action="register")
    learner_access_record(organisation_id=actor.organisation_id, learner_ids=[learner.pk])
    audit_record(
        action="learner.register",
        actor=actor,
        object_type="uln",
        object_id=learner.uln,
        detail={
            "response_code": codes.REGISTERED,
            "confirmed_new_learner": bool(confirm_new_learner and found.candidates),
            "reason": reason,
            "candidates_overridden": [c.uln for c in found.candidates],
        },
    )
    return RegisterResult(codes.REGISTERED, learner)


@transaction.atomic
def learner_insert(*, actor: User, values: Mapping[str, Any], action: str) -> Learner:
    """Issue a ULN and store a learner whose ``values`` are already validated.

    For callers that have already run the find and decided this is a new person (a
    register, a batch record with no match, a resolved batch exception); they audit it.
    """
    now = timezone.now()
    uln = uln_allocate(actor=actor, count=1, purpose="register")[0]
    stored = {f: _storable(f, v) for f, v in values.items()}
    learner = Learner.objects.create(
        uln=uln,
        created_at=now,
        updated_at=now,
        created_by_organisation=actor.organisation,
        demographics_key=demographics_key(values),
        **stored,
        **stored_keys(learner_demographics(values)),
    )
    LearnerChange.objects.create(
        learner=learner,
        version_number=1,
        changed_at=now,
        action=action,
        actor=actor,
        organisation=actor.organisation,
        changes={f: [None, _jsonable(v)] for f, v in values.items() if v not in (None, "")},
    )
    return learner


def learner_refresh_keys(learner: Learner) -> None:
    """Recompute the blocking keys and demographics digest after a change of details."""
    current = {f: getattr(learner, f) for f in FIND_RESULT_FIELDS if f in ALL_FIELDS}
    for column, value in stored_keys(learner_demographics(current)).items():
        setattr(learner, column, value)
    learner.demographics_key = demographics_key(current)


def learner_match(values: Mapping[str, Any]) -> FindResult:
    """The find behind every operation, on already validated values, without audit."""
    return _find(values)


# --- Many finds and registrations at once (batch files) --------------------------------

# What ``learner_candidates`` returns of each learner: what a find scores, and the key
# columns, so that a caller can share out the rows among many finds in memory.
CANDIDATE_FIELDS: tuple[str, ...] = (*FIND_RESULT_FIELDS, *KEY_COLUMNS)
# Values per IN list: well inside every backend's limit on parameters.
_IN_BATCH = 900
# Rounds of redrawing ULNs that someone else issued meanwhile, before giving up.
_ULN_ROUNDS = 20


def learner_candidates(keys: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
    """Every learner who is not closed and whose key column holds one of the values given
    for that column, once each, as a dict of ``CANDIDATE_FIELDS``.

    Pass the ``query_keys`` of many finds merged column by column: the candidates of each
    find are then exactly the rows whose key columns hold one of its own query keys, the
    rows ``learner_match`` would have fetched for it, with a few queries for all of them.
    The ids come first from the key indexes alone, then each row once by its id.
    """
    quote = connection.ops.quote_name
    table = quote(Learner._meta.db_table)
    columns = ", ".join(quote(f) for f in CANDIDATE_FIELDS)
    dob = CANDIDATE_FIELDS.index("date_of_birth")
    closed = LearnerStatus.CLOSED.value
    ids: set[int] = set()
    rows: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter per column: a statement with thousands of placeholders
            # costs more to compose and plan than to run.
            for column in KEY_COLUMNS:
                values = sorted({v for v in keys.get(column, ()) if v})
                if values:
                    cursor.execute(
                        f"SELECT {quote('id')} FROM {table} "  # noqa: S608
                        f"WHERE {quote(column)} = ANY(%s::varchar[])",
                        [values],
                    )
                    ids.update(ident for (ident,) in cursor.fetchall())
            if ids:
                cursor.execute(
                    f"SELECT {columns} FROM {table} "  # noqa: S608
                    f"WHERE {quote('id')} = ANY(%s::bigint[]) AND {quote('status')} <> %s",
                    [sorted(ids), closed],
                )
                rows = [dict(zip(CANDIDATE_FIELDS, row, strict=True)) for row in cursor]
            return rows
        for column in KEY_COLUMNS:
            values = sorted({v for v in keys.get(column, ()) if v})
            for start in range(0, len(values), _IN_BATCH):
                part = values[start : start + _IN_BATCH]
                cursor.execute(
                    f"SELECT {quote('id')} FROM {table} "  # noqa: S608
                    f"WHERE {quote(column)} IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                ids.update(ident for (ident,) in cursor.fetchall())
        wanted = sorted(ids)
        for start in range(0, len(wanted), _IN_BATCH):
            some = wanted[start : start + _IN_BATCH]
            cursor.execute(
                f"SELECT {columns} FROM {table} "  # noqa: S608
                f"WHERE {quote('id')} IN ({', '.join(['%s'] * len(some))}) "
                f"AND {quote('status')} <> %s",
                [*some, closed],
            )
            for found in cursor.fetchall():
                row = dict(zip(CANDIDATE_FIELDS, found, strict=True))
                if isinstance(found[dob], str):  # SQLite keeps dates as text
                    row["date_of_birth"] = dt.date.fromisoformat(found[dob])
                rows.append(row)
    return rows


def learner_match_rows(query: Demographics | Prepared, rows: list[dict[str, Any]]) -> FindResult:
    """``learner_match`` for a query whose candidate rows the caller has fetched already
    (each with ``FIND_RESULT_FIELDS``): scored and classified exactly as a find does.

    ``query`` is ``learner_demographics`` of the validated values, or its ``prepare``."""
    return _classify_rows(query, rows)


def learner_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns ``learner_insert`` stores for validated ``values``, other than the ULN,
    the times and the organisation: the fields, ``demographics_key`` and the blocking keys."""
    return {
        **{f: _storable(f, v) for f, v in values.items()},
        "demographics_key": demographics_key(values),
        **stored_keys(learner_demographics(values)),
    }


def learners_insert_many(
    *,
    actor: User,
    values_list: Sequence[Mapping[str, Any]],
    action: str,
    columns_list: Sequence[Mapping[str, Any]] | None = None,
) -> list[str]:
    """``learner_insert`` for many learners at once, in the given order, with a few bulk
    statements: each gets a random valid ULN recorded in ``AllocatedUln`` (purpose
    ``register``), the same columns and its version 1 ``LearnerChange``. Returns the ULNs.

    As for ``learner_insert``, the caller has run the finds and audits. ``columns_list``
    may pass ``learner_columns`` of each values already worked out.
    """
    if not values_list:
        return []
    if columns_list is None:
        columns_list = [learner_columns(values) for values in values_list]
    now = timezone.now()
    organisation_id = actor.organisation_id
    ulns = _allocate_ulns(len(values_list), allocated_at=now)
    insert_rows(
        Learner,
        [
            {
                **columns,
                "uln": uln,
                "created_at": now,
                "updated_at": now,
                "created_by_organisation_id": organisation_id,
            }
            for uln, columns in zip(ulns, columns_list, strict=True)
        ],
    )
    id_of: dict[str, int] = {}
    for start in range(0, len(ulns), _IN_BATCH):
        id_of.update(
            Learner.objects.filter(uln__in=ulns[start : start + _IN_BATCH])
            .order_by()
            .values_list("uln", "id")
        )
    insert_rows(
        LearnerChange,
        [
            {
                "learner_id": id_of[uln],
                "version_number": 1,
                "changed_at": now,
                "action": action,
                "actor_id": actor.pk,
                "organisation_id": organisation_id,
                "changes": {
                    f: [None, _jsonable(v)] for f, v in values.items() if v not in (None, "")
                },
            }
            for uln, values in zip(ulns, values_list, strict=True)
        ],
    )
    return ulns


def insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (by attribute name) of ``model``: one ``executemany``, or on
    PostgreSQL one ``COPY``.

    Every concrete column but the primary key is written: a value missing from a row
    takes the field's default, as the ORM would, and dates, times and JSON are adapted
    for the database as the ORM adapts them. ``bulk_create`` does the same work through
    every field's preparation, at ten times the cost per row.
    """
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    adapters: list[Any] = []
    defaults: list[Any] = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "JSONField":
            adapters.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        else:
            adapters.append(None)
        defaults.append(f.get_default() if f.has_default() else (None if f.null else ""))
    names = [f.attname for f in fields]
    params = []
    for row in rows:
        values = []
        for name, adapt, default in zip(names, adapters, defaults, strict=True):
            value = row.get(name, default)
            values.append(adapt(value) if adapt is not None and value is not None else value)
        params.append(values)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor, for COPY
            table = ops.quote_name(model._meta.db_table)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        cursor.executemany(
            f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES ({marks})",
            params,
        )


def _allocate_ulns(count: int, *, allocated_at: Any) -> list[str]:
    """``count`` new random valid ULNs recorded in ``AllocatedUln`` as ``uln_allocate``
    records them (purpose ``register``), with a few statements instead of a savepoint and
    an insert for each. Drawn numbers already issued are drawn again; if another process
    issues one of them between the check and the insert, the round is drawn again."""
    issued: list[str] = []
    for _ in range(_ULN_ROUNDS):
        wanted = count - len(issued)
        if not wanted:
            return issued
        already = set(issued)
        drawn = [uln for uln in uln_rules.random_ulns(wanted) if uln not in already]
        taken: set[str] = set()
        for start in range(0, len(drawn), _IN_BATCH):
            taken.update(
                AllocatedUln.objects.filter(uln__in=drawn[start : start + _IN_BATCH]).values_list(
                    "uln", flat=True
                )
            )
        fresh = [uln for uln in drawn if uln not in taken]
        try:
            with transaction.atomic():
                AllocatedUln.objects.bulk_create(
                    [
                        AllocatedUln(uln=uln, allocated_at=allocated_at, purpose="register")
                        for uln in fresh
                    ]
                )
        except IntegrityError:
            continue
        issued.extend(fresh)
    if len(issued) < count:
        raise UlnSpaceExhausted("Could not find unused ULNs; the register may be nearly full")
    return issued


def resolve_ulns(ulns: Iterable[str]) -> dict[str, tuple[Learner | None, bool]]:
    """``resolve_uln`` for many ULNs with one query: each ULN's answer, by ULN."""
    wanted = sorted(set(ulns))
    found: dict[str, Learner] = {}
    for start in range(0, len(wanted), _IN_BATCH):
        for learner in Learner.objects.select_related("master").filter(
            uln__in=wanted[start : start + _IN_BATCH]
        ):
            found[learner.uln] = learner
    answers: dict[str, tuple[Learner | None, bool]] = {}
    for uln in wanted:
        held = found.get(uln)
        if held is not None and held.master_id is not None and held.master is not None:
            answers[uln] = (held.master, True)
        else:
            answers[uln] = (held, False)
    return answers


_NULLABLE_FIELDS = frozenset({"date_of_address_capture"})


def _storable(field_name: str, value: Any) -> Any:
    # Text columns hold "" for absent values; dates cannot, so they hold NULL.
    if value is None:
        return None if field_name in _NULLABLE_FIELDS else ""
    return value


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@dataclass(frozen=True)
class UpdateResult:
    response_code: str
    learner: Learner


# Once a learner has seen the privacy notice (1 or 2), going back to "not seen" (0) would
# erase the record that the notice was given.
_SHARE_TRANSITIONS_REFUSED = {("1", "0"), ("2", "0")}


@transaction.atomic
def learner_update(
    *, actor: User, uln: str, version_number: int, data: Mapping[str, Any]
) -> UpdateResult:
    """Change a learner's details, refusing a stale ``version_number`` (WSRC0013)."""
    _require(actor, Capability.UPDATE_LEARNER)
    if not uln_rules.is_valid(uln):
        raise LearnerError(
            codes.INVALID_ULN,
            f"{uln} is not a valid ULN: {uln_rules.check(uln).reason}",
            status=422,
        )
    changes_requested = {k: v for k, v in data.items() if k in ALL_FIELDS}
    values, problems = validate_learner(changes_requested, purpose=Purpose.UPDATE)
    problems.extend(
        Problem(f, "This field is mandatory and cannot be emptied")
        for f in MANDATORY[Purpose.REGISTER]
        if f in changes_requested and values.get(f) is None and f in values
    )
    if problems:
        raise _invalid(problems)
    learner = Learner.objects.select_for_update().filter(uln=uln).first()
    if learner is None or not _has_seen(actor, learner):
        # A ULN the organisation was never shown is "not found", not "not yours":
        # the answer must not confirm that someone holds the number.
        raise LearnerError(codes.UNKNOWN_ULN_FOR_UPDATE, f"No learner has ULN {uln}", status=404)
    if learner.status != LearnerStatus.ACTIVE:
        raise LearnerError(
            codes.MASTER_SUBSTITUTED if learner.master_id else codes.UNKNOWN_ULN_FOR_UPDATE,
            "This ULN is linked to another learner and cannot be updated; update the master",
            status=409,
        )
    if version_number != learner.version_number:
        raise LearnerError(
            codes.STALE_VERSION,
            f"The learner has been updated since you read it (version {version_number}; "
            f"now {learner.version_number}). Read it again and reapply your change.",
            status=409,
        )
    current = {f: getattr(learner, f) for f in values}
    diff = {
        f: [_jsonable(current[f]) or None, _jsonable(v)]
        for f, v in values.items()
        if (v if v is not None else "") != (current[f] if current[f] is not None else "")
    }
    if "ability_to_share" in diff and (learner.ability_to_share, values["ability_to_share"]) in (
        _SHARE_TRANSITIONS_REFUSED
    ):
        raise LearnerError(
            codes.INVALID_SHARE_CHANGE,
            "Ability to share cannot go back to 'privacy notice not seen'",
            status=409,
        )
    if not diff:
        return UpdateResult(codes.NO_CHANGE, learner)
    if "family_name" in diff and "previous_family_name" not in diff:
        diff["previous_family_name"] = [learner.previous_family_name or None, learner.family_name]
        values["previous_family_name"] = learner.family_name
    for f in diff:
        setattr(learner, f, _storable(f, values[f]))
    learner_refresh_keys(learner)
    learner.version_number += 1
    learner.updated_at = timezone.now()
    learner.save()
    LearnerChange.objects.create(
        learner=learner,
        version_number=learner.version_number,
        changed_at=learner.updated_at,
        action="update",
        actor=actor,
        organisation=actor.organisation,
        changes=diff,
    )
    audit_record(
        action="learner.update",
        actor=actor,
        object_type="uln",
        object_id=learner.uln,
        detail={"response_code": codes.UPDATED, "fields": sorted(diff)},
    )
    return UpdateResult(codes.UPDATED, learner)


@transaction.atomic
def learner_view_record(*, actor: User, learner: Learner) -> None:
    """Audit that someone opened a learner's page: it shows their personal data."""
    audit_record(action="learner.view", actor=actor, object_type="uln", object_id=learner.uln)


# --- Verify, look up by ULN and retrieve ---------------------------------------------

MAX_VERIFY_BATCH = 1000


@dataclass(frozen=True)
class VerifyResult:
    uln: str
    response_code: str
    outcome: str
    failure_flags: list[str] = field(default_factory=list)
    found_uln: str = ""


def resolve_uln(uln: str) -> tuple[Learner | None, bool]:
    """The learner a ULN speaks for now, and whether a master was substituted."""
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None:
        return None, False
    if learner.master_id is not None and learner.master is not None:
        return learner.master, True
    return learner, False


def uln_kind(response_code: str) -> str:
    """What a verify, look-up or retrieve answer says of the ULN, for the misuse watch."""
    if response_code == codes.INVALID_ULN:
        return UlnKind.INVALID
    if response_code in (codes.VERIFY_ULN_NOT_FOUND, codes.NO_MATCH):
        return UlnKind.UNKNOWN
    return UlnKind.KNOWN


def verify_one(item: Mapping[str, Any]) -> VerifyResult:
    uln = str(item.get("uln") or "").strip()
    check = uln_rules.check(uln)
    if not check.valid:
        return VerifyResult(
            uln, codes.INVALID_ULN, f"{codes.DESCRIPTIONS[codes.INVALID_ULN]}: {check.reason}"
        )
    dob = item.get("date_of_birth")
    if isinstance(dob, str) and dob.strip():
        try:
            dob = parse_date(dob)
        except ValueError as exc:
            return VerifyResult(uln, codes.INVALID_REQUEST, f"date_of_birth: {exc}")
    learner, linked = resolve_uln(uln)
    if learner is None or learner.status == LearnerStatus.CLOSED:
        return VerifyResult(
            uln, codes.VERIFY_ULN_NOT_FOUND, codes.DESCRIPTIONS[codes.VERIFY_ULN_NOT_FOUND]
        )
    outcome = verify_person(
        StoredPerson(
            given_name=learner.given_name,
            family_name=learner.family_name,
            previous_family_name=learner.previous_family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        ),
        given_name=str(item.get("given_name") or ""),
        family_name=str(item.get("family_name") or ""),
        date_of_birth=dob or None,
        gender=str(item.get("gender") or "") or None,
    )
    if not outcome.matched:
        code = codes.VERIFY_NO_MATCH
    elif outcome.names is NameAgreement.EXACT and not outcome.failure_flags:
        code = codes.VERIFY_LINKED_MATCH if linked else codes.VERIFY_MATCH
    else:
        code = codes.VERIFY_SIMILAR_LINKED if linked else codes.VERIFY_SIMILAR
    return VerifyResult(
        uln, code, codes.DESCRIPTIONS[code], outcome.failure_flags, found_uln=learner.uln
    )


def learner_verify(*, actor: User, items: list[Mapping[str, Any]]) -> list[VerifyResult]:
    """Verify one or up to 1,000 (ULN, names[, date of birth, gender]) against the register."""
    _require(actor, Capability.VERIFY_LEARNER)
    if not 1 <= len(items) <= MAX_VERIFY_BATCH:
        raise _invalid(
            [Problem("learners", f"Send between 1 and {MAX_VERIFY_BATCH} learners to verify")]
        )
    results = [verify_one(item) for item in items]
    with transaction.atomic():
        audit_record(
            action="learner.verify",
            actor=actor,
            object_type="uln",
            object_id=results[0].uln if len(results) == 1 else "",
            detail={"results": [[r.uln, r.response_code] for r in results][:MAX_VERIFY_BATCH]},
        )
        misuse_count_ulns(
            actor=actor, touched=[(r.uln, uln_kind(r.response_code)) for r in results]
        )
    return results


@dataclass(frozen=True)
class LookupResult:
    response_code: str
    outcome: str
    learner: Learner | None = None
    incoming_uln: str = ""


def learner_lookup(*, actor: User, uln: str, given_name: str, family_name: str) -> LookupResult:
    """Find by ULN: the learner is returned only when the names match it too.

    A refused lookup (an invalid ULN) is audited too, in its own transaction, before the
    refusal is raised: someone trying numbers leaves a trace either way.
    """
    _require(actor, Capability.FIND_LEARNER)
    uln = (uln or "").strip()
    check = uln_rules.check(uln)
    if not check.valid:
        with transaction.atomic():
            audit_record(
                action="learner.lookup",
                actor=actor,
                object_type="uln",
                object_id=uln[:64],
                outcome=Outcome.REFUSED,
                detail={"response_code": codes.INVALID_ULN, "returned_ulns": []},
            )
            misuse_count_ulns(actor=actor, touched=[(uln, UlnKind.INVALID)])
        raise LearnerError(
            codes.INVALID_ULN, f"{uln} is not a valid ULN: {check.reason}", status=422
        )
    result = verify_one({"uln": uln, "given_name": given_name, "family_name": family_name})
    matched = result.response_code in (
        codes.VERIFY_MATCH,
        codes.VERIFY_LINKED_MATCH,
        codes.VERIFY_SIMILAR,
        codes.VERIFY_SIMILAR_LINKED,
    )
    learner = Learner.objects.get(uln=result.found_uln) if matched else None
    with transaction.atomic():
        if learner is not None:
            learner_access_record(organisation_id=actor.organisation_id, learner_ids=[learner.pk])
        if learner is None:
            code = codes.NO_MATCH
        elif learner.uln != uln:
            code = codes.MASTER_SUBSTITUTED
        else:
            code = codes.EXACT
        audit_record(
            action="learner.lookup",
            actor=actor,
            object_type="uln",
            object_id=uln,
            detail={"response_code": code, "returned_ulns": [learner.uln] if learner else []},
        )
        misuse_count_ulns(actor=actor, touched=[(uln, uln_kind(result.response_code))])
    return LookupResult(code, codes.DESCRIPTIONS[code], learner, incoming_uln=uln)


@dataclass(frozen=True)
class RetrievedUln:
    """One ULN's answer. ``learner`` (the core demographics) is set only for a learner
    the caller's organisation may already see: a ULN alone never reveals a person."""

    uln: str
    response_code: str
    master_uln: str = ""
    status: str = ""
    learner: Learner | None = None


def learners_visible_ids(*, actor: User, learner_ids: Iterable[int]) -> set[int]:
    """Those of ``learner_ids`` the actor's organisation has been shown (the service desk
    sees every learner)."""
    wanted = set(learner_ids)
    if not wanted or actor.can(Capability.MERGE_LEARNERS):
        return wanted
    seen: set[int] = set()
    ids = sorted(wanted)
    for start in range(0, len(ids), _IN_BATCH):
        seen.update(
            LearnerAccess.objects.filter(
                organisation_id=actor.organisation_id, learner_id__in=ids[start : start + _IN_BATCH]
            ).values_list("learner_id", flat=True)
        )
    return seen


def learners_retrieve(*, actor: User, ulns: list[str]) -> list[RetrievedUln]:
    """For each ULN: a code, its master ULN and its status.

    The core demographics come back only for learners the organisation may already see,
    and retrieving never grants access: knowing a number is not knowing the person.
    """
    _require(actor, Capability.RETRIEVE_ULNS)
    if not 1 <= len(ulns) <= MAX_VERIFY_BATCH:
        raise _invalid([Problem("ulns", f"Send between 1 and {MAX_VERIFY_BATCH} ULNs")])
    wanted = [str(u).strip() for u in ulns]
    found: dict[str, Learner] = {}
    distinct = sorted(set(wanted))
    for start in range(0, len(distinct), _IN_BATCH):
        for held in Learner.objects.select_related("master").filter(
            uln__in=distinct[start : start + _IN_BATCH]
        ):
            found[held.uln] = held
    speaks_for = {
        uln: (held.master if held.master is not None else held) for uln, held in found.items()
    }
    visible = learners_visible_ids(
        actor=actor,
        learner_ids={learner.pk for learner in speaks_for.values()}
        | {held.pk for held in found.values()},
    )
    results = []
    for uln in wanted:
        if not uln_rules.is_valid(uln):
            results.append(RetrievedUln(uln, codes.INVALID_ULN))
            continue
        if uln not in found:
            results.append(RetrievedUln(uln, codes.NO_MATCH))
            continue
        held, learner = found[uln], speaks_for[uln]
        # Seeing a linked record is seeing the person it was merged into.
        shown = learner if (learner.pk in visible or held.pk in visible) else None
        code = codes.MASTER_SUBSTITUTED if held.master is not None else codes.EXACT
        results.append(RetrievedUln(uln, code, learner.uln, held.status, shown))
    with transaction.atomic():
        audit_record(
            action="learner.retrieve",
            actor=actor,
            object_type="uln",
            object_id=wanted[0] if len(wanted) == 1 else "",
            detail={
                "ulns": wanted,
                "found": [r.uln for r in results if r.master_uln],
                "shown": [r.uln for r in results if r.learner is not None],
            },
        )
        misuse_count_ulns(
            actor=actor, touched=[(r.uln, uln_kind(r.response_code)) for r in results]
        )
    return results

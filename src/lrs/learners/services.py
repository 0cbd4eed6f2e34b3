"""Writes to the learner register and the finds that guard them.

Every function is atomic and audits itself. A find returns candidates scored by the
matching engine; a register runs the same find first and refuses to create a second
ULN for someone already registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from lrs.access import Capability
from lrs.audit.models import Outcome
from lrs.audit.services import audit_record
from lrs.core import codes
from lrs.core.errors import FieldProblem, NotPermitted, ServiceError
from lrs.core.observability import FINDS
from lrs.core.services import MAX_ALLOCATION, ulns_issue
from lrs.core.sql import IN_BATCH as _IN_BATCH
from lrs.core.sql import insert_rows
from lrs.identifiers import uln as uln_rules
from lrs.learners.models import (
    Learner,
    LearnerAccess,
    LearnerChange,
    LearnerRekey,
    LearnerStatus,
)
from lrs.learners.scoring import register_scorer
from lrs.learners.selectors import (
    FIND_RESULT_FIELDS,
    PERSON_FIELDS,
    learner_find_candidates,
    learner_keys_settled_forget,
    learner_resolve_uln,
)
from lrs.learners.selectors import learner_demographics as learner_demographics
from lrs.matching import (
    FORM_VERSION,
    HELD_BACK_REASONS,
    KEY_COLUMNS,
    Classification,
    Demographics,
    MatchResult,
    Prepared,
    Scorer,
    classify,
    default_thresholds,
    from_form,
    household_keys,
    kept_by_second_look,
    prepare,
    query_keys,
    stored_form,
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
        self.response_code = response_code
        self.candidates = candidates or []
        super().__init__(
            code=response_code,
            message=message,
            problems=problems or [],
            status=status,
            extra={
                "response_code": response_code,
                "candidates": [c.shown() for c in self.candidates],
            },
        )


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

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.extra = {"response_code": self.response_code}


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

    def shown(self) -> dict[str, Any]:
        """The candidate as every channel shows it: never the internal id."""
        return {
            "uln": self.uln,
            "score": self.score,
            "master_substituted": self.master_substituted,
            "explanation": [
                {"field": e.field, "level": e.level, "weight": e.weight} for e in self.explanation
            ],
            "held_back_by": self.held_back_by,
            "held_back_reason": self.held_back_reason,
        }


@dataclass(frozen=True)
class FindResult:
    response_code: str
    outcome: str
    candidates: list[Candidate] = field(default_factory=list)
    possible_count: int = 0
    # Why the best candidate is not an exact match though it scored like one ("" if not).
    held_back_by: str = ""
    held_back_reason: str = ""


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


def learner_derived(values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns every write of a learner's details derives from validated ``values``:
    ``demographics_key``, the blocking keys and the stored normal forms (``match_form``).

    Registration, update, a batch's address, the bulk loader and ``lrs learners rekey``
    all store exactly these, so a find never has to normalise a candidate again.
    """
    prepared = prepare(learner_demographics(values))
    return {
        "demographics_key": demographics_key(values),
        **stored_keys(prepared),
        "match_form": stored_form(prepared),
    }


def _scoring_candidates(rows: list[dict[str, Any]]) -> list[tuple[int, Prepared]]:
    # Each candidate from the normal forms stored with it (normalised only if the row
    # has not been re-keyed yet).
    return [
        (row["id"], from_form(learner_demographics(row), row.get("match_form"))) for row in rows
    ]


def _one_per_person(
    scored: list[MatchResult], by_id: Mapping[int, dict[str, Any]]
) -> list[MatchResult]:
    # A linked record and its master are one person: only the better of them (scored
    # best first) takes part, so that they never contest each other.
    best: dict[int, MatchResult] = {}
    for scored_one in scored:
        row = by_id[int(str(scored_one.ref))]
        best.setdefault(row["master_id"] or row["id"], scored_one)
    return list(best.values())


def _candidate_rows(query: Demographics) -> list[dict[str, Any]]:
    return learner_find_candidates(query_keys(query))


def _find(values: Mapping[str, Any]) -> FindResult:
    query = learner_demographics(values)
    return _classify_rows(
        query,
        _candidate_rows(query),
        lambda: learner_find_candidates(household_keys(query)),
    )


def _classify_rows(
    query: Demographics | Prepared,
    rows: list[dict[str, Any]],
    household: Callable[[], list[dict[str, Any]]] | None = None,
) -> FindResult:
    """Score and classify a find's candidate ``rows``; when that answers no match and
    ``household`` is given, take the second look (``lrs.matching.household_keys``): the
    rows it returns that were not candidates already join when ``kept_by_second_look``."""
    by_id = {row["id"]: row for row in rows}
    prepared = prepare(query)
    scorer = register_scorer()
    scored = scorer.score_all(prepared, _scoring_candidates(rows))
    result = classify(_one_per_person(scored, by_id))
    if result.outcome is MatchOutcome.NONE and household is not None:
        result = _second_look(scorer, prepared, scored, by_id, household()) or result
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


def _second_look(
    scorer: Scorer,
    prepared: Prepared,
    scored: list[MatchResult],
    by_id: dict[int, dict[str, Any]],
    household_rows: list[dict[str, Any]],
) -> Classification | None:
    """The answer with the second look's rows added (those not candidates already and
    ``kept_by_second_look``), or None if it adds nobody. Adds the rows to ``by_id``.
    Scored by the first look's ``scorer``, so one find never mixes two parameter sets."""
    more = [row for row in household_rows if row["id"] not in by_id]
    if not more:
        return None
    by_id.update((row["id"], row) for row in more)
    second = [
        r for r in scorer.score_all(prepared, _scoring_candidates(more)) if kept_by_second_look(r)
    ]
    if not second:
        return None
    scored = sorted([*scored, *second], key=lambda r: r.weight, reverse=True)
    return classify(_one_per_person(scored, by_id))


# The highest score shown beside a possible match: 98%, never a rounded certainty.
POSSIBLE_SCORE_CEILING = 0.98


def _shown_score(score: float, outcome: MatchOutcome) -> float:
    """The score a person sees: never a near-certainty beside "possible".

    A candidate that scored above the exact threshold yet is only possible was held back
    by a rule about someone the register cannot tell apart from them (a twin, a sibling,
    a second record): it is shown as no more likely than that other person, 50%. Any
    other possible stays below what a percentage would round to 99 (between 0.99 and
    the exact threshold, a candidate kept possible because it shares little beyond a
    given name and a birthday would otherwise read "more than 99%").
    """
    if outcome is MatchOutcome.POSSIBLE:
        if score >= default_thresholds().exact:
            return 0.5
        return round(min(score, POSSIBLE_SCORE_CEILING), 4)
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
        **stored,
        **learner_derived(values),
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
    """Recompute the blocking keys, stored normal forms and demographics digest after a
    change of details."""
    current = {f: getattr(learner, f) for f in FIND_RESULT_FIELDS if f in ALL_FIELDS}
    for column, value in learner_derived(current).items():
        setattr(learner, column, value)


def learner_match(values: Mapping[str, Any]) -> FindResult:
    """The find behind every operation, on already validated values, without audit."""
    return _find(values)


# --- Many finds and registrations at once (batch files) --------------------------------


def learner_match_rows(
    query: Demographics | Prepared,
    rows: list[dict[str, Any]],
    household: Callable[[], list[dict[str, Any]]] | None = None,
) -> FindResult:
    """``learner_match`` for a query whose candidate rows the caller has fetched already
    (each with ``FIND_RESULT_FIELDS``): scored and classified exactly as a find does.

    ``query`` is ``learner_demographics`` of the validated values, or its ``prepare``;
    ``household`` gives the rows of the find's second look (``household_keys``), taken
    only when the first answers no match, as a find does."""
    return _classify_rows(query, rows, household)


def learner_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns ``learner_insert`` stores for validated ``values``, other than the ULN,
    the times and the organisation: the fields and ``learner_derived``'s columns."""
    return {**{f: _storable(f, v) for f, v in values.items()}, **learner_derived(values)}


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
    ulns = ulns_issue(len(values_list), purpose="register", allocated_at=now)
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
    learner_change_save(learner, actor=actor, action="update", changes=diff)
    audit_record(
        action="learner.update",
        actor=actor,
        object_type="uln",
        object_id=learner.uln,
        detail={"response_code": codes.UPDATED, "fields": sorted(diff)},
    )
    return UpdateResult(codes.UPDATED, learner)


@transaction.atomic(savepoint=False)
def learner_change_save(
    learner: Learner,
    *,
    actor: User,
    action: str,
    changes: Mapping[str, Any],
    fields: Sequence[str] | None = None,
) -> None:
    """Save a change already made to ``learner`` as its next version, with the history
    row (``LearnerChange``) that says who changed what.

    The one place a learner's version moves on: an update, a batch's address, a merge
    and its undo. ``fields`` limits the save to those columns (with the version and
    time); the caller audits the operation it belongs to.
    """
    learner.version_number += 1
    learner.updated_at = timezone.now()
    if fields is None:
        learner.save()
    else:
        learner.save(update_fields=[*fields, "version_number", "updated_at"])
    LearnerChange.objects.create(
        learner=learner,
        version_number=learner.version_number,
        changed_at=learner.updated_at,
        action=action,
        actor=actor,
        organisation=actor.organisation,
        changes=dict(changes),
    )


# The address fields a batch file may bring up to date (with the date it was captured).
ADDRESS_FIELDS = (
    "last_known_address_line1",
    "last_known_address_line2",
    "last_known_address_town",
    "last_known_address_county_or_city",
    "last_known_postcode",
    "date_of_address_capture",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


@transaction.atomic(savepoint=False)
def learner_address_update(
    *, actor: User, learner: Learner, address: Mapping[str, Any], action: str
) -> bool:
    """Bring ``learner``'s address up to date when ``address`` (``ADDRESS_FIELDS``) was
    captured later than the one held; True if it changed.

    For a batch record that names the learner by ULN: an address that is invalid, has no
    capture date or is no newer is ignored, never refused. No audit entry of its own:
    the batch that carried it is audited, and the history row says who changed what.
    """
    if not address.get("date_of_address_capture") or not address.get("last_known_postcode"):
        return False
    values, problems = validate_learner(
        {f: address.get(f) for f in ADDRESS_FIELDS}, purpose=Purpose.UPDATE
    )
    captured = values.get("date_of_address_capture")
    if problems or not isinstance(captured, dt.date):
        return False
    if learner.date_of_address_capture and captured <= learner.date_of_address_capture:
        return False
    changes = {
        f: [_text(getattr(learner, f)), _text(values.get(f))]
        for f in ADDRESS_FIELDS
        if _text(getattr(learner, f)) != _text(values.get(f))
    }
    if not changes:
        return False
    for f in ADDRESS_FIELDS:
        value = values.get(f)
        setattr(learner, f, value if value is not None or f.startswith("date") else "")
    learner_refresh_keys(learner)
    learner_change_save(learner, actor=actor, action=action, changes=changes)
    return True


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
    learner, linked = learner_resolve_uln(uln)
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


# --- Merging: what a merge of learners changes in the register ----------------------
# Composed by lrs.duplicates.services (learners_merge, learners_unmerge), which locks the
# learners, keeps what each of these returns for the undo, and audits the whole merge.


@transaction.atomic(savepoint=False)
def learner_link(*, actor: User, learner: Learner, master: Learner) -> dict[str, Any]:
    """Link ``learner`` to ``master``: one person, one record. Returns what it was."""
    before = {
        "id": learner.pk,
        "uln": learner.uln,
        "status": learner.status,
        "master_id": learner.master_id,
    }
    old_master = learner.master.uln if learner.master_id and learner.master else None
    learner.status = LearnerStatus.LINKED
    learner.master = master
    learner_change_save(
        learner,
        actor=actor,
        action="merge",
        changes={
            "status": [before["status"], LearnerStatus.LINKED.value],
            "master": [old_master, master.uln],
        },
        fields=["status", "master"],
    )
    return before


@transaction.atomic(savepoint=False)
def learner_link_undo(
    *,
    actor: User,
    learner: Learner,
    master: Learner,
    before: Mapping[str, Any],
    previous_master_uln: str | None,
) -> None:
    """Put back the status and master ``learner_link`` returned as ``before``."""
    learner.status = before["status"]
    learner.master_id = before["master_id"]
    learner_change_save(
        learner,
        actor=actor,
        action="unmerge",
        changes={
            "status": [LearnerStatus.LINKED.value, before["status"]],
            "master": [master.uln, previous_master_uln],
        },
        fields=["status", "master"],
    )


@transaction.atomic(savepoint=False)
def learner_access_copy(
    *, from_learner_ids: Sequence[int], to_learner: Learner, now: dt.datetime
) -> list[int]:
    """Let every organisation that has seen one of ``from_learner_ids`` see
    ``to_learner`` too; returns the ids of the access rows this made, for the undo.

    Organisations that had found a linked learner may open the master: a query on the
    linked ULN answers with the master anyway (WSRC0022).
    """
    seen_by = set(
        LearnerAccess.objects.filter(learner_id__in=from_learner_ids).values_list(
            "organisation_id", flat=True
        )
    )
    already = set(
        LearnerAccess.objects.filter(learner=to_learner, organisation_id__in=seen_by).values_list(
            "organisation_id", flat=True
        )
    )
    granted = sorted(seen_by - already)
    # A find by one of these organisations may record the same access meanwhile: that
    # must not fail the merge.
    LearnerAccess.objects.bulk_create(
        [
            LearnerAccess(organisation_id=org, learner=to_learner, first_seen_at=now)
            for org in granted
        ],
        ignore_conflicts=True,
    )
    return sorted(
        LearnerAccess.objects.filter(learner=to_learner, organisation_id__in=granted).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic(savepoint=False)
def learner_access_copy_undo(*, master: Learner, access_ids: Sequence[int]) -> None:
    """Remove the access to the master that ``learner_access_copy`` granted, except where
    another merge still in force grants it too: an organisation that has found another
    learner still linked to the master keeps it."""
    granted = list(
        LearnerAccess.objects.filter(pk__in=list(access_ids), learner=master).values_list(
            "pk", "organisation_id"
        )
    )
    if not granted:
        return
    still_linked = Learner.objects.filter(master=master, status=LearnerStatus.LINKED)
    keep = set(
        LearnerAccess.objects.filter(
            learner__in=still_linked, organisation_id__in=[org for _, org in granted]
        ).values_list("organisation_id", flat=True)
    )
    LearnerAccess.objects.filter(pk__in=[pk for pk, org in granted if org not in keep]).delete()


@transaction.atomic
def uln_allocate(*, actor: User | None, count: int = 1, purpose: str = "register") -> list[str]:
    """Issue ``count`` new ULNs: random, valid, and recorded so they are never reused.

    Here, not in core, because it audits: core.services.ulns_issue is the bare primitive."""
    if not 1 <= count <= MAX_ALLOCATION:
        raise ValueError(f"count must be between 1 and {MAX_ALLOCATION}")
    ulns = ulns_issue(count, purpose=purpose)
    if purpose != "register":
        # Registration audits the learner it creates; a bare allocation audits itself.
        audit_record(
            action="uln.allocate",
            actor=actor,
            object_type="uln",
            object_id=ulns[0] if count == 1 else "",
            detail={"count": count, "purpose": purpose, "ulns": ulns[:1000]},
        )
    return ulns


# --- Re-keying: the blocking keys and stored normal forms of a new version ----------------

# What re-keying reads of each learner: what its derived columns come from, and them.
_REKEY_FIELDS = ("id", *PERSON_FIELDS, "demographics_key", "match_form", *KEY_COLUMNS)


@dataclass(frozen=True)
class RekeyProgress:
    version: str
    next_id: int
    rows_rewritten: int
    finished: bool


def _rekey_state() -> LearnerRekey:
    now = timezone.now()
    state, _ = LearnerRekey.objects.select_for_update().get_or_create(
        version=FORM_VERSION, defaults={"started_at": now}
    )
    return state


def _rekey_rows(start_id: int, batch_size: int) -> tuple[int, int, int]:
    """Rewrite the derived columns of up to ``batch_size`` learners from ``start_id`` on
    that differ from what they should now be: (rows read, rows rewritten, last id)."""
    quote = connection.ops.quote_name
    table = quote(Learner._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(quote(f) for f in _REKEY_FIELDS)} FROM {table} "  # noqa: S608
            f"WHERE {quote('id')} >= %s ORDER BY {quote('id')} LIMIT %s",
            [start_id, batch_size],
        )
        rows = [dict(zip(_REKEY_FIELDS, found, strict=True)) for found in cursor.fetchall()]
        changed: list[list[Any]] = []
        for row in rows:
            if isinstance(row["date_of_birth"], str):  # SQLite keeps dates as text
                row["date_of_birth"] = dt.date.fromisoformat(row["date_of_birth"])
            derived = learner_derived(row)
            if any(row[column] != value for column, value in derived.items()):
                changed.append([*derived.values(), row["id"]])
        if changed:
            columns = list(learner_derived(rows[0]))
            assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {quote('id')} = %s",  # noqa: S608
                changed,
            )
    return len(rows), len(changed), rows[-1]["id"] if rows else start_id


@transaction.atomic
def learners_rekey_batch(*, batch_size: int) -> RekeyProgress:
    """Re-key the next ``batch_size`` learners in id order and record how far it got.

    One transaction: the rows and the progress commit together, so a run stopped at any
    moment resumes at the first learner not re-keyed. When no learner is left, the
    re-key is finished (finds stop looking up the old keys) and audited, once, as
    ``learner.rekey``. Rows written meanwhile by registrations and updates already hold
    the new keys; re-keying them again changes nothing, so running it twice is harmless.
    """
    state = _rekey_state()
    if state.finished_at is not None:
        return RekeyProgress(state.version, state.next_id, state.rows_rewritten, True)
    read, rewritten, last_id = _rekey_rows(state.next_id, batch_size)
    state.rows_rewritten += rewritten
    if read:
        state.next_id = last_id + 1
    if read < batch_size:
        state.finished_at = timezone.now()
        audit_record(
            action="learner.rekey",
            object_type="learner",
            detail={
                "version": state.version,
                "rows_rewritten": state.rows_rewritten,
                "started_at": state.started_at.isoformat(),
            },
        )
    state.save()
    if state.finished_at is not None:
        learner_keys_settled_forget()
    return RekeyProgress(
        state.version, state.next_id, state.rows_rewritten, state.finished_at is not None
    )

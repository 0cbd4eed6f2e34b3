"""The statuses of an event data challenge and who may move it where (framework-free)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


class Party(StrEnum):
    RAISER = "raiser"  # the learning provider or local authority that raised it
    OWNER = "owner"  # the awarding organisation (or the service desk for ILR/NPD events)
    SERVICE_DESK = "service_desk"  # mediates everything
    SYSTEM = "system"  # deadlines


class Outcome(StrEnum):
    AMEND = "amend"
    WITHDRAW = "withdraw"
    MOVE = "move"
    NO_CHANGE = "no_change"


class ChallengeType(StrEnum):
    INCORRECT_DETAILS = "incorrect_details"
    NOT_THIS_LEARNER = "not_this_learner"
    DUPLICATE_EVENT = "duplicate_event"
    NOT_ACHIEVED = "not_achieved"
    WRONG_PROVIDER = "wrong_provider"


TYPE_LABELS = {
    ChallengeType.INCORRECT_DETAILS: "The details are wrong (grade, date, level, credits …)",
    ChallengeType.NOT_THIS_LEARNER: "It belongs to another learner",
    ChallengeType.DUPLICATE_EVENT: "It appears twice",
    ChallengeType.NOT_ACHIEVED: "The learner did not achieve it",
    ChallengeType.WRONG_PROVIDER: "The achievement provider is wrong",
}

STATUS_LABELS = {
    Status.SUBMITTED: "Submitted",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.ESCALATED: "Escalated",
    Status.RESOLVED: "Resolved",
    Status.WITHDRAWN: "Withdrawn",
}

OPEN = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED, Status.ESCALATED})

# (from, to) -> the parties who may make that move.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Party]] = {
    (Status.SUBMITTED, Status.ACKNOWLEDGED): frozenset({Party.OWNER, Party.SERVICE_DESK}),
    (Status.SUBMITTED, Status.WITHDRAWN): frozenset({Party.RAISER}),
    (Status.SUBMITTED, Status.ESCALATED): frozenset({Party.SYSTEM}),
    (Status.ACKNOWLEDGED, Status.RESOLVED): frozenset({Party.OWNER, Party.SERVICE_DESK}),
    (Status.ACKNOWLEDGED, Status.WITHDRAWN): frozenset({Party.RAISER}),
    (Status.ACKNOWLEDGED, Status.ESCALATED): frozenset({Party.SYSTEM}),
    (Status.ESCALATED, Status.ACKNOWLEDGED): frozenset({Party.OWNER, Party.SERVICE_DESK}),
    (Status.ESCALATED, Status.RESOLVED): frozenset({Party.OWNER, Party.SERVICE_DESK}),
    (Status.ESCALATED, Status.WITHDRAWN): frozenset({Party.RAISER}),
}


def allowed(current: Status | str, target: Status | str, party: Party) -> bool:
    return party in TRANSITIONS.get((Status(current), Status(target)), frozenset())


def moves_from(current: Status | str, party: Party) -> list[Status]:
    return [to for (frm, to), parties in TRANSITIONS.items() if frm == current and party in parties]

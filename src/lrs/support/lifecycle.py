"""The categories and statuses of a support request and who may move it where
(framework-free)."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    GENERAL = "general"
    ACCESS = "access"
    BATCH_FILES = "batch_files"
    ACHIEVEMENTS = "achievements"
    CHALLENGE = "challenge"
    OTHER = "other"
    # Problems with a ULN: they carry the ULNs involved.
    TWO_ULNS = "two_ulns"
    SHARED_ULN = "shared_uln"
    DETAILS_WRONG = "details_wrong"


CATEGORY_LABELS = {
    Category.GENERAL: "A general question",
    Category.ACCESS: "Signing in, accounts and access",
    Category.BATCH_FILES: "Batch files",
    Category.ACHIEVEMENTS: "Achievements and Personal Learning Records",
    Category.CHALLENGE: "A challenge to a learning record",
    Category.OTHER: "Something else",
    Category.TWO_ULNS: "This person has two ULNs",
    Category.SHARED_ULN: "This ULN is shared by two people",
    Category.DETAILS_WRONG: "This ULN's details are wrong",
}

GENERAL_CATEGORIES = (
    Category.GENERAL,
    Category.ACCESS,
    Category.BATCH_FILES,
    Category.ACHIEVEMENTS,
    Category.CHALLENGE,
    Category.OTHER,
)
ULN_PROBLEMS = (Category.TWO_ULNS, Category.SHARED_ULN, Category.DETAILS_WRONG)

# How many ULNs each kind of request carries: (at least, at most).
ULN_COUNTS: dict[Category, tuple[int, int]] = {
    **dict.fromkeys(GENERAL_CATEGORIES, (0, 1)),
    Category.TWO_ULNS: (2, 10),
    Category.SHARED_ULN: (1, 1),
    Category.DETAILS_WRONG: (1, 1),
}


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_LABELS = {
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING: "Waiting for you",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}
# The service desk reads "waiting for you" as waiting for the user.
DESK_STATUS_LABELS = {**STATUS_LABELS, Status.WAITING: "Waiting for the user"}

ACTIVE = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.WAITING})
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED})


class Party(StrEnum):
    USER = "user"  # the person who raised it, or a super user of their organisation
    DESK = "desk"
    SYSTEM = "system"  # a decision on a reported pair, or the undoing of a merge


# (from, to) -> who may make that move.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Party]] = {
    (Status.OPEN, Status.IN_PROGRESS): frozenset({Party.DESK}),
    (Status.OPEN, Status.WAITING): frozenset({Party.DESK}),
    (Status.OPEN, Status.RESOLVED): frozenset({Party.DESK, Party.SYSTEM}),
    (Status.OPEN, Status.CLOSED): frozenset({Party.DESK, Party.USER}),
    (Status.IN_PROGRESS, Status.WAITING): frozenset({Party.DESK}),
    (Status.IN_PROGRESS, Status.RESOLVED): frozenset({Party.DESK, Party.SYSTEM}),
    (Status.IN_PROGRESS, Status.CLOSED): frozenset({Party.DESK, Party.USER}),
    (Status.WAITING, Status.OPEN): frozenset({Party.USER}),
    (Status.WAITING, Status.IN_PROGRESS): frozenset({Party.DESK}),
    (Status.WAITING, Status.RESOLVED): frozenset({Party.DESK, Party.SYSTEM}),
    (Status.WAITING, Status.CLOSED): frozenset({Party.DESK, Party.USER}),
    # Reopening is the desk's: a user with more to say raises a new request. The system
    # reopens a report whose merge the service desk has undone.
    (Status.RESOLVED, Status.IN_PROGRESS): frozenset({Party.DESK, Party.SYSTEM}),
    (Status.CLOSED, Status.IN_PROGRESS): frozenset({Party.DESK}),
}


def allowed(current: Status | str, target: Status | str, party: Party) -> bool:
    return party in TRANSITIONS.get((Status(current), Status(target)), frozenset())


def moves_from(current: Status | str, party: Party) -> list[Status]:
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and party in who]

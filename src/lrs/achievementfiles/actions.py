"""Action codes and status codes of achievement files (this project's design).

The real service's integer action codes are not public; these are ours:

====  ==========================  ==============================================
Code  Action                      Effect on the learning event
====  ==========================  ==============================================
1     create                      records a new achievement (Status F or P)
2     update                      replaces grade, award date, credits, centre…
3     withdraw                    withdraws it (the "delete"; ActionReason needed)
4     reinstate                   brings a withdrawn achievement back
5     promote provisional→final   turns a provisional (P) achievement final (F)
====  ==========================  ==============================================

Status: ``F`` final, ``P`` provisional. A create carries it (empty means F); promote
turns P into F.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Action(IntEnum):
    """What a row asks the service to do with one achievement (learning event)."""

    CREATE = 1
    UPDATE = 2
    WITHDRAW = 3
    REINSTATE = 4
    PROMOTE = 5

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def needs_existing_event(self) -> bool:
        """Every action but create refers to an achievement the LRS already holds."""
        return self is not Action.CREATE


_LABELS = {
    Action.CREATE: "create",
    Action.UPDATE: "update",
    Action.WITHDRAW: "withdraw",
    Action.REINSTATE: "reinstate",
    Action.PROMOTE: "promote provisional to final",
}

ALLOWED_ACTIONS = ", ".join(f"{a.value} ({a.label})" for a in Action)
_BY_NAME = {
    **{a.name.lower(): a for a in Action},
    **{a.label: a for a in Action},
    "delete": Action.WITHDRAW,
    "promote": Action.PROMOTE,
}


def parse_action(text: str) -> Action:
    """The action of a code 1-5; ValueError (naming the allowed codes) otherwise."""
    value = text.strip()
    if len(value) == 1 and value in "12345":
        return Action(int(value))
    named = _BY_NAME.get(value.lower())
    if named is not None:
        raise ValueError(
            f"Action is a number: write {named.value} for {named.label}, not {value!r}"
        )
    what = f"{value!r} is not an action code" if value else "The Action is empty"
    raise ValueError(f"{what}; use {ALLOWED_ACTIONS}")


class AchievementStatus(StrEnum):
    """Whether an achievement is final or provisional (the PLR's Status)."""

    FINAL = "F"
    PROVISIONAL = "P"

    @property
    def label(self) -> str:
        return "final" if self is AchievementStatus.FINAL else "provisional"


ALLOWED_STATUSES = "F (final) or P (provisional)"


def parse_status(text: str) -> AchievementStatus | None:
    """F or P (any case); None when empty; ValueError otherwise."""
    value = text.strip().upper()
    if not value:
        return None
    try:
        return AchievementStatus(value)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a status; use {ALLOWED_STATUSES}") from None


__all__ = [
    "ALLOWED_ACTIONS",
    "ALLOWED_STATUSES",
    "AchievementStatus",
    "Action",
    "parse_action",
    "parse_status",
]

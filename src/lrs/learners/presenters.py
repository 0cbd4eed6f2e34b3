"""How the portal shows learners: response codes as tags, field values as people read
them, match scores and their explanations, and the groups a learner's fields are shown in.

Shared by every page that shows a learner or a candidate (the learner pages, batch
exceptions, duplicate pairs); views import these, never one another's private helpers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from lrs.core import codes
from lrs.learners import selectors
from lrs.learners.forms import CODE_LABELS
from lrs.learners.models import Learner
from lrs.learners.services import ADDRESS_FIELDS, Candidate
from lrs.users.models import User


@dataclass(frozen=True)
class CodeView:
    """A response code as a tag: the code, what it means, and the tag's colour."""

    code: str
    text: str
    colour: str


_CODE_COLOURS = {
    codes.EXACT: "green",
    codes.MASTER_SUBSTITUTED: "green",
    codes.POSSIBLE: "yellow",
    codes.TOO_MANY: "orange",
    codes.NO_MATCH: "grey",
    codes.ALREADY_REGISTERED: "red",
    codes.VERIFY_MATCH: "green",
    codes.VERIFY_LINKED_MATCH: "green",
    codes.VERIFY_SIMILAR: "yellow",
    codes.VERIFY_SIMILAR_LINKED: "yellow",
    codes.VERIFY_NO_MATCH: "red",
    codes.VERIFY_ULN_NOT_FOUND: "grey",
}


def code_view(code: str) -> CodeView:
    return CodeView(code, codes.DESCRIPTIONS.get(code, code), _CODE_COLOURS.get(code, "grey"))


EXPLANATION_LABELS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "gender": "Gender",
    "school_at_16": "School at 16",
    "place_of_birth": "Place of birth",
    "email": "Email address",
}


def weight_meaning(weight: float) -> str:
    """What a field's weight says, in words: for or against these being one person."""
    if weight >= 3:
        return "Strong evidence this is the same person"
    if weight >= 0.5:
        return "Some evidence this is the same person"
    if weight > -0.5:
        return "Makes little difference"
    if weight > -3:
        return "Some evidence this is a different person"
    return "Strong evidence this is a different person"


def score_percent(score: float) -> str:
    """A match score (0 to 1) as a percentage that never rounds to a certainty it is not."""
    percent = round(score * 100)
    if percent >= 100 and score < 1:
        return "more than 99%"
    if percent <= 0 and score > 0:
        return "less than 1%"
    return f"{percent}%"


@dataclass(frozen=True)
class ExplanationRow:
    label: str
    level: str
    weight: str
    meaning: str


@dataclass(frozen=True)
class CandidateView:
    uln: str
    score: str
    master_substituted: bool
    learner: Learner | None
    rows: list[ExplanationRow] = field(default_factory=list)
    # Why this candidate, though it scored like one, is not an exact match.
    held_back_reason: str = ""

    @property
    def name(self) -> str:
        if self.learner is None:
            return f"ULN {self.uln}"
        return f"{self.learner.given_name} {self.learner.family_name}"


def candidate_views(actor: User, candidates: list[Candidate]) -> list[CandidateView]:
    learners = selectors.learners_by_id(actor=actor, ids=[c.learner_id for c in candidates])
    return [
        CandidateView(
            uln=c.uln,
            score=score_percent(c.score),
            master_substituted=c.master_substituted,
            learner=learners.get(c.learner_id),
            rows=[
                ExplanationRow(
                    label=EXPLANATION_LABELS.get(e.field, e.field.replace("_", " ").capitalize()),
                    level=e.level[:1].upper() + e.level[1:],
                    weight=f"{e.weight:+.1f}",
                    meaning=weight_meaning(e.weight),
                )
                for e in c.explanation
            ],
            held_back_reason=c.held_back_reason,
        )
        for c in candidates
    ]


def display_value(name: str, value: Any) -> str:
    """A learner field's value as people read it: code labels, GOV.UK dates, "" if empty."""
    if value is None or value == "":
        return ""
    if name in CODE_LABELS:
        return CODE_LABELS[name].get(str(value), str(value))
    if isinstance(value, str) and name.startswith("date_"):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


# The learner's fields in the groups the pages show them in.
FIELD_GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (
        "Name",
        (
            "title",
            "given_name",
            "middle_other_name",
            "family_name",
            "preferred_given_name",
            "previous_family_name",
            "family_name_at_16",
        ),
    ),
    ("Date of birth and gender", ("date_of_birth", "gender", "place_of_birth")),
    ("Address", ADDRESS_FIELDS),
    (
        "Identity and sharing",
        ("verification_type", "other_verification_description", "ability_to_share"),
    ),
    (
        "Other details",
        ("email_address", "school_at_16", "nationality", "scottish_candidate_number", "notes"),
    ),
]

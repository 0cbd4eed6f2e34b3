"""Forms of the support pages. The services check everything again; these forms ask the
questions in plain English and keep what the person typed when something is wrong."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from lrs.challenges.forms import EvidenceField
from lrs.core.forms import GovukForm
from lrs.core.uploads import upload_limit_mb
from lrs.support.lifecycle import (
    CATEGORY_LABELS,
    DESK_STATUS_LABELS,
    GENERAL_CATEGORIES,
    ULN_PROBLEMS,
    Category,
    Status,
)
from lrs.support.services import MAX_FILES, MAX_SUMMARY, MAX_TEXT

CATEGORY_HINTS = {
    Category.GENERAL: "How the service works, or where to find something",
    Category.ACCESS: "Signing in, your account, your organisation's users or API tokens",
    Category.BATCH_FILES: "Sending or reading a batch file, or the results of one",
    Category.ACHIEVEMENTS: "Uploading achievements, or what a Personal Learning Record shows",
    Category.CHALLENGE: "A challenge you raised or one about your records",
    Category.OTHER: "Anything not listed",
}

ULN_PROBLEM_HINTS = {
    Category.TWO_ULNS: "One person has been given more than one ULN, for example registered "
    "twice. The service desk checks the records and merges them.",
    Category.SHARED_ULN: "Two different people are using the same ULN, for example one was "
    "given the other's ULN by mistake.",
    Category.DETAILS_WRONG: "The learner's details on the register are wrong and you cannot "
    "correct them yourself.",
}


def _textarea(label: str, *, required: bool, message: str = "", help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_TEXT,
        help_text=help_text,
        error_messages={
            **({"required": message} if message else {}),
            "max_length": f"{label} must be {MAX_TEXT:,} characters or fewer",
        },
        widget=forms.Textarea,
    )


def attachments_field() -> EvidenceField:
    return EvidenceField(
        label="Attachments (optional)",
        help_text=(
            f"For example a screenshot. PDF, PNG, JPEG or plain text files, each up to "
            f"{upload_limit_mb()} MB, up to {MAX_FILES} at once."
        ),
    )


class RequestForm(GovukForm):
    category = forms.ChoiceField(
        label="What do you need help with?",
        choices=[(c.value, CATEGORY_LABELS[c]) for c in GENERAL_CATEGORIES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you need help with",
            "invalid_choice": "Select what you need help with",
        },
    )
    summary = forms.CharField(
        label="Summary",
        max_length=MAX_SUMMARY,
        help_text="A few words, for example \u201cCannot download batch results\u201d",
        error_messages={
            "required": "Enter a summary",
            "max_length": f"The summary must be {MAX_SUMMARY} characters or fewer",
        },
    )
    description = _textarea(
        "Describe what you need",
        required=True,
        message="Enter a description",
        help_text="Say what you were doing and what happened. Do not include learners' "
        "names or dates of birth: the service desk can look them up from a ULN.",
    )
    uln = forms.CharField(
        label="ULN (optional)",
        required=False,
        help_text="If your question is about one learner, their 10-digit ULN",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    attachments = attachments_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].item_hints = {  # type: ignore[attr-defined]
            c.value: hint for c, hint in CATEGORY_HINTS.items()
        }


class UlnProblemKindForm(GovukForm):
    kind = forms.ChoiceField(
        label="What is the problem with the ULN?",
        choices=[(c.value, CATEGORY_LABELS[c]) for c in ULN_PROBLEMS],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what the problem is",
            "invalid_choice": "Select what the problem is",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].item_hints = {  # type: ignore[attr-defined]
            c.value: hint for c, hint in ULN_PROBLEM_HINTS.items()
        }


class UlnProblemForm(GovukForm):
    """The ULNs of a problem of one kind, and what else the service desk should know."""

    def __init__(self, *args: Any, kind: Category, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == Category.TWO_ULNS:
            self.fields["ulns"] = forms.CharField(
                label="The person's ULNs",
                help_text="Enter each ULN on its own line: at least 2 and at most 10",
                error_messages={"required": "Enter at least 2 ULNs"},
                widget=forms.Textarea(attrs={"spellcheck": "false"}),
            )
        else:
            self.fields["ulns"] = forms.CharField(
                label="ULN",
                help_text="The 10-digit ULN",
                error_messages={"required": "Enter the ULN"},
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}
                ),
            )
        if kind == Category.DETAILS_WRONG:
            self.fields["description"] = _textarea(
                "What is wrong?",
                required=True,
                message="Enter what is wrong",
                help_text="Say which details are wrong and what they should be",
            )
        else:
            self.fields["description"] = _textarea(
                "Anything else the service desk should know (optional)", required=False
            )
        self.fields["attachments"] = attachments_field()

    def uln_list(self) -> list[str]:
        return self.cleaned_data.get("ulns", "").split()


class ReplyForm(GovukForm):
    body = _textarea("Your reply", required=True, message="Enter your reply")
    attachments = attachments_field()
    # The service desk's only: a reply that needs nothing from the user.
    keep_in_progress = forms.BooleanField(
        label="Do not wait for the user: keep the request in progress", required=False
    )


class AssignForm(GovukForm):
    assignee = forms.ChoiceField(label="Assign to", required=False)

    def __init__(self, *args: Any, people: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody"), *people]  # type: ignore[attr-defined]


class StatusForm(GovukForm):
    status = forms.ChoiceField(
        label="New status",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the new status",
            "invalid_choice": "Select the new status",
        },
    )
    outcome = _textarea(
        "Outcome",
        required=False,
        help_text="Needed when you resolve the request. The user reads this.",
    )

    def __init__(self, *args: Any, moves: Sequence[Status] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (s.value, DESK_STATUS_LABELS[s]) for s in moves
        ]


class QueueFilterForm(GovukForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("active", "Not finished"),
            ("", "Any"),
            *[(s.value, DESK_STATUS_LABELS[s]) for s in Status],
        ],
    )
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "Any"), *[(c.value, CATEGORY_LABELS[c]) for c in Category]],
    )
    assigned = forms.ChoiceField(
        label="Assigned to",
        required=False,
        choices=[("", "Anyone"), ("me", "Me"), ("unassigned", "Nobody")],
    )

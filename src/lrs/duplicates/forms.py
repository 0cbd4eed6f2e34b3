"""The forms of the service desk's duplicate pages. Only ULNs and status codes ever go in a
query string; names and reasons are posted."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from lrs.core.forms import GovukForm
from lrs.duplicates.models import PairStatus
from lrs.duplicates.services import MAX_MERGE, MAX_REASON
from lrs.identifiers import uln as uln_rules

ALL_STATUSES = "all"


def _uln_input() -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}
    )


def _reason(label: str, hint: str, *, message: str = "Enter the reason") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        max_length=MAX_REASON,
        error_messages={
            "required": message,
            "max_length": f"The reason must be {MAX_REASON:,} characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": "3"}),
    )


def clean_uln(value: str, *, what: str) -> str:
    """A ULN as typed, without the spaces people put in long numbers, or a form error."""
    uln = "".join((value or "").split())
    if not uln_rules.check(uln).valid:
        raise forms.ValidationError(f"Enter {what} as a valid ULN: 10 digits")
    return uln


class PairFilterForm(GovukForm):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[*PairStatus.choices, (ALL_STATUSES, "Any status")],
    )
    uln = forms.CharField(label="ULN", required=False, widget=_uln_input())

    def clean_uln(self) -> str:
        value = self.cleaned_data.get("uln") or ""
        if not value.strip():
            return ""
        return clean_uln(value, what="the ULN to look for")

    def status_filter(self) -> str | None:
        """The status to show (None: all), open pairs unless someone chose otherwise."""
        status = (self.cleaned_data.get("status") if self.is_bound else "") or PairStatus.OPEN
        return None if status == ALL_STATUSES else status


class MergeFilterForm(GovukForm):
    uln = forms.CharField(
        label="ULN",
        required=False,
        help_text="A master's ULN or a linked one",
        widget=_uln_input(),
    )

    def clean_uln(self) -> str:
        value = self.cleaned_data.get("uln") or ""
        if not value.strip():
            return ""
        return clean_uln(value, what="the ULN to look for")


class ProposeForm(GovukForm):
    """The service desk's own suspicion that two ULNs are one person."""

    first_uln = forms.CharField(
        label="First ULN",
        error_messages={"required": "Enter the first ULN"},
        widget=_uln_input(),
    )
    second_uln = forms.CharField(
        label="Second ULN",
        error_messages={"required": "Enter the second ULN"},
        widget=_uln_input(),
    )

    def clean_first_uln(self) -> str:
        return clean_uln(self.cleaned_data["first_uln"], what="the first ULN")

    def clean_second_uln(self) -> str:
        return clean_uln(self.cleaned_data["second_uln"], what="the second ULN")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("first_uln") and data.get("first_uln") == data.get("second_uln"):
            self.add_error("second_uln", "Enter two different ULNs")
        return data


class PairMergeForm(GovukForm):
    """Merging the two learners of a proposed pair: which one stays, and why."""

    master = forms.ChoiceField(
        label="Which record should be the master?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the record to keep as the master",
            "invalid_choice": "Select the record to keep as the master",
        },
    )
    merge_reason = _reason(
        "Reason for merging",
        "What shows these are one person. This is kept with the merge and in the audit log.",
        message="Enter the reason for merging",
    )

    def __init__(
        self,
        *args: Any,
        choices: list[tuple[str, str]],
        item_hints: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["master"]
        field.choices = choices  # type: ignore[attr-defined]
        field.item_hints = item_hints  # type: ignore[attr-defined]


class NotSameForm(GovukForm):
    not_same_reason = _reason(
        "Why are they different people?",
        "For example, twins, or different middle names the centre has confirmed. "
        "The pair will not be proposed again.",
        message="Enter why they are different people",
    )


class MergeForm(GovukForm):
    """Merging ULNs the service desk already knows are one person, without a pair."""

    master_uln = forms.CharField(
        label="Master ULN",
        help_text="The record to keep. The others are linked to it.",
        error_messages={"required": "Enter the master's ULN"},
        widget=_uln_input(),
    )
    other_ulns = forms.CharField(
        label="ULNs to link to the master",
        help_text=f"One ULN on each line, at most {MAX_MERGE - 1}",
        error_messages={"required": "Enter at least one ULN to link to the master"},
        widget=forms.Textarea(attrs={"rows": "4"}),
    )
    reason = _reason(
        "Reason for merging",
        "What shows these are one person. This is kept with the merge and in the audit log.",
        message="Enter the reason for merging",
    )

    def clean_master_uln(self) -> str:
        return clean_uln(self.cleaned_data["master_uln"], what="the master's ULN")

    def clean_other_ulns(self) -> list[str]:
        # One a line as asked, but commas too: the confirmation page carries them so,
        # since a hidden input is no place to rely on line breaks surviving.
        pieces = re.split(r"[\r\n,;]+", self.cleaned_data["other_ulns"])
        ulns = ["".join(piece.split()) for piece in pieces]
        ulns = [uln for uln in ulns if uln]
        problems = [
            f"{uln} is not a valid ULN: a ULN is 10 digits"
            for uln in ulns
            if not uln_rules.check(uln).valid
        ]
        if not ulns:
            problems.append("Enter at least one ULN to link to the master")
        if len(set(ulns)) != len(ulns):
            problems.append("A ULN is listed twice")
        if len(ulns) + 1 > MAX_MERGE:
            problems.append(f"A merge joins at most {MAX_MERGE} ULNs at once")
        if problems:
            raise forms.ValidationError(problems)
        return ulns

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("master_uln") and data["master_uln"] in data.get("other_ulns", []):
            self.add_error("other_ulns", "The master cannot be linked to itself")
        return data

    def carried(self) -> list[tuple[str, str]]:
        """The checked values, for the hidden inputs of the confirmation page."""
        data = self.cleaned_data
        return [
            ("master_uln", data["master_uln"]),
            ("other_ulns", ",".join(data["other_ulns"])),
            ("reason", data["reason"]),
        ]


class UnmergeForm(GovukForm):
    reason = _reason(
        "Reason for undoing the merge",
        "For example, what showed they are different people. This is kept with the merge "
        "and in the audit log.",
        message="Enter the reason for undoing the merge",
    )

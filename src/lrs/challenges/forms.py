"""Forms of the challenge pages: raising a challenge, acting on one, filtering the queue.

The services check everything again; these forms only ask the questions in plain English
and keep what the person typed when something is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from lrs.challenges.lifecycle import STATUS_LABELS, TYPE_LABELS, ChallengeType, Outcome, Status
from lrs.core.forms import DatePartsField, GovukForm
from lrs.core.uploads import upload_content_problem

T = ChallengeType

TYPE_HINTS = {
    T.INCORRECT_DETAILS: "For example the grade, the date it was achieved or the credits are "
    "not what the certificate says",
    T.NOT_THIS_LEARNER: "The achievement is real but it is on the wrong learner's record",
    T.DUPLICATE_EVENT: "The same achievement is on this record more than once",
    T.NOT_ACHIEVED: "The learner did not achieve this: it should not be on their record",
    T.WRONG_PROVIDER: "The learner achieved it, but with a different school, college or provider",
}

# Which "what is correct" questions go with which type (the rest are not sent).
SUPPLIED_BY_TYPE: dict[str, tuple[str, ...]] = {
    T.INCORRECT_DETAILS: ("grade", "achieved_date", "credits", "level", "language"),
    T.NOT_THIS_LEARNER: ("correct_uln",),
    T.WRONG_PROVIDER: ("provider_ukprn",),
}

EVIDENCE_EXTENSIONS = ".pdf,.png,.jpg,.jpeg,.txt"


def evidence_limit_mb() -> int:
    return int(settings.LRS_EVIDENCE_MAX_BYTES // (1024 * 1024))


def _text(label: str, *, required: bool = False, message: str = "", **attrs: str) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        error_messages={"required": message} if message else {},
        widget=forms.TextInput(attrs=attrs),
    )


def _textarea(label: str, *, required: bool = False, message: str = "", help_text: str = ""):
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        help_text=help_text,
        error_messages={
            **({"required": message} if message else {}),
            "max_length": f"{label} must be 4,000 characters or fewer",
        },
        widget=forms.Textarea,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """None, one or more evidence files, each of an allowed type and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        problems = []
        for upload in files:
            name = getattr(upload, "name", "A file")
            content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
            if content_type not in settings.LRS_EVIDENCE_TYPES:
                problems.append(f"{name} must be a PDF, PNG, JPEG or plain text file")
            elif upload.size > settings.LRS_EVIDENCE_MAX_BYTES:
                problems.append(f"{name} must be {evidence_limit_mb()} MB or smaller")
            elif not upload.size:
                problems.append(f"{name} is empty")
            elif problem := upload_content_problem(upload):
                problems.append(problem)
        if problems:
            raise forms.ValidationError(problems)
        return list(files)


def evidence_field() -> EvidenceField:
    return EvidenceField(
        label="Evidence (optional)",
        help_text=(
            "For example a copy of the certificate. PDF, PNG, JPEG or plain text files, "
            f"each up to {evidence_limit_mb()} MB. You can choose more than one."
        ),
    )


class RaiseForm(GovukForm):
    """What is wrong with a learning event, what is right, and who to contact about it."""

    type = forms.ChoiceField(
        label="What is wrong with this learning event?",
        choices=[(t.value, TYPE_LABELS[t]) for t in ChallengeType],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what is wrong with the learning event",
            "invalid_choice": "Select what is wrong with the learning event",
        },
    )
    # Incorrect details: the values as they should be (any of them).
    grade = _text("Correct grade", spellcheck="false")
    achieved_date = DatePartsField(
        name="Correct date achieved",
        label="Correct date achieved",
        required=False,
        help_text="For example, 24 8 2023",
    )
    credits = forms.IntegerField(
        label="Correct credits",
        required=False,
        min_value=0,
        max_value=9999,
        error_messages={
            "invalid": "Credits must be a whole number, like 12",
            "min_value": "Credits must be 0 or more",
            "max_value": "Credits must be 9,999 or fewer",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    level = _text("Correct level")
    language = _text("Correct language of assessment", spellcheck="false")
    # Not this learner.
    correct_uln = _text(
        "ULN of the learner it belongs to (if you know it)",
        inputmode="numeric",
        spellcheck="false",
        autocomplete="off",
    )
    # Wrong provider.
    provider_ukprn = _text(
        "UKPRN of the correct provider (if you know it)",
        inputmode="numeric",
        spellcheck="false",
    )
    # Duplicate: the other event, from the same PLR.
    second_event_id = forms.ChoiceField(
        label="Which learning event does it duplicate?",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the learning event it duplicates"},
    )
    contact_name = _text(
        "Contact name", required=True, message="Enter the name of the person to contact"
    )
    contact_telephone = _text("Contact telephone (optional)", type="tel", autocomplete="tel")
    contact_email = forms.EmailField(
        label="Contact email address",
        max_length=254,
        error_messages={
            "required": "Enter the contact email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "email"}),
    )
    explanation = _textarea(
        "Explain what is wrong",
        required=True,
        message="Explain what is wrong with the learning event",
        help_text="Say how you know: for example what the certificate shows. Do not "
        "include the learner's personal details: the awarding organisation can see them.",
    )
    evidence = evidence_field()

    def __init__(
        self, *args: Any, other_events: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].item_hints = TYPE_HINTS  # type: ignore[attr-defined]
        self.fields["second_event_id"].choices = list(other_events)  # type: ignore[attr-defined]
        self.fields["correct_uln"].help_text = "10 digits"
        self.fields["provider_ukprn"].help_text = "8 digits"

    def clean_correct_uln(self) -> str:
        return str(self.cleaned_data.get("correct_uln") or "").replace(" ", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("type")
        if kind == T.INCORRECT_DETAILS and not self.errors and not self.supplied_values():
            self.add_error("grade", "Enter at least one value as it should be")
        if kind == T.DUPLICATE_EVENT and not data.get("second_event_id"):
            if not self.fields["second_event_id"].choices:  # type: ignore[attr-defined]
                self.add_error(
                    "type",
                    "This learner has no other learning event for this one to duplicate",
                )
            else:
                self.add_error("second_event_id", "Select the learning event it duplicates")
        return data

    def supplied_values(self) -> dict[str, str]:
        """The values the raiser says are correct, for the type chosen."""
        data = self.cleaned_data
        wanted = SUPPLIED_BY_TYPE.get(data.get("type") or "", ())
        values: dict[str, str] = {}
        for name in wanted:
            value = data.get(name)
            if value is None or value == "":
                continue
            values[name] = value.isoformat() if name == "achieved_date" else str(value).strip()
        return {k: v for k, v in values.items() if v}

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "second_event_id": (
                data.get("second_event_id") or "" if data["type"] == T.DUPLICATE_EVENT else ""
            ),
            "supplied_values": self.supplied_values(),
            "contact_name": data["contact_name"],
            "contact_telephone": data.get("contact_telephone") or "",
            "contact_email": data["contact_email"],
            "explanation": data["explanation"],
            "evidence": data.get("evidence") or [],
        }


class AcknowledgeForm(GovukForm):
    note = _textarea(
        "Note for the organisation that raised it (optional)",
        help_text="For example who is looking into it",
    )


class WithdrawForm(GovukForm):
    reason = _textarea(
        "Why are you withdrawing it?",
        required=True,
        message="Enter why you are withdrawing the challenge",
    )


class EvidenceForm(GovukForm):
    evidence = evidence_field()

    def clean_evidence(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("evidence") or []
        if not files:
            raise forms.ValidationError("Select a file")
        return list(files)


OUTCOME_LABELS = {
    Outcome.AMEND: "Amend the learning event",
    Outcome.WITHDRAW: "Withdraw the learning event",
    Outcome.MOVE: "Move it to the correct learner",
    Outcome.NO_CHANGE: "Change nothing",
}
OUTCOME_HINTS = {
    Outcome.AMEND: "Correct its grade, date, credits or language",
    Outcome.WITHDRAW: "It should not be on anyone's record (for example it was not achieved, "
    "or it is a duplicate)",
    Outcome.MOVE: "It was achieved by another learner: give their ULN",
    Outcome.NO_CHANGE: "The record is right as it is: say why in the reason",
}


class ResolveForm(GovukForm):
    outcome = forms.ChoiceField(
        label="How do you want to resolve it?",
        choices=[(o.value, OUTCOME_LABELS[o]) for o in Outcome],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want to resolve the challenge",
            "invalid_choice": "Select how you want to resolve the challenge",
        },
    )
    grade = _text("Grade", spellcheck="false")
    achieved_date = DatePartsField(
        name="Date achieved",
        label="Date achieved",
        required=False,
        help_text="For example, 24 8 2023",
    )
    credits = forms.IntegerField(
        label="Credits",
        required=False,
        min_value=0,
        max_value=9999,
        error_messages={
            "invalid": "Credits must be a whole number, like 12",
            "min_value": "Credits must be 0 or more",
            "max_value": "Credits must be 9,999 or fewer",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    language = _text("Language of assessment", spellcheck="false")
    correct_uln = _text(
        "ULN of the learner it belongs to",
        inputmode="numeric",
        spellcheck="false",
        autocomplete="off",
    )
    reason = _textarea(
        "Reason",
        required=True,
        message="Enter the reason for your decision",
        help_text="The organisation that raised the challenge will see this",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].item_hints = OUTCOME_HINTS  # type: ignore[attr-defined]
        self.fields["correct_uln"].help_text = "10 digits"

    def clean_correct_uln(self) -> str:
        return str(self.cleaned_data.get("correct_uln") or "").replace(" ", "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        if outcome == Outcome.AMEND and not self.errors and not self.amended():
            self.add_error("grade", "Enter at least one corrected value")
        if outcome == Outcome.MOVE and not data.get("correct_uln"):
            self.add_error("correct_uln", "Enter the ULN of the learner it belongs to")
        return data

    def amended(self) -> dict[str, str]:
        data = self.cleaned_data
        values = {
            "grade": str(data.get("grade") or "").strip(),
            "achieved_date": data["achieved_date"].isoformat() if data.get("achieved_date") else "",
            "credits": "" if data.get("credits") is None else str(data["credits"]),
            "language": str(data.get("language") or "").strip(),
        }
        return {k: v for k, v in values.items() if v}

    def service_data(self) -> dict[str, Any]:
        outcome = self.cleaned_data["outcome"]
        return {
            "outcome": outcome,
            "reason": self.cleaned_data["reason"],
            "amended": self.amended() if outcome == Outcome.AMEND else {},
            "correct_uln": self.cleaned_data["correct_uln"] if outcome == Outcome.MOVE else "",
        }


class FilterForm(GovukForm):
    """The queue's filters. Only codes go in the query string: never personal data."""

    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *((s.value, STATUS_LABELS[s]) for s in Status)],
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *((t.value, TYPE_LABELS[t]) for t in ChallengeType)],
    )
    owner = forms.ChoiceField(label="Owner", required=False)
    overdue = forms.BooleanField(label="Overdue only", required=False)

    def __init__(self, *args: Any, owners: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Any owner"), *owners]  # type: ignore[attr-defined]

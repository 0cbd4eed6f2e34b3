"""The learners' side's forms: GOV.UK ids and messages, checks that need no database."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from lrs.challenges.forms import EvidenceField
from lrs.challenges.lifecycle import TYPE_LABELS, ChallengeType
from lrs.core.forms import DatePartsField, GovukForm
from lrs.identifiers import uln as uln_rules
from lrs.learnerportal.models import ReportStatus
from lrs.matching import InvalidPostcodeError, normalise_postcode
from lrs.validation.learner import check_name


def _textarea(label: str, *, message: str, help_text: str = "", required: bool = True) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        help_text=help_text,
        error_messages={
            "required": message,
            "max_length": f"{label} must be 4,000 characters or fewer",
        },
        widget=forms.Textarea,
    )


class ShareForm(GovukForm):
    recipient = forms.CharField(
        label="Who are you sharing your record with?",
        help_text="For example, Northgate Training Ltd or the admissions team at a university",
        max_length=100,
        error_messages={
            "required": "Enter who you are sharing your record with",
            "max_length": "Who it is for must be 100 characters or fewer",
        },
    )
    scope = forms.ChoiceField(
        label="What do you want to share?",
        choices=[("all", "My whole record"), ("some", "Only the learning events I choose")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to share"},
    )
    events = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    expires_on = DatePartsField(
        name="Date the share ends",
        label="When should the share end?",
        help_text="Up to 90 days from today. For example, 27 3 2026",
    )
    offers_credential = forms.BooleanField(
        label="Let them download it as a verifiable credential",
        help_text=(
            "A file signed by LRS that they can check without contacting us. They keep it "
            "after the share ends; it stops being valid only if an achievement is withdrawn "
            "or corrected"
        ),
        required=False,
    )

    def __init__(self, *args: Any, events: list[Any], max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["events"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = [(str(e.public_id), e.subject) for e in events]
        self.fields[
            "expires_on"
        ].help_text = f"Up to {max_days} days from today. For example, 27 3 2026"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == "some" and not cleaned.get("events"):
            self.add_error("events", "Select the learning events to share")
        return cleaned


class CredentialForm(GovukForm):
    """Which of the learner's achievements go into verifiable credentials, and as what."""

    events = forms.MultipleChoiceField(
        label="Achievements",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Select the achievements to put in your credential",
            "invalid_choice": "Select achievements from your record",
        },
    )
    kind = forms.ChoiceField(
        label="What kind of credential do you want?",
        choices=[
            (
                "clr",
                "One credential holding all the achievements you choose (a Comprehensive "
                "Learner Record)",
            ),
            ("achievement", "A separate credential for each achievement (Open Badges)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of credential you want"},
    )

    def __init__(self, *args: Any, events: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self.fields["events"]
        assert isinstance(chosen, forms.MultipleChoiceField)
        chosen.choices = [(str(e.public_id), e.subject) for e in events]
        self.fields["kind"].item_hints = {  # type: ignore[attr-defined]
            "clr": "Best for sending your record to an employer, college or university",
            "achievement": "Best for keeping each qualification in a digital wallet",
        }


class ShareCodeForm(GovukForm):
    code = forms.CharField(
        label="Access code",
        help_text="The 8 letters and numbers the learner gave you, for example KX7P-2MQD",
        max_length=20,
        error_messages={"required": "Enter the access code"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class SharingForm(GovukForm):
    choice = forms.ChoiceField(
        label="Can organisations see your learning events?",
        choices=[
            ("share", "Yes, organisations I study or work with may see them"),
            ("do_not_share", "No, do not show my learning events to organisations"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether organisations can see your learning events"},
    )


class ReportForm(GovukForm):
    explanation = _textarea(
        "What is wrong?",
        message="Tell us what is wrong",
        help_text="Say what is wrong and what is right, for example the grade you were awarded",
    )


class CheckForm(GovukForm):
    reference = forms.CharField(
        label="Reference",
        help_text="It is on every page of the PDF, for example LRS-KX7P-2MQD-9HTA",
        max_length=30,
        error_messages={"required": "Enter the reference on the PDF"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class TokenForm(GovukForm):
    name = forms.CharField(
        label="Name of the app",
        help_text="So that you can tell your tokens apart, for example My careers app",
        max_length=100,
        error_messages={"required": "Enter the name of the app"},
    )
    expires_on = DatePartsField(
        name="Date the token stops working", label="When should it stop working?"
    )


def _name(label: str, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=35,
        error_messages={
            "required": f"Enter your {label.lower()}",
            "max_length": f"{label} must be 35 characters or fewer",
        },
    )


class PaperRequestForm(GovukForm):
    given_name = _name("Given name")
    family_name = _name("Family name")
    previous_family_name = _name("Previous family name (optional)", required=False)
    date_of_birth = DatePartsField(
        name="Date of birth", label="Date of birth", help_text="For example, 27 3 2007"
    )
    postcode = forms.CharField(
        label="Postcode",
        help_text="Of your address now. If you have moved in the last few years, say so below",
        max_length=10,
        error_messages={"required": "Enter your postcode"},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    uln = forms.CharField(
        label="Unique learner number (optional)",
        help_text="If you know it: 10 digits, on certificates and letters from your college",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    email = forms.EmailField(
        label="Email address",
        help_text="We will send the link to your record here",
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    evidence = EvidenceField(
        label="Proof of your identity",
        help_text=(
            "A photo or scan of your passport, driving licence or another photo ID, and a "
            "letter or bill with your address. PDF, PNG or JPEG, up to 5 files."
        ),
    )

    def clean_given_name(self) -> str:
        return self._clean_name("given_name")

    def clean_family_name(self) -> str:
        return self._clean_name("family_name")

    def clean_previous_family_name(self) -> str:
        return self._clean_name("previous_family_name")

    def _clean_name(self, field: str) -> str:
        value = str(self.cleaned_data.get(field) or "").strip()
        if value:
            rule = check_name(value)
            if rule:
                raise forms.ValidationError(rule)
        return value

    def clean_postcode(self) -> str:
        try:
            return normalise_postcode(str(self.cleaned_data.get("postcode") or ""))
        except InvalidPostcodeError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_uln(self) -> str:
        value = re.sub(r"\s", "", str(self.cleaned_data.get("uln") or ""))
        if value and not uln_rules.is_valid(value):
            raise forms.ValidationError(
                "Enter a unique learner number of 10 digits, or leave it out"
            )
        return value

    def clean_evidence(self) -> list[UploadedFile]:
        files = self.cleaned_data.get("evidence") or []
        if not files:
            raise forms.ValidationError("Attach proof of your identity")
        if len(files) > 5:
            raise forms.ValidationError("Attach no more than 5 files")
        return list(files)


# --- The service desk ---------------------------------------------------------------------


class RaiseForLearnerForm(GovukForm):
    type = forms.ChoiceField(
        label="What kind of challenge is it?",
        choices=[
            (t.value, TYPE_LABELS[t])
            for t in ChallengeType
            if t is not ChallengeType.DUPLICATE_EVENT
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of challenge"},
    )
    grade = forms.CharField(
        label="Correct grade (if the details are wrong)",
        required=False,
        max_length=20,
    )
    explanation = _textarea(
        "Explanation for the awarding organisation",
        message="Explain what the learner says is wrong",
    )


class ReportDecisionForm(GovukForm):
    status = forms.ChoiceField(
        label="What is the report's status now?",
        choices=[
            (ReportStatus.IN_PROGRESS.value, "In progress"),
            (ReportStatus.RESOLVED.value, "Resolved"),
            (ReportStatus.CLOSED.value, "Closed without a change"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select the status"},
    )
    outcome = _textarea(
        "Message to the learner",
        message="Tell the learner what happened",
        help_text="Shown to the learner when they sign in. Not sent by email.",
        required=False,
    )


class PaperSendForm(GovukForm):
    uln = forms.CharField(
        label="ULN of the learner the proof shows this person to be",
        max_length=10,
        error_messages={"required": "Enter the ULN of the learner"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )


class PaperRefuseForm(GovukForm):
    reason = _textarea(
        "Why can the copy not be sent?",
        message="Say why, so the person can try again",
        help_text="This is emailed to the person: write nothing about anyone's record",
    )

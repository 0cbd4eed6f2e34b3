"""The portal's forms for batch files: uploading, checking, filtering and resolving.

Forms check only what a person must fill in; the rules of files and of learner details
belong to the batch services and lrs.batchfiles, whose refusals are shown on these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from lrs.batches.models import BatchRow
from lrs.batchfiles.return_codes import ReturnCode, description
from lrs.core.errors import ServiceError, ValidationFailed
from lrs.core.forms import GovukForm
from lrs.learners.forms import FIELD_LABELS, GENDER_CHOICES

FILE_HINT = (
    "Name it LRB_<UKPRN>_<DDMMYYYYHHMM> for learner registrations or "
    "LRV_<UKPRN>_<DDMMYYYYHHMM> for verifications, ending .CSV, .XML or .XLSX"
)


def file_hint(ukprn: str = "") -> str:
    """FILE_HINT with the organisation's own UKPRN in it, when known."""
    return FILE_HINT.replace("<UKPRN>", ukprn) if ukprn else FILE_HINT


# The return codes a person can resolve in the portal, in the filter's order.
EXCEPTION_FILTER_CODES = (ReturnCode.RC007, ReturnCode.RC008, ReturnCode.RC010)


def _max_mb() -> int:
    return int(settings.LRS_BATCH_MAX_BYTES // (1024 * 1024))


def _batch_file_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        error_messages={
            "required": "Select a batch file",
            "empty": "The selected file is empty",
            "invalid": "Select a batch file",
            "missing": "Select a batch file",
        },
    )


class UploadForm(GovukForm):
    file = _batch_file_field("Batch file")

    def __init__(self, *args: Any, ukprn: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"{file_hint(ukprn)}. The file may be up to {_max_mb()} MB."


class UploadAgainForm(GovukForm):
    again = forms.ChoiceField(
        label="Do you want to process this file again?",
        choices=[
            ("yes", "Yes, process it again"),
            ("no", "No, do not process it"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if you want to process this file again",
            "invalid_choice": "Select yes if you want to process this file again",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["again"].item_hints = {  # type: ignore[attr-defined]
            "yes": "Learners already registered from it are found again, not registered twice",
        }


class ValidateForm(GovukForm):
    file = _batch_file_field("File to check")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"{FILE_HINT}. The file may be up to {_max_mb()} MB."

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and (upload.size or 0) > settings.LRS_BATCH_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {_max_mb()} MB, the most one file may be: "
                "split it into smaller files"
            )
        return upload


class ExceptionFilterForm(GovukForm):
    """The return code to list; the only thing that ever goes in the query string."""

    return_code = forms.ChoiceField(
        label="Return code",
        required=False,
        choices=[
            ("", "All exceptions"),
            *((str(code), f"{code}: {description(code)}") for code in EXCEPTION_FILTER_CODES),
        ],
        error_messages={"invalid_choice": "Select a return code from the list"},
    )

    def code(self) -> str:
        return str(self.cleaned_data.get("return_code") or "") if self.is_valid() else ""


# The learner services' words for an empty mandatory field, said the GOV.UK way here.
MANDATORY = "This field is mandatory"

# The learner fields a person may correct before matching again, in the page's order.
AMEND_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
    "previous_family_name",
)

ACTION_CHOICES = [
    ("choose", "It is one of these learners"),
    ("new", "It is a new learner"),
    ("amend", "Amend the details and match again"),
    ("dismiss", "Dismiss this record"),
]


def _amend_text(label: str, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", **attrs}),
    )


class ResolveForm(GovukForm):
    """One decision about an exception, with what that decision needs.

    The service decides what is missing (a reason for a new learner, a candidate to
    choose) and checks amended details; its problems come back onto these fields.
    """

    action = forms.ChoiceField(
        label="What do you want to do with this record?",
        choices=ACTION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what to do with this record",
            "invalid_choice": "Select what to do with this record",
        },
    )
    uln = forms.ChoiceField(
        label="Which learner is it?",
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the candidate ULNs listed for this row"},
    )
    new_reason = forms.CharField(
        label="Why is this a different person from the candidates?",
        help_text="For example, a different middle name. This is kept with the decision.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": "3"}),
    )
    given_name = _amend_text("Given name")
    family_name = _amend_text("Family name")
    date_of_birth = _amend_text("Date of birth", inputmode="numeric")
    gender = forms.ChoiceField(label="Gender", required=False, choices=GENDER_CHOICES)
    last_known_postcode = _amend_text("Postcode", autocapitalize="characters")
    previous_family_name = _amend_text("Previous family name (optional)")
    dismiss_reason = forms.CharField(
        label="Why are you dismissing it? (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": "3"}),
    )

    # Where each of the service's problem fields is shown.
    SERVICE_FIELDS = {"reason": "new_reason", "uln": "uln", "action": "action"}

    def __init__(self, *args: Any, row: BatchRow, **kwargs: Any) -> None:
        if not args and "data" not in kwargs:
            kwargs.setdefault("initial", {})
            for name in AMEND_FIELDS:
                kwargs["initial"].setdefault(name, str(row.data.get(name) or ""))
        super().__init__(*args, **kwargs)
        self.row = row
        uln_field = self.fields["uln"]
        assert isinstance(uln_field, forms.ChoiceField)
        uln_field.choices = [(uln, f"ULN {uln}") for uln in row.candidate_ulns]
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        if not row.candidate_ulns:
            action_field.choices = [c for c in ACTION_CHOICES if c[0] != "choose"]
        elif len(row.candidate_ulns) == 1:
            action_field.choices = [
                ("choose", "It is the learner above"),
                *(c for c in ACTION_CHOICES if c[0] != "choose"),
            ]
            uln_field.label = "Confirm the learner"
        self.fields["date_of_birth"].help_text = "As YYYY-MM-DD, for example 2008-03-27"

    def reason(self) -> str:
        action = self.cleaned_data.get("action")
        if action == "new":
            return str(self.cleaned_data.get("new_reason") or "")
        if action == "dismiss":
            return str(self.cleaned_data.get("dismiss_reason") or "")
        return ""

    def amended(self) -> dict[str, str] | None:
        if self.cleaned_data.get("action") != "amend":
            return None
        return {name: str(self.cleaned_data.get(name) or "") for name in AMEND_FIELDS}

    def add_service_error(self, error: ServiceError) -> None:
        """Each problem on the field it is about; one about a learner field this form
        does not show goes on the form as a whole, named."""
        if isinstance(error, ValidationFailed) and error.problems:
            for problem in error.problems:
                name = self.SERVICE_FIELDS.get(problem.field, problem.field)
                label = FIELD_LABELS.get(problem.field, problem.field.replace("_", " "))
                rule = problem.rule
                if rule == MANDATORY:
                    rule = f"Enter the learner\u2019s {label[:1].lower()}{label[1:]}"
                if name in self.fields:
                    self.add_error(name, rule)
                else:
                    self.add_error(None, f"{label[:1].upper()}{label[1:]}: {problem.rule}")
            return
        self.add_error(None, error.message)

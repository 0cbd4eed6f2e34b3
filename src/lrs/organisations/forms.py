"""Forms of the organisation pages: applying to use LRS, and the service desk's decisions.

The services check every rule; these forms only ask the questions and keep what was
typed. The application form requires nothing itself, so that the service reports every
problem at once, in one error summary.
"""

from __future__ import annotations

from typing import Any

from django import forms

from lrs.access import ORGANISATION_TYPE_LABELS, OrganisationStatus, OrganisationType
from lrs.core.forms import GovukForm
from lrs.organisations.models import ApplicationStatus, ExpectedVolume
from lrs.organisations.services import REASON_MAX

APPLYING_TYPES = [t for t in OrganisationType if t is not OrganisationType.SERVICE_DESK]

TYPE_HINTS = {
    OrganisationType.SCHOOL: "You will also need the school's URN",
    OrganisationType.LOCAL_AUTHORITY: "You will also need your local authority code",
    OrganisationType.AWARDING_ORGANISATION: "Awarding organisations verify learners' ULNs and "
    "upload their achievements",
}


class TelephoneInput(forms.TextInput):
    input_type = "tel"


class SearchInput(forms.TextInput):
    input_type = "search"


def _text(label: str, *, help_text: str = "", **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


class ApplicationForm(GovukForm):
    name = _text("Organisation name", autocomplete="organization")
    type = forms.ChoiceField(
        label="Type of organisation",
        required=False,
        choices=[(t.value, ORGANISATION_TYPE_LABELS[t]) for t in APPLYING_TYPES],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the type of organisation"},
    )
    ukprn = _text(
        "UK Provider Reference Number (UKPRN)",
        help_text="8 digits starting with 1, like 10012345, from the UK Register of Learning "
        "Providers",
        inputmode="numeric",
        spellcheck="false",
    )
    urn = _text(
        "Unique Reference Number (URN), if you are a school",
        help_text="6 digits, like 100001, from Get Information about Schools. Leave this "
        "empty unless you are a school.",
        inputmode="numeric",
        spellcheck="false",
    )
    la_code = _text(
        "Local authority code, if you are a local authority",
        help_text="3 digits, like 201. Leave this empty unless you are a local authority.",
        inputmode="numeric",
        spellcheck="false",
    )
    ico_number = _text(
        "ICO registration number",
        help_text="From the Information Commissioner's Office data protection register: Z and "
        "7 digits, like Z1234567, or Z, a letter and 6 digits, like ZA123456",
        spellcheck="false",
        autocapitalize="characters",
    )
    companies_house_number = _text(
        "Companies House number (if you have one)",
        help_text="8 characters, like 01234567 or SC123456",
        spellcheck="false",
        autocapitalize="characters",
    )
    purpose = forms.CharField(
        label="What will you use LRS for?",
        required=False,
        help_text="For example, to register learners at enrolment and get their ULNs for "
        "your Individualised Learner Record returns",
        widget=forms.Textarea(attrs={"rows": "5"}),
    )
    expected_volumes = forms.ChoiceField(
        label="How many learners a year do you expect to register or look up?",
        required=False,
        choices=ExpectedVolume.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select how many learners a year you expect"},
    )
    contact_name = _text(
        "Full name",
        help_text="The contact becomes your organisation's first super user: they sign in and "
        "add your other users",
        autocomplete="name",
        spellcheck="false",
    )
    contact_job_title = _text("Job title", autocomplete="organization-title")
    contact_email = forms.CharField(
        label="Email address",
        required=False,
        help_text="We send the decision, and the link to sign in, to this address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    contact_telephone = forms.CharField(
        label="Telephone number",
        required=False,
        help_text="For international numbers include the country code",
        widget=TelephoneInput(attrs={"autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].item_hints = {  # type: ignore[attr-defined]
            t.value: hint for t, hint in TYPE_HINTS.items()
        }


class ApproveForm(GovukForm):
    username = forms.CharField(
        label="Username for their first super user",
        help_text="Made from their email address. 3 to 150 characters: letters, digits and "
        ". @ + _ - only",
        error_messages={"required": "Enter a username"},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "none"}),
    )


def _reason(label: str, help_text: str, required_message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=REASON_MAX,
        error_messages={
            "required": required_message,
            "max_length": f"The reason must be {REASON_MAX:,} characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": "4"}),
    )


class RejectForm(GovukForm):
    reason = _reason(
        "Why are you rejecting it?",
        "We email this to the applicant, so they know what to put right before applying "
        "again. It is also kept in the audit log.",
        "Enter the reason for rejecting it",
    )


class StatusChangeForm(GovukForm):
    reason = _reason(
        "Reason",
        "For example, what the organisation asked for or the ticket number. It is kept in "
        "the organisation's history.",
        "Enter the reason for the change",
    )


class OrganisationFilterForm(GovukForm):
    search = forms.CharField(
        label="Name or UKPRN",
        required=False,
        widget=SearchInput(attrs={"spellcheck": "false"}),
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[
            ("", "All types"),
            *((t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType),
        ],
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[
            ("", "All statuses"),
            *((s.value, s.value.capitalize()) for s in OrganisationStatus),
        ],
    )


class ApplicationFilterForm(GovukForm):
    search = forms.CharField(
        label="Reference, UKPRN or name",
        required=False,
        widget=SearchInput(attrs={"spellcheck": "false"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "All"), *ApplicationStatus.choices],
    )

"""The portal's forms for finding, registering, updating and verifying learners.

Forms check only what a person must fill in, and turn the three date boxes into a date;
the rules of every field are the learner services' (lrs.validation.learner), and their
refusals are shown on these forms by ``add_learner_problems``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from lrs.core.errors import FieldProblem
from lrs.core.forms import DatePartsField, GovukForm
from lrs.validation.learner import ABILITY_TO_SHARE, GENDERS, VERIFICATION_TYPES

# Gender as people read it: male and female first, then the two "unknown" codes.
GENDER_CHOICES = [(code, GENDERS[code]) for code in ("1", "2", "0", "9")]
GENDER_HINTS = {
    "0": "The learner's gender has not been recorded",
    "9": "The learner chose not to say",
}
VERIFICATION_CHOICES = list(VERIFICATION_TYPES.items())
OTHER_VERIFICATION = "999"
ABILITY_TO_SHARE_CHOICES = list(ABILITY_TO_SHARE.items())
ABILITY_TO_SHARE_HINTS = {
    "0": "The learner has not yet seen the LRS privacy notice",
    "1": "The learner has seen the privacy notice and their record may be shared",
    "2": "The learner has seen the privacy notice and asked for their record not to be shared",
}

# Labels of the learner fields, for summaries, history and errors with no field here.
FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "given_name": "Given name",
    "middle_other_name": "Middle or other names",
    "family_name": "Family name",
    "preferred_given_name": "Preferred given name",
    "previous_family_name": "Previous family name",
    "family_name_at_16": "Family name at 16",
    "school_at_16": "School at 16",
    "last_known_address_line1": "Address line 1",
    "last_known_address_line2": "Address line 2",
    "last_known_address_town": "Town or city",
    "last_known_address_county_or_city": "County",
    "last_known_postcode": "Postcode",
    "date_of_address_capture": "Date the address was recorded",
    "date_of_birth": "Date of birth",
    "place_of_birth": "Place of birth",
    "gender": "Gender",
    "email_address": "Email address",
    "nationality": "Nationality",
    "scottish_candidate_number": "Scottish candidate number",
    "verification_type": "Evidence of identity seen",
    "other_verification_description": "Description of the evidence",
    "ability_to_share": "Ability to share",
    "notes": "Notes",
}

# The fields whose stored value is a code, and the labels of their codes.
CODE_LABELS: dict[str, Mapping[str, str]] = {
    "gender": GENDERS,
    "verification_type": VERIFICATION_TYPES,
    "ability_to_share": ABILITY_TO_SHARE,
}


def _text(
    label: str, *, required: bool = False, message: str = "", **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        error_messages={"required": message} if message else {},
        widget=forms.TextInput(attrs={"spellcheck": "false", **attrs}),
    )


def _name(label: str, *, required: bool = False, message: str = "") -> forms.CharField:
    return _text(label, required=required, message=message, autocomplete="off")


def _radios(
    label: str,
    choices: list[tuple[str, str]],
    *,
    required: bool = True,
    message: str = "",
    hints: Mapping[str, str] | None = None,
) -> forms.ChoiceField:
    field = forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages={"required": message, "invalid_choice": message},
    )
    field.item_hints = dict(hints or {})  # type: ignore[attr-defined]
    return field


def _postcode(*, required: bool) -> forms.CharField:
    field = _text(
        "Postcode",
        required=required,
        message="Enter the learner's postcode",
        autocomplete="off",
    )
    field.widget.attrs["autocapitalize"] = "characters"
    return field


class FindForm(GovukForm):
    """The demographics a find needs, and the optional ones that narrow it."""

    given_name = _name("Given name", required=True, message="Enter the learner's given name")
    family_name = _name("Family name", required=True, message="Enter the learner's family name")
    date_of_birth = DatePartsField(
        name="Date of birth", label="Date of birth", help_text="For example, 27 3 2008"
    )
    gender = _radios("Gender", GENDER_CHOICES, message="Select the learner's gender")
    last_known_postcode = _postcode(required=True)
    previous_family_name = _name("Previous family name (optional)")
    school_at_16 = _text("School at 16 (optional)")
    place_of_birth = _text("Place of birth (optional)")
    email_address = forms.CharField(
        label="Email address (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    OPTIONAL = ("previous_family_name", "school_at_16", "place_of_birth", "email_address")

    def has_optional_details(self) -> bool:
        source = self.data if self.is_bound else self.initial
        return any((source.get(name) or "").strip() for name in self.OPTIONAL)

    def service_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class LearnerForm(GovukForm):
    """Every field of the learner record, in the groups the register and update pages use."""

    title = _text("Title (optional)", autocomplete="off")
    given_name = _name("Given name", required=True, message="Enter the learner's given name")
    middle_other_name = _name("Middle or other names (optional)")
    family_name = _name("Family name", required=True, message="Enter the learner's family name")
    preferred_given_name = _name("Preferred given name (optional)")
    previous_family_name = _name("Previous family name (optional)")
    family_name_at_16 = _name("Family name at 16 (optional)")

    date_of_birth = DatePartsField(
        name="Date of birth", label="Date of birth", help_text="For example, 27 3 2008"
    )
    gender = _radios(
        "Gender", GENDER_CHOICES, message="Select the learner's gender", hints=GENDER_HINTS
    )
    place_of_birth = _text("Place of birth (optional)", autocomplete="off")

    last_known_address_line1 = _text("Address line 1 (optional)", autocomplete="off")
    last_known_address_line2 = _text("Address line 2 (optional)", autocomplete="off")
    last_known_address_town = _text("Town or city (optional)", autocomplete="off")
    last_known_address_county_or_city = _text("County (optional)", autocomplete="off")
    last_known_postcode = _postcode(required=True)
    date_of_address_capture = DatePartsField(
        name="Date the address was recorded",
        label="Date the address was recorded (optional)",
        required=False,
        help_text="For example, 1 9 2025",
    )

    verification_type = _radios(
        "Evidence of identity seen",
        VERIFICATION_CHOICES,
        message="Select the evidence of the learner's identity you saw",
    )
    other_verification_description = forms.CharField(
        label="Describe the evidence",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    ability_to_share = _radios(
        "Ability to share",
        ABILITY_TO_SHARE_CHOICES,
        message="Select whether the learner's record may be shared",
        hints=ABILITY_TO_SHARE_HINTS,
    )

    email_address = forms.CharField(
        label="Email address (optional)",
        required=False,
        widget=forms.EmailInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    school_at_16 = _text("School at 16 (optional)", autocomplete="off")
    nationality = _text("Nationality (optional)", autocomplete="off")
    scottish_candidate_number = _text("Scottish candidate number (optional)", autocomplete="off")
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].help_text = "A 2 or 3 letter country code, like GB or FRA"
        self.fields["scottish_candidate_number"].help_text = "9 digits"
        self.fields["other_verification_description"].help_text = "For example, birth certificate"

    def verification_items(self) -> list[dict[str, Any]]:
        """The verification type radios; "Other" reveals the description (GOV.UK
        conditional radios, which the portal's ``govuk_field`` tag does not draw)."""
        value = self["verification_type"].value()
        return [
            {
                "id": "verification_type" if index == 0 else f"verification_type-{index + 1}",
                "value": code,
                "text": label,
                "checked": value is not None and str(value) == code,
                "conditional": code == OTHER_VERIFICATION,
            }
            for index, (code, label) in enumerate(VERIFICATION_CHOICES)
        ]

    def service_data(self, *, blanks: bool = False) -> dict[str, Any]:
        """The learner's fields as the services take them.

        A register sends only what was filled in. An update (``blanks``) also sends the
        fields left empty, as "", so that emptying one removes its value.
        """
        data: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name not in FIELD_LABELS:
                continue
            if value not in (None, ""):
                data[name] = value
            elif blanks:
                data[name] = ""
        return data


class UpdateForm(LearnerForm):
    version_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ConfirmNewLearnerForm(GovukForm):
    """Saying that the learner being registered is none of the candidates found, and why."""

    confirmation_reason = forms.CharField(
        label="Why is this a different person?",
        help_text=(
            "For example, a different middle name, or the school knows them as siblings. "
            "This is kept with the record of the registration."
        ),
        error_messages={"required": "Enter why this is a different person"},
        widget=forms.Textarea(attrs={"rows": "3"}),
        max_length=500,
    )


class VerifyForm(GovukForm):
    uln = _text(
        "Unique learner number (ULN)",
        required=True,
        message="Enter the ULN",
        inputmode="numeric",
        autocomplete="off",
    )
    given_name = _name("Given name", required=True, message="Enter the learner's given name")
    family_name = _name("Family name", required=True, message="Enter the learner's family name")
    date_of_birth = DatePartsField(
        name="Date of birth",
        label="Date of birth (optional)",
        required=False,
        help_text="For example, 27 3 2008",
    )
    gender = forms.ChoiceField(
        label="Gender (optional)",
        required=False,
        choices=[("", "Not given"), *GENDER_CHOICES],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uln"].help_text = "10 digits, as the learner or their centre gave it to you"


def add_learner_problems(form: forms.Form, problems: Iterable[FieldProblem]) -> None:
    """Each problem a learner service found, on the field it is about (or on the form)."""
    for problem in problems:
        if problem.field in form.fields:
            form.add_error(problem.field, problem.rule)
        else:
            label = FIELD_LABELS.get(problem.field, problem.field.replace("_", " ").capitalize())
            form.add_error(None, f"{label}: {problem.rule}")


# The find fields as they are posted (a date as three boxes), for carrying what a person
# typed from one page to the next in hidden inputs rather than in a URL.
def posted_values(data: Mapping[str, Any], form_class: type[forms.Form]) -> list[tuple[str, str]]:
    names: list[str] = []
    for name, field in form_class.base_fields.items():
        if isinstance(field, DatePartsField):
            names.extend(f"{name}_{part}" for part in ("day", "month", "year"))
        elif not isinstance(field.widget, forms.HiddenInput):
            names.append(name)
    return [(name, str(data.get(name, ""))) for name in names if data.get(name)]


def initial_from_posted(data: Mapping[str, Any], form_class: type[forms.Form]) -> dict[str, Any]:
    """What a person typed, as a form's initial values: shown again, not yet checked."""
    initial: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, DatePartsField):
            parts = [str(data.get(f"{name}_{part}", "")) for part in ("day", "month", "year")]
            if any(parts):
                initial[name] = parts
        elif data.get(name):
            initial[name] = str(data[name])
    return initial


class LookupForm(GovukForm):
    """Find a learner by ULN: the names must match it too."""

    uln = _text(
        "Unique learner number (ULN)",
        required=True,
        message="Enter the ULN",
        inputmode="numeric",
        autocomplete="off",
    )
    given_name = _name("Given name", required=True, message="Enter the learner's given name")
    family_name = _name("Family name", required=True, message="Enter the learner's family name")


class RetrieveForm(GovukForm):
    ulns = forms.CharField(
        label="ULNs",
        help_text="One ULN a line, up to 1,000",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter at least one ULN"},
    )

    def clean_ulns(self) -> list[str]:
        ulns = [line.strip().replace(" ", "") for line in self.cleaned_data["ulns"].splitlines()]
        ulns = [u for u in ulns if u]
        if not ulns:
            raise forms.ValidationError("Enter at least one ULN")
        if len(ulns) > 1000:
            raise forms.ValidationError(f"Enter at most 1,000 ULNs; you entered {len(ulns):,}")
        return ulns

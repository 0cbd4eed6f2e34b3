"""Forms of the PLR pages: the details a PLR is asked for, and recording the privacy
notice for a learner who opted out before May 2018."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from lrs.core.forms import DatePartsField, GovukForm
from lrs.learners.forms import GENDER_CHOICES
from lrs.records.services import PlrDetail

DETAIL_CHOICES = [
    (PlrDetail.FULL, "Full"),
    (PlrDetail.BRIEF, "Brief"),
]
DETAIL_HINTS = {
    PlrDetail.FULL: "Every detail of each learning event, including who awarded it and when",
    PlrDetail.BRIEF: "Each learning event's subject, type, level, grade, date and status",
}


def _text(label: str, *, required: bool = False, message: str = "", **attrs: str) -> Any:
    return forms.CharField(
        label=label,
        required=required,
        error_messages={"required": message} if message else {},
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off", **attrs}),
    )


class PlrForm(GovukForm):
    """The learner's ULN and names (which must match it), and how much to show."""

    uln = _text(
        "Unique learner number (ULN)",
        required=True,
        message="Enter the ULN",
        inputmode="numeric",
    )
    given_name = _text("Given name", required=True, message="Enter the learner's given name")
    family_name = _text("Family name", required=True, message="Enter the learner's family name")
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
    detail = forms.ChoiceField(
        label="How much detail",
        choices=DETAIL_CHOICES,
        initial=PlrDetail.FULL,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select full or brief",
            "invalid_choice": "Select full or brief",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uln"].help_text = "10 digits, as the learner or their centre gave it to you"
        self.fields["detail"].item_hints = DETAIL_HINTS  # type: ignore[attr-defined]

    def clean_uln(self) -> str:
        return str(self.cleaned_data["uln"]).replace(" ", "")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "uln": data["uln"],
            "given_name": data["given_name"],
            "family_name": data["family_name"],
            "date_of_birth": data["date_of_birth"],
            "gender": data["gender"] or None,
            "detail": data["detail"],
        }


class PrivacyNoticeForm(GovukForm):
    """Saying that the learner has been given the current privacy notice."""

    confirmed = forms.BooleanField(
        label="I have given the learner the current LRS privacy notice",
        error_messages={
            "required": "Confirm that you have given the learner the current privacy notice"
        },
    )


# --- Achievement files ------------------------------------------------------------------


def _max_upload_mb() -> int:
    return int(settings.LRS_BATCH_MAX_BYTES // (1024 * 1024))


def achievement_file_hint(ukprn: str = "") -> str:
    example = f"ACH_{ukprn or '10054321'}_010920241030.CSV"
    return (
        "Name it ACH_<UKPRN>_<DDMMYYYYHHMM> ending .CSV, .XML or .XLSX: your UKPRN and the "
        f"date and time you made the file, for example {example}. "
        f"The file may be up to {_max_upload_mb()} MB."
    )


class AchievementUploadForm(GovukForm):
    """An awarding organisation's achievement file. The service checks the name and the
    size again, and the file itself when it is processed."""

    file = forms.FileField(
        label="Achievement file",
        error_messages={
            "required": "Select an achievement file",
            "empty": "The selected file is empty",
            "invalid": "Select an achievement file",
            "missing": "Select an achievement file",
        },
    )

    def __init__(self, *args: Any, ukprn: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = achievement_file_hint(ukprn)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload is not None and (upload.size or 0) > settings.LRS_BATCH_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {_max_upload_mb()} MB, the most one file may be: "
                "split it into smaller files"
            )
        return upload

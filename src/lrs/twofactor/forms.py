from __future__ import annotations

from django import forms

from lrs.core.forms import GovukForm


class CodeForm(GovukForm):
    code = forms.CharField(
        label="Code",
        max_length=40,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
            }
        ),
    )


class SignInCodeForm(CodeForm):
    """The sign-in code step: a 6-digit code from the app, or a recovery code."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            "The 6-digit code your authenticator app shows now. If you do not have your "
            "phone, enter one of your recovery codes instead."
        )


class EnrolForm(CodeForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "The 6-digit code your app shows after you add LRS to it."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"

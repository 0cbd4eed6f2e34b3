"""Forms of the credential pages: verifying a credential, and issuing from a PLR."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from lrs.core.forms import GovukForm
from lrs.credentials.models import CredentialKind

MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024

KIND_CHOICES = [
    (CredentialKind.CLR, "One Comprehensive Learner Record (CLR 2.0) of the chosen achievements"),
    (CredentialKind.ACHIEVEMENT, "One Open Badges 3.0 credential per achievement"),
]


class VerifyForm(GovukForm):
    """A credential pasted as text or uploaded as a file (one of the two)."""

    credential = forms.CharField(
        label="Paste the credential",
        required=False,
        strip=True,
        help_text="The whole credential as JSON, starting with {",
        widget=forms.Textarea,
    )
    file = forms.FileField(
        label="Or upload the credential file",
        required=False,
        help_text="A .json file, as downloaded from LRS or exported from a wallet",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = data.get("credential") or ""
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                self.add_error("file", "The file is larger than 2 MB: it is not a credential")
                return data
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not text: choose the credential's .json file")
                return data
            field = "file"
        else:
            field = "credential"
        if not text.strip():
            self.add_error("credential", "Paste a credential or choose a credential file")
            return data
        if len(text) > MAX_CREDENTIAL_BYTES:
            self.add_error(field, "That is larger than 2 MB: it is not a credential")
            return data
        try:
            data["document"] = json.loads(text)
        except ValueError as exc:
            self.add_error(field, f"That is not JSON (at line {getattr(exc, 'lineno', '?')})")
        return data


class IssueForm(GovukForm):
    """Which events of the PLR, and as what; the ULN is carried from the PLR page."""

    uln = forms.CharField(widget=forms.HiddenInput)
    events = forms.MultipleChoiceField(
        label="Achievements",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one achievement"},
    )
    kind = forms.ChoiceField(
        label="Issue as",
        choices=KIND_CHOICES,
        initial=CredentialKind.CLR,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how to issue the credentials"},
    )

    def __init__(self, *args: Any, event_ids: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event_ids is None:
            event_ids = list(self.data.getlist("events")) if hasattr(self.data, "getlist") else []
        self.fields["events"].choices = [(i, i) for i in event_ids]  # type: ignore[attr-defined]

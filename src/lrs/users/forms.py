"""The portal's forms for signing in, managing users and API tokens.

Forms check only what a person must fill in; the rules (usernames, passwords, roles an
organisation may have) are the services', and their refusals are shown on these forms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from lrs.access import ROLE_LABELS, Role, roles_allowed_in
from lrs.core.forms import DatePartsField, GovukForm

if TYPE_CHECKING:
    # Only the type of User.organisation: organisations sits above users.
    from lrs.organisations.models import Organisation

# The generic message: never say whether the username or the password was wrong.
WRONG_CREDENTIALS = "Enter a correct username and password"

ROLE_HINTS: dict[Role, str] = {
    Role.SUPER_USER: "Manages users, and can do everything the organisation may do",
    Role.BATCH_USER: "Finds and registers learners, and submits batch files",
    Role.ONLINE_USER: "Finds, registers and updates learners one at a time",
    Role.VIEW_LEARNER_ONLY: "Finds learners and views their records, but changes nothing",
    Role.AWARDING_ORGANISATION_USER: "Verifies learners and uploads achievements",
    Role.SERVICE_DESK_USER: "Supports organisations and searches the audit log",
}


class RoleChoiceField(forms.ChoiceField):
    """A role, as radios, limited to the roles an organisation's type may have."""

    widget = forms.RadioSelect

    def __init__(self, *, organisation: Organisation | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", "Role")
        kwargs.setdefault(
            "error_messages", {"required": "Select a role", "invalid_choice": "Select a role"}
        )
        super().__init__(**kwargs)
        if organisation is not None:
            self.set_organisation(organisation)

    def set_organisation(self, organisation: Organisation) -> None:
        allowed = roles_allowed_in(organisation.type)
        roles = [role for role in Role if role in allowed]
        self.choices = [(role.value, ROLE_LABELS[role]) for role in roles]
        self.item_hints = {role.value: ROLE_HINTS[role] for role in roles}


def _text(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"spellcheck": "false", **attrs})


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": WRONG_CREDENTIALS,
        # The backend refuses deactivated users before this is ever reached; if it were,
        # it must not reveal that the account exists.
        "inactive": WRONG_CREDENTIALS,
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        username = self.fields["username"]
        username.error_messages["required"] = "Enter your username"
        username.widget.attrs.pop("autofocus", None)
        username.widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        )
        password = self.fields["password"]
        password.error_messages["required"] = "Enter your password"
        password.widget.attrs = {"autocomplete": "current-password"}


def new_password_field(*, whose: str) -> forms.CharField:
    return forms.CharField(
        label="Password",
        help_text=f"At least 12 characters. Do not use a common password or one like {whose}.",
        strip=False,
        error_messages={"required": "Enter a password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def confirm_password_field(*, required: str) -> forms.CharField:
    return forms.CharField(
        label="Confirm password",
        strip=False,
        error_messages={"required": required},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def check_passwords_match(form: forms.Form, cleaned: dict[str, Any]) -> dict[str, Any]:
    password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
    if password and confirm and password != confirm:
        form.add_error("password_confirm", "The passwords do not match")
    return cleaned


class UserCreateForm(GovukForm):
    username = forms.CharField(
        label="Username",
        help_text="3 to 150 characters: letters, digits and . @ + _ - only",
        error_messages={"required": "Enter a username"},
        widget=_text(autocomplete="off", autocapitalize="none"),
    )
    first_name = forms.CharField(
        label="First name",
        error_messages={"required": "Enter their first name"},
        widget=_text(autocomplete="off"),
    )
    last_name = forms.CharField(
        label="Last name",
        error_messages={"required": "Enter their last name"},
        widget=_text(autocomplete="off"),
    )
    email = forms.CharField(
        label="Email address",
        error_messages={"required": "Enter their email address"},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = RoleChoiceField()
    password = new_password_field(whose="the username")
    password_confirm = confirm_password_field(required="Confirm the password")

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, RoleChoiceField)
        role.set_organisation(organisation)

    def clean(self) -> dict[str, Any]:
        return check_passwords_match(self, super().clean() or {})


class SetPasswordForm(GovukForm):
    """Choosing one's own password, from a sign-in link."""

    password = new_password_field(whose="your username")
    password_confirm = confirm_password_field(required="Confirm your password")

    def clean(self) -> dict[str, Any]:
        return check_passwords_match(self, super().clean() or {})


class UserRoleForm(GovukForm):
    role = RoleChoiceField()

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, RoleChoiceField)
        role.set_organisation(organisation)


class ApiTokenCreateForm(GovukForm):
    name = forms.CharField(
        label="Name",
        help_text="To tell your tokens apart, for example the system that uses it",
        error_messages={"required": "Enter a name for the token"},
        widget=_text(autocomplete="off"),
    )
    expires = DatePartsField(
        name="Expiry date",
        label="Expiry date (optional)",
        required=False,
        help_text="The token stops working at the end of this day. For example, 27 3 2027",
    )
